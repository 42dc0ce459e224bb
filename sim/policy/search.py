"""Robust multi-objective policy search (稳健多目标政策搜索): NSGA-II (Optuna's NSGAIISampler) over the
levers, every candidate evaluated over a fixed set of uncertainty scenarios and common seeds.

Optuna rather than the EMA Workbench's optimiser: Optuna's ask/tell interface lets each generation's
population run as one batch (sim.study.batch: the user's launcher, provenance, resume, failure
isolation), whereas the Workbench's optimiser drives its own evaluator; and a seeded NSGAIISampler
asked in the same order proposes the same candidates, so a killed search resumes by replaying
finished batches from their results without running them again.

The config block (``policy_search:``; configs/policy_search/, experiments/policy_*.yaml)::

    question: Which mixes of mechanisms and sinking do well at Nanjing East Road, robustly?
    dir: results/policy/NAME
    model: [scenario=nanjing_east, steps=52, governance=fragmented]
    launcher: [hydra/launcher=joblib]
    levers: [{name: governance.mechanisms, values: [zone_committees, online_channel]}, ...]
    uncertainties: [{name: behaviour.participation.threshold_sd, low: 0.1, high: 0.3}]
    scenarios: {method: lhs, n: 3, seed: 0}   # the fixed uncertainty samples every candidate meets
    seeds: [0, 1]
    stat: late_mean
    robustness: {measure: mean}              # or {measure: percentile, q: 10}
    objectives: [{outcome: participation_rate, direction: maximize}, ...]
    search: {population: 8, generations: 4, seed: 0}

Robustness: each candidate's outcome is first averaged over seeds within a scenario (seed noise is not
a scenario), then summarised over the scenarios: their mean, or a percentile on the unfavourable side
(``q``-th percentile for an outcome to maximise, ``100 - q``-th for one to minimise: the value the
candidate reaches or beats in ``100 - q`` % of scenarios).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.policy.schema import SECTION, PolicySearchConfig
from sim.results import write_parquet
from sim.study import factors as fx
from sim.study.load import Kind, Study
from sim.study.points import check_outcome, run_points

TRIALS_FILE = "trials.parquet"
RUNS_FILE = "runs.parquet"


@dataclass
class Search:
    study: Study
    levers: list[fx.Factor]
    uncertainties: list[fx.Factor]
    scenarios: pd.DataFrame  # the fixed uncertainty samples (no columns: one scenario, the model's)
    seeds: list[int]
    stat: str
    measure: str
    q: float
    objectives: list[tuple[str, str]]  # (outcome, direction)
    population: int
    generations: int
    seed: int

    @property
    def outcomes(self) -> list[str]:
        return [o for o, _ in self.objectives]


def identity(s: Search) -> dict:
    """What the directory records. The question, the launcher and the number of generations are left
    out: a search may be moved or extended, its finished generations replayed from their results."""
    block = asdict(s.study.block)
    spec = {k: v for k, v in block.items() if k not in ("question", "launcher", "dir", "model")}
    spec["search"] = {**spec["search"], "generations": None}
    return {"model": s.study.model, **spec}


def plan(study: Study) -> Search:
    block: PolicySearchConfig = study.block
    where = study.where
    levers = fx.parse(block.levers, where("levers"), study.base, study.model)
    uncertainties = fx.parse(block.uncertainties, where("uncertainties"), study.base, study.model)
    clash = {f.name for f in levers} & {f.name for f in uncertainties}
    if clash:
        raise ConfigError(
            f"{where('uncertainties')}: {sorted(clash)[0]} is also a lever, allowed: each key once"
        )
    sampler = block.scenarios
    draws = fx.read_draws(block.draws, where("draws"), [study.base], sampler.n)
    scenarios = fx.sample(uncertainties, sampler) if uncertainties else pd.DataFrame(index=range(sampler.n))
    if draws is not None:
        scenarios = pd.concat([draws, scenarios], axis=1)
    if not uncertainties and draws is None:
        scenarios = scenarios.iloc[:1]  # no uncertainty: one scenario, the model's own values
    objectives = [
        (check_outcome(o.outcome, where(f"objectives.{i}.outcome")), o.direction)
        for i, o in enumerate(block.objectives)
    ]
    return Search(
        study=study,
        levers=levers,
        uncertainties=uncertainties,
        scenarios=scenarios,
        seeds=block.seeds,
        stat=block.stat,
        measure=block.robustness.measure,
        q=float(block.robustness.q),
        objectives=objectives,
        population=block.search.population,
        generations=block.search.generations,
        seed=block.search.seed,
    )


def describe(s: Search, directory: Path) -> str:
    runs = s.generations * s.population * len(s.scenarios) * len(s.seeds)
    return (
        f"[policy] {s.generations} generations x {s.population} candidates x {len(s.scenarios)} scenarios "
        f"x {len(s.seeds)} seeds = {runs} runs -> {directory}"
    )


def suggest(trial, levers: list[fx.Factor]) -> dict[str, Any]:
    """A candidate's lever values from an Optuna trial (a subset: one on/off choice per member)."""
    values = {}
    for f in levers:
        if f.kind == "real":
            values[f.name] = trial.suggest_float(f.name, f.low, f.high)
        elif f.kind == "categorical":
            values[f.name] = trial.suggest_categorical(f.name, list(f.values))
        else:
            values[f.name] = [
                v for v, c in zip(f.values, f.columns()) if trial.suggest_categorical(c, [False, True])
            ]
    return values


def robust(values: np.ndarray, direction: str, measure: str, q: float) -> float:
    """One number per candidate from its per-scenario (seed-mean) values."""
    if measure == "mean":
        return float(np.mean(values))
    return float(np.percentile(values, q if direction == "maximize" else 100 - q))


def _points(candidates: list[dict], scenarios: pd.DataFrame) -> pd.DataFrame:
    """Candidates x scenarios, candidate-major: point c * S + s is candidate c in scenario s."""
    rows = [{**c, **s} for c in candidates for s in scenarios.to_dict("records")]
    return pd.DataFrame(rows, index=range(len(rows)))


def run(s: Search, directory: Path, log=print) -> tuple[Any, pd.DataFrame, pd.DataFrame]:
    """Run (or replay) the search; return the Optuna study, the trials table and every run."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.NSGAIISampler(population_size=s.population, seed=s.seed)
    study = optuna.create_study(directions=[d for _, d in s.objectives], sampler=sampler)
    overrides = [*s.study.model, *s.study.launcher]
    rows, all_runs, n_scen = [], [], len(s.scenarios)
    for batch in range(s.generations):
        trials = [study.ask() for _ in range(s.population)]
        candidates = [suggest(t, s.levers) for t in trials]
        where = directory / "batches" / f"batch_{batch:03d}"
        runs = run_points(_points(candidates, s.scenarios), s.seeds, where, overrides, s.outcomes, s.stat)
        all_runs.append(runs.assign(batch=batch))
        runs["candidate"] = runs["point"] // n_scen
        runs["scenario"] = runs["point"] % n_scen
        for c, (trial, values) in enumerate(zip(trials, candidates)):
            mine = runs[runs["candidate"] == c]
            failed = bool((mine["status"] != "completed").any())
            per_scenario = mine.groupby("scenario")[s.outcomes].mean()
            objective = [robust(per_scenario[o].to_numpy(), d, s.measure, s.q) for o, d in s.objectives]
            undefined = [o for o, v in zip(s.outcomes, objective) if not math.isfinite(v)]
            error = "; ".join(sorted(set(mine["error"].dropna().astype(str)))) or None
            if not failed and undefined:
                error = f"objective undefined (NaN): {', '.join(undefined)}"
            if failed or undefined:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, objective)
            rows.append(
                {
                    "trial": trial.number,
                    "batch": batch,
                    "status": "failed" if failed else "undefined" if undefined else "completed",
                    "error": error,
                    "runs": [f"batches/{where.name}/{r}" for r in mine["run"]],
                    **{f"lever:{k}": v for k, v in values.items()},
                    **{f"objective:{o}": v for (o, _), v in zip(s.objectives, objective)},
                }
            )
        done = runs.groupby("candidate")["status"].apply(lambda x: (x == "completed").all())
        log(
            f"[policy] batch {batch + 1}/{s.generations}: "
            f"{int(done.sum())} of {len(done)} candidates completed"
        )
    table = pd.DataFrame(rows)
    write_parquet(directory / TRIALS_FILE, table)
    runs = pd.concat(all_runs, ignore_index=True)
    write_parquet(directory / RUNS_FILE, runs)
    return study, table, runs


def pareto(study, table: pd.DataFrame) -> pd.DataFrame:
    """The non-dominated completed candidates (Optuna's ``best_trials``)."""
    best = sorted(t.number for t in study.best_trials)
    return table.set_index("trial").loc[best].reset_index()


def analyse(s: Search, results: tuple[Any, pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    """The Pareto set."""
    study, table, _ = results
    return pareto(study, table)


def report(
    s: Search, results: tuple[Any, pd.DataFrame, pd.DataFrame], front: pd.DataFrame, directory: Path
) -> int:
    """The Pareto set's files, figure and report.md, and each member's command; exit status 1 when
    some candidates failed (recorded and excluded; the search went on)."""
    from sim.policy import report as writer

    _, table, runs = results
    path, members = writer.write(s, table, front, runs, directory)
    print(f"[policy] Pareto set: {len(front)} of {len(table)} candidates")
    for member in members:
        objectives = ", ".join(f"{k} {v:.4f}" for k, v in member["objectives"].items())
        print(f"  trial {member['trial']}: {objectives}\n    {member['commands'][0]}")
    print(f"report: {path}")
    return 1 if (table["status"] != "completed").any() else 0


KIND = Kind(
    section=SECTION,
    schema=PolicySearchConfig,
    command="python -m sim.policy",
    experiment_prefix="policy_",
    model_key="model",
    directory_key="dir",
    plan=plan,
    identity=identity,
    describe=describe,
    run=run,
    analyse=analyse,
    report=report,
    requires=("optuna",),
    examples=(
        ("python -m sim.policy +policy_search=demo", "the small demo (a couple of minutes on 2 cores)"),
        ("python -m sim.policy +experiment=policy_nanjing_east", "the pinned study"),
        (
            "python -m sim.policy +policy_search=demo policy_search.search.generations=6",
            "a search extended: finished generations are replayed from their results",
        ),
    ),
)
