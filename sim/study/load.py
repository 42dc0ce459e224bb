"""A study's command line, composed and checked (研究的载入): the kind of study, its config block as its
schema's dataclass, the model and launcher overrides of every evaluation, the run config every
evaluation starts from, and the study's directory.

    python -m sim.explore +exploration=NAME [model overrides] [hydra/launcher=... hydra.launcher.X=...]
    python -m sim.explore +experiment=explore_NAME            # a pinned study in experiments/

Overrides of the study's own block (``exploration.sampler.n=20``) and ``+experiment=`` compose the
study; launcher overrides (``hydra/launcher=...``, ``hydra.launcher.*``) go to every batch; any other
override (``steps=20``, ``scenario=small``) is added to the block's model overrides, which every
evaluation runs with (replacing one of the same key).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import MISSING as NO_DEFAULT
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from hydra.errors import MissingConfigException
from omegaconf import DictConfig, OmegaConf

from sim import overrides as sim_overrides
from sim.config import ConfigError, check_block, did_you_mean, group_options


class StudyError(RuntimeError):
    """The study could not finish (a batch that could not run, no posterior): one line, exit 1."""


@dataclass(frozen=True)
class Kind:
    """A kind of study (研究类型): its config block and the four steps it keeps. The layer does the rest
    (:func:`load`, :func:`sim.study.directory.claimed`, :func:`sim.study.command.main`)."""

    section: str  # the block's key and config group: exploration
    schema: type  # the block's dataclass
    command: str  # python -m sim.explore
    experiment_prefix: str  # experiments/PREFIX*.yaml are pinned studies of this kind
    model_key: str  # the block's list of model overrides, which every evaluation runs with
    directory_key: str  # the block's directory of the study
    plan: Callable[[Study], Any]  # the checks that need the model; ConfigError on a problem
    identity: Callable[[Any], dict]  # of a plan: what its directory records (resumed only if equal)
    run: Callable[[Any, Path], Any]  # a plan's evaluations, into its directory
    analyse: Callable[[Any, Any], Any]  # of a plan's results
    report: Callable[[Any, Any, Any, Path], int]  # writes and prints the outputs; the exit status
    describe: Callable[[Any, Path], str]  # one line on what is about to run
    examples: tuple[tuple[str, str], ...] = ()  # (command, what) for --help
    requires: tuple[str, ...] = ()  # importable modules of an optional extra
    default_directory: Callable[[Any, str], str] | None = None  # of the block and the chosen name


@dataclass
class Study:
    kind: Kind
    block: Any  # the checked config block, an instance of kind.schema
    name: str  # the config chosen (+section=NAME) or the experiment's
    model: list[str]  # model overrides of every evaluation: the block's, then the command line's
    launcher: list[str]  # launcher overrides of every batch
    base: DictConfig = field(repr=False)  # the run config every evaluation starts from, checked
    directory: Path

    def where(self, key: str) -> str:
        return f"{self.kind.section}.{key}"


def split(argv: Sequence[str], section: str) -> tuple[list[str], list[str], list[str]]:
    """The command line's study overrides (composed), launcher overrides and model overrides."""
    study = [a for a in argv if _key(a) in (section, "experiment") or _key(a).startswith(f"{section}.")]
    launcher = [a for a in argv if a not in study and _key(a).startswith(("hydra/", "hydra."))]
    model = [a for a in argv if a not in study and a not in launcher]
    return study, launcher, model


def _key(item: str) -> str:
    return item.split("=", 1)[0].lstrip("+~")


def merge(first: Sequence[str], then: Sequence[str]) -> list[str]:
    """Overrides ``first`` then ``then``, an override of ``then`` replacing one of ``first`` with the same
    key (Hydra refuses a key or group given twice)."""
    keys = {_key(a) for a in then}
    return [a for a in first if _key(a) not in keys] + list(then)


def load(kind: Kind, argv: Sequence[str]) -> Study:
    """Compose and check a study from its command line; raise ConfigError with one line."""
    study_items, launcher, extra = split(argv, kind.section)
    section = kind.section
    _check_choice(kind, study_items)
    cfg = _compose_block(kind, study_items)
    if cfg.get(section) is None:
        raise ConfigError(
            f"{section}: missing, allowed: +{section}=NAME (one of {group_options(section)}) or "
            f"+experiment={kind.experiment_prefix}NAME"
        )
    block = check_block(kind.schema, OmegaConf.to_container(cfg[section], resolve=True), section)
    name = next((_value(a) for a in study_items if _key(a) in (section, "experiment")), section)
    model = merge(getattr(block, kind.model_key), extra)
    launcher = merge(block.launcher, launcher)
    base = compose_base(f"{section}.{kind.model_key}", model, launcher)
    directory = getattr(block, kind.directory_key)
    if directory is None and kind.default_directory is not None:
        directory = kind.default_directory(block, name)
    if directory is None:
        raise ConfigError(f"{section}.{kind.directory_key}: got None, allowed: a directory path")
    return Study(kind, block, name, model, launcher, base, Path(directory))


def _value(item: str) -> str:
    return item.split("=", 1)[1] if "=" in item else ""


def _check_choice(kind: Kind, items: list[str]) -> None:
    """Name an unknown config of the study's group in one line, before Hydra's long error."""
    from sim.validate import check_group_choices

    options = group_options(kind.section)
    for item in items:
        if _key(item) == kind.section and _value(item) not in options:
            hint = did_you_mean(_value(item), options)
            raise ConfigError(f"{kind.section}: got {_value(item)!r}, allowed: one of {options}{hint}")
    check_group_choices(items)


def _compose_block(kind: Kind, items: list[str]) -> DictConfig:
    from sim.compose import compose

    try:
        return compose(items)
    except Exception as err:
        missing = sim_overrides.unknown_key(err)
        if missing and missing.startswith(f"{kind.section}."):
            raise ConfigError(_unknown_key(kind, missing)) from None
        raise ConfigError(f"{kind.section}: {sim_overrides.one_line(err)}") from None


def _unknown_key(kind: Kind, key: str) -> str:
    """The study key Hydra could not set: a key the schema does not have (named with the keys it has),
    or one the chosen config does not set, which ``+`` adds."""
    parts = key.split(".")[1:]
    nested: Any = None
    for part in reversed(parts):
        nested = {part: nested}
    try:
        check_block(kind.schema, nested, kind.section)
    except ConfigError as err:
        if "unknown key" in str(err):
            return str(err)
    return f"{key}: got a key this {kind.section} config does not set, allowed: +{key}=VALUE to add it"


def compose_base(where: str, model: Sequence[str], launcher: Sequence[str] = ()) -> DictConfig:
    """The run config every evaluation starts from (checked as a run would be, with the launcher
    composed, so an unknown launcher is refused before anything is written), as a DictConfig."""
    from sim.compose import compose
    from sim.validate import check_group_choices, validate

    check_group_choices(list(model))
    try:
        cfg = compose([*model, *launcher], hydra=True)
    except MissingConfigException as err:  # a launcher (or another of Hydra's groups) that is not there
        missing = re.search(r"Could not find '(.+)/([^/']+)'", str(err))
        if missing is None or not err.options:
            raise ConfigError(f"{where}: {sim_overrides.one_line(err)}") from None
        group, choice = missing.groups()
        raise ConfigError(f"{group}: got {choice!r}, allowed: one of {sorted(err.options)}") from None
    except Exception as err:
        key = sim_overrides.unknown_key(err)
        message = (
            sim_overrides.unknown_key_message(key, sim_overrides.parse(list(model)))
            if key
            else sim_overrides.one_line(err)
        )
        raise ConfigError(f"{where}: {message}") from None
    OmegaConf.set_struct(cfg, False)  # the launcher is checked by composing it; the runs never see it
    del cfg["hydra"]
    validate(cfg, list(model))
    return cfg


def schema_keys(schema: type, prefix: str) -> list[tuple[str, Any]]:
    """Every key of a study schema with its default (nested blocks flattened), for --help."""
    rows = []
    for f in fields(schema):
        value = f.default if f.default_factory is NO_DEFAULT else f.default_factory()
        if is_dataclass(value):
            rows += schema_keys(type(value), f"{prefix}{f.name}.")
        else:
            rows.append((f"{prefix}{f.name}", value))
    return rows
