"""What a calibration's posterior says (后验): per-parameter summaries with an honest identifiability
verdict, draws usable as a file design by any run, sweep or experiment, the ready config, and the
posterior-predictive check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import yaml
from scipy import stats as st

from sim.calibrate.abc import simulate
from sim.calibrate.schema import CalibrationConfig, Parameter
from sim.targets import Target

# Contraction 1 - posterior variance / prior variance: how much the targets narrowed a parameter.
IDENTIFIED = 0.5
WEAK = 0.2
RIDGE = 0.6  # |weighted correlation| at or above which a pair is reported as a ridge
INTERVAL = (0.05, 0.95)  # the 90% posterior interval


def prior_sd(p: Parameter) -> float:
    if p.prior == "uniform":
        return (p.high - p.low) / np.sqrt(12)
    return float(st.loguniform(p.low, p.high).std())


def _wquantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    from pyabc.weighted_statistics import weighted_quantile

    return float(weighted_quantile(x, w / w.sum(), alpha=q))


def summary(spec: CalibrationConfig, posterior: pd.DataFrame) -> pd.DataFrame:
    """One row per parameter: prior, posterior mean, sd, median and 90% interval, contraction and verdict."""
    w = posterior["weight"].to_numpy()
    rows = []
    for p in spec.parameters:
        x = posterior[p.name].to_numpy()
        mean = float(np.average(x, weights=w))
        sd = float(np.sqrt(np.average((x - mean) ** 2, weights=w)))
        contraction = 1 - (sd / prior_sd(p)) ** 2
        verdict = (
            "identified"
            if contraction >= IDENTIFIED
            else "weakly identified"
            if contraction >= WEAK
            else "not identified (flat: the posterior is close to the prior)"
        )
        rows.append(
            {
                "parameter": p.name,
                "prior": f"{p.prior}({p.low:g}, {p.high:g})",
                "mean": mean,
                "sd": sd,
                "median": _wquantile(x, w, 0.5),
                "q05": _wquantile(x, w, INTERVAL[0]),
                "q95": _wquantile(x, w, INTERVAL[1]),
                "prior_sd": prior_sd(p),
                "contraction": contraction,
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def ridges(spec: CalibrationConfig, posterior: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Pairs whose weighted posterior correlation is at least RIDGE in size: the targets fix a
    combination of the two rather than each."""
    names = [p.name for p in spec.parameters]
    if len(names) < 2:
        return []
    w = posterior["weight"].to_numpy()
    cov = np.cov(posterior[names].to_numpy().T, aweights=w)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return [
        (a, b, float(corr[i, j]))
        for i, a in enumerate(names)
        for j, b in enumerate(names)
        if i < j and abs(corr[i, j]) >= RIDGE
    ]


def draws(spec: CalibrationConfig, posterior: pd.DataFrame) -> pd.DataFrame:
    """``posterior_draws`` parameter sets resampled from the weighted posterior (seeded): a file design
    whose columns are config keys (``+design.method=file +design.file=... design.sample=range(0,N)``)."""
    names = [p.name for p in spec.parameters]
    w = posterior["weight"].to_numpy()
    rng = np.random.default_rng([spec.sampler_seed, 2**31 - 1])  # apart from every generation's seeds
    picks = rng.choice(len(posterior), size=spec.posterior_draws, p=w / w.sum())
    return posterior[names].iloc[picks].reset_index(drop=True)


def calibrated_config(spec: CalibrationConfig, table: pd.DataFrame, provenance: str) -> str:
    """A Hydra config (package _global_) setting every calibrated parameter to its posterior mean."""
    tree: dict = {}
    for row in table.itertuples():
        *parents, leaf = row.parameter.split(".")
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = round(float(row.mean), 6)
    head = (
        f"# @package _global_\n# Calibrated parameters of calibration {spec.name!r}: posterior means "
        f"(docs/ODD.md, Calibration).\n# {provenance}\n"
    )
    return head + yaml.safe_dump(tree, sort_keys=False)


def predictive_check(
    spec: CalibrationConfig, targets: list[Target], sample: pd.DataFrame, out
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the posterior draws at the check's own seeds (``ppc_seeds``, not the calibration's); return
    every run's statistics and, per target, the observed value and tolerance against the simulated
    median, 90% range and share of runs within tolerance (a failed run counts as outside)."""
    per_seed, _ = simulate(sample, spec.ppc_seeds, targets, spec, out)
    n, s, k = per_seed.shape
    runs = pd.DataFrame(
        {
            "draw": np.repeat(np.arange(n), s * k),
            "seed": np.tile(np.repeat(spec.ppc_seeds, k), n),
            "target": np.tile(np.arange(k), n * s),
            "value": per_seed.ravel(),
        }
    )
    rows = []
    for j, t in enumerate(targets):
        values = per_seed[:, :, j].ravel()
        inside = np.abs(values - t.value) <= t.tolerance  # NaN compares False: outside
        rows.append(
            {
                "statistic": t.statistic,
                "scenario": t.scenario,
                "observed": t.value,
                "tolerance": t.tolerance,
                "median": float(np.nanmedian(values)) if np.isfinite(values).any() else float("nan"),
                "q05": float(np.nanquantile(values, 0.05)) if np.isfinite(values).any() else float("nan"),
                "q95": float(np.nanquantile(values, 0.95)) if np.isfinite(values).any() else float("nan"),
                "within_tolerance": float(inside.mean()),
                "runs": len(values),
            }
        )
    return runs, pd.DataFrame(rows)
