"""A sweep's conditions (实验条件): the swept parameters that vary, their values in the article's
order, and the baseline that paired differences are taken against."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.i18n import TERMS, term
from sim.sweep.aggregate import swept_values

SHARE = "sinking.share"  # with "sinking" swept too, the report adds a policy x share heat map
BASELINE_FACTORS = ("governance", "sinking", "governance.mechanisms", "structure", "scenario")
ORDER = {name: i for i, name in enumerate(TERMS)}  # the article's order of modes, policies, places


def conditions(sweep_dir: Path, runs: pd.DataFrame) -> list[str]:
    """The swept parameters (the runs' own overrides) that vary across runs, seeds excluded."""
    keys: dict[str, None] = {}
    for run in runs["run"]:
        keys.update(dict.fromkeys(swept_values(sweep_dir / run)))
    return [k for k in keys if k not in ("seed", "design.sample") and runs[k].astype(str).nunique() > 1]


def ordered(values: pd.Series) -> list:
    """A condition's distinct values: numbers ascending; names in the article's order (the baseline
    first); other text in order of first appearance."""
    seen = list(dict.fromkeys(values.dropna()))
    if pd.api.types.is_numeric_dtype(values):
        return sorted(seen)
    return sorted(seen, key=lambda v: (ORDER.get(str(v), len(ORDER)), seen.index(v)))


def is_ordinal(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def show(value, lang: str) -> str:
    """A condition's value as a label: the article's term, or the value itself."""
    return term(str(value), lang)


def sort_rows(rows: pd.DataFrame, keys: list[str], values: pd.DataFrame) -> pd.DataFrame:
    """``rows`` sorted by ``keys``, the first key first, each in :func:`ordered` order of ``values``."""
    for key in reversed(keys):
        rank = {v: i for i, v in enumerate(ordered(values[key]))}
        rows = rows.sort_values(key, key=lambda s, rank=rank: s.map(rank), kind="stable")
    return rows


class BadBaseline(ValueError):
    """``--against`` names no swept condition."""


def baseline_of(done: pd.DataFrame, by: list[str], against: str | None = None) -> tuple[str, object]:
    """The factor and level the headline compares against: ``against`` (KEY=VALUE) if given, else the
    first level (the fragmented baseline, no sinking, ...) of the first factor swept."""
    if against:
        factor, _, level = against.partition("=")
        match = [v for v in done[factor].unique() if str(v) == level] if factor in done.columns else []
        if factor not in by or not match:
            raise BadBaseline(f"--against: {against} is not a swept condition (swept: {', '.join(by)})")
        return factor, match[0]
    factor = next((f for f in BASELINE_FACTORS if f in by), by[0])
    return factor, ordered(done[factor])[0]
