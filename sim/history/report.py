"""A history match's figures and ``report.md`` (历史匹配报告): the NROY share per wave, the emulators'
diagnostics, what each target leaves of the space, and the posterior's marginals over the priors'
full ranges (so a flat marginal looks flat).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.calibrate.report import _save, _short


def figure_waves(waves: pd.DataFrame, out: Path) -> str:
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.plot(waves["wave"], waves["nroy_share"], marker="o")
    ax.set(xlabel="wave", ylabel="NROY share of the prior", title="Non-implausible space", yscale="log")
    ax.set_xticks(waves["wave"])
    return _save(fig, out, "waves")


def figure_emulators(emulators: pd.DataFrame, out: Path) -> str:
    fig, ax = plt.subplots(figsize=(max(5.0, 0.5 * len(emulators)), 3.4))
    labels = [f"w{w} {t}" for w, t in zip(emulators["wave"], emulators["target"])]
    at = np.arange(len(emulators))
    ax.bar(at - 0.2, emulators["loo_coverage"], 0.4, label="leave-one-out")
    ax.bar(at + 0.2, emulators["validation_coverage"], 0.4, label="next wave's runs")
    ax.axhline(0.95, color="grey", ls="--", lw=0.8)
    ax.set_xticks(at, labels, rotation=80, fontsize=7)
    ax.set(ylabel="runs inside the 95% interval", ylim=(0, 1.02), title="Emulator diagnostics")
    ax.legend(fontsize=8)
    return _save(fig, out, "emulators")


def figure_marginals(spec, weighted: pd.DataFrame, out: Path) -> str:
    k = len(spec.parameters)
    cols = min(k, 4)
    rows = -(-k // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.5 * rows), squeeze=False)
    for ax, p in zip(axes.ravel(), spec.parameters):
        bins = np.linspace(p.low, p.high, 21)
        ax.hist(weighted[p.name], bins=bins, density=True, alpha=0.4, color="C0", label="NROY")
        ax.hist(
            weighted[p.name],
            bins=bins,
            weights=weighted["weight"],
            density=True,
            histtype="step",
            lw=1.5,
            color="C3",
            label="posterior",
        )
        ax.set_title(_short(p.name), fontsize=9)
        ax.set_xlim(p.low, p.high)
    for ax in axes.ravel()[k:]:
        ax.axis("off")
    axes[0, 0].legend(fontsize=7)
    fig.suptitle("NROY sample and posterior (weighted), over each prior's range", fontsize=10)
    fig.tight_layout()
    return _save(fig, out, "marginals")


def write(p, result, analysis: dict, out: Path) -> str:
    spec = p.spec
    lines = [
        f"# History match `{spec.name}` (历史匹配)",
        "",
        f"{analysis['provenance']}. Targets `{spec.targets}`; {len(spec.parameters)} parameters; "
        f"{len(spec.seeds)} seeds per point, {spec.points} points per wave, {spec.steps} weeks per run, "
        f"late means over the last {spec.window} weeks; implausibility cutoff {spec.cutoff:g} on the "
        f"{'largest' if spec.measure == 'max' else 'second largest'} over targets. Method: docs/ODD.md 10.",
        "",
        f"**Stopped:** {result.stopped}.",
        "",
        "## Waves",
        "",
        analysis["waves"].to_markdown(index=False, floatfmt=".4g"),
        "",
        f"![waves]({figure_waves(analysis['waves'], out)})",
        "",
        "## Emulator diagnostics",
        "",
        "Share of runs inside each emulator's 95% interval for one run, E(x) +- 1.96 sqrt(Var_emulator + "
        "sigma2_seed): leave-one-out on the points it was fitted to, and on the next wave's runs (a "
        "validation set it never saw). About 0.95 is well calibrated; much less means the emulator is "
        "overconfident and may have ruled out space it should not have.",
        "",
        analysis["emulators"].to_markdown(index=False, floatfmt=".3g"),
        "",
        f"![emulators]({figure_emulators(analysis['emulators'], out)})",
        "",
        "## What each target leaves",
        "",
        "Over the space the last wave emulates: the share where each target alone is not implausible, and "
        "its smallest implausibility. A target whose smallest implausibility exceeds the cutoff cannot be "
        "met by any parameter set of the prior (with the other targets or without).",
        "",
        analysis["targets"].to_markdown(index=False, floatfmt=".4g"),
        "",
        "Share of that space where both targets of a pair are not implausible (`target_pairs.csv`; a "
        "target alone on the diagonal): a pair near 0 whose targets are each met cannot be met together.",
        "",
        analysis["pairs"].to_markdown(floatfmt=".3g"),
        "",
    ]
    if analysis["summary"].empty:
        lines += ["## Posterior", "", "None: the non-implausible space is empty.", ""]
        return "\n".join(lines)
    lines += [
        "## Posterior",
        "",
        f"Importance sample of the posterior inside NROY: {len(analysis['posterior'])} prior draws in NROY, "
        f"weighted by the last wave's emulator likelihood (effective sample size {result.ess:.1f}); "
        f"{len(analysis['draws'])} draws resampled into `posterior_draws.parquet`; `calibrated.yaml` holds "
        "the posterior means.",
        "",
        analysis["summary"].to_markdown(index=False, floatfmt=".4g"),
        "",
        f"![marginals]({figure_marginals(spec, analysis['posterior'], out)})",
        "",
    ]
    if analysis["ridges"]:
        lines += ["Ridges (|weighted correlation| >= 0.6): the targets fix a combination, not each:", ""]
        lines += [f"- `{a}` and `{b}`: {r:+.2f}" for a, b, r in analysis["ridges"]]
        lines.append("")
    return "\n".join(lines)
