"""Compose and validate a run: the schema's checks (sim.config) plus those that need the rest of
the package (mechanism and policy registries, the district parser, resource estimates).

A composed configuration is checked here once, before anything is built or written; every problem
is one :class:`sim.config.ConfigError` line that names the key and what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from hydra.errors import OverrideParseException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import ConfigKeyError, OmegaConfBaseException

from sim import overrides as sim_overrides
from sim.config import (
    CONFIG_DIR,
    ConfigError,
    RunConfig,
    built,
    check_tree,
    did_you_mean,
    group_options,
    reject_targets,
)
from sim.district_file import load_district
from sim.governance import MECHANISMS
from sim.i18n import LANGUAGES
from sim.limits import check_resources
from sim.outcomes import OUTCOMES
from sim.outcomes import unknown as unknown_outcomes
from sim.sinking import SINKING_POLICIES
from sim.world.spec import SubdistrictSpec, parse_scenario

ARTICLE_MODE = "article"
CONFIG_GROUPS = ("scenario", "governance", "sinking", "structure", "intervention", "experiment")
PARAMS_KEY = "governance.params"


def validate(cfg: DictConfig | dict, overrides: Sequence[str] | None = None) -> RunConfig:
    """Check a composed configuration; raise ConfigError with one line.

    ``overrides`` are the user's command-line overrides (default: the running Hydra job's, if
    any): with ``governance=article`` a governance parameter they set keeps the user's value.
    """
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True)
    cfg = {k: v for k, v in cfg.items() if k != "hydra"}
    reject_targets(cfg)
    scenario = dict(cfg.get("scenario") or {})
    name, specs = _scenario_specs(scenario)
    cfg["scenario"] = {**scenario, "name": name, "subdistricts": {}}
    if (cfg.get("governance") or {}).get("name") == ARTICLE_MODE:
        given = user_params(_job_overrides() if overrides is None else overrides, cfg.get("design"))
        cfg["governance"] = _article_mode(cfg["governance"], specs, given)
    run = _structured(cfg)
    check_tree(run)
    _check_names(run)
    run.scenario.subdistricts = specs
    check_resources(run)
    return run


def _scenario_specs(scenario: dict) -> tuple[str, dict[str, SubdistrictSpec]]:
    file = scenario.get("file")
    if file is None:
        specs = parse_scenario("scenario.subdistricts", scenario.get("subdistricts"))
        return scenario.get("name", "custom"), specs
    if not isinstance(file, str):
        raise ConfigError(f"scenario.file: got {file!r}, allowed: a path to a district YAML file")
    data = load_district(file)
    return data["name"], parse_scenario(f"scenario.file: {file}: subdistricts", data["subdistricts"])


@cache
def _schema() -> DictConfig:
    # built once per process: building it is most of a validation's time, and merge copies it
    return OmegaConf.structured(RunConfig)


def _structured(cfg: dict) -> RunConfig:
    fast = built(RunConfig, cfg)
    if fast is not None:
        return fast
    try:
        return OmegaConf.to_object(OmegaConf.merge(_schema(), cfg))
    except ConfigKeyError as err:  # a key the schema does not have (added with +key=...)
        key = err.full_key or "config"
        hint = did_you_mean(key, _schema_keys(), cutoff=0.75)
        raise ConfigError(f"{key}: got an unknown key, allowed: a key of the config{hint}") from None
    except OmegaConfBaseException as err:
        key = getattr(err, "full_key", None) or "config"
        reason = str(err).splitlines()[0]
        raise ConfigError(f"{key}: {reason}") from None


def _schema_keys() -> list[str]:
    return list(sim_overrides.dotted_keys(OmegaConf.to_container(OmegaConf.structured(RunConfig))))


def _check_names(run: RunConfig) -> None:
    for name in run.governance.mechanisms:
        if name not in MECHANISMS:
            raise ConfigError(
                f"governance.mechanisms: got {name!r}, allowed: names from {sorted(MECHANISMS)}"
            )
    if run.sinking.policy not in SINKING_POLICIES:
        raise ConfigError(
            f"sinking.policy: got {run.sinking.policy!r}, allowed: one of {sorted(SINKING_POLICIES)}"
        )
    if run.report.lang not in LANGUAGES:
        raise ConfigError(f"report.lang: got {run.report.lang!r}, allowed: one of {list(LANGUAGES)}")
    wrong = unknown_outcomes(run.report.outcomes or [])
    if wrong:
        hint = did_you_mean(wrong[0], OUTCOMES)
        raise ConfigError(
            f"report.outcomes: got {wrong[0]!r}, allowed: outcome names (sim/outcomes.py){hint}"
        )


def _article_mode(governance: dict, specs: dict[str, SubdistrictSpec], given: set[str]) -> dict:
    """Replace governance=article by the mode the article describes for the scenario. The mode's
    parameters replace the composed ones, except those in ``given`` (set by the user)."""
    modes = {spec.mode_in_article for spec in specs.values()}
    choices = [m for m in group_options("governance") if m != ARTICLE_MODE]
    if len(modes) != 1 or next(iter(modes)) not in choices:
        raise ConfigError(
            f"governance: got {sorted(map(str, modes))}, allowed: article only for a "
            "scenario whose subdistricts share one mode_in_article"
        )
    if governance.get("mechanisms"):
        raise ConfigError(
            f"governance.mechanisms: got {governance['mechanisms']!r}, allowed: none with "
            "governance=article (the article's mode sets them; name the mode to change them)"
        )
    mode = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "governance" / f"{modes.pop()}.yaml"))
    composed = governance.get("params") or {}
    mode_params = {k: v for k, v in (mode.get("params") or {}).items() if k not in given}
    return {**mode, "params": {**composed, **mode_params}}


def user_params(overrides: Sequence[str], design: Any = None) -> set[str]:
    """The governance parameters the user set: by an override (``governance.params.X=...`` or a
    whole ``governance.params={...}``) or as a parameter of a sampling design."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    given = set()
    for override in OverridesParser.create().parse_overrides(list(overrides)):
        key = override.key_or_group
        if override.is_delete():
            continue
        if key.startswith(PARAMS_KEY + "."):
            given.add(key[len(PARAMS_KEY) + 1 :].split(".")[0])
        elif key == PARAMS_KEY and isinstance(override.value(), dict):
            given.update(override.value())
    from sim.sweep.design import parameter_names

    for name in parameter_names(design):
        if name.startswith(PARAMS_KEY + "."):
            given.add(name[len(PARAMS_KEY) + 1 :])
    return given


def _job_overrides() -> list[str]:
    """The running Hydra job's task overrides (a run or one job of a sweep), else none."""
    from hydra.core.hydra_config import HydraConfig

    return list(HydraConfig.get().overrides.task) if HydraConfig.initialized() else []


def compose(overrides: list[str] | None = None) -> RunConfig:
    """Compose ``configs/`` (:mod:`sim.compose`) with ``overrides`` and validate it."""
    from sim.compose import compose as compose_config

    overrides = list(overrides or [])
    check_group_choices(overrides)
    return validate(compose_config(overrides), overrides)


def check_group_choices(overrides: list[str]) -> None:
    """Name an unknown preset, mode, policy, structure or experiment in one line, before Hydra
    prints its own long error."""
    try:
        parsed = sim_overrides.parse(overrides)
    except OverrideParseException as err:
        raise ConfigError(sim_overrides.parse_error_message(err)) from None
    for override in parsed:
        if override.key_or_group not in CONFIG_GROUPS:
            continue
        choices = group_options(override.key_or_group)
        for choice in sim_overrides.values(override, choices):
            if choice not in choices:
                hint = did_you_mean(choice, choices)
                raise ConfigError(f"{override.key_or_group}: got {choice!r}, allowed: one of {choices}{hint}")
