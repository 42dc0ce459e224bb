"""A calibration's figures and ``report.md`` (校准报告): epsilon and acceptance per generation, marginal
and pairwise posteriors (pyabc's weighted kernel density plots, over the priors' full ranges so a flat
marginal looks flat), and the posterior-predictive check per target.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.calibrate.posterior import RIDGE, WEAK
from sim.calibrate.schema import CalibrationConfig
from sim.outcomes import label

FIGURES = "figures"


def _save(fig, out: Path, name: str) -> str:
    (out / FIGURES).mkdir(exist_ok=True)
    for ext in ("png", "svg"):
        fig.savefig(out / FIGURES / f"{name}.{ext}", dpi=120, bbox_inches="tight")
    plt.close(fig)
    return f"{FIGURES}/{name}.png"


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def figure_generations(gens: pd.DataFrame, out: Path) -> str:
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.2))
    a.plot(gens["generation"], gens["epsilon"], marker="o")
    a.set(xlabel="generation", ylabel="epsilon (distance, tolerance units)", title="Epsilon")
    a.axhline(1.0, color="grey", lw=0.8, ls="--")
    b.plot(gens["generation"], gens["acceptance"], marker="o", color="C2")
    b.set(xlabel="generation", ylabel="acceptance rate", title="Acceptance", ylim=(0, 1.02))
    return _save(fig, out, "generations")


def figure_marginals(spec: CalibrationConfig, posterior: pd.DataFrame, out: Path) -> str:
    from pyabc.visualization import plot_kde_1d

    k = len(spec.parameters)
    fig, axes = plt.subplots(1, k, figsize=(3.2 * k, 2.8), squeeze=False)
    for ax, p in zip(axes[0], spec.parameters):
        plot_kde_1d(
            posterior, posterior["weight"], x=p.name, xmin=p.low, xmax=p.high, ax=ax, xname=_short(p.name)
        )
        if p.prior == "uniform":
            ax.axhline(1 / (p.high - p.low), color="grey", ls="--", lw=0.8, label="prior")
        ax.set_title(_short(p.name), fontsize=9)
    fig.suptitle("Marginal posteriors (dashed: prior)", fontsize=10)
    fig.tight_layout()
    return _save(fig, out, "marginals")


def figure_pairs(spec: CalibrationConfig, posterior: pd.DataFrame, out: Path) -> str | None:
    from pyabc.visualization import plot_kde_matrix

    if len(spec.parameters) < 2:
        return None
    names = [p.name for p in spec.parameters]
    limits = {p.name: (p.low, p.high) for p in spec.parameters}
    arr = plot_kde_matrix(
        posterior[names], posterior["weight"].to_numpy(), limits=limits, names={n: _short(n) for n in names}
    )
    fig = np.asarray(arr).ravel()[0].figure
    fig.suptitle("Pairwise posteriors", fontsize=10, y=1.01)
    return _save(fig, out, "pairs")


def figure_ppc(check: pd.DataFrame, runs: pd.DataFrame, out: Path) -> str:
    k = len(check)
    fig, axes = plt.subplots(1, k, figsize=(2.8 * k, 3), squeeze=False)
    for j, (ax, row) in enumerate(zip(axes[0], check.itertuples())):
        values = runs.loc[runs["target"] == j, "value"].dropna()
        ax.axhspan(row.observed - row.tolerance, row.observed + row.tolerance, color="C1", alpha=0.2)
        ax.axhline(row.observed, color="C1", label="observed ± tolerance")
        ax.plot(np.random.default_rng(0).uniform(-0.2, 0.2, len(values)), values, "o", ms=3, alpha=0.6)
        ax.set_xlim(-1, 1)
        ax.set_xticks([])
        ax.set_title(f"{row.statistic}\n@{row.scenario}", fontsize=8)
    fig.suptitle(
        "Posterior-predictive check (dots: runs of posterior draws; band: observed ± tolerance)", fontsize=10
    )
    fig.tight_layout()
    return _save(fig, out, "ppc")


def _table(frame: pd.DataFrame) -> str:
    return frame.to_markdown(index=False, floatfmt=".4g")


def write(
    spec: CalibrationConfig,
    out: Path,
    gens: pd.DataFrame,
    posterior: pd.DataFrame,
    table: pd.DataFrame,
    ridges: list[tuple[str, str, float]],
    check: pd.DataFrame,
    ppc_runs: pd.DataFrame,
    stopped: str,
    provenance: str,
) -> str:
    figures = [
        figure_generations(gens, out),
        figure_marginals(spec, posterior, out),
        figure_pairs(spec, posterior, out),
        figure_ppc(check, ppc_runs, out),
    ]
    flat = table[table["contraction"] < WEAK]["parameter"].tolist()
    lines = [
        f"# Calibration `{spec.name}` (校准)",
        "",
        f"{provenance}. Targets: `{spec.targets}`; distance: {spec.distance} of |simulated - observed| / "
        f"tolerance over the targets; common seeds {list(spec.seeds)} for every evaluation; "
        f"population {spec.population}, batches of {spec.batch}. Stopped: {stopped}.",
        "",
        "## Generations",
        "",
        _table(gens),
        "",
        "## Posterior",
        "",
        "Weighted posterior of the last generation; contraction = 1 - posterior variance / prior variance "
        "(1: pinned down by the targets, 0: nothing learnt).",
        "",
        _table(table),
        "",
        "Not identified by these targets (flat marginals): "
        + (", ".join(f"`{n}`" for n in flat) if flat else "none")
        + ".",
        "",
        f"Ridges (|weighted correlation| >= {RIDGE}: the targets fix a combination, not each parameter): "
        + ("; ".join(f"`{a}` and `{b}` (r = {r:+.2f})" for a, b, r in ridges) if ridges else "none")
        + ".",
        "",
        "## Posterior-predictive check",
        "",
        f"{spec.posterior_draws} posterior draws run at seeds {list(spec.ppc_seeds)} (not the "
        "calibration's): the simulated median and 90% range per target, and the share of runs inside "
        "the tolerance (a failed run counts as outside).",
        "",
        _table(check.assign(statistic=[f"{s} ({label(s.split('_', 1)[-1])})" for s in check["statistic"]])),
        "",
        "## Using the result",
        "",
        "- `calibrated.yaml` (also `configs/calibrated/" + spec.name + ".yaml` here): the posterior means, "
        f"for any run: `python -m sim 'hydra.searchpath=[file://{(out / 'configs').resolve()}]' "
        f"+calibrated={spec.name}`;",
        "- `posterior_draws.parquet`: a file design of posterior draws, for any run, sweep or experiment: "
        f"`python -m sim -m +design.method=file +design.file={(out / 'posterior_draws.parquet').resolve()} "
        f"'+design.sample=range(0,{spec.posterior_draws})' 'seed=range(0,5)'`, then "
        "`python -m sim.calibrate.uncertainty SWEEP_DIR` separates seed noise from parameter uncertainty.",
        "",
        *[f"![{Path(f).stem}]({f})" for f in figures if f],
        "",
    ]
    return "\n".join(lines)
