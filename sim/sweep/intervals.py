"""Levels over seeds (各条件水平的区间估计): each condition's mean with a 95% interval that respects
the outcome's bounds, from the runs table or, a batch of rows at a time, from the weekly table.

A t interval on the logit scale for shares (in [0, 1]) and on the log scale for resources (>= 0),
back-transformed (delta method), so ``0.711 [0.409, 1.013]`` cannot happen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy import stats
from scipy.special import expit, logit

from sim import outcomes
from sim.sweep.aggregate import CHUNK_ROWS

LEVEL = 0.95


def bounded_interval(values, bounds: tuple[float, float | None], level: float = LEVEL) -> dict:
    """Mean over seeds and its ``level`` interval inside ``bounds``: a t interval on the logit scale
    for (0, 1), on the log scale for (0, inf), back-transformed (delta method)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    return interval(
        n, float(v.mean()) if n else np.nan, float(v.std(ddof=1)) if n > 1 else np.nan, bounds, level
    )


def interval(
    n: int, mean: float, sd: float, bounds: tuple[float, float | None], level: float = LEVEL
) -> dict:
    """:func:`bounded_interval` from the values' number, mean and standard deviation."""
    if n < 2:
        return {"mean": mean, "ci_low": np.nan, "ci_high": np.nan, "n": n}
    se = sd / np.sqrt(n)
    t = float(stats.t.ppf(0.5 + level / 2, n - 1))
    low, high = bounds
    if se == 0 or mean <= low or (high is not None and mean >= high):
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "n": n}  # every seed on the bound
    if high is None:
        half = t * se / mean
        return {"mean": mean, "ci_low": mean * np.exp(-half), "ci_high": mean * np.exp(half), "n": n}
    half = t * se / (mean * (1 - mean))
    centre = logit(mean)
    return {
        "mean": mean,
        "ci_low": float(expit(centre - half)),
        "ci_high": float(expit(centre + half)),
        "n": n,
    }


def summarise(table: pd.DataFrame, by: list[str], names, stat: str | None = None) -> pd.DataFrame:
    """One row per condition (``by``) and outcome: mean, bounded interval and number of seeds."""
    rows = []
    groups = table.groupby(by, sort=False) if by else [((), table)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for name in names:
            column = f"{stat}_{name}" if stat and f"{stat}_{name}" in group.columns else name
            interval = bounded_interval(group[column], outcomes.OUTCOMES[name].bounds)
            rows.append({**dict(zip(by, key)), "outcome": name, **interval})
    return pd.DataFrame(rows)


def summarise_weeks(path: Path, done: pd.DataFrame, by: list[str], names) -> pd.DataFrame:
    """:func:`summarise` of the weekly table (``path``) of the ``done`` runs by condition and week,
    read a batch of rows at a time: each (condition, week) cell keeps its number, mean and sum of
    squared deviations, merged batch by batch (Chan, Golub & LeVeque 1983), so the memory taken is
    bounded by a batch and the cells, not by the runs. Conditions come from the runs table."""
    condition = done.set_index("run")[by]
    total = None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK_ROWS, columns=["run", "step", *names]):
        frame = batch.to_pandas()
        frame = frame[frame["run"].isin(condition.index)].join(condition, on="run")
        cells = frame.groupby([*by, "step"], sort=False)[list(names)]
        n = cells.count()
        part = pd.concat(
            {"n": n, "mean": cells.mean().where(n > 0, 0.0), "m2": (cells.var(ddof=0) * n).fillna(0.0)},
            axis=1,
        )
        total = part if total is None else _merged_moments(total, part)
    if total is None or total.empty:
        return pd.DataFrame(columns=[*by, "step", "outcome", "mean", "ci_low", "ci_high", "n"])
    rows = []
    for key, cell in total.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        for name in names:
            count = int(cell["n", name])
            mean = cell["mean", name] if count else np.nan
            sd = np.sqrt(cell["m2", name] / (count - 1)) if count > 1 else np.nan
            rows.append(
                {
                    **dict(zip([*by, "step"], key)),
                    "outcome": name,
                    **interval(count, mean, sd, outcomes.OUTCOMES[name].bounds),
                }
            )
    return pd.DataFrame(rows).sort_values("step", kind="stable", ignore_index=True)


def _merged_moments(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    a, b = a.align(b, fill_value=0.0)  # a cell seen in one batch only has n = 0 in the other
    n = a["n"] + b["n"]
    delta = b["mean"] - a["mean"]
    weight = (b["n"] / n).fillna(0.0)
    return pd.concat(
        {"n": n, "mean": a["mean"] + delta * weight, "m2": a["m2"] + b["m2"] + delta**2 * a["n"] * weight},
        axis=1,
    )
