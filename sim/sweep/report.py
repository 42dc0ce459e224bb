"""A sweep's report (实验报告): means with 95% confidence intervals over seeds, seaborn figures
(PNG and SVG) and a short markdown file, from the sweep's tables.

    python -m sim.sweep.report SWEEP_DIR

Conditions are the swept parameters that vary, seeds excluded; a confidence interval is
mean +- t(0.975, n - 1) * sd / sqrt(n) over the seeds of one condition (common random numbers:
every condition runs the same seeds).
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
import yaml
from scipy import stats

from sim import outcomes
from sim.results import atomic_write, write_text
from sim.sweep.aggregate import (
    RUNS_FILE,
    TIMESERIES_FILE,
    aggregate,
    sweep_dir_argument,
    swept_values,
)
from sim.sweep.design import SALIB_METHODS
from sim.sweep.progress import SWEEP_FILE

KEY_OUTCOMES = outcomes.HEADLINE
SENSITIVITY_OUTCOMES = outcomes.SENSITIVITY
SHARE = "sinking.share"


def conditions(sweep_dir: Path, runs: pd.DataFrame) -> list[str]:
    """The swept parameters (the runs' own overrides) that vary across runs, seeds excluded."""
    keys: dict[str, None] = {}
    for run in runs["run"]:
        keys.update(dict.fromkeys(swept_values(sweep_dir / run)))
    return [k for k in keys if k not in ("seed", "design.sample") and runs[k].astype(str).nunique() > 1]


def mean_ci(values: pd.Series) -> pd.Series:
    v = values.dropna().to_numpy(dtype=float)
    n = len(v)
    mean = v.mean() if n else np.nan
    half = stats.t.ppf(0.975, n - 1) * v.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
    return pd.Series({"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n})


def summarise(table: pd.DataFrame, by: list[str], outcomes) -> pd.DataFrame:
    long = table.melt(id_vars=by, value_vars=list(outcomes), var_name="outcome")
    keys = [*by, "outcome"]
    return long.groupby(keys, sort=True)["value"].apply(mean_ci).unstack().reset_index()


def _label(frame: pd.DataFrame, by: list[str]) -> pd.Series:
    if not by:
        return pd.Series("all runs", index=frame.index)
    return frame[by].astype(str).agg(", ".join, axis=1)


def _save(fig, out: Path, name: str) -> list[str]:
    files = []
    for ext in ("png", "svg"):
        atomic_write(
            out / f"{name}.{ext}",
            lambda tmp, ext=ext: fig.savefig(tmp, format=ext, dpi=130, bbox_inches="tight"),
        )
        files.append(f"figures/{name}.{ext}")
    plt.close(fig)
    return files


def figure_timeseries(series: pd.DataFrame, by: list[str], out: Path) -> list[str]:
    """One row of panels per value of the first condition when there are several conditions (so
    colours stay few enough to tell apart), one colour per value of the others."""
    stats_ = summarise(series, [*by, "step"], KEY_OUTCOMES)
    facet, hue = (by[0], by[1:]) if len(by) > 1 else (None, by)
    stats_["condition"] = _label(stats_, hue)
    rows = sorted(stats_[facet].unique()) if facet else [None]
    fig, axes = plt.subplots(
        len(rows),
        len(KEY_OUTCOMES),
        figsize=(4.2 * len(KEY_OUTCOMES), 3.2 * len(rows)),
        sharex=True,
        squeeze=False,
    )
    palette = dict(
        zip(sorted(stats_["condition"].unique()), sns.color_palette("tab10", stats_["condition"].nunique()))
    )
    for r, row in enumerate(rows):
        for ax, outcome in zip(axes[r], KEY_OUTCOMES):
            part = stats_[(stats_["outcome"] == outcome) & ((stats_[facet] == row) if facet else True)]
            sns.lineplot(
                part,
                x="step",
                y="mean",
                hue="condition",
                palette=palette,
                ax=ax,
                legend=r == 0 and ax is axes[0, -1],
            )
            for cond, g in part.groupby("condition"):
                ax.fill_between(
                    g["step"], g["ci_low"], g["ci_high"], color=palette[cond], alpha=0.2, linewidth=0
                )
            ax.set(
                title=outcome if r == 0 else "",
                ylabel=f"{row}" if facet and ax is axes[r, 0] else "share",
                xlabel="week",
                ylim=(0, 1),
            )
    if axes[0, -1].get_legend():
        sns.move_legend(axes[0, -1], "upper left", bbox_to_anchor=(1.02, 1), title=", ".join(hue) or None)
    fig.suptitle("Outcomes over time (mean and 95% CI over seeds)", y=1.04)
    return _save(fig, out, "timeseries")


def figure_final(final: pd.DataFrame, by: list[str], out: Path) -> list[str]:
    x = "governance" if "governance" in by else by[0]
    rest = [c for c in by if c != x]
    stats_ = summarise(final, by, KEY_OUTCOMES)
    stats_["group"] = _label(stats_, rest) if rest else "all"
    groups = sorted(stats_["group"].unique())
    xs = list(dict.fromkeys(final[x].astype(str)))
    fig, axes = plt.subplots(1, len(KEY_OUTCOMES), figsize=(4.2 * len(KEY_OUTCOMES), 3.8), sharey=True)
    palette = sns.color_palette("tab10", len(groups))
    width = 0.8 / len(groups)
    for ax, outcome in zip(axes, KEY_OUTCOMES):
        part = stats_[stats_["outcome"] == outcome]
        for i, (group, colour) in enumerate(zip(groups, palette)):
            g = (
                part[part["group"] == group]
                .set_index(part[part["group"] == group][x].astype(str))
                .reindex(xs)
            )
            pos = np.arange(len(xs)) - 0.4 + width * (i + 0.5)
            ax.bar(pos, g["mean"], width, color=colour, label=group)
            ax.errorbar(
                pos,
                g["mean"],
                yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
                fmt="none",
                ecolor="black",
                capsize=2,
                linewidth=0.8,
            )
        ax.set_xticks(np.arange(len(xs)), xs, rotation=30, ha="right")
        ax.set(title=outcome, ylim=(0, 1), xlabel=x)
    if len(groups) > 1:
        axes[-1].legend(title=", ".join(rest), bbox_to_anchor=(1.02, 1), loc="upper left")
    sns.despine(fig)
    fig.suptitle("Final outcomes (mean and 95% CI over seeds)", y=1.04)
    return _save(fig, out, "final_by_condition")


def figure_heatmap(final: pd.DataFrame, by: list[str], out: Path) -> list[str]:
    facets = [c for c in by if c not in ("sinking", SHARE)]
    panels = list(final.groupby(facets)) if facets else [(("all",), final)]
    fig, axes = plt.subplots(len(panels), 2, figsize=(11, 3.6 * len(panels)), squeeze=False)
    for row, (key, part) in enumerate(panels):
        for col, outcome in enumerate(("participation_rate", "demand_met")):
            grid = part.pivot_table(index="sinking", columns=SHARE, values=outcome, aggfunc="mean")
            sns.heatmap(grid, annot=True, fmt=".2f", vmin=0, vmax=1, cmap="viridis", ax=axes[row, col])
            axes[row, col].set_title(f"{outcome} ({', '.join(map(str, key))})")
    fig.suptitle("Final outcome by sinking policy x share sunk (mean over seeds)")
    fig.tight_layout(rect=(0, 0, 1, 0.98))
    return _save(fig, out, "policy_share_heatmap")


def figure_response(final: pd.DataFrame, by: list[str], x: str, out: Path) -> list[str]:
    hue = [c for c in by if c != x]
    stats_ = summarise(final, by, KEY_OUTCOMES)
    stats_["condition"] = _label(stats_, hue)
    fig, axes = plt.subplots(1, len(KEY_OUTCOMES), figsize=(4.2 * len(KEY_OUTCOMES), 3.6), sharex=True)
    for ax, outcome in zip(axes, KEY_OUTCOMES):
        part = stats_[stats_["outcome"] == outcome].sort_values(x)
        sns.lineplot(part, x=x, y="mean", hue="condition", marker="o", ax=ax, legend=ax is axes[-1])
        for _, g in part.groupby("condition"):
            ax.fill_between(g[x].astype(float), g["ci_low"], g["ci_high"], alpha=0.15, linewidth=0)
        ax.set(title=outcome, ylim=(0, 1), ylabel="final share")
    if axes[-1].get_legend():
        sns.move_legend(axes[-1], "upper left", bbox_to_anchor=(1.02, 1), title=", ".join(hue) or None)
    fig.suptitle(f"Final outcomes against {x} (mean and 95% CI over seeds)", y=1.04)
    return _save(fig, out, f"response_{x.replace('.', '_')}")


def sensitivity(final: pd.DataFrame, spec: dict, out: Path) -> tuple[str, list[str]]:
    from sim.sweep.design import analyse, design_size

    size = design_size(spec)
    y = final.groupby("design.sample")[list(SENSITIVITY_OUTCOMES)].mean().reindex(range(size))
    if y.isna().any().any():
        return (
            f"Sensitivity indices need all {size} design points; "
            f"{int(y.isna().any(axis=1).sum())} missing.\n",
            [],
        )
    names = [p["name"] for p in spec["parameters"]]
    rows = []
    for outcome in SENSITIVITY_OUTCOMES:
        res = analyse(spec, y[outcome].to_numpy())
        for i, name in enumerate(names):
            rows.append({"outcome": outcome, "parameter": name, **{k: float(v[i]) for k, v in res.items()}})
    table = pd.DataFrame(rows)
    atomic_write(out.parent / "sensitivity.csv", lambda tmp: table.to_csv(tmp, index=False))
    main = {"morris": "mu_star", "sobol": "ST"}.get(spec["method"], "spearman")
    conf = {"morris": "mu_star_conf", "sobol": "ST_conf"}.get(spec["method"])
    fig, axes = plt.subplots(
        1, len(SENSITIVITY_OUTCOMES), figsize=(6 * len(SENSITIVITY_OUTCOMES), 0.5 * len(names) + 1.5)
    )
    for ax, outcome in zip(axes, SENSITIVITY_OUTCOMES):
        part = table[table["outcome"] == outcome].sort_values(main, key=abs, ascending=False)
        part = part.assign(parameter=part["parameter"].str.removeprefix("behaviour."))
        sns.barplot(part, y="parameter", x=main, ax=ax, color="steelblue", errorbar=None)
        if conf:
            ax.errorbar(
                part[main], np.arange(len(part)), xerr=part[conf], fmt="none", ecolor="black", capsize=2
            )
        ax.set(title=outcome, ylabel="")
    fig.suptitle(f"Sensitivity ({spec['method']}): {main}" + (" with 95% CI" if conf else ""), y=1.04)
    fig.tight_layout()
    files = _save(fig, out, "sensitivity")
    lines = [f"Method: {spec['method']} ({size} design points). Ranked by {main}.\n"]
    for outcome in SENSITIVITY_OUTCOMES:
        part = table[table["outcome"] == outcome].sort_values(main, key=abs, ascending=False)
        lines.append(
            f"\n**{outcome}**\n\n"
            + part.drop(columns="outcome").to_markdown(index=False, floatfmt=".3f")
            + "\n"
        )
    return "".join(lines), files


def report(sweep_dir: Path) -> Path:
    if not (sweep_dir / RUNS_FILE).exists():
        aggregate(sweep_dir)
    runs = pd.read_parquet(sweep_dir / RUNS_FILE)
    done = runs[runs["status"] == "completed"]
    out = sweep_dir / "figures"
    out.mkdir(exist_ok=True)
    sweep = json.loads((sweep_dir / SWEEP_FILE).read_text()) if (sweep_dir / SWEEP_FILE).exists() else {}
    spec = _design_spec(sweep_dir, done)
    by = conditions(sweep_dir, done) if len(done) else []
    per_condition = (
        ""
        if spec
        else f"; seeds per condition: {done.groupby(by).size().min() if by and len(done) else len(done)}"
    )
    lines = [
        f"# Sweep report: {sweep_dir.name}\n",
        f"\n{len(runs)} runs: {len(done)} completed, {len(runs) - len(done)} failed or incomplete"
        f"{per_condition}.\n",
        f"\nCommand: `{' '.join(sweep.get('command', []))}`  \n",
        f"Code that made the completed runs: {_code_versions(done)}  \n",
        f"Packages: {', '.join(f'{k} {v}' for k, v in (sweep.get('packages') or {}).items())}\n",
    ]
    failed = runs[runs["status"] != "completed"]
    if len(failed):
        lines.append(
            "\n## Failed runs\n\n" + failed[["run", "status", "error"]].to_markdown(index=False) + "\n"
        )
    if len(done) and not spec:
        table = summarise(done, by, KEY_OUTCOMES)
        atomic_write(sweep_dir / "summary.csv", lambda tmp: table.to_csv(tmp, index=False))
        table["mean [95% CI]"] = table.apply(
            lambda r: f"{r['mean']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}]", axis=1
        )
        wide = (
            table.pivot_table(index=by or None, columns="outcome", values="mean [95% CI]", aggfunc="first")
            if by
            else table.set_index("outcome")[["mean [95% CI]"]].T
        )
        lines.append(
            "\n## Final outcomes\n\nMean and 95% confidence interval over seeds.\n\n"
            + wide.reset_index().to_markdown(index=False)
            + "\n"
        )
    if len(done):
        figures = []
        if (sweep_dir / TIMESERIES_FILE).exists() and not spec:
            series = pd.read_parquet(sweep_dir / TIMESERIES_FILE)
            series = series[series["run"].isin(done["run"])]
            figures += figure_timeseries(series, by, out)
        if by and not spec:
            figures += figure_final(done, by, out)
            if {"sinking", SHARE} <= set(by):
                figures += figure_heatmap(done, by, out)
            numeric = [c for c in by if c != SHARE and pd.api.types.is_numeric_dtype(done[c])]
            if numeric:
                figures += figure_response(done, by, numeric[0], out)
        if spec:
            text, files = sensitivity(done, spec, out)
            lines.append("\n## Sensitivity analysis\n\n" + text)
            figures += files
        lines.append(
            "\n## Figures\n\n" + "".join(f"![{Path(f).stem}]({f})\n" for f in figures if f.endswith(".png"))
        )
        lines.append("\nSVG versions sit beside each PNG in `figures/`.\n")
    path = sweep_dir / "report.md"
    write_text(path, "".join(lines))
    return path


def _code_versions(done: pd.DataFrame) -> str:
    """Each code version (commit, model and package version) with its number of runs: a resumed sweep
    may hold results of several, and none may be credited to another."""
    if "code_version" not in done.columns or not len(done):
        return "not recorded"
    counts = done["code_version"].fillna("not recorded").value_counts().sort_index()
    return ", ".join(f"`{name}` ({n} runs)" for name, n in counts.items())


def _design_spec(sweep_dir: Path, done: pd.DataFrame) -> dict | None:
    if "design.sample" not in done.columns or not len(done):
        return None
    cfg = yaml.safe_load((sweep_dir / done["run"].iloc[0] / ".hydra" / "config.yaml").read_text())
    spec = cfg.get("design")
    return spec if spec and spec.get("method") in SALIB_METHODS else None


def main() -> None:
    print(report(sweep_dir_argument("Write report.md, summary.csv and figures for a sweep.")))


if __name__ == "__main__":
    main()
