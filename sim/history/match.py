"""History matching (历史匹配) by waves: implausibility, the non-implausible space (NROY, "not ruled out
yet"), each wave's space-filling design inside it, and posterior draws inside it (Vernon, Goldstein &
Bower 2010; Andrianakis et al. 2015; the waves of the R package hmer).

Everything here works on points of the unit cube (:func:`to_values` maps them to parameter values)
and on emulators (:class:`sim.history.emulator.Emulator`), with no model: the tests drive it with
cheap functions of known answer.

- Implausibility of target j at x: I_j(x) = |z_j - E_j(x)| / sqrt(Var_emulator_j(x) + tol_j^2 +
  disc_j^2 + sigma2_j(x)): observed value z, emulated expectation E, the observation's standard
  error (the target's tolerance), the model discrepancy and one run's seed variance. A point's
  implausibility is the maximum over targets (``max``) or the second largest (``second``, which
  keeps a point that misses one target: safer while the emulators are rough).
- A wave's emulators are trusted only inside the space the earlier waves left, so NROY after wave k
  is where every wave 1..k's implausibility is at most the cutoff.
- The NROY share is the share of a Latin hypercube sample of the prior (``sample`` points) that is in
  NROY; the same sample, filtered by rejection, is the pool the next design is chosen from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import qmc

from sim.history.emulator import Emulator

PERTURBATION_ROUNDS = 20  # rounds of draws around the pool's points when rejection finds too few
MIN_SCALE = 0.02  # of the unit interval: the smallest spread of a draw around a pool point


@dataclass(frozen=True)
class Observed:
    """A target as history matching sees it: observed value, observation error and discrepancy
    (standard deviations)."""

    value: float
    tolerance: float
    discrepancy: float = 0.0


@dataclass
class Wave:
    """One wave's emulators, one per target, in the targets' order."""

    emulators: list[Emulator]


def to_values(unit: np.ndarray, parameters: Sequence) -> np.ndarray:
    """Unit-cube points as parameter values: each coordinate a quantile of its parameter's prior
    (uniform over [low, high], or uniform in the logarithm for ``loguniform``)."""
    out = np.empty_like(np.asarray(unit, float))
    for i, p in enumerate(parameters):
        if p.prior == "loguniform":
            out[:, i] = np.exp(np.log(p.low) + unit[:, i] * (np.log(p.high) - np.log(p.low)))
        else:
            out[:, i] = p.low + unit[:, i] * (p.high - p.low)
    return out


def latin_hypercube(n: int, dimensions: int, *seed: int, improved: bool = False) -> np.ndarray:
    """A seeded Latin hypercube of ``n`` points in the unit cube; ``improved``: its centred discrepancy
    lowered by random permutations (scipy's ``random-cd``, quadratic in ``n``: for designs, not for
    the large samples that estimate NROY)."""
    rng = np.random.default_rng(list(seed))
    engine = qmc.LatinHypercube(d=dimensions, optimization="random-cd" if improved else None, seed=rng)
    return engine.random(n)


def implausibility(wave: Wave, targets: Sequence[Observed], x: np.ndarray) -> np.ndarray:
    """Each target's implausibility at each point (points x targets)."""
    out = np.empty((len(x), len(targets)))
    for j, (emulator, target) in enumerate(zip(wave.emulators, targets)):
        mean, var, seed_var = emulator.predict(x)
        total = var + target.tolerance**2 + target.discrepancy**2 + seed_var
        out[:, j] = np.abs(target.value - mean) / np.sqrt(total)
    return out


def measure(each: np.ndarray, kind: str) -> np.ndarray:
    """A point's implausibility from its targets': the largest, or the second largest."""
    if kind == "max" or each.shape[1] < 2:
        return each.max(axis=1)
    return np.sort(each, axis=1)[:, -2]


def non_implausible(
    waves: Sequence[Wave], targets: Sequence[Observed], x: np.ndarray, cutoff: float, kind: str
) -> np.ndarray:
    """Whether each point is in NROY: not implausible by any of the waves' emulators."""
    keep = np.ones(len(x), dtype=bool)
    for wave in waves:
        if keep.any():
            keep[keep] = measure(implausibility(wave, targets, x[keep]), kind) <= cutoff
    return keep


def maximin(pool: np.ndarray, n: int) -> np.ndarray:
    """``n`` points of ``pool`` chosen greedily far apart: the point nearest the pool's centre first,
    then each time the point farthest from those chosen (a space-filling subset)."""
    if len(pool) <= n:
        return pool.copy()
    chosen = [int(np.argmin(((pool - pool.mean(axis=0)) ** 2).sum(axis=1)))]
    nearest = ((pool - pool[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(n - 1):
        chosen.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, ((pool - pool[chosen[-1]]) ** 2).sum(axis=1))
    return pool[chosen]


def fill(
    pool: np.ndarray,
    n: int,
    inside,
    *seed: int,
) -> np.ndarray:
    """Points of NROY when rejection from the uniform sample found fewer than ``n``: draws around the
    pool's points (a normal of the pool's covariance, at least MIN_SCALE wide in each parameter),
    kept where they lie in the unit cube and ``inside`` (NROY) says so, for PERTURBATION_ROUNDS rounds
    at most. Returns the pool and what was added."""
    rng = np.random.default_rng(list(seed))
    found = [pool]
    d = pool.shape[1]
    for _ in range(PERTURBATION_ROUNDS):
        everything = np.concatenate(found)
        if len(everything) >= n:
            break
        spread = np.cov(everything.T).reshape(d, d) if len(everything) > d else np.zeros((d, d))
        spread = spread + np.eye(d) * MIN_SCALE**2
        centres = everything[rng.integers(len(everything), size=4 * n)]
        draws = centres + rng.multivariate_normal(np.zeros(d), spread, size=len(centres))
        draws = draws[((draws >= 0) & (draws <= 1)).all(axis=1)]
        found.append(draws[inside(draws)])
    return np.concatenate(found)


def likelihood_weights(wave: Wave, targets: Sequence[Observed], x: np.ndarray) -> np.ndarray:
    """The emulators' Gaussian likelihood of the observations at each point, prod_j N(z_j; E_j(x),
    Var_emulator_j + tol_j^2 + disc_j^2 + sigma2_j(x)), normalised to sum to 1 (computed in logs)."""
    log = np.zeros(len(x))
    for emulator, target in zip(wave.emulators, targets):
        mean, var, seed_var = emulator.predict(x)
        total = var + target.tolerance**2 + target.discrepancy**2 + seed_var
        log += -0.5 * (target.value - mean) ** 2 / total - 0.5 * np.log(2 * np.pi * total)
    w = np.exp(log - log.max())
    return w / w.sum()


def effective_sample_size(w: np.ndarray) -> float:
    return float(1 / (w**2).sum())
