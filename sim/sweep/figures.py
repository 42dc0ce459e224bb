"""A sweep report's figures (报告图), drawn for print: each one twice, at a journal's page width and
at its column width, as a grid of panels (one per outcome) with every text at least 7 pt at that
size, so that nothing is scaled down on the page. Written as PNG, SVG and PDF.

Labels and units come from :mod:`sim.outcomes` and the report's words from :mod:`sim.i18n`; Chinese
is set in the CJK font of :mod:`sim.fonts`.
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Callable
from math import ceil
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import MaxNLocator

from sim import fonts, outcomes
from sim.i18n import term
from sim.results import atomic_write
from sim.sweep.conditions import SHARE, is_ordinal, ordered, show, sort_rows
from sim.sweep.sensitivity import OUTCOMES as SENSITIVITY_OUTCOMES
from sim.sweep.sensitivity import ranked

FORMATS = ("png", "svg", "pdf")
MM_PER_INCH = 25.4
# A journal's page (double-column) and column widths; the page variant is the one report.md shows.
WIDTHS_MM = {"page": 180, "column": 89}
SUFFIX = {"page": "", "column": "_column"}
PANELS_ACROSS = {"page": 3, "column": 2}  # panels side by side, unless a figure needs wider ones
DPI = 300  # PNG pixels per inch at print size
FONT_PT = 7  # the smallest text at print size
TITLE_HEIGHT = 0.3  # inches for the figure's title
PRINT_RC = {
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT + 0.5,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "figure.titlesize": FONT_PT + 1,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.0,
    "figure.constrained_layout.h_pad": 0.03,
    "figure.constrained_layout.w_pad": 0.03,
}


def print_rc(lang: str) -> dict:
    """matplotlib settings (for ``plt.rc_context``) of the report's figures in ``lang``."""
    return {**PRINT_RC, **fonts.rc(lang)}


def save(fig, out: Path, name: str, dpi: int = 150) -> list[str]:
    """Write ``fig`` as ``out/name.{png,svg,pdf}`` (each file atomically) and close it."""
    files = []
    for ext in FORMATS:
        atomic_write(
            out / f"{name}.{ext}",
            lambda tmp, ext=ext: fig.savefig(tmp, format=ext, dpi=dpi),
        )
        files.append(f"figures/{name}.{ext}")
    plt.close(fig)
    return files


def in_both_widths(out: Path, name: str, draw: Callable[[str], plt.Figure]) -> str:
    """Draw a figure at each width (``draw(width)``), save both, and return its name."""
    for width in WIDTHS_MM:
        fig = draw(width)
        _fit_titles(fig)
        save(fig, out, name + SUFFIX[width], dpi=DPI)
    return name


def _fit_titles(fig) -> None:
    """Wrap every panel title wider than its panel (a long label at column width) onto more lines,
    then lay the figure out once for all its formats."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        title = ax.get_title()
        if not title:
            continue
        ratio = ax.get_window_extent(renderer).width / ax.title.get_window_extent(renderer).width
        if ratio < 1:
            chars = max(4, int(max(map(len, title.split("\n"))) * ratio))
            ax.set_title("\n".join(textwrap.fill(line, chars) for line in title.split("\n")))
    fig.draw_without_rendering()
    fig.set_layout_engine("none")  # each savefig would otherwise lay the figure out again


def grid(n: int, width: str, panel_height: float, extra_height: float, across: dict | None = None, **kw):
    """A figure ``width`` wide with ``n`` panels in rows of at most ``across[width]``, each row
    ``panel_height`` inches tall plus ``extra_height`` for titles and the legend; returns the figure,
    its ``n`` axes (row by row) and the number of panels per row. With ``sharex``, x tick labels show
    under the lowest panel of each column only."""
    cols = min(n, (across or PANELS_ACROSS)[width])
    rows = ceil(n / cols)
    fig = plt.figure(
        figsize=(WIDTHS_MM[width] / MM_PER_INCH, rows * panel_height + extra_height), layout="constrained"
    )
    axes = fig.subplots(rows, cols, squeeze=False, **kw).flatten()
    for ax in axes[n:]:
        ax.remove()
    for i, ax in enumerate(axes[:n]):
        if _bottom(i, n, cols):  # sharex hid them where the last row has an empty cell below
            ax.xaxis.set_tick_params(which="both", labelbottom=True)
    return fig, list(axes[:n]), cols


def _bottom(i: int, n: int, cols: int) -> bool:
    """Whether panel ``i`` of ``n`` has no panel below it."""
    return i + cols >= n


def _palette(levels: list, ordinal: bool) -> dict:
    """Sequential colours for an ordinal sweep (a number), distinct ones for names."""
    colours = sns.color_palette("viridis" if ordinal else "colorblind", len(levels))
    return dict(zip(levels, colours))


def _hue(frame: pd.DataFrame, keys: list[str], lang: str) -> tuple[pd.Series, list, bool]:
    """Each row's colour key (the values of ``keys``, shown in ``lang``), the keys in order, and
    whether they are ordinal."""
    if not keys:
        label = term("report.all", lang)
        return pd.Series(label, index=frame.index), [label], False
    if len(keys) == 1:
        levels = ordered(frame[keys[0]])
        names = [show(v, lang) for v in levels]
        return frame[keys[0]].map(dict(zip(levels, names))), names, is_ordinal(frame[keys[0]])
    combos = sort_rows(frame[keys].drop_duplicates(), keys, frame)
    label = lambda row: ", ".join(show(row[k], lang) for k in keys)
    return frame[keys].apply(label, axis=1), [label(r) for _, r in combos.iterrows()], False


def _bounded_ylim(ax, name: str) -> None:
    """Fit the axis to the data, but never past the outcome's bounds."""
    low, high = outcomes.OUTCOMES[name].bounds
    bottom, top = ax.get_ylim()
    ax.set_ylim(max(bottom, low), top if high is None else min(top, high))


def _text_inches(text: str, points: float = FONT_PT) -> float:
    """About how wide ``text`` is set at ``points``: a CJK character is one em, others 0.6."""
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)
    return ems * points / 72


def _legend_rows(labels: list[str], width: str) -> int:
    return ceil(len(labels) / _legend_columns(labels, width)) if len(labels) > 1 else 0


def _legend_columns(labels: list[str], width: str) -> int:
    entry = max(map(_text_inches, labels)) + 3.5 * FONT_PT / 72  # the marker and the gaps
    return max(1, min(len(labels), int(0.95 * WIDTHS_MM[width] / MM_PER_INCH // entry)))


def _legend_height(labels: list[str], width: str, title: str | None) -> float:
    """Inches the legend below the panels takes."""
    rows = _legend_rows(labels, width)
    return 0.0 if not rows else (rows + (1 if title else 0)) * 1.45 * FONT_PT / 72 + 0.05


def _key_title(keys: list[str], lang: str) -> str | None:
    """The colour key's title: the conditions that its colours stand for."""
    return ", ".join(term(k, lang) for k in keys) or None


def _legend(fig, ax, title: str | None, width: str) -> None:
    """The colour key, below the panels, in as many columns as fit the width."""
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) > 1:
        fig.legend(
            handles,
            labels,
            title=title,
            loc="outside lower center",
            ncols=_legend_columns(labels, width),
            frameon=False,
            handlelength=1.5,
            columnspacing=1.0,
        )


def figure_paired(table: pd.DataFrame, factor: str, baseline, rest: list[str], names, lang, out) -> str:
    """The headline: each condition's paired difference from the baseline, one panel per outcome."""
    levels = ordered(table[factor])
    group_of, groups, ordinal = _hue(table, rest, lang)
    table = table.assign(_group=group_of)
    palette = _palette(groups, ordinal)
    key_title = _key_title(rest, lang)

    def draw(width: str):
        fig, axes, cols = grid(
            len(names),
            width,
            max(0.9, 0.35 + 0.1 * len(levels) * len(groups)),
            TITLE_HEIGHT + 0.15 + _legend_height(groups, width, key_title),
            sharey=True,
        )
        height = 0.8 / len(groups)
        for i, (ax, name) in enumerate(zip(axes, names)):
            part = table[table["outcome"] == name]
            for j, group in enumerate(groups):
                g = part[part["_group"] == group].set_index(factor).reindex(levels)
                pos = np.arange(len(levels)) - 0.4 + height * (j + 0.5)
                ax.errorbar(
                    g["diff"],
                    pos,
                    xerr=[g["diff"] - g["ci_low"], g["ci_high"] - g["diff"]],
                    fmt="o",
                    color=palette[group],
                    capsize=1.5,
                    markersize=2.5,
                    linewidth=0.8,
                    label=group,
                )
            ax.axvline(0, color="0.4", linewidth=0.6)
            unit = " (RU)" if outcomes.OUTCOMES[name].unit == outcomes.RU else ""
            ax.set(
                title=outcomes.label(name, lang),
                xlabel=f"{term('report.difference', lang)}{unit}" if _bottom(i, len(names), cols) else "",
            )
            ax.set_yticks(np.arange(len(levels)), [show(v, lang) for v in levels])
        axes[0].invert_yaxis()  # the article's order reads top to bottom (the axes share it)
        _legend(fig, axes[0], key_title, width)
        fig.suptitle(term("report.fig_paired", lang).format(base=show(baseline, lang)))
        return fig

    return in_both_widths(out, "paired_differences", draw)


def figure_timeseries(stats_: pd.DataFrame, by: list[str], names, lang: str, out: Path) -> str:
    """Weekly means and intervals (:func:`sim.sweep.intervals.summarise_weeks`): one panel per
    outcome and, when there are several conditions, per value of the first (so colours stay few
    enough to tell apart), one colour per value of the others."""
    facet, hue_keys = (by[0], by[1:]) if len(by) > 1 else (None, by)
    stats_ = stats_.copy()
    stats_["_hue"], hues, ordinal = _hue(stats_, hue_keys, lang)
    palette = _palette(hues, ordinal)
    facets = ordered(stats_[facet]) if facet else [None]
    panels = [(value, name) for value in facets for name in names]
    key_title = _key_title(hue_keys, lang)

    def draw(width: str):
        fig, axes, cols = grid(
            len(panels),
            width,
            1.25 if facet else 1.1,
            TITLE_HEIGHT + _legend_height(hues, width, key_title),
            sharex=True,
        )
        for i, (ax, (value, name)) in enumerate(zip(axes, panels)):
            part = stats_[(stats_["outcome"] == name) & ((stats_[facet] == value) if facet else True)]
            for hue in hues:
                g = part[part["_hue"] == hue]
                ax.plot(g["step"], g["mean"], color=palette[hue], label=hue)
                ax.fill_between(
                    g["step"], g["ci_low"], g["ci_high"], color=palette[hue], alpha=0.2, linewidth=0
                )
            _bounded_ylim(ax, name)
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            title = outcomes.label(name, lang, unit=True)
            ax.set(
                title=f"{title}\n{show(value, lang)}" if facet else title,
                xlabel=term("week", lang) if _bottom(i, len(panels), cols) else "",
            )
        _legend(fig, axes[0], key_title, width)
        fig.suptitle(term("report.fig_time", lang))
        return fig

    return in_both_widths(out, "timeseries", draw)


def figure_levels(stats_: pd.DataFrame, by: list[str], names, lang: str, out: Path) -> str:
    x = "governance" if "governance" in by else by[0]
    rest = [c for c in by if c != x]
    xs = ordered(stats_[x])
    group_of, groups, ordinal = _hue(stats_, rest, lang)
    stats_ = stats_.assign(_group=group_of)
    palette = _palette(groups, ordinal)
    ticks = [show(v, lang) for v in xs]
    key_title = _key_title(rest, lang)
    tick_depth = 0.5 * max(map(_text_inches, ticks))  # labels at 30 degrees

    def draw(width: str):
        fig, axes, _ = grid(
            len(names),
            width,
            1.1,
            TITLE_HEIGHT + tick_depth + _legend_height(groups, width, key_title),
            sharex=True,
        )
        bar = 0.8 / len(groups)
        for ax, name in zip(axes, names):
            part = stats_[stats_["outcome"] == name]
            for i, group in enumerate(groups):
                g = part[part["_group"] == group].set_index(x).reindex(xs)
                pos = np.arange(len(xs)) - 0.4 + bar * (i + 0.5)
                ax.bar(pos, g["mean"], bar, color=palette[group], label=group)
                ax.errorbar(
                    pos,
                    g["mean"],
                    yerr=[g["mean"] - g["ci_low"], g["ci_high"] - g["mean"]],
                    fmt="none",
                    ecolor="black",
                    capsize=1.5,
                    linewidth=0.6,
                )
            ax.set_xticks(np.arange(len(xs)), ticks, rotation=30, ha="right", rotation_mode="anchor")
            ax.set(title=outcomes.label(name, lang, unit=True), xlabel="")
        sns.despine(fig)
        _legend(fig, axes[0], key_title, width)
        fig.suptitle(term("report.fig_levels", lang))
        return fig

    return in_both_widths(out, "levels_by_condition", draw)


def figure_heatmap(done: pd.DataFrame, by: list[str], names, lang: str, out: Path, stat: str) -> str:
    """Policy x share for the first two outcomes (``stat`` of each run, its late mean), one panel per
    value of the other conditions; each panel's colour scale fitted to its own values."""
    facets = [c for c in by if c not in ("sinking", SHARE)]
    groups = [((), done)]
    if facets:
        order = sort_rows(done[facets].drop_duplicates(), facets, done).itertuples(index=False)
        parts = dict(list(done.groupby(facets, sort=False)))  # keyed by tuples, as facets is a list
        groups = [(key, parts[key]) for key in map(tuple, order)]
    panels = [(key, part, name) for key, part in groups for name in names[:2]]
    policies = ordered(done["sinking"])

    def draw(width: str):
        fig, axes, _ = grid(
            len(panels),
            width,
            0.75 + 0.2 * len(policies),
            TITLE_HEIGHT,
            across={"page": 2, "column": 1},  # each panel carries its own colour bar
        )
        for ax, (key, part, name) in zip(axes, panels):
            column = f"{stat}_{name}" if f"{stat}_{name}" in part.columns else name
            table = part.pivot_table(index="sinking", columns=SHARE, values=column, aggfunc="mean")
            table = table.reindex(ordered(part["sinking"]))
            table.index = [show(v, lang) for v in table.index]
            sns.heatmap(table, annot=True, fmt=".2f", cmap="viridis", ax=ax, annot_kws={"size": FONT_PT})
            ax.tick_params(axis="y", rotation=0)
            where = ", ".join(show(k, lang) for k in key)
            ax.set(
                title=outcomes.label(name, lang, unit=True) + (f" ({where})" if where else ""),
                xlabel=term(SHARE, lang),
                ylabel=term("sinking", lang),
            )
        fig.suptitle(term("report.fig_heat", lang))
        return fig

    return in_both_widths(out, "policy_share_heatmap", draw)


def figure_response(stats_: pd.DataFrame, by: list[str], x: str, names, lang: str, out: Path) -> str:
    hue_keys = [c for c in by if c != x]
    hue_of, hues, ordinal = _hue(stats_, hue_keys, lang)
    stats_ = stats_.assign(_hue=hue_of)
    palette = _palette(hues, ordinal)
    key_title = _key_title(hue_keys, lang)

    def draw(width: str):
        fig, axes, cols = grid(
            len(names), width, 1.1, TITLE_HEIGHT + _legend_height(hues, width, key_title), sharex=True
        )
        for i, (ax, name) in enumerate(zip(axes, names)):
            part = stats_[stats_["outcome"] == name].sort_values(x)
            for hue in hues:
                g = part[part["_hue"] == hue]
                ax.plot(g[x], g["mean"], marker="o", markersize=2.5, color=palette[hue], label=hue)
                ax.fill_between(
                    g[x].astype(float), g["ci_low"], g["ci_high"], color=palette[hue], alpha=0.15, linewidth=0
                )
            _bounded_ylim(ax, name)
            ax.set(
                title=outcomes.label(name, lang, unit=True),
                xlabel=term(x, lang) if _bottom(i, len(names), cols) else "",
            )
        _legend(fig, axes[0], key_title, width)
        fig.suptitle(term("report.fig_response", lang).format(x=term(x, lang)))
        return fig

    return in_both_widths(out, f"response_{x.replace('.', '_')}", draw)


def figure_sensitivity(table: pd.DataFrame, method: str, by: str, conf: str | None, lang, out) -> str:
    """Each parameter's index (``by``, with its 95% interval ``conf``) on each outcome, largest first."""
    parameters = table["parameter"].nunique()

    def draw(width: str):
        fig, axes, _ = grid(
            len(SENSITIVITY_OUTCOMES),
            width,
            0.45 + 0.13 * parameters,
            TITLE_HEIGHT,
            across={"page": 2, "column": 1},  # the parameters' names need the room
        )
        for ax, name in zip(axes, SENSITIVITY_OUTCOMES):
            part = ranked(table, name, by)
            part = part.assign(parameter=part["parameter"].str.removeprefix("behaviour."))
            ax.barh(
                np.arange(len(part)),
                part[by],
                color="steelblue",
                xerr=part[conf] if conf else None,
                capsize=1.5,
            )
            ax.set_yticks(np.arange(len(part)), part["parameter"])
            ax.invert_yaxis()
            ax.set(title=outcomes.label(name, lang), xlabel=by)
        fig.suptitle(f"{term('report.sensitivity', lang)} ({method}): {by}" + (" (95% CI)" if conf else ""))
        return fig

    return in_both_widths(out, "sensitivity", draw)
