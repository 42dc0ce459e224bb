"""An exploration's report (情景发现报告): report.md, prim_boxes.csv, feature_scores.csv and figures
(PNG and SVG, as a sweep report's): the target against each factor, each PRIM box's coverage-density
trade-off and limits (the Workbench's own figures), and the feature scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from sim import outcomes as outcome_table
from sim.results import atomic_write, write_text
from sim.study.load import merge
from sim.study.points import code_versions, command

if TYPE_CHECKING:
    from sim.explore.exploration import Plan
from sim.sweep.figures import save


def _command(p: Plan, row: pd.Series, arm: str, seed: int) -> str:
    """The exact ``python -m sim`` command of one evaluation (one point, one arm, one seed)."""
    names = ([] if p.draws is None else list(p.draws.columns)) + [f.name for f in p.factors]
    return command(merge(p.study.model, p.arms[arm]), {n: row[n] for n in names}, seed)


def figure_target(p: Plan, results: pd.DataFrame, x: pd.DataFrame, out) -> list[str]:
    ok = results[~results["failed"]]
    columns = list(x.columns)
    cols = min(4, len(columns))
    rows = -(-len(columns) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.0 * rows), squeeze=False, sharey=True)
    value = ok[f"value:{p.target}"]
    colours = np.where(ok["of_interest"], "tab:orange", "tab:blue")
    for ax, name in zip(axes.flat, columns):
        data = x.loc[ok.index, name]
        if pd.api.types.is_float_dtype(data):
            ax.scatter(data, value, c=colours, s=14)
        else:
            codes = data.astype(str)
            levels = sorted(codes.unique())
            jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(codes))
            ax.scatter(codes.map(levels.index) + jitter, value, c=colours, s=14)
            ax.set_xticks(range(len(levels)), levels, rotation=30, ha="right")
        ax.axhline(p.value, color="grey", linewidth=0.8, linestyle="--")
        ax.set_title(name.removeprefix("behaviour."), fontsize=9)
    for ax in list(axes.flat)[len(columns) :]:
        ax.set_visible(False)
    label = outcome_table.label(p.target)
    what = f"{label}: policy - baseline" if p.compared else label
    axes[0, 0].set_ylabel(what)
    fig.suptitle(f"{what} ({p.stat}) per point; orange: of interest ({p.direction} {p.value:g})", y=1.02)
    fig.tight_layout()
    return save(fig, out, "target_by_factor")


def figure_scores(scores: pd.DataFrame, out) -> list[str]:
    fig, ax = plt.subplots(figsize=(1.2 * scores.shape[1] + 3, 0.4 * scores.shape[0] + 1.5))
    sns.heatmap(scores, annot=True, fmt=".2f", cmap="viridis", ax=ax)
    ax.set_title("Feature scores (extra trees; EMA Workbench)")
    return save(fig, out, "feature_scores")


def figure_boxes(analysis: dict, out) -> list[str]:
    files = []
    for i, box in enumerate(analysis["boxes"]):
        fig = box.prim_box.show_tradeoff()
        fig.suptitle(f"PRIM box {i + 1}: peeling trajectory (coverage vs density)")
        files += save(fig, out, f"prim_box{i + 1}_tradeoff")
        if len(box.limits):  # a box of the whole space has no limits to draw
            fig = box.prim_box.inspect(box.index, style="graph")[0]
            fig.suptitle(f"PRIM box {i + 1}: restricted dimensions (quasi-p in brackets)")
            files += save(fig, out, f"prim_box{i + 1}_limits")
    return files


def write(p: Plan, results: pd.DataFrame, analysis: dict, directory) -> str:
    out = directory / "figures"
    out.mkdir(exist_ok=True)
    ok = results[~results["failed"]]
    value = ok[f"value:{p.target}"]
    what = f"{p.target} (policy - baseline, paired over seeds)" if p.compared else p.target
    lines = [
        f"# Scenario discovery: {directory.name}\n",
        f"\n**Question.** {p.study.block.question or '(none given)'}\n",
        f"\nPoints: {len(results)} ({p.sampler.method}, seed {p.sampler.seed}), each under "
        f"{len(p.arms)} arm(s) x {len(p.seeds)} seeds {p.seeds} = "
        f"{len(results) * len(p.arms) * len(p.seeds)} runs; {analysis['failed']} points failed and are "
        f"excluded. Outcomes: {p.stat} "
        "(late_mean: the mean of the last 26 weeks, the steady-state estimate).\n",
        f"\nCode that made the completed runs: {code_versions(pd.concat(analysis['runs'].values()))}.\n",
        f"\nModel overrides: `{' '.join(p.study.model)}`; arms: "
        + "; ".join(f"{arm} `{' '.join(o) or '(none)'}`" for arm, o in p.arms.items())
        + f"; launcher: `{' '.join(p.study.launcher) or 'basic (serial)'}`.\n",
        f"\nUncertainties: {', '.join(f.name for f in p.uncertainties) or 'none'}"
        + (f"; draws: {', '.join(p.draws.columns)}" if p.draws is not None else "")
        + f". Levers: {', '.join(f.name for f in p.levers) or 'none'}.\n",
        f"\n## Of interest\n\nA point is of interest when {what} is {p.direction} {p.value:g}: "
        f"{int(ok['of_interest'].sum())} of {len(ok)} points ({ok['of_interest'].mean():.0%}). "
        f"Over all points: mean {value.mean():.4f}, 5th-95th percentile [{value.quantile(0.05):.4f}, "
        f"{value.quantile(0.95):.4f}].\n",
    ]
    box_rows = []
    lines.append(
        f"\n## PRIM boxes\n\nEMA Workbench PRIM (peel alpha {p.prim.peel_alpha:g}, minimum mass "
        f"{p.prim.mass_min:g}); on each peeling trajectory the box of largest coverage (then density) "
        "with density >= "
        f"{p.prim.threshold:g} is chosen. Coverage: share of the points of interest inside the box; "
        "density: share of the box's points that are of interest. Quasi-p: the Workbench's test of each "
        "restriction.\n"
    )
    if not analysis["boxes"]:
        lines.append("\nNo box: no point is of interest.\n")
    for i, box in enumerate(analysis["boxes"]):
        lines.append(
            f"\n**Box {i + 1}**: coverage {box.coverage:.2f}, density {box.density:.2f}, mass {box.mass:.2f} "
            f"({box.of_interest} of {box.points} points), {len(box.limits)} restricted dimensions.\n\n"
            + (
                box.limits.to_markdown(index=False, floatfmt=".2g")
                if len(box.limits)
                else "No restriction: the whole space already has density >= the threshold, so the "
                "answer holds across the sampled uncertainties and levers (its exceptions are in "
                "`points.parquet`, `of_interest` false)."
            )
            + "\n"
        )
        for _, limit in box.limits.iterrows():
            box_rows.append(
                {"box": i + 1, "coverage": box.coverage, "density": box.density, "mass": box.mass, **limit}
            )
    atomic_write(directory / "prim_boxes.csv", lambda tmp: pd.DataFrame(box_rows).to_csv(tmp, index=False))
    figures = figure_target(p, results, analysis["x"], out) + figure_boxes(analysis, out)
    if analysis["scores"] is not None:
        scores = analysis["scores"]
        atomic_write(directory / "feature_scores.csv", lambda tmp: scores.to_csv(tmp))
        lines.append(
            "\n## Feature scores\n\nExtra-trees feature scores (EMA Workbench, regression, seeded) of each "
            "outcome's value per point and of being of interest; each column sums to 1 over the factors.\n\n"
            + scores.rename_axis("factor").reset_index().to_markdown(index=False, floatfmt=".3f")
            + "\n"
        )
        figures += figure_scores(scores, out)
    lines.append("\n## Rerun an evaluation\n\nEach run is a run directory of a batch sweep under `arms/`")
    lines.append(" (`python -m sim.sweep.reproduce DIR/arms/ARM/sweep/RUN`); its exact command line:\n\n")
    example = ok[ok["of_interest"]].index[:1].tolist() or ok.index[:1].tolist()
    for point in example:
        for arm in p.arms:
            lines.append(f"```\n{_command(p, results.loc[point], arm, p.seeds[0])}\n```\n")
    lines.append(
        "\n## Figures\n\n"
        + "".join(f"![{f.split('/')[-1][:-4]}]({f})\n" for f in figures if f.endswith(".png"))
    )
    lines.append(
        "\nSVG versions sit beside each PNG in `figures/`. Tables: `points.parquet`, `runs_ARM.parquet`, "
        "`prim_boxes.csv`, `feature_scores.csv`.\n"
    )
    path = directory / "report.md"
    write_text(path, "".join(lines))
    return str(path)
