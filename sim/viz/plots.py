"""The outcome plots (结果曲线): which outcomes each plot shows, as live Vega-Lite charts for the page
and as matplotlib figures for download. Labels and units come from sim.outcomes and sim.i18n."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
from matplotlib.figure import Figure

from sim.fonts import cjk_rc
from sim.i18n import term
from sim.outcomes import OUTCOMES
from sim.viz.vega import to_spec

PLOT_SIZE = (430, 190)  # px of the live chart's plotting area
WEEK = "week"
AXIS_FORMAT = {"share": ".0%", "index": ".1f", "ru": "~s"}


@dataclass(frozen=True)
class Plot:
    key: str  # the title is the term "app.plot.<key>"
    series: tuple[tuple[str, str], ...]  # (outcome name, colour)
    axis: str  # the y-axis title is the term "app.axis.<axis>"

    def title(self, lang: str) -> str:
        return term(f"app.plot.{self.key}", lang)

    def labels(self, lang: str) -> list[str]:
        return [OUTCOMES[name].label(lang) for name, _ in self.series]


PLOTS = (
    Plot(
        "participation",
        (
            ("participation_rate", "black"),
            ("member_participation", "#d62728"),
            ("worker_participation", "#1f77b4"),
            ("resident_participation", "#2ca02c"),
            ("enterprise_participation", "#9467bd"),
        ),
        "share",
    ),
    Plot("coverage", (("org_coverage", "#8c564b"), ("service_coverage", "#17becf")), "share"),
    Plot(
        "coupling",
        (
            ("coupling_coordination", "black"),
            ("party_building_score", "#d62728"),
            ("governance_score", "#1f77b4"),
        ),
        "index",
    ),
    Plot(
        "resources",
        (("resources_subdistrict", "#555555"), ("resources_zone", "#ff7f0e"), ("resources_site", "#2ca02c")),
        "ru",
    ),
)


def series_rows(model, plot: Plot, lang: str) -> list[dict]:
    """Long-format rows (week, series label, value) of the plot's outcomes so far."""
    columns = model.datacollector.model_vars
    rows = []
    for (name, _), label in zip(plot.series, plot.labels(lang)):
        rows += [{WEEK: week, "series": label, "value": value} for week, value in enumerate(columns[name])]
    return rows


def plot_spec(plot: Plot, lang: str, weeks: int) -> dict:
    """The live chart: named data "series", fed by series_rows every week; the week axis spans the
    whole run (``weeks``), so the lines grow across a fixed frame."""
    labels = plot.labels(lang)
    week, value = term("week", lang), term("app.value", lang)
    fmt = ".1%" if plot.axis == "share" else ".3f"
    chart = (
        alt.Chart(alt.Data(name="series"), title=plot.title(lang))
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=1.6)
        .encode(
            x=alt.X(f"{WEEK}:Q", title=week, scale=alt.Scale(domain=[0, weeks]), axis=alt.Axis(format="d")),
            y=alt.Y(
                "value:Q",
                title=term(f"app.axis.{plot.axis}", lang),
                axis=alt.Axis(format=AXIS_FORMAT[plot.axis]),
            ),
            color=alt.Color(
                "series:N",
                title=None,
                sort=labels,
                scale=alt.Scale(domain=labels, range=[c for _, c in plot.series]),
                legend=alt.Legend(orient="right", labelLimit=220),
            ),
            tooltip=[
                alt.Tooltip(f"{WEEK}:Q", title=week),
                alt.Tooltip("series:N", title=term("app.series", lang)),
                alt.Tooltip("value:Q", title=value, format=fmt),
            ],
        )
        # resize: the axis labels grow with the data (0% -> 100%), so the chart's size is recomputed
        .properties(
            width=PLOT_SIZE[0], height=PLOT_SIZE[1], autosize=alt.AutoSizeParams(type="pad", resize=True)
        )
    )
    return to_spec(chart)


def plot_figure(model, plot: Plot, lang: str = "en") -> Figure:
    """The plot as a matplotlib figure, for PNG/SVG download."""
    columns = model.datacollector.model_vars
    with cjk_rc():
        fig = Figure(figsize=(7.0, 3.6), layout="constrained")
        ax = fig.add_subplot()
        for (name, colour), label in zip(plot.series, plot.labels(lang)):
            ax.plot(range(len(columns[name])), columns[name], color=colour, marker=".", label=label)
        ax.set_title(plot.title(lang))
        ax.set_xlabel(term("week", lang))
        ax.set_ylabel(term(f"app.axis.{plot.axis}", lang))
        if plot.axis != "ru":
            ax.set_ylim(0, None)
        ax.grid(alpha=0.3)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return fig
