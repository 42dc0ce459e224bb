"""Uncertainties and levers (不确定因素与政策杠杆): the factors an exploration samples and a policy
search varies, declared as data and checked against the model's own validation.

A factor names a dotted config key and either a range (``low``, ``high``: a real number drawn
uniformly) or ``values``: one of them for a key holding one value (``sinking.policy``), or any
subset of them for a key holding a list (``governance.mechanisms``: each mechanism switched on or
off). A factor is refused before anything is written unless every bound and value passes the
checks a run itself makes (sim.config, sim.validate), so a lever outside its allowed range is named
with what the model allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, ensure
from sim.study.schema import DrawsConfig, FactorConfig, SamplerConfig

SUBSET_SEPARATOR = ":"  # a subset factor's member column: "governance.mechanisms:online_channel"


@dataclass(frozen=True)
class Factor:
    name: str
    kind: str  # "real", "categorical" or "subset"
    low: float = 0.0
    high: float = 1.0
    values: tuple = ()

    @property
    def dimensions(self) -> int:
        """Unit-cube dimensions one sample of the factor takes (a subset: one per member)."""
        return len(self.values) if self.kind == "subset" else 1

    def columns(self) -> list[str]:
        """The columns the factor takes in an analysis table (a subset: one on/off column per member)."""
        if self.kind == "subset":
            return [f"{self.name}{SUBSET_SEPARATOR}{v}" for v in self.values]
        return [self.name]


def parse(
    entries: Sequence[FactorConfig], where: str, base: DictConfig, overrides: Sequence[str] = ()
) -> list[Factor]:
    """Factors from their config blocks, each checked against ``base`` (the composed run config)."""
    factors = [_parse_one(entry, f"{where}.{i}", base, overrides) for i, entry in enumerate(entries)]
    names = [f.name for f in factors]
    for i, name in enumerate(names):
        ensure(name not in names[:i], f"{where}.{i}.name", "each key once", name)
    return factors


def _parse_one(entry: FactorConfig, where: str, base: DictConfig, overrides: Sequence[str]) -> Factor:
    name = entry.name
    missing = object()
    current = OmegaConf.select(base, name, default=missing) if name else missing
    ensure(
        name not in ("seed", "steps") and current is not missing and not isinstance(current, DictConfig),
        f"{where}.name",
        "a dotted key of the run config holding a value (e.g. behaviour.participation.threshold_sd, "
        "sinking.share); seeds and steps are set apart",
        name,
    )
    ranged = entry.low is not None or entry.high is not None
    if entry.values is not None:
        values = entry.values
        distinct = len(values) > 0 and len(set(map(str, values))) == len(values)
        ensure(distinct, f"{where}.values", "a non-empty list of distinct values", values)
        if ranged:
            raise ConfigError(f"{where}: got both values and low/high, allowed: one of them")
        kind = "subset" if OmegaConf.is_list(current) else "categorical"
        for i, value in enumerate(values):
            _check_value(base, overrides, name, [value] if kind == "subset" else value, f"{where}.values.{i}")
        return Factor(name, kind, values=tuple(values))
    if not isinstance(current, float):
        raise ConfigError(
            f"{where}: {name} holds {current!r}, allowed: low and high for a key holding a real number, "
            "values (a list) otherwise"
        )
    for bound in ("low", "high"):
        value = getattr(entry, bound)
        ensure(value is not None, f"{where}.{bound}", "a finite number", value)
        _check_value(base, overrides, name, value, f"{where}.{bound}")
    ensure(entry.low < entry.high, f"{where}.high", f"a number > low = {entry.low:g}", entry.high)
    return Factor(name, "real", low=entry.low, high=entry.high)


def _check_value(base: DictConfig, overrides: Sequence[str], name: str, value: Any, where: str) -> None:
    """Refuse a value the model's own checks refuse, in one line naming what the model allows."""
    from sim.validate import validate

    cfg = base.copy()
    OmegaConf.update(cfg, name, value, merge=False)
    try:
        validate(cfg, overrides)
    except ConfigError as err:
        message = str(err)
        allowed = message.split("allowed: ", 1)[1] if message.startswith(f"{name}:") else message
        shown = value[0] if isinstance(value, list) else value
        raise ConfigError(f"{where}: got {shown!r} for {name}, allowed: {allowed}") from None


def unit_sample(dimensions: int, sampler: SamplerConfig) -> np.ndarray:
    """``n`` points of the unit cube: a Latin hypercube or a scrambled Sobol' sequence (scipy.stats.qmc,
    seeded; the Workbench's own samplers draw from numpy's global generator and take no seed)."""
    from scipy.stats import qmc

    if dimensions == 0:
        return np.empty((sampler.n, 0))
    engine = (qmc.LatinHypercube if sampler.method == "lhs" else qmc.Sobol)(d=dimensions, seed=sampler.seed)
    if sampler.method == "sobol":
        import warnings

        with warnings.catch_warnings():  # n need not be a power of 2 for scenario discovery
            warnings.simplefilter("ignore", UserWarning)
            return engine.random(sampler.n)
    return engine.random(sampler.n)


def decode(factors: Sequence[Factor], unit: np.ndarray) -> pd.DataFrame:
    """Config values for unit-cube points: one column per factor (a subset factor: a list)."""
    columns, j = {}, 0
    for f in factors:
        u = unit[:, j : j + f.dimensions]
        j += f.dimensions
        if f.kind == "real":
            columns[f.name] = f.low + u[:, 0] * (f.high - f.low)
        elif f.kind == "categorical":
            index = np.minimum((u[:, 0] * len(f.values)).astype(int), len(f.values) - 1)
            columns[f.name] = [f.values[i] for i in index]
        else:
            columns[f.name] = [[v for v, on in zip(f.values, row) if on >= 0.5] for row in u]
    return pd.DataFrame(columns, index=range(len(unit)))


def sample(factors: Sequence[Factor], sampler: SamplerConfig) -> pd.DataFrame:
    return decode(factors, unit_sample(sum(f.dimensions for f in factors), sampler))


def analysis_table(factors: Sequence[Factor], rows: pd.DataFrame) -> pd.DataFrame:
    """The factors as PRIM and feature scoring read them: reals as floats, categories as text, each
    member of a subset as its own on/off column."""
    table = {}
    for f in factors:
        if f.kind == "subset":
            for value, column in zip(f.values, f.columns()):
                table[column] = rows[f.name].map(lambda chosen, v=value: v in list(chosen))
        elif f.kind == "categorical":
            table[f.name] = rows[f.name].astype(str)
        else:
            table[f.name] = rows[f.name].astype(float)
    return pd.DataFrame(table, index=rows.index)


def override(name: str, value: Any) -> str:
    """A Hydra command-line override that sets ``name`` to exactly ``value`` (floats by repr, so the
    rerun gets the very same double)."""
    return f"{name}={_literal(value)}"


def _literal(value: Any) -> str:
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ",".join(_literal(v) for v in value) + "]"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def read_draws(
    spec: DrawsConfig | None, where: str, bases: Sequence[DictConfig], n: int
) -> pd.DataFrame | None:
    """Uncertainty values from a file of draws (e.g. a calibration's posterior): its first ``n`` rows,
    each column a config key checked like any uncertainty."""
    if spec is None:
        return None
    path = Path(spec.file)
    ensure(path.is_file(), f"{where}.file", "a Parquet file of draws (columns: config keys)", spec.file)
    try:
        draws = pd.read_parquet(path)
    except Exception as err:
        raise ConfigError(
            f"{where}.file: cannot read {str(path)!r} ({type(err).__name__}), allowed: Parquet"
        ) from None
    if len(draws) < n:
        raise ConfigError(f"{where}.file: {len(draws)} draws, allowed: at least the {n} points sampled")
    draws = draws.iloc[:n].reset_index(drop=True)
    for base in bases:  # the model's checks are ranges: the extreme draws stand for all
        extremes = [
            FactorConfig(c, values=sorted({float(draws[c].min()), float(draws[c].max())})) for c in draws
        ]
        parse(extremes, where, base)
    return draws
