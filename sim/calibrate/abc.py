"""Batch ABC-SMC (近似贝叶斯计算, sequential Monte Carlo; Toni et al. 2009, Beaumont et al. 2009) from
pyabc's parts, with every generation's proposals evaluated as batches of ordinary sweeps.

pyabc's samplers call a Python function once per particle; here each batch of proposals is one
sweep (:func:`sim.study.batch.evaluate`), so evaluations run through whichever Hydra launcher the
user chose (joblib, Ray, SLURM), with the sweeps' provenance, resume and failure isolation. pyabc
supplies the priors (``pyabc.Distribution`` of ``pyabc.RV``), the perturbation kernel
(``pyabc.MultivariateNormalTransition``: fitted to the weighted population, its ``rvs`` proposes,
its ``pdf`` gives the importance weights) and the weighted statistics.

Generation t: epsilon_t = max(min_epsilon, the ``quantile`` of the previous population's distances,
weighted); generation 0 takes the quantile of its first batch of prior draws. Batches of ``batch``
proposals (prior draws at t = 0, kernel draws inside the prior's support after) are evaluated until
``population`` particles have distance <= epsilon_t (the first ``population`` in proposal order are
kept) or ``max_batches`` batches are spent. Weights: 1 at t = 0, prior(theta) / sum_j w_j K(theta |
theta_j) after. The run stops when epsilon_t reaches ``min_epsilon`` (every target within its
tolerance, with the max distance and min_epsilon 1), after ``generations``, or when a generation
accepts too few particles (then the previous population is the posterior).

Everything random is drawn from numpy's global generator (pyabc draws from it) seeded from
(sampler_seed, generation, batch) and restored after: a rerun proposes the same points, so a killed
calibration resumes batch by batch, each batch keeping its finished runs.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibrate.schema import CalibrationConfig
from sim.study.batch import SWEEP_DIR, evaluate
from sim.study.load import StudyError
from sim.targets import Target, compute

SEED_COLUMN = "seed"


@dataclass
class Generation:
    t: int
    epsilon: float
    evaluated: int = 0
    passed: int = 0
    batches: int = 0
    population: pd.DataFrame | None = None  # parameters, distance, weight, statistics

    @property
    def acceptance(self) -> float:
        return self.passed / self.evaluated if self.evaluated else float("nan")


@dataclass
class Result:
    generations: list[Generation] = field(default_factory=list)
    evaluations: list[pd.DataFrame] = field(default_factory=list)
    stopped: str = ""

    @property
    def posterior(self) -> pd.DataFrame:
        return self.generations[-1].population


@contextlib.contextmanager
def seeded(*key: int):
    """numpy's global generator seeded from ``key`` for the block, and restored after it."""
    # pyabc's priors and kernel draw from the legacy global generator, so it is the one seeded here
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(np.random.SeedSequence(list(key)).generate_state(1)[0])  # noqa: NPY002
    try:
        yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def prior_of(spec: CalibrationConfig):
    import pyabc

    rvs = {}
    for p in spec.parameters:
        if p.prior == "uniform":
            rvs[p.name] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            rvs[p.name] = pyabc.RV("loguniform", p.low, p.high)
    return pyabc.Distribution(**rvs)


def distance(stats: np.ndarray, targets: list[Target], kind: str) -> np.ndarray:
    """Each target's |simulated - observed| / tolerance, combined by their maximum or the root of
    their sum of squares; inf where a statistic is undefined (a failed run, NaN)."""
    obs = np.array([t.value for t in targets])
    tol = np.array([t.tolerance for t in targets])
    scaled = np.abs(stats - obs) / tol
    combined = scaled.max(axis=1) if kind == "max" else np.sqrt((scaled**2).sum(axis=1))
    return np.where(np.isnan(combined), np.inf, combined)


def statistic_columns(targets: list[Target]) -> list[str]:
    return [f"{t.statistic}@{t.scenario}" for t in targets]


def simulate(
    thetas: pd.DataFrame,
    seeds: tuple[int, ...],
    targets: list[Target],
    spec: CalibrationConfig,
    directory: Path,
) -> tuple[np.ndarray, pd.Series]:
    """Run every parameter set at every seed (common seeds) on each target scenario, one batch per
    scenario; return the target statistics (sets x seeds x targets, NaN where a run failed) and each
    set's failure note (empty when every run completed)."""
    n, k = len(thetas), len(targets)
    rows = thetas.loc[thetas.index.repeat(len(seeds))].reset_index(drop=True)
    rows[SEED_COLUMN] = list(seeds) * n
    stats = np.full((n * len(seeds), k), np.nan)
    errors = pd.Series([""] * n)
    for scenario in dict.fromkeys(t.scenario for t in targets):
        batch = directory / scenario
        runs = evaluate(rows, batch, [*spec.overrides, f"scenario={scenario}", *spec.launcher])
        wanted = [(j, t.statistic) for j, t in enumerate(targets) if t.scenario == scenario]
        for i, run in enumerate(runs.itertuples()):
            if run.status != "completed":
                errors[i // len(seeds)] = f"{scenario}: {run.error}"
                continue
            run_dir = batch / SWEEP_DIR / run.run
            summary = json.loads((run_dir / "summary.json").read_text())
            table = pd.read_parquet(run_dir / "timeseries.parquet")
            for j, name in wanted:
                stats[i, j] = compute(name, table, summary)
    return stats.reshape(n, len(seeds), k), errors


def prior_pdf(prior, thetas: pd.DataFrame) -> np.ndarray:
    """The prior density of each row (the parameters are independent a priori)."""
    return np.prod([prior[name].pdf(thetas[name].to_numpy()) for name in thetas.columns], axis=0)


def _propose(spec: CalibrationConfig, prior, transition, size: int) -> pd.DataFrame:
    names = [p.name for p in spec.parameters]
    if transition is None:
        return pd.DataFrame([dict(prior.rvs()) for _ in range(size)])[names]
    kept: list[pd.DataFrame] = []
    while sum(len(k) for k in kept) < size:
        draws = transition.rvs(size=size)
        kept.append(draws.loc[prior_pdf(prior, draws[names]) > 0, names])
    return pd.concat(kept, ignore_index=True).iloc[:size].reset_index(drop=True)


def _weights(thetas: pd.DataFrame, prior, transition) -> np.ndarray:
    if transition is None:
        return np.ones(len(thetas))
    return prior_pdf(prior, thetas) / transition.pdf(thetas)


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, alpha: float) -> float:
    from pyabc.weighted_statistics import weighted_quantile

    finite = np.isfinite(values)
    if not finite.any():
        return float("inf")
    return float(weighted_quantile(values[finite], weights[finite] / weights[finite].sum(), alpha=alpha))


def run_abc(spec: CalibrationConfig, targets: list[Target], out: Path, progress=None) -> Result:
    """Run (or resume) the ABC-SMC of ``spec`` into ``out``; return its generations and every evaluation."""
    import pyabc

    out = Path(out)
    progress = progress or (lambda line: print(line, flush=True))
    prior = prior_of(spec)
    names = [p.name for p in spec.parameters]
    columns = statistic_columns(targets)
    result = Result()
    transition = None
    previous: Generation | None = None
    min_accepted = max(2, len(names) + 1)  # the kernel's covariance needs more particles than dimensions
    for t in range(spec.generations):
        epsilon = None
        if previous is not None:
            pop = previous.population
            epsilon = max(
                spec.min_epsilon,
                _weighted_quantile(pop["distance"].to_numpy(), pop["weight"].to_numpy(), spec.quantile),
            )
        gen = Generation(t, epsilon if epsilon is not None else float("nan"))
        accepted: list[pd.DataFrame] = []
        for b in range(spec.max_batches):
            with seeded(spec.sampler_seed, t, b):
                thetas = _propose(spec, prior, transition, spec.batch)
            per_seed, errors = simulate(
                thetas, spec.seeds, targets, spec, out / f"gen_{t:02d}" / f"batch_{b:02d}"
            )
            stats = per_seed.mean(axis=1)  # NaN if any seed's run failed
            dist = distance(stats, targets, spec.distance)
            if epsilon is None:  # generation 0: the quantile of the first batch of prior draws
                epsilon = max(spec.min_epsilon, _weighted_quantile(dist, np.ones(len(dist)), spec.quantile))
                gen.epsilon = epsilon
            frame = thetas.copy()
            frame[columns] = stats
            frame["distance"] = dist
            frame["weight"] = _weights(thetas, prior, transition)
            frame["error"] = errors
            frame.insert(0, "generation", t)
            frame.insert(1, "batch", b)
            frame["passed"] = np.isfinite(dist) & (dist <= epsilon)  # a failed run never passes
            gen.evaluated += len(frame)
            gen.passed += int(frame["passed"].sum())
            gen.batches += 1
            accepted.append(frame[frame["passed"]])
            frame["epsilon"] = epsilon
            result.evaluations.append(frame)
            progress(
                f"[calibrate] generation {t} batch {b}: {int(frame['passed'].sum())}/{len(frame)} within "
                f"epsilon {epsilon:.3g} ({min(sum(len(a) for a in accepted), spec.population)}/"
                f"{spec.population} kept)"
            )
            if sum(len(a) for a in accepted) >= spec.population:
                break
        pop = pd.concat(accepted, ignore_index=True).iloc[: spec.population].copy()
        if len(pop) < min_accepted:
            result.stopped = (
                f"generation {t} accepted {len(pop)} particles in {gen.batches} batches at epsilon "
                f"{epsilon:.3g} (fewer than {min_accepted}); the posterior is generation {t - 1}'s"
            )
            if previous is None:
                raise StudyError(
                    f"no posterior: {result.stopped.split(';')[0]} (widen the priors or the tolerances, "
                    "or raise calibration.batch or calibration.max_batches)"
                )
            break
        pop["weight"] /= pop["weight"].sum()
        gen.population = pop
        result.generations.append(gen)
        previous = gen
        if epsilon <= spec.min_epsilon:
            result.stopped = f"epsilon reached min_epsilon = {spec.min_epsilon:g} at generation {t}"
            break
        transition = pyabc.MultivariateNormalTransition()
        transition.fit(pop[names], pop["weight"].to_numpy())
    else:
        result.stopped = f"ran all {spec.generations} generations"
    return result
