"""Scenario discovery (情景发现) on an exploration's results with the EMA Workbench: PRIM boxes
(ema_workbench.analysis.prim) for the points of interest, and extra-trees feature scores
(ema_workbench.analysis.feature_scoring). Only the Workbench's analysis is used: its own model
runner would bypass the project's launchers, provenance and resume, so the runs are made by
sim.study.batch and handed here as a table.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _workbench():
    # the Workbench warns at import about optional parallel back ends it does not need here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring, prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim, feature_scoring


@dataclass
class Box:
    """One PRIM box at the chosen point of its peeling trajectory."""

    index: int  # the chosen step of the peeling trajectory
    coverage: float  # share of all points of interest that lie in the box
    density: float  # share of the box's points that are of interest
    mass: float  # share of all points in the box
    points: int
    of_interest: int
    limits: pd.DataFrame  # restricted dimensions: lower, upper (reals) or the values kept (categories)
    trajectory: pd.DataFrame
    prim_box: object  # the Workbench's PrimBox, for its figures


def prim_boxes(
    x: pd.DataFrame,
    y: np.ndarray,
    threshold: float,
    peel_alpha: float,
    mass_min: float,
    boxes: int,
) -> list[Box]:
    """Up to ``boxes`` PRIM boxes (covering sequentially, as the Workbench does). On each trajectory
    the chosen box is the one of largest coverage whose density reaches ``threshold`` (the usual
    coverage-density trade-off; of equal coverage, the densest), or the densest if none does."""
    prim, _ = _workbench()
    if not y.any():
        return []
    with warnings.catch_warnings():  # the Workbench 2.5 drops a column in place, which pandas 3 deprecates
        warnings.filterwarnings("ignore", message="The inplace keyword")
        algorithm = prim.Prim(
            x.reset_index(drop=True),
            np.asarray(y, dtype=bool),
            threshold=threshold,
            peel_alpha=peel_alpha,
            mass_min=mass_min,
        )
    found = []
    for _ in range(boxes):
        box = algorithm.find_box()
        if box is None or len(box.peeling_trajectory) < 2:  # the dump box: nothing left worth a box
            break
        trajectory = box.peeling_trajectory.reset_index(drop=True)
        good = trajectory[trajectory["density"] >= threshold]
        if len(good):
            index = int(good.sort_values(["coverage", "density"], ascending=False).index[0])
        else:
            index = int(trajectory["density"].idxmax())
        box.select(index)
        stats = trajectory.loc[index]
        found.append(
            Box(
                index=index,
                coverage=float(stats["coverage"]),
                density=float(stats["density"]),
                mass=float(stats["mass"]),
                points=int(stats["n"]),
                of_interest=int(stats["k"]),
                limits=_limits(box, index),
                trajectory=trajectory,
                prim_box=box,
            )
        )
        if float(stats["density"]) < threshold:
            break
    return found


def _limits(box, index: int) -> pd.DataFrame:
    """The restricted dimensions of a box with their limits and the quasi-p value of each restriction
    (the Workbench's significance test of the restriction). Read from the box's own limits, not its
    ``inspect`` table, which fails for categorical dimensions under pandas 3."""
    limits, qp = box.box_lims[index], box.qp[index]
    rows = []
    for name, (qp_lower, qp_upper) in sorted(qp.items(), key=lambda kv: min(v for v in kv[1] if v >= 0)):
        lower, upper = limits[name].iloc[0], limits[name].iloc[1]
        if isinstance(lower, (set, frozenset)):
            text = "{" + ", ".join(sorted(map(str, lower))) + "}"
        else:
            text = f"[{float(lower):.4g}, {float(upper):.4g}]"
        kept = [v for v in (qp_lower, qp_upper) if v >= 0]  # -1: that side is not restricted
        rows.append({"dimension": name, "limits": text, "quasi_p": float(min(kept)) if kept else np.nan})
    return pd.DataFrame(rows, columns=["dimension", "limits", "quasi_p"])


def feature_scores(x: pd.DataFrame, y: dict[str, np.ndarray], seed: int) -> pd.DataFrame:
    """Extra-trees feature scores of each outcome (regression), one column per outcome; a seeded forest,
    so the same results give the same scores."""
    _, fs = _workbench()
    scores = fs.get_feature_scores_all(
        x.reset_index(drop=True),
        {k: np.asarray(v, dtype=float) for k, v in y.items()},
        alg="extra trees",
        mode=fs.RuleInductionType.REGRESSION,
        random_state=seed,
    )
    return scores.loc[:, list(y)]
