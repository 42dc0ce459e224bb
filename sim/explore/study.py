"""A study's command line and directory, shared by scenario discovery and policy search: compose the
study's config block, check everything a run would check before anything is written, and claim the
study directory.

    python -m sim.explore +exploration=NAME [model overrides] [hydra/launcher=... hydra.launcher.X=...]
    python -m sim.explore +experiment=explore_NAME            # a pinned study in experiments/

Overrides of the study's own block (``exploration.sampler.n=20``) and ``+experiment=`` compose the
study; launcher overrides (``hydra/launcher=...``, ``hydra.launcher.*``) go to every batch; any other
override (``steps=20``, ``scenario=small``) is appended to the study's ``model`` overrides, which every
evaluation runs with.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from omegaconf import DictConfig, OmegaConf

from sim import outcomes as outcome_table
from sim import overrides as sim_overrides
from sim.config import CONFIG_DIR, ConfigError, group_options
from sim.explore.evaluate import STATS

EXIT_CONFIG = 2
STUDY_FILE = "study.yaml"  # the resolved study a directory belongs to: resume only the same study


@dataclass
class Study:
    section: str
    spec: dict
    model: list[str]
    launcher: list[str]
    base: DictConfig = field(repr=False)
    directory: Path

    def where(self, key: str) -> str:
        return f"{self.section}.{key}"


def _is_launcher(item: str) -> bool:
    key = item.lstrip("+~")
    return key.startswith(("hydra/", "hydra."))


def _is_study(item: str, section: str) -> bool:
    key = item.lstrip("+~").split("=", 1)[0]
    return key in (section, "experiment") or key.startswith(f"{section}.")


def load(section: str, argv: Sequence[str], prefix: str) -> Study:
    """Compose and check a study from the command line; raise ConfigError with one line."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.validate import check_group_choices

    argv = list(argv)
    study_items = [a for a in argv if _is_study(a, section)]
    launcher = [a for a in argv if _is_launcher(a)]
    extra = [a for a in argv if a not in study_items and a not in launcher]
    check_group_choices(study_items)
    options = group_options(section)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose("config", overrides=study_items)
    except Exception as err:
        raise ConfigError(f"{section}: {sim_overrides.one_line(err)}") from None
    finally:
        GlobalHydra.instance().clear()
    if cfg.get(section) is None:
        raise ConfigError(
            f"{section}: missing, allowed: +{section}=NAME (one of {options}) or +experiment={prefix}NAME"
        )
    spec = OmegaConf.to_container(cfg[section], resolve=True)
    model = spec.get("model") or []
    if not isinstance(model, list) or not all(isinstance(m, str) for m in model):
        raise ConfigError(
            f"{section}.model: got {model!r}, allowed: a list of overrides such as scenario=bund"
        )
    launcher = merge(spec.get("launcher") or [], launcher)
    model = merge(model, extra)
    base = compose_base(f"{section}.model", model, launcher)
    directory = spec.get("dir")
    if not isinstance(directory, str) or not directory.strip():
        raise ConfigError(f"{section}.dir: got {directory!r}, allowed: a directory path")
    return Study(section, spec, model, launcher, base, Path(directory))


def merge(first: Sequence[str], then: Sequence[str]) -> list[str]:
    """Overrides ``first`` then ``then``, an override of ``then`` replacing one of ``first`` with the same
    key (Hydra refuses a key or group given twice)."""
    keys = {_key(a) for a in then}
    return [a for a in first if _key(a) not in keys] + list(then)


def _key(item: str) -> str:
    return item.split("=", 1)[0].lstrip("+~")


def compose_base(where: str, model: Sequence[str], launcher: Sequence[str] = ()) -> DictConfig:
    """The run config every evaluation starts from (checked as a run would be), as a DictConfig."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.validate import check_group_choices, validate

    check_group_choices(list(model))
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose("config", overrides=[*model, *launcher], return_hydra_config=True)
    except Exception as err:
        key = sim_overrides.unknown_key(err)
        parsed = sim_overrides.parse(list(model))
        message = (
            sim_overrides.unknown_key_message(key, parsed, CONFIG_DIR, group_options)
            if key
            else sim_overrides.one_line(err)
        )
        raise ConfigError(f"{where}: {message}") from None
    finally:
        GlobalHydra.instance().clear()
    OmegaConf.set_struct(cfg, False)  # the launcher is checked by composing it; the runs never see it
    del cfg["hydra"]
    validate(cfg, list(model))
    return cfg


def check_outcomes(names: Any, where: str) -> list[str]:
    allowed = list(outcome_table.OUTCOMES)
    if not isinstance(names, list) or not names:
        raise ConfigError(f"{where}: got {names!r}, allowed: a non-empty list of outcomes from {allowed}")
    for i, name in enumerate(names):
        check_outcome(name, f"{where}[{i}]")
    return list(dict.fromkeys(names))


def check_outcome(name: Any, where: str) -> str:
    if name not in outcome_table.OUTCOMES:
        raise ConfigError(f"{where}: got {name!r}, allowed: one of {list(outcome_table.OUTCOMES)}")
    return name


def check_stat(stat: Any, where: str) -> str:
    if stat not in STATS:
        raise ConfigError(
            f"{where}: got {stat!r}, allowed: one of {list(STATS)} (late_mean: the mean of the last 26 weeks)"
        )
    return stat


def check_seeds(seeds: Any, where: str) -> list[int]:
    ok = (
        isinstance(seeds, list)
        and seeds
        and all(isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 2**63 for s in seeds)
        and len(set(seeds)) == len(seeds)
    )
    if not ok:
        raise ConfigError(f"{where}: got {seeds!r}, allowed: a non-empty list of distinct integers >= 0")
    return list(seeds)


def claim_directory(study: Study, resolved: dict) -> Path:
    """Make the study directory, or resume one made for the very same study; refuse anything else
    (a directory of other files, or of another study) with one line."""
    from sim.rundir import DirError, check

    text = yaml.safe_dump(resolved, sort_keys=True, allow_unicode=True)
    path = study.directory.expanduser().resolve()
    marker = path / STUDY_FILE
    where = study.where("dir")
    if marker.exists():
        if marker.read_text(encoding="utf-8") != text:
            raise ConfigError(
                f"{where}: got {str(study.directory)!r}, allowed: a new or empty directory, or one of "
                f"this very study ({path} holds another study's {STUDY_FILE})"
            )
        return path
    try:
        check(str(path), multirun=False)
    except DirError as err:
        raise ConfigError(f"{where}: {err}") from None
    path.mkdir(parents=True, exist_ok=True)
    from sim.results import write_text

    write_text(marker, text)
    return path


def require(*modules: str) -> None:
    """Refuse to start, before anything is written, without the libraries of the ``explore`` extra."""
    from importlib.util import find_spec

    missing = [m for m in modules if find_spec(m) is None]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)}: not installed, allowed: the explore extra (pip install -e '.[explore]')"
        )


def main(run: Callable[[list[str]], int]) -> None:
    """Exit 2 with one line on bad input (nothing written), else the study's own exit status."""
    try:
        status = run(sys.argv[1:])
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    sys.exit(status)
