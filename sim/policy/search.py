"""Robust multi-objective policy search (稳健多目标政策搜索): NSGA-II (Optuna's NSGAIISampler) over the
levers, every candidate evaluated over a fixed set of uncertainty scenarios and common seeds.

Optuna rather than the EMA Workbench's optimiser: Optuna's ask/tell interface lets each generation's
population run as one batch (sim.sweep.batch: the user's launcher, provenance, resume, failure
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config import ConfigError
from sim.explore import factors as fx
from sim.explore.evaluate import run_points
from sim.explore.study import Study, check_outcome, check_seeds, check_stat
from sim.results import write_parquet

SECTION = "policy_search"
PREFIX = "policy_"
DIRECTIONS = ("maximize", "minimize")
MEASURES = ("mean", "percentile")
TRIALS_FILE = "trials.parquet"
RUNS_FILE = "runs.parquet"
PARETO_FILE = "pareto.parquet"
KEYS = {
    "question",
    "dir",
    "model",
    "launcher",
    "levers",
    "uncertainties",
    "scenarios",
    "draws",
    "seeds",
    "stat",
    "robustness",
    "objectives",
    "search",
}


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

    def resolved(self) -> dict:
        """What the study directory records. The question, the launcher and the number of generations
        are left out: a search may be moved or extended, its finished generations replayed from their
        results."""
        spec = {k: v for k, v in self.study.spec.items() if k not in ("question", "launcher")}
        spec["search"] = {**(spec.get("search") or {}), "generations": None}
        return {"section": SECTION, "spec": spec, "model": self.study.model}

    @property
    def outcomes(self) -> list[str]:
        return [o for o, _ in self.objectives]


def plan(study: Study) -> Search:
    spec, where = study.spec, study.where
    unknown = sorted(set(spec) - KEYS)
    if unknown:
        raise ConfigError(f"{where(unknown[0])}: got an unknown key, allowed: {sorted(KEYS)}")
    levers = fx.parse(spec.get("levers"), where("levers"), study.base, study.model)
    if not levers:
        raise ConfigError(f"{where('levers')}: got none, allowed: at least one lever")
    uncertainties = fx.parse(spec.get("uncertainties"), where("uncertainties"), study.base, study.model)
    clash = {f.name for f in levers} & {f.name for f in uncertainties}
    if clash:
        raise ConfigError(
            f"{where('uncertainties')}: {sorted(clash)[0]} is also a lever, allowed: each key once"
        )
    sampler = fx.check_sampler(spec.get("scenarios") or {"n": 1}, where("scenarios"))
    draws = fx.read_draws(spec.get("draws"), where("draws"), [study.base], sampler["n"])
    scenarios = (
        fx.sample(uncertainties, sampler) if uncertainties else pd.DataFrame(index=range(sampler["n"]))
    )
    if draws is not None:
        scenarios = pd.concat([draws, scenarios], axis=1)
    if not uncertainties and draws is None:
        scenarios = scenarios.iloc[:1]  # no uncertainty: one scenario, the model's own values
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise ConfigError(
            f"{where('objectives')}: got {objectives!r}, allowed: a list of {{outcome, direction}}"
        )
    parsed = []
    for i, entry in enumerate(objectives):
        entry = entry if isinstance(entry, dict) else {"outcome": entry}
        outcome = check_outcome(entry.get("outcome"), where(f"objectives[{i}].outcome"))
        direction = entry.get("direction", "maximize")
        if direction not in DIRECTIONS:
            raise ConfigError(
                f"{where(f'objectives[{i}].direction')}: got {direction!r}, "
                f"allowed: one of {list(DIRECTIONS)}"
            )
        if outcome in [o for o, _ in parsed]:
            raise ConfigError(
                f"{where(f'objectives[{i}].outcome')}: got {outcome!r} twice, allowed: each once"
            )
        parsed.append((outcome, direction))
    robustness = spec.get("robustness") or {"measure": "mean"}
    measure, q = robustness.get("measure", "mean"), robustness.get("q", 10)
    if measure not in MEASURES:
        raise ConfigError(f"{where('robustness.measure')}: got {measure!r}, allowed: one of {list(MEASURES)}")
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 <= q <= 100:
        raise ConfigError(f"{where('robustness.q')}: got {q!r}, allowed: a percentile in [0, 100]")
    search = spec.get("search") or {}
    population, generations, seed = (
        search.get("population", 8),
        search.get("generations", 4),
        search.get("seed", 0),
    )
    for key, value, low in (
        ("population", population, 2),
        ("generations", generations, 1),
        ("seed", seed, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value < 2**31:
            raise ConfigError(f"{where('search.' + key)}: got {value!r}, allowed: an integer >= {low}")
    return Search(
        study=study,
        levers=levers,
        uncertainties=uncertainties,
        scenarios=scenarios,
        seeds=check_seeds(spec.get("seeds", [0]), where("seeds")),
        stat=check_stat(spec.get("stat", "late_mean"), where("stat")),
        measure=measure,
        q=float(q),
        objectives=parsed,
        population=population,
        generations=generations,
        seed=seed,
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
