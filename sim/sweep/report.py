"""A sweep's report (实验报告): the conditions' paired differences against the baseline, their
levels over seeds, and figures for a paper (PNG, SVG and PDF), from the sweep's tables.

    python -m sim.sweep.report SWEEP_DIR [--lang zh] [--outcomes a,b] [--against KEY=VALUE]

Conditions are the swept parameters that vary, seeds excluded. Every condition runs the same seeds
(common random numbers), so the headline compares each condition with the baseline seed by seed:
the mean paired difference with its 95% t interval (:mod:`sim.sweep.paired`). Levels are means over
seeds with 95% intervals that respect the outcome's bounds: a t interval on the logit scale for
shares (in [0, 1]) and on the log scale for resources (>= 0), back-transformed (delta method), so
``0.711 [0.409, 1.013]`` cannot happen. The statistic is each run's late mean (the mean over its
last 26 weeks, the steady-state estimate; docs/ODD.md 2.2).

Language (``report.lang``) and outcomes (``report.outcomes``, default ``sim.outcomes.HEADLINE``)
come from the sweep's config unless given here; labels and units from :mod:`sim.outcomes` and
:mod:`sim.i18n`. The baseline comes first, then the modes in the article's order (fragmented,
zone, brand, fusion, collaborative), policies likewise and numbers ascending.
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import seaborn as sns
import yaml
from scipy import stats
from scipy.special import expit, logit

from sim import fonts, outcomes
from sim.i18n import TERMS, term
from sim.results import atomic_write, write_text
from sim.sweep.aggregate import (
    CHUNK_ROWS,
    RUNS_FILE,
    TIMESERIES_FILE,
    aggregate,
    check_sweep_dir,
    swept_values,
)
from sim.sweep.design import SALIB_METHODS
from sim.sweep.paired import paired_differences
from sim.sweep.progress import SWEEP_FILE

KEY_OUTCOMES = outcomes.HEADLINE
SENSITIVITY_OUTCOMES = outcomes.SENSITIVITY
SHARE = "sinking.share"
STAT = "late_mean"
LEVEL = 0.95
FORMATS = ("png", "svg", "pdf")
BASELINE_FACTORS = ("governance", "sinking", "governance.mechanisms", "structure", "scenario")
PANEL_W, PANEL_H = 3.6, 2.8  # inches per panel: legible at a journal's two-column width
ORDER = {name: i for i, name in enumerate(TERMS)}  # the article's order of modes, policies, places

# the report's sentences; terms and outcome labels come from sim.i18n and sim.outcomes
TEXT = {
    "title": ("Sweep report", "实验报告"),
    "runs": (
        "{n} runs: {done} completed, {bad} failed or incomplete{per}.",
        "共 {n} 次运行：{done} 次完成，{bad} 次失败或未完成{per}。",
    ),
    "per": ("; seeds per condition: {k}", "；每个条件的随机种子数：{k}"),
    "command": ("Command", "命令"),
    "code": ("Code that made the completed runs", "生成结果的代码版本"),
    "packages": ("Packages", "软件包"),
    "failed": ("Failed runs", "失败的运行"),
    "paired": ("Differences from the baseline", "与基线的差异"),
    "paired_note": (
        "Mean paired difference against {base} over {k} common seeds, with its 95% t interval; "
        "statistic: each run's mean over its last 26 weeks.",
        "相对于{base}的配对差异（共同随机种子 {k} 个）的均值及其 95% t 置信区间；"
        "统计量为每次运行最后 26 周的均值。",
    ),
    "levels": ("Levels by condition", "各条件下的水平"),
    "levels_note": (
        "Mean over seeds and 95% confidence interval (t interval on the logit scale for shares, on "
        "the log scale for resources, back-transformed; statistic: mean over the last 26 weeks).",
        "各随机种子的均值及 95% 置信区间（比例在 logit 尺度、资源在对数尺度上取 t 区间后反变换；"
        "统计量为最后 26 周的均值）。",
    ),
    "figures": ("Figures", "图"),
    "formats": (
        "SVG and PDF versions sit beside each PNG in `figures/`.",
        "`figures/` 中每张 PNG 旁有 SVG 和 PDF 版本。",
    ),
    "sensitivity": ("Sensitivity analysis", "敏感性分析"),
    "fig_paired": ("Difference from {base} (paired, 95% CI)", "与{base}的差异（配对，95% 置信区间）"),
    "fig_time": (
        "Outcomes over time (mean and 95% CI over seeds)",
        "结果随时间的变化（均值与 95% 置信区间）",
    ),
    "fig_levels": (
        "Levels by condition (mean and 95% CI over seeds)",
        "各条件下的水平（均值与 95% 置信区间）",
    ),
    "fig_heat": ("Mean over seeds by sinking policy and share sunk", "按下沉方式与下沉比例的均值"),
    "fig_response": ("Response to {x} (mean and 95% CI over seeds)", "对{x}的响应（均值与 95% 置信区间）"),
    "difference": ("difference", "差异"),
    "all": ("all runs", "全部运行"),
    "not_recorded": ("not recorded", "未记录"),
    "colon": (": ", "："),
    "n_runs": ("{n} runs", "{n} 次运行"),
}


def say(key: str, lang: str, **values) -> str:
    en, zh = TEXT[key]
    return (zh if lang == "zh" else en).format(**values)


# --------------------------------------------------------------------------- conditions and order


def conditions(sweep_dir: Path, runs: pd.DataFrame) -> list[str]:
    """The swept parameters (the runs' own overrides) that vary across runs, seeds excluded."""
    keys: dict[str, None] = {}
    for run in runs["run"]:
        keys.update(dict.fromkeys(swept_values(sweep_dir / run)))
    return [k for k in keys if k not in ("seed", "design.sample") and runs[k].astype(str).nunique() > 1]


def ordered(values: pd.Series) -> list:
    """A condition's distinct values: numbers ascending; names in the article's order (the baseline
    first); other text in order of first appearance."""
    seen = list(dict.fromkeys(values.dropna()))
    if pd.api.types.is_numeric_dtype(values):
        return sorted(seen)
    return sorted(seen, key=lambda v: (ORDER.get(str(v), len(ORDER)), seen.index(v)))


def is_ordinal(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def show(value, lang: str) -> str:
    return term(str(value), lang)


class BadBaseline(ValueError):
    """``--against`` names no swept condition."""


def baseline_of(done: pd.DataFrame, by: list[str], against: str | None = None) -> tuple[str, object]:
    """The factor and level the headline compares against: ``against`` (KEY=VALUE) if given, else the
    first level (the fragmented baseline, no sinking, ...) of the first factor swept."""
    if against:
        factor, _, level = against.partition("=")
        match = [v for v in done[factor].unique() if str(v) == level] if factor in done.columns else []
        if factor not in by or not match:
            raise BadBaseline(f"--against: {against} is not a swept condition (swept: {', '.join(by)})")
        return factor, match[0]
    factor = next((f for f in BASELINE_FACTORS if f in by), by[0])
    return factor, ordered(done[factor])[0]


# --------------------------------------------------------------------------- intervals


def bounded_interval(values, bounds: tuple[float, float | None], level: float = LEVEL) -> dict:
    """Mean over seeds and its ``level`` interval inside ``bounds``: a t interval on the logit scale
    for (0, 1), on the log scale for (0, inf), back-transformed (delta method)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    return interval(
        n, float(v.mean()) if n else np.nan, float(v.std(ddof=1)) if n > 1 else np.nan, bounds, level
    )


def interval(
    n: int, mean: float, sd: float, bounds: tuple[float, float | None], level: float = LEVEL
) -> dict:
    """:func:`bounded_interval` from the values' number, mean and standard deviation."""
    if n < 2:
        return {"mean": mean, "ci_low": np.nan, "ci_high": np.nan, "n": n}
    se = sd / np.sqrt(n)
    t = float(stats.t.ppf(0.5 + level / 2, n - 1))
    low, high = bounds
    if se == 0 or mean <= low or (high is not None and mean >= high):
        return {"mean": mean, "ci_low": mean, "ci_high": mean, "n": n}  # every seed on the bound
    if high is None:
        half = t * se / mean
        return {"mean": mean, "ci_low": mean * np.exp(-half), "ci_high": mean * np.exp(half), "n": n}
    half = t * se / (mean * (1 - mean))
    centre = logit(mean)
    return {
        "mean": mean,
        "ci_low": float(expit(centre - half)),
        "ci_high": float(expit(centre + half)),
        "n": n,
    }


def mean_ci(values: pd.Series, bounds: tuple[float, float | None] = (0.0, 1.0)) -> pd.Series:
    return pd.Series(bounded_interval(values, bounds))


def summarise(table: pd.DataFrame, by: list[str], names, stat: str | None = None) -> pd.DataFrame:
    """One row per condition (``by``) and outcome: mean, bounded interval and number of seeds."""
    rows = []
    groups = table.groupby(by, sort=False) if by else [((), table)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for name in names:
            column = f"{stat}_{name}" if stat and f"{stat}_{name}" in group.columns else name
            interval = bounded_interval(group[column], outcomes.OUTCOMES[name].bounds)
            rows.append({**dict(zip(by, key)), "outcome": name, **interval})
    return pd.DataFrame(rows)


def summarise_weeks(path: Path, done: pd.DataFrame, by: list[str], names) -> pd.DataFrame:
    """:func:`summarise` of the weekly table (``path``) of the ``done`` runs by condition and week,
    read a batch of rows at a time: each (condition, week) cell keeps its number, mean and sum of
    squared deviations, merged batch by batch (Chan, Golub & LeVeque 1983), so the memory taken is
    bounded by a batch and the cells, not by the runs. Conditions come from the runs table."""
    condition = done.set_index("run")[by]
    total = None
    for batch in pq.ParquetFile(path).iter_batches(batch_size=CHUNK_ROWS, columns=["run", "step", *names]):
        frame = batch.to_pandas()
        frame = frame[frame["run"].isin(condition.index)].join(condition, on="run")
        cells = frame.groupby([*by, "step"], sort=False)[list(names)]
        n = cells.count()
        part = pd.concat(
            {"n": n, "mean": cells.mean().where(n > 0, 0.0), "m2": (cells.var(ddof=0) * n).fillna(0.0)},
            axis=1,
        )
        total = part if total is None else _merged_moments(total, part)
    if total is None or total.empty:
        return pd.DataFrame(columns=[*by, "step", "outcome", "mean", "ci_low", "ci_high", "n"])
    rows = []
    for key, cell in total.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        for name in names:
            count = int(cell["n", name])
            mean = cell["mean", name] if count else np.nan
            sd = np.sqrt(cell["m2", name] / (count - 1)) if count > 1 else np.nan
            rows.append(
                {
                    **dict(zip([*by, "step"], key)),
                    "outcome": name,
                    **interval(count, mean, sd, outcomes.OUTCOMES[name].bounds),
                }
            )
    return pd.DataFrame(rows).sort_values("step", kind="stable", ignore_index=True)


def _merged_moments(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    a, b = a.align(b, fill_value=0.0)  # a cell seen in one batch only has n = 0 in the other
    n = a["n"] + b["n"]
    delta = b["mean"] - a["mean"]
    weight = (b["n"] / n).fillna(0.0)
    return pd.concat(
        {"n": n, "mean": a["mean"] + delta * weight, "m2": a["m2"] + b["m2"] + delta**2 * a["n"] * weight},
        axis=1,
    )


# --------------------------------------------------------------------------- figures


def _save(fig, out: Path, name: str) -> list[str]:
    files = []
    for ext in FORMATS:
        atomic_write(
            out / f"{name}.{ext}",
            lambda tmp, ext=ext: fig.savefig(tmp, format=ext, dpi=150),
        )
        files.append(f"figures/{name}.{ext}")
    plt.close(fig)
    return files


def _palette(levels: list, ordinal: bool) -> dict:
    """Sequential colours for an ordinal sweep (a number), distinct ones for names."""
    colours = sns.color_palette("viridis" if ordinal else "colorblind", len(levels))
    return dict(zip(levels, colours))


def _hue(frame: pd.DataFrame, keys: list[str], lang: str) -> tuple[pd.Series, list, bool]:
    """Each row's colour key (the values of ``keys``, shown in ``lang``), the keys in order, and
    whether they are ordinal."""
    if not keys:
        label = say("all", lang)
        return pd.Series(label, index=frame.index), [label], False
    if len(keys) == 1:
        levels = ordered(frame[keys[0]])
        names = [show(v, lang) for v in levels]
        return frame[keys[0]].map(dict(zip(levels, names))), names, is_ordinal(frame[keys[0]])
    combos = frame[keys].drop_duplicates()
    for key in reversed(keys):
        rank = {v: i for i, v in enumerate(ordered(frame[key]))}
        combos = combos.sort_values(key, key=lambda s, rank=rank: s.map(rank), kind="stable")
    label = lambda row: ", ".join(show(row[k], lang) for k in keys)
    return frame[keys].apply(label, axis=1), [label(r) for _, r in combos.iterrows()], False


def _bounded_ylim(ax, name: str) -> None:
    """Fit the axis to the data, but never past the outcome's bounds."""
    low, high = outcomes.OUTCOMES[name].bounds
    bottom, top = ax.get_ylim()
    ax.set_ylim(max(bottom, low), top if high is None else min(top, high))


def _legend(fig, ax, title: str | None) -> None:
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) > 1:
        fig.legend(handles, labels, title=title, loc="outside right upper", frameon=False)


def figure_paired(table: pd.DataFrame, factor: str, baseline, rest: list[str], names, lang, out) -> list[str]:
    """The headline: each condition's paired difference from the baseline, one panel per outcome."""
    levels = ordered(table[factor])
    group_of, groups, ordinal = _hue(table, rest, lang)
    table = table.assign(_group=group_of)
    palette = _palette(groups, ordinal)
    fig, axes = plt.subplots(
        1,
        len(names),
        figsize=(PANEL_W * len(names), 0.45 * len(levels) * len(groups) + 1.4),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    height = 0.8 / len(groups)
    for ax, name in zip(axes[0], names):
        part = table[table["outcome"] == name]
        for i, group in enumerate(groups):
            g = part[part["_group"] == group].set_index(factor).reindex(levels)
            pos = np.arange(len(levels)) - 0.4 + height * (i + 0.5)
            ax.errorbar(
                g["diff"],
                pos,
                xerr=[g["diff"] - g["ci_low"], g["ci_high"] - g["diff"]],
                fmt="o",
                color=palette[group],
                capsize=2,
                markersize=4,
                linewidth=1,
                label=group,
            )
        ax.axvline(0, color="0.4", linewidth=0.8)
        unit = " (RU)" if outcomes.OUTCOMES[name].unit == outcomes.RU else ""
        ax.set(title=outcomes.label(name, lang), xlabel=f"{say('difference', lang)}{unit}")
        ax.set_yticks(np.arange(len(levels)), [show(v, lang) for v in levels])
        ax.invert_yaxis()  # the article's order reads top to bottom
    _legend(fig, axes[0, 0], ", ".join(term(k, lang) for k in rest) or None)
    fig.suptitle(say("fig_paired", lang, base=show(baseline, lang)))
    return _save(fig, out, "paired_differences")


def figure_timeseries(stats_: pd.DataFrame, by: list[str], names, lang: str, out: Path) -> list[str]:
    """Weekly means and intervals (:func:`summarise_weeks`): one row of panels per value of the first
    condition when there are several (so colours stay few enough to tell apart), one colour per value
    of the others."""
    facet, hue_keys = (by[0], by[1:]) if len(by) > 1 else (None, by)
    stats_["_hue"], hues, ordinal = _hue(stats_, hue_keys, lang)
    palette = _palette(hues, ordinal)
    rows = ordered(stats_[facet]) if facet else [None]
    fig, axes = plt.subplots(
        len(rows),
        len(names),
        figsize=(PANEL_W * len(names), PANEL_H * len(rows)),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for r, row in enumerate(rows):
        for ax, name in zip(axes[r], names):
            part = stats_[(stats_["outcome"] == name) & ((stats_[facet] == row) if facet else True)]
            for hue in hues:
                g = part[part["_hue"] == hue]
                ax.plot(g["step"], g["mean"], color=palette[hue], label=hue, linewidth=1.2)
                ax.fill_between(
                    g["step"], g["ci_low"], g["ci_high"], color=palette[hue], alpha=0.2, linewidth=0
                )
            _bounded_ylim(ax, name)
            ax.set(
                title=outcomes.label(name, lang, unit=True) if r == 0 else "",
                xlabel=term("week", lang) if r == len(rows) - 1 else "",
                ylabel=show(row, lang) if facet and ax is axes[r, 0] else "",
            )
    _legend(fig, axes[0, 0], ", ".join(term(k, lang) for k in hue_keys) or None)
    fig.suptitle(say("fig_time", lang))
    return _save(fig, out, "timeseries")


def figure_levels(stats_: pd.DataFrame, by: list[str], names, lang: str, out: Path) -> list[str]:
    x = "governance" if "governance" in by else by[0]
    rest = [c for c in by if c != x]
    xs = ordered(stats_[x])
    group_of, groups, ordinal = _hue(stats_, rest, lang)
    stats_ = stats_.assign(_group=group_of)
    palette = _palette(groups, ordinal)
    fig, axes = plt.subplots(
        1, len(names), figsize=(PANEL_W * len(names), PANEL_H + 0.8), squeeze=False, layout="constrained"
    )
    width = 0.8 / len(groups)
    for ax, name in zip(axes[0], names):
        part = stats_[stats_["outcome"] == name]
        for i, group in enumerate(groups):
            g = part[part["_group"] == group].set_index(x).reindex(xs)
            pos = np.arange(len(xs)) - 0.4 + width * (i + 0.5)
            ax.bar(pos, g["mean"], width, color=palette[group], label=group)
            ax.errorbar(
                pos,
                g["mean"],
                yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
                fmt="none",
                ecolor="black",
                capsize=2,
                linewidth=0.8,
            )
        ax.set_xticks(np.arange(len(xs)), [show(v, lang) for v in xs], rotation=30, ha="right")
        ax.set(title=outcomes.label(name, lang, unit=True), xlabel="")
    sns.despine(fig)
    _legend(fig, axes[0, 0], ", ".join(term(k, lang) for k in rest) or None)
    fig.suptitle(say("fig_levels", lang))
    return _save(fig, out, "levels_by_condition")


def figure_heatmap(done: pd.DataFrame, by: list[str], names, lang: str, out: Path) -> list[str]:
    """Policy x share for each outcome; each panel's colour scale fitted to its own values."""
    facets = [c for c in by if c not in ("sinking", SHARE)]
    panels = list(done.groupby(facets, sort=False)) if facets else [((), done)]
    shown = list(names[:2])
    fig, axes = plt.subplots(
        len(panels),
        len(shown),
        figsize=(4.6 * len(shown), 3.2 * len(panels)),
        squeeze=False,
        layout="constrained",
    )
    for row, (key, part) in enumerate(panels):
        key = key if isinstance(key, tuple) else (key,)
        for col, name in enumerate(shown):
            column = f"{STAT}_{name}" if f"{STAT}_{name}" in part.columns else name
            grid = part.pivot_table(index="sinking", columns=SHARE, values=column, aggfunc="mean")
            grid = grid.reindex(ordered(part["sinking"]))
            grid.index = [show(v, lang) for v in grid.index]
            sns.heatmap(grid, annot=True, fmt=".2f", cmap="viridis", ax=axes[row, col])
            axes[row, col].tick_params(axis="y", rotation=0)
            where = ", ".join(show(k, lang) for k in key)
            axes[row, col].set(
                title=outcomes.label(name, lang, unit=True) + (f" ({where})" if where else ""),
                xlabel=term(SHARE, lang),
                ylabel=term("sinking", lang),
            )
    fig.suptitle(say("fig_heat", lang))
    return _save(fig, out, "policy_share_heatmap")


def figure_response(stats_: pd.DataFrame, by: list[str], x: str, names, lang: str, out: Path) -> list[str]:
    hue_keys = [c for c in by if c != x]
    hue_of, hues, ordinal = _hue(stats_, hue_keys, lang)
    stats_ = stats_.assign(_hue=hue_of)
    palette = _palette(hues, ordinal)
    fig, axes = plt.subplots(
        1,
        len(names),
        figsize=(PANEL_W * len(names), PANEL_H),
        sharex=True,
        squeeze=False,
        layout="constrained",
    )
    for ax, name in zip(axes[0], names):
        part = stats_[stats_["outcome"] == name].sort_values(x)
        for hue in hues:
            g = part[part["_hue"] == hue]
            ax.plot(g[x], g["mean"], marker="o", markersize=3, color=palette[hue], label=hue)
            ax.fill_between(
                g[x].astype(float), g["ci_low"], g["ci_high"], color=palette[hue], alpha=0.15, linewidth=0
            )
        _bounded_ylim(ax, name)
        ax.set(title=outcomes.label(name, lang, unit=True), xlabel=term(x, lang))
    _legend(fig, axes[0, 0], ", ".join(term(k, lang) for k in hue_keys) or None)
    fig.suptitle(say("fig_response", lang, x=term(x, lang)))
    return _save(fig, out, f"response_{x.replace('.', '_')}")


def sensitivity(final: pd.DataFrame, spec: dict, out: Path, lang: str = "en") -> tuple[str, list[str]]:
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
    for name in SENSITIVITY_OUTCOMES:
        res = analyse(spec, y[name].to_numpy())
        for i, parameter in enumerate(names):
            rows.append({"outcome": name, "parameter": parameter, **{k: float(v[i]) for k, v in res.items()}})
    table = pd.DataFrame(rows)
    atomic_write(out.parent / "sensitivity.csv", lambda tmp: table.to_csv(tmp, index=False))
    main = {"morris": "mu_star", "sobol": "ST"}.get(spec["method"], "spearman")
    conf = {"morris": "mu_star_conf", "sobol": "ST_conf"}.get(spec["method"])
    fig, axes = plt.subplots(
        1,
        len(SENSITIVITY_OUTCOMES),
        figsize=(4.2 * len(SENSITIVITY_OUTCOMES), 0.4 * len(names) + 1.5),
        layout="constrained",
    )
    for ax, name in zip(axes, SENSITIVITY_OUTCOMES):
        part = table[table["outcome"] == name].sort_values(main, key=abs, ascending=False)
        part = part.assign(parameter=part["parameter"].str.removeprefix("behaviour."))
        ax.barh(
            np.arange(len(part)), part[main], color="steelblue", xerr=part[conf] if conf else None, capsize=2
        )
        ax.set_yticks(np.arange(len(part)), part["parameter"])
        ax.invert_yaxis()
        ax.set(title=outcomes.label(name, lang), xlabel=main)
    fig.suptitle(f"{say('sensitivity', lang)} ({spec['method']}): {main}" + (" (95% CI)" if conf else ""))
    files = _save(fig, out, "sensitivity")
    lines = [f"Method: {spec['method']} ({size} design points). Ranked by {main}.\n"]
    for name in SENSITIVITY_OUTCOMES:
        part = table[table["outcome"] == name].sort_values(main, key=abs, ascending=False)
        lines.append(
            f"\n**{outcomes.label(name, lang)}** (`{name}`)\n\n"
            + part.drop(columns="outcome").to_markdown(index=False, floatfmt=".3f")
            + "\n"
        )
    return "".join(lines), files


# --------------------------------------------------------------------------- tables and the report


def _cell(row: pd.Series, value: str = "mean") -> str:
    if np.isnan(row[value]):
        return ""
    if np.isnan(row["ci_low"]):
        return f"{row[value]:.3f}"
    return f"{row[value]:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def _wide(table: pd.DataFrame, keys: list[str], names, lang: str, value: str) -> str:
    """A markdown table: one row per condition (in order), one column per outcome with its unit."""
    table = table.assign(_text=table.apply(_cell, axis=1, value=value))
    rows = table[keys].drop_duplicates() if keys else pd.DataFrame(index=[0])
    for key in reversed(keys):
        rank = {v: i for i, v in enumerate(ordered(table[key]))}
        rows = rows.sort_values(key, key=lambda s, rank=rank: s.map(rank), kind="stable")
    header = [term(k, lang) for k in keys] + [outcomes.label(n, lang, unit=True) for n in names]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for _, row in rows.iterrows():
        match = (
            np.logical_and.reduce([table[k] == row[k] for k in keys]) if keys else np.ones(len(table), bool)
        )
        cells = table[match].set_index("outcome")["_text"]
        lines.append(
            "| " + " | ".join([show(row[k], lang) for k in keys] + [cells.get(n, "") for n in names]) + " |"
        )
    return "\n".join(lines) + "\n"


def command_line(argv: list[str]) -> str:
    """The recorded command as one can paste it: ``python -m sim ...`` rather than a path to
    ``sim/__main__.py``, each argument quoted for the shell."""
    if not argv:
        return ""
    program = Path(argv[0])
    if program.name == "__main__.py" and program.parent.name == "sim":
        head = "python -m sim"
    elif program.name == "vcsim":
        head = "vcsim"
    else:
        head = shlex.quote(argv[0])
    return " ".join([head, *map(shlex.quote, argv[1:])])


def settings(sweep_dir: Path, done: pd.DataFrame) -> dict:
    """The ``report`` section of the sweep's config (from its first completed run)."""
    if not len(done):
        return {}
    cfg = yaml.safe_load((sweep_dir / done["run"].iloc[0] / ".hydra" / "config.yaml").read_text())
    return cfg.get("report") or {}


def report(
    sweep_dir: Path, lang: str | None = None, names: list[str] | None = None, against: str | None = None
) -> Path:
    if not (sweep_dir / RUNS_FILE).exists():
        aggregate(sweep_dir)
    runs = pd.read_parquet(sweep_dir / RUNS_FILE)
    done = runs[runs["status"] == "completed"]
    chosen = settings(sweep_dir, done)
    lang = lang or chosen.get("lang") or "en"
    names = list(names or chosen.get("outcomes") or KEY_OUTCOMES)
    with plt.rc_context(fonts.rc(lang)):
        text = _report(sweep_dir, runs, done, lang, names, against)
    path = sweep_dir / "report.md"
    write_text(path, text)
    return path


def _report(sweep_dir, runs, done, lang, names, against) -> str:
    out = sweep_dir / "figures"
    out.mkdir(exist_ok=True)
    sweep = json.loads((sweep_dir / SWEEP_FILE).read_text()) if (sweep_dir / SWEEP_FILE).exists() else {}
    spec = _design_spec(sweep_dir, done)
    by = conditions(sweep_dir, done) if len(done) else []
    seeds = done.groupby(by).size().min() if by and len(done) else len(done)
    packages = ", ".join(f"{k} {v}" for k, v in (sweep.get("packages") or {}).items())
    command = command_line(sweep.get("command", [])) or say("not_recorded", lang)
    lines = [
        f"# {say('title', lang)}: {sweep_dir.name}\n\n",
        say(
            "runs",
            lang,
            n=len(runs),
            done=len(done),
            bad=len(runs) - len(done),
            per="" if spec else say("per", lang, k=seeds),
        )
        + "\n\n",
        f"{say('command', lang)}{say('colon', lang)}\n\n```bash\n{command}\n```\n\n",
        f"{say('code', lang)}{say('colon', lang)}{_code_versions(done, lang)}  \n",
        f"{say('packages', lang)}{say('colon', lang)}{packages}\n",
    ]
    failed = runs[runs["status"] != "completed"]
    if len(failed):
        lines.append(
            f"\n## {say('failed', lang)}\n\n"
            + failed[["run", "status", "error"]].to_markdown(index=False)
            + "\n"
        )
    figures: list[str] = []
    if len(done) and by and not spec:
        factor, base = baseline_of(done, by, against)
        rest = [c for c in by if c != factor]
        paired = paired_differences(done, factor, base, names, STAT, by=tuple(rest))
        lines.append(
            f"\n## {say('paired', lang)}\n\n"
            + say(
                "paired_note",
                lang,
                base=f"{term(factor, lang)} = {show(base, lang)}",
                k=int(paired["pairs"].min()),
            )
            + "\n\n"
            + _wide(paired, [factor, *rest], names, lang, value="diff")
        )
        figures += figure_paired(paired, factor, base, rest, names, lang, out)
    if len(done) and not spec:
        levels = summarise(done, by, names, STAT)
        atomic_write(sweep_dir / "summary.csv", lambda tmp: levels.to_csv(tmp, index=False))
        lines.append(
            f"\n## {say('levels', lang)}\n\n{say('levels_note', lang)}\n\n"
            + _wide(levels, by, names, lang, "mean")
        )
        if (sweep_dir / TIMESERIES_FILE).exists():
            weeks = summarise_weeks(sweep_dir / TIMESERIES_FILE, done, by, names)
            figures += figure_timeseries(weeks, by, names, lang, out)
        if by:
            figures += figure_levels(levels, by, names, lang, out)
            if {"sinking", SHARE} <= set(by):
                figures += figure_heatmap(done, by, names, lang, out)
            numeric = [c for c in by if c != SHARE and is_ordinal(done[c])]
            if numeric:
                figures += figure_response(levels, by, numeric[0], names, lang, out)
    if len(done) and spec:
        text, files = sensitivity(done, spec, out, lang)
        lines.append(f"\n## {say('sensitivity', lang)}\n\n" + text)
        figures += files
    if figures:
        lines.append(
            f"\n## {say('figures', lang)}\n\n"
            + "".join(f"![{Path(f).stem}]({f})\n" for f in figures if f.endswith(".png"))
            + f"\n{say('formats', lang)}\n"
        )
    return "".join(lines)


def _code_versions(done: pd.DataFrame, lang: str = "en") -> str:
    """Each code version (commit, model and package version) with its number of runs: a resumed sweep
    may hold results of several, and none may be credited to another."""
    if "code_version" not in done.columns or not len(done):
        return say("not_recorded", lang)
    counts = done["code_version"].fillna(say("not_recorded", lang)).value_counts().sort_index()
    return ", ".join(f"`{name}` ({say('n_runs', lang, n=n)})" for name, n in counts.items())


def _design_spec(sweep_dir: Path, done: pd.DataFrame) -> dict | None:
    if "design.sample" not in done.columns or not len(done):
        return None
    cfg = yaml.safe_load((sweep_dir / done["run"].iloc[0] / ".hydra" / "config.yaml").read_text())
    spec = cfg.get("design")
    return spec if spec and spec.get("method") in SALIB_METHODS else None


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sim.sweep.report",
        description="Write report.md, summary.csv and figures (PNG, SVG, PDF) for a sweep.",
    )
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--lang", choices=outcomes.LANGUAGES, help="default: the sweep's report.lang")
    parser.add_argument(
        "--outcomes", help="comma-separated outcome names (default: the sweep's report.outcomes)"
    )
    parser.add_argument(
        "--against", help="KEY=VALUE of the baseline (default: the first level, e.g. fragmented)"
    )
    args = parser.parse_args()
    names = args.outcomes.split(",") if args.outcomes else None
    wrong = outcomes.unknown(names or [])
    if wrong:
        parser.exit(2, f"error: --outcomes: got {wrong[0]!r}, allowed: outcome names (sim/outcomes.py)\n")
    sweep_dir = check_sweep_dir(args.sweep_dir)
    try:
        print(report(sweep_dir, args.lang, names, args.against))
    except BadBaseline as err:
        parser.exit(2, f"error: {err}\n")


if __name__ == "__main__":
    main()
