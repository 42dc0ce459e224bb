"""Command-line overrides, read with Hydra's own grammar (the one its sweepers and launchers use).

Imports only the schema (:mod:`sim.config`) and the composition (:mod:`sim.compose`), so that the
validation and the command line can both use it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, ValueType
from hydra.errors import HydraException, OverrideParseException
from omegaconf import OmegaConf
from omegaconf.errors import ConfigAttributeError, ConfigKeyError

from sim.config import CONFIG_DIR, group_options

GroupOptions = Callable[[str], list[str]]


def parse(items: Iterable[str]) -> list[Override]:
    """Parse ``key=value`` strings; a syntax error raises Hydra's OverrideParseException."""
    return OverridesParser.create().parse_overrides(list(items))


def points(override: Override, options: Iterable[str] = ()) -> Iterator[str]:
    """The values an override gives its key, in Hydra's string form: one for a plain override,
    each point of a choice or range sweep, the ``options`` a glob matches, and for an interval
    (which has no points to list) its lower end."""
    if override.value_type is None:  # ~key deletes without a value
        return iter(())
    if not override.is_sweep_override():
        return iter([override.get_value_element_as_str()])
    if override.is_interval_sweep():
        return iter([str(override.value().start)])
    if override.value_type is ValueType.GLOB_CHOICE_SWEEP:
        return iter(override.value().filter(list(options)))
    return override.sweep_string_iterator()


def values(override: Override, options: Iterable[str] = ()) -> list[Any]:
    """The values of :func:`points` as Python objects (quotes removed, numbers as numbers)."""
    return [parse([f"v={point}"])[0].value() for point in points(override, options)]


def first_point(overrides: list[Override], group_options: GroupOptions) -> list[str]:
    """The overrides of a sweep's first job (a sweep with no points is left out)."""
    out = []
    for override in overrides:
        if not override.is_sweep_override():
            out.append(override.input_line)
            continue
        first = next(points(override, group_options(override.key_or_group)), None)
        if first is not None:
            out.append(f"{override.get_key_element()}={first}")
    return out


def sweep_problem(overrides: list[Override], multirun: bool, group_options: GroupOptions) -> str | None:
    """Why the sweeps among the overrides cannot run, as ``KEY: got X, allowed: Y`` (None if they can)."""
    multirun = multirun or any(o.key_or_group == "hydra.mode" and o.value() == "MULTIRUN" for o in overrides)
    sampler = any(o.key_or_group == "hydra/sweeper" for o in overrides)
    for override in overrides:
        if not override.is_sweep_override():
            continue
        got = f"{override.key_or_group}: got {override.get_value_string()!r}, allowed: "
        if not multirun:
            return got + (
                "one value (a comma-separated list, range() or glob() sweeps only with -m/--multirun)"
            )
        if override.is_interval_sweep() and not sampler:
            return got + "a list, range() or glob() sweep (the basic sweeper cannot sample an interval())"
        if next(points(override, group_options(override.key_or_group)), None) is None:
            return got + "a sweep with at least one value"
    return None


def parse_error_message(err: OverrideParseException) -> str:
    key, _, value = err.override.partition("=")
    reason = str(err).splitlines()[0]
    return f"{key.lstrip('+~')}: got {value!r}, allowed: a value in Hydra's override syntax ({reason})"


def unknown_key(err: BaseException) -> str | None:
    """The dotted key Hydra could not override because the config has no such key, if that was it."""
    cause = err.__cause__
    if isinstance(err, HydraException) and isinstance(cause, (ConfigAttributeError, ConfigKeyError)):
        return cause.full_key or None
    return None


def unknown_key_message(missing: str, overrides: list[Override]) -> str:
    """One line naming the key that reaches the ``missing`` one, with the nearest keys of the config
    the overrides' group choices compose: each a value's key, so it can be set as it is written."""
    key = next((o.key_or_group for o in overrides if f"{o.key_or_group}.".startswith(f"{missing}.")), missing)
    choices = [o for o in overrides if (CONFIG_DIR / o.key_or_group).is_dir()]
    known = config_keys(first_point(choices, group_options))
    close = difflib.get_close_matches(key, known, n=2, cutoff=0.75)
    part = "hydra" if key.startswith("hydra.") else "job"
    hint = f"did you mean {' or '.join(close)}?" if close else f"list them with: python -m sim --cfg {part}"
    return f"{key}: got an unknown key, allowed: a key of the config ({hint})"


def config_keys(overrides: list[str]) -> list[str]:
    """The dotted key of every value in the config composed from ``overrides`` (as written, before
    validation); empty if these overrides do not compose either."""
    from sim.compose import compose

    try:
        cfg = compose(overrides, hydra=True)
    except Exception:  # these keys only feed suggestions: the caller reports the original error
        return []
    return list(dotted_keys(OmegaConf.to_container(cfg, resolve=False)))


def dotted_keys(node: Any, prefix: str = "") -> Iterator[str]:
    """The dotted key of every leaf value of a nested dict."""
    for key, value in node.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            yield from dotted_keys(value, path)
        else:
            yield path


def one_line(err: BaseException) -> str:
    """Hydra's and OmegaConf's multi-line messages on one line, led by the key when they name one
    (without the config search path and object type they append)."""
    lines = []
    for line in str(err).splitlines():
        if line.startswith(("Config search path", "    full_key:")):
            break
        if line.strip():
            lines.append(line.strip())
    message = " ".join(lines) or type(err).__name__
    key = getattr(err, "full_key", None)
    return f"{key}: {message}" if key else message
