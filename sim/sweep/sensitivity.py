"""Sensitivity indices of a design sweep (敏感性分析): each parameter's index on each outcome of
``sim.outcomes.SENSITIVITY``, from the runs' late means (SALib, :func:`sim.sweep.design.analyse`)."""

from __future__ import annotations

import pandas as pd

from sim import outcomes
from sim.sweep.design import analyse, design_size

OUTCOMES = outcomes.SENSITIVITY
# the index that ranks the parameters, and its 95% interval's half-width, by design method
RANKED_BY = {"morris": ("mu_star", "mu_star_conf"), "sobol": ("ST", "ST_conf"), "lhs": ("spearman", None)}


class MissingPoints(ValueError):
    """Some design points have no completed run."""


def indices(final: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """One row per outcome and parameter with its indices; :class:`MissingPoints` unless every design
    point has a completed run."""
    size = design_size(spec)
    y = final.groupby("design.sample")[list(OUTCOMES)].mean().reindex(range(size))
    if y.isna().any().any():
        raise MissingPoints(
            f"Sensitivity indices need all {size} design points; {int(y.isna().any(axis=1).sum())} missing."
        )
    names = [p["name"] for p in spec["parameters"]]
    rows = []
    for name in OUTCOMES:
        res = analyse(spec, y[name].to_numpy())
        for i, parameter in enumerate(names):
            rows.append({"outcome": name, "parameter": parameter, **{k: float(v[i]) for k, v in res.items()}})
    return pd.DataFrame(rows)


def ranked(table: pd.DataFrame, name: str, by: str) -> pd.DataFrame:
    """The parameters' rows for outcome ``name``, largest ``by`` (in absolute value) first."""
    return table[table["outcome"] == name].sort_values(by, key=abs, ascending=False)
