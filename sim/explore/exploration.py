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

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from sim.config import ConfigError
from sim.explore.schema import SECTION, ExplorationConfig, PrimConfig
from sim.results import write_parquet
from sim.study import factors as fx
from sim.study.load import Kind, Study, compose_base, merge
from sim.study.points import check_outcome, check_outcomes, per_point, run_points
from sim.study.schema import SamplerConfig

POINTS_FILE = "points.parquet"
# what the runs are: resuming needs the very same; the question, target, outcomes, statistic and PRIM
# settings may change (the analysis is redone from the results), the directory may move
IDENTITY = ("arms", "seeds", "sampler", "uncertainties", "draws", "levers")


@dataclass
class Plan:
    study: Study
    arms: dict[str, list[str]]  # arm name -> overrides; "policy" first, then "baseline" if any
    seeds: list[int]
    sampler: SamplerConfig
    uncertainties: list[fx.Factor]
    levers: list[fx.Factor]
    draws: pd.DataFrame | None
    stat: str
    outcomes: list[str]
    target: str
    direction: str  # "above" or "below"
    value: float
    prim: PrimConfig
    feature_seed: int

    @property
    def factors(self) -> list[fx.Factor]:
        return [*self.uncertainties, *self.levers]

    @property
    def compared(self) -> bool:
        return "baseline" in self.arms


def identity(p: Plan) -> dict:
    block = asdict(p.study.block)
    return {"model": p.study.model, **{k: block[k] for k in IDENTITY}}


def plan(study: Study) -> Plan:
    block: ExplorationConfig = study.block
    where = study.where
    arms = {
        name: list(getattr(block.arms, name))
        for name in ("policy", "baseline")
        if getattr(block.arms, name) is not None
    }
    bases = {
        name: compose_base(where(f"arms.{name}"), merge(study.model, extra)) for name, extra in arms.items()
    }
    uncertainties, levers = [], []
    for name, base in bases.items():
        overrides = merge(study.model, arms[name])
        uncertainties = fx.parse(block.uncertainties, where("uncertainties"), base, overrides)
        levers = fx.parse(block.levers, where("levers"), base, overrides)
    draws = fx.read_draws(block.draws, where("draws"), list(bases.values()), block.sampler.n)
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
    outcome = check_outcome(block.target.outcome, where("target.outcome"))
    outcomes = check_outcomes(block.outcomes or [outcome], where("outcomes"))
    if outcome not in outcomes:
        outcomes = [outcome, *outcomes]
    return Plan(
        study=study,
        arms=arms,
        seeds=block.seeds,
        sampler=block.sampler,
        uncertainties=uncertainties,
        levers=levers,
        draws=draws,
        stat=block.stat,
        outcomes=outcomes,
        target=outcome,
        direction=block.target.direction,
        value=float(block.target.value),
        prim=block.prim,
        feature_seed=block.feature_seed,
    )


def describe(p: Plan, directory: Path) -> str:
    runs = len(p.arms) * p.sampler.n * len(p.seeds)
    return (
        f"[explore] {p.sampler.n} points x {len(p.arms)} arms x {len(p.seeds)} seeds = {runs} runs"
        f" -> {directory}"
    )


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
    boxes = prim_boxes(x, y, p.prim.threshold, p.prim.peel_alpha, p.prim.mass_min, p.prim.boxes)
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


def report(p: Plan, results: tuple[pd.DataFrame, dict], analysis: dict, directory: Path) -> int:
    """report.md, the tables and figures; exit status 1 when some evaluations failed (they are
    recorded and excluded, the analysis covers the others)."""
    from sim.explore import report as writer

    path = writer.write(p, results[0], analysis, directory)
    boxes = ", ".join(
        f"box {i + 1}: coverage {b.coverage:.2f}, density {b.density:.2f}, {len(b.limits)} dims"
        for i, b in enumerate(analysis["boxes"])
    )
    print(
        f"[explore] {int(analysis['y'].sum())} of {analysis['evaluated']} points of interest; "
        f"{len(analysis['boxes'])} PRIM boxes{': ' + boxes if boxes else ''}\nreport: {path}"
    )
    return 1 if analysis["failed"] else 0


KIND = Kind(
    section=SECTION,
    schema=ExplorationConfig,
    command="python -m sim.explore",
    experiment_prefix="explore_",
    model_key="model",
    directory_key="dir",
    plan=plan,
    identity=identity,
    describe=describe,
    run=run,
    analyse=lambda p, results: analyse(p, *results),
    report=report,
    requires=("ema_workbench", "sklearn"),
    examples=(
        ("python -m sim.explore +exploration=demo", "the small demo (a minute or two on 2 cores)"),
        ("python -m sim.explore +experiment=explore_fusion_xiaodongmen", "a pinned study"),
        (
            "python -m sim.explore +exploration=demo exploration.sampler.n=40 hydra/launcher=joblib",
            "more points, on every core",
        ),
    ),
)
