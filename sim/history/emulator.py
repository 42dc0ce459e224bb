"""Emulators of a stochastic model (随机模型的仿真器): for one statistic, a Gaussian process of its mean
over seeds and one of its seed variance (Andrianakis et al. 2015, *PLoS Comput. Biol.* 11:e1003968;
Vernon, Goldstein & Bower 2010, *Bayesian Analysis* 5:619), from scikit-learn.

Inputs are points of the unit cube (each parameter's prior mapped to [0, 1]). At each design point x_i
the model ran at n common seeds, giving the sample mean m_i and sample variance s2_i.

- The variance emulator is a GP of log s2_i, corrected for its bias under normality (E log s2 =
  log sigma2 + psi((n-1)/2) - log((n-1)/2)) and with its known sampling variance psi'((n-1)/2) on the
  diagonal; sigma2(x) is the log-normal mean exp(mu + sd^2 / 2) of its prediction.
- The mean emulator is a GP of m_i with sigma2(x_i) / n, the seed noise of a mean of n runs, on the
  diagonal: it emulates the model's expected value, not one seed's.

Both use a constant times an anisotropic squared-exponential kernel (one length scale per parameter)
plus a white-noise nugget, fitted by maximum likelihood with ``normalize_y``; the nugget absorbs what
the known noise misses and counts in the emulator's variance, which errs on the side of keeping
points. Everything is seeded: the same runs give the same emulator.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.special import polygamma, psi

FLOOR = 1e-12  # a seed variance of exactly 0 (a statistic every seed gives alike) has no logarithm
RESTARTS = 2  # of the likelihood's optimiser, from seeded random starts


def _gp(dimensions: int, seed: int):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.full(dimensions, 0.5), (1e-2, 1e2)) + WhiteKernel(
        1e-4, (1e-9, 1.0)
    )
    return GaussianProcessRegressor(
        kernel, normalize_y=True, n_restarts_optimizer=RESTARTS, random_state=seed
    )


@dataclass
class Emulator:
    """The mean and seed-variance emulators of one statistic."""

    mean_gp: object
    variance_gp: object

    @classmethod
    def fit(cls, x: np.ndarray, runs: np.ndarray, seed: int = 0) -> Emulator:
        """Fit to ``runs`` (points x seeds) at unit-cube points ``x`` (points x parameters); points with
        a missing run are left out."""
        x, runs = _complete(x, runs)
        emulator = cls(_gp(x.shape[1], seed), _gp(x.shape[1], seed))
        emulator._train(x, runs)
        return emulator

    def _train(self, x: np.ndarray, runs: np.ndarray) -> None:
        from sklearn.exceptions import ConvergenceWarning

        n = runs.shape[1]
        dof = (n - 1) / 2
        log_var = np.log(np.maximum(runs.var(axis=1, ddof=1), FLOOR)) - (psi(dof) - np.log(dof))
        means = runs.mean(axis=1)
        with warnings.catch_warnings():
            # a nugget or a length scale at its bound is a fit (no noise beyond the known one, an
            # inert parameter), not a failure
            warnings.simplefilter("ignore", ConvergenceWarning)
            _known_noise(self.variance_gp, np.full(len(x), polygamma(1, dof)), log_var)
            self.variance_gp.fit(x, log_var)
            seed_var = _lognormal_mean(*self.variance_gp.predict(x, return_std=True))
            _known_noise(self.mean_gp, seed_var / n, means)
            self.mean_gp.fit(x, means)

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At each point: the expected value E(x), the emulator's variance of it, and the seed
        variance sigma2(x) of one run."""
        x = np.asarray(x, float)
        mean, sd = self.mean_gp.predict(x, return_std=True)
        return mean, sd**2, _lognormal_mean(*self.variance_gp.predict(x, return_std=True))

    def run_coverage(self, x: np.ndarray, runs: np.ndarray) -> float:
        """The share of runs (every seed at every point) inside the emulator's 95% interval for one
        run, E(x) +- 1.96 sqrt(Var_emulator(x) + sigma2(x)); missing runs are left out."""
        mean, var, seed_var = self.predict(x)
        runs = np.asarray(runs, float)
        finite = np.isfinite(runs)
        inside = np.abs(runs - mean[:, None]) <= 1.96 * np.sqrt(var + seed_var)[:, None]
        return float(inside[finite].mean()) if finite.any() else float("nan")

    def leave_one_out(self, x: np.ndarray, runs: np.ndarray) -> float:
        """Run coverage of each point's runs by the emulators refitted without that point, with the
        fitted kernels kept (as leave-one-out diagnostics do: the hyperparameters are not refitted)."""
        x, runs = _complete(x, runs)
        inside = []
        for i in range(len(x)):
            rest = np.arange(len(x)) != i
            held = Emulator(_fixed(self.mean_gp), _fixed(self.variance_gp))
            held._train(x[rest], runs[rest])
            mean, var, seed_var = held.predict(x[i : i + 1])
            inside += list(np.abs(runs[i] - mean) <= 1.96 * np.sqrt(var + seed_var))
        return float(np.mean(inside)) if inside else float("nan")


def _complete(x: np.ndarray, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    keep = np.isfinite(runs).all(axis=1)
    return np.asarray(x, float)[keep], np.asarray(runs, float)[keep]


def _known_noise(gp, noise: np.ndarray, y: np.ndarray) -> None:
    """The known noise variance of each y on the GP's diagonal; normalize_y scales y to unit variance
    before it is added, so it is scaled alike."""
    sd = float(np.std(y))
    gp.alpha = np.maximum(noise / (sd if sd > 0 else 1.0) ** 2, 1e-10)


def _fixed(gp):
    """An unfitted copy of a fitted GP that trains with its fitted kernel and no optimiser."""
    from sklearn.base import clone

    return clone(gp).set_params(kernel=gp.kernel_, optimizer=None)


def _lognormal_mean(mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    return np.exp(mu + sd**2 / 2)
