"""An exploration (探索性建模): sample uncertainties and levers jointly, run every point under a policy
arm and, if given, a baseline arm over common seeds, and find where the policy does what the question
asks (PRIM boxes, feature scores).

The config block (``exploration:``; configs/exploration/, experiments/explore_*.yaml)::

    question: When does fusion beat the fragmented baseline on participation by >= 0.02?
    dir: results/explore/NAME
    model: [scenario=xiaodongmen, steps=78]    # every evaluation
    launcher: [hydra/launcher=joblib]
    arms: {policy: [governance=fusion], baseline: [governance=fragmented]}
    seeds: [0, 1]                              # common random numbers: each point, each arm
    sampler: {method: lhs, n: 40, seed: 0}     # lhs or sobol (scrambled), over the unit cube
    uncertainties: [{name: behaviour.participation.threshold_sd, low: 0.05, high: 0.3}, ...]
    draws: null                                # or {file: posterior.parquet}: uncertainties from draws
    levers: [{name: sinking.policy, values: [none, need]}, {name: sinking.share, low: 0.1, high: 0.9}]
    stat: late_mean                            # late_mean, year1 or final
    outcomes: [participation_rate, coupling_coordination]
    target: {outcome: participation_rate, above: 0.02}     # or below:
    prim: {threshold: 0.8, peel_alpha: 0.05, mass_min: 0.05, boxes: 2}
    feature_seed: 0

A point is of interest when its seed-mean of (policy - baseline) for the target outcome is at or above
(``above``) or at or below (``below``) the given value; without a baseline, the policy's own outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config import ConfigError
from sim.explore import factors as fx
from sim.explore.evaluate import per_point, run_points
from sim.explore.study import (
    Study,
    check_outcome,
    check_outcomes,
    check_seeds,
    check_stat,
    compose_base,
    merge,
)
from sim.results import write_parquet

SECTION = "exploration"
PREFIX = "explore_"
POINTS_FILE = "points.parquet"
KEYS = {
    "question",
    "dir",
    "model",
    "launcher",
    "arms",
    "seeds",
    "sampler",
    "uncertainties",
    "draws",
    "levers",
    "stat",
    "outcomes",
    "target",
    "prim",
    "feature_seed",
}


IDENTITY = ("model", "arms", "seeds", "sampler", "uncertainties", "draws", "levers", "dir")


@dataclass
class Plan:
    study: Study
    arms: dict[str, list[str]]  # arm name -> overrides; "policy" first, then "baseline" if any
    seeds: list[int]
    sampler: dict
    uncertainties: list[fx.Factor]
    levers: list[fx.Factor]
    draws: pd.DataFrame | None
    stat: str
    outcomes: list[str]
    target: str
    direction: str  # "above" or "below"
    value: float
    prim: dict
    feature_seed: int

    @property
    def factors(self) -> list[fx.Factor]:
        return [*self.uncertainties, *self.levers]

    @property
    def compared(self) -> bool:
        return "baseline" in self.arms

    def resolved(self) -> dict:
        """What the study directory records: resuming needs the very same runs. The question, target,
        outcomes, statistic and PRIM settings may change: the analysis is redone from the results."""
        spec = {k: v for k, v in self.study.spec.items() if k in IDENTITY}
        return {"section": SECTION, "spec": spec, "model": self.study.model}


def plan(study: Study) -> Plan:
    spec, where = study.spec, study.where
    unknown = sorted(set(spec) - KEYS)
    if unknown:
        raise ConfigError(f"{where(unknown[0])}: got an unknown key, allowed: {sorted(KEYS)}")
    arms = spec.get("arms") or {}
    if not isinstance(arms, dict) or "policy" not in arms or set(arms) - {"policy", "baseline"}:
        raise ConfigError(
            f"{where('arms')}: got {arms!r}, allowed: {{policy: [overrides], baseline: [overrides]}} "
            "(baseline optional)"
        )
    arms = {name: list(arms[name] or []) for name in ("policy", "baseline") if name in arms}
    bases = {
        name: compose_base(where(f"arms.{name}"), merge(study.model, extra)) for name, extra in arms.items()
    }
    uncertainties, levers = [], []
    for name, base in bases.items():
        overrides = merge(study.model, arms[name])
        uncertainties = fx.parse(spec.get("uncertainties"), where("uncertainties"), base, overrides)
        levers = fx.parse(spec.get("levers"), where("levers"), base, overrides)
    sampler = fx.check_sampler(spec.get("sampler"), where("sampler"))
    draws = fx.read_draws(spec.get("draws"), where("draws"), list(bases.values()), sampler["n"])
    names = [f.name for f in [*uncertainties, *levers]] + ([] if draws is None else list(draws.columns))
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(
                f"{where('levers')}: {name} is also an uncertainty, allowed: each key in one place"
            )
    if not names:
        raise ConfigError(
            f"{where('uncertainties')}: got none, allowed: at least one uncertainty, lever or draws"
        )
    target = spec.get("target") or {}
    directions = [d for d in ("above", "below") if d in target]
    if not isinstance(target, dict) or len(directions) != 1 or set(target) - {"outcome", "above", "below"}:
        raise ConfigError(
            f"{where('target')}: got {target!r}, allowed: {{outcome: NAME, above: X}} or below: X"
        )
    value = target[directions[0]]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where('target.' + directions[0])}: got {value!r}, allowed: a finite number")
    outcome = check_outcome(target.get("outcome"), where("target.outcome"))
    outcomes = check_outcomes(spec.get("outcomes") or [outcome], where("outcomes"))
    if outcome not in outcomes:
        outcomes = [outcome, *outcomes]
    return Plan(
        study=study,
        arms=arms,
        seeds=check_seeds(spec.get("seeds", [0]), where("seeds")),
        sampler=sampler,
        uncertainties=uncertainties,
        levers=levers,
        draws=draws,
        stat=check_stat(spec.get("stat", "late_mean"), where("stat")),
        outcomes=outcomes,
        target=outcome,
        direction=directions[0],
        value=float(value),
        prim=_prim(spec.get("prim") or {}, where("prim")),
        feature_seed=_seed(spec.get("feature_seed", 0), where("feature_seed")),
    )


def _seed(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**32:
        raise ConfigError(f"{where}: got {value!r}, allowed: an integer in [0, 2^32 - 1]")
    return value


def _prim(spec: Any, where: str) -> dict:
    allowed = {"threshold": (0.0, 1.0), "peel_alpha": (0.0, 0.5), "mass_min": (0.0, 1.0)}
    out = {"threshold": 0.8, "peel_alpha": 0.05, "mass_min": 0.05, "boxes": 1}
    if not isinstance(spec, dict) or set(spec) - {*allowed, "boxes"}:
        raise ConfigError(f"{where}: got {spec!r}, allowed: keys {sorted([*allowed, 'boxes'])}")
    for key, (low, high) in allowed.items():
        value = spec.get(key, out[key])
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
            raise ConfigError(f"{where}.{key}: got {value!r}, allowed: a number in ({low:g}, {high:g}]")
        out[key] = float(value)
    boxes = spec.get("boxes", 1)
    if isinstance(boxes, bool) or not isinstance(boxes, int) or not 1 <= boxes <= 10:
        raise ConfigError(f"{where}.boxes: got {boxes!r}, allowed: an integer in [1, 10]")
    out["boxes"] = boxes
    return out


def points(p: Plan) -> pd.DataFrame:
    """The sampled points: one row per point, one column per factor (lists for subsets)."""
    sampled = fx.sample(p.factors, p.sampler)
    if p.draws is not None:
        sampled = pd.concat([p.draws, sampled], axis=1)
    return sampled


def run(p: Plan, directory: Path) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Evaluate every point under every arm (one batch per arm); return the points with each arm's
    seed-mean outcomes, the paired difference (with a baseline), ``failed`` and ``of_interest``, and
    each arm's runs."""
    table = points(p)
    results = table.copy()
    per_arm = {}
    overrides_of = {arm: [*merge(p.study.model, extra), *p.study.launcher] for arm, extra in p.arms.items()}
    for arm, overrides in overrides_of.items():
        runs = run_points(table, p.seeds, directory / "arms" / arm, overrides, p.outcomes, p.stat)
        write_parquet(directory / f"runs_{arm}.parquet", runs)
        per_arm[arm] = runs
        means = per_point(runs, p.outcomes)
        for outcome in p.outcomes:
            results[f"{arm}:{outcome}"] = means[outcome]
        results[f"{arm}:failed"] = means["failed"]
    results["failed"] = results[[f"{a}:failed" for a in p.arms]].any(axis=1)
    for outcome in p.outcomes:
        results[f"value:{outcome}"] = (
            _paired(per_arm["policy"], per_arm["baseline"], outcome)
            if p.compared
            else results[f"policy:{outcome}"]
        )
    value = results[f"value:{p.target}"]
    results["of_interest"] = (value >= p.value) if p.direction == "above" else (value <= p.value)
    results.loc[results["failed"], ["of_interest"]] = False
    write_parquet(directory / POINTS_FILE, results)
    return results, per_arm


def _paired(policy: pd.DataFrame, baseline: pd.DataFrame, outcome: str) -> pd.Series:
    """Mean over seeds of the per-seed difference policy - baseline (common random numbers)."""
    keys = ["point", "seed"]
    diff = policy.set_index(keys)[outcome] - baseline.set_index(keys)[outcome]
    return diff.groupby(level="point").mean()


def analyse(p: Plan, results: pd.DataFrame, runs: dict[str, pd.DataFrame]) -> dict:
    """PRIM boxes and feature scores over the points whose runs all completed."""
    from sim.explore.discovery import feature_scores, prim_boxes

    ok = results[~results["failed"]]
    x = fx.analysis_table(p.factors, ok) if p.factors else pd.DataFrame(index=ok.index)
    if p.draws is not None:
        x = pd.concat([ok[list(p.draws.columns)].astype(float), x], axis=1)
    y = ok["of_interest"].to_numpy(dtype=bool)
    boxes = prim_boxes(x, y, p.prim["threshold"], p.prim["peel_alpha"], p.prim["mass_min"], p.prim["boxes"])
    scores = None
    if len(ok) >= 4:
        targets = {o: ok[f"value:{o}"].to_numpy() for o in p.outcomes}
        targets["of_interest"] = y.astype(float)
        scores = feature_scores(x, targets, p.feature_seed)
    return {
        "runs": runs,
        "x": x,
        "y": y,
        "boxes": boxes,
        "scores": scores,
        "evaluated": len(ok),
        "failed": int(results["failed"].sum()),
    }
