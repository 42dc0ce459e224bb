"""Live plots of the model-level outcomes (sim.metrics.OUTCOMES), one figure per question."""

from __future__ import annotations

import solara
from mesa.visualization import make_plot_component

# title -> (outcome -> (legend label, colour)), y-axis label, y limits (None: automatic)
PLOTS = {
    "Participation by type": (
        {
            "participation_rate": ("all people", "black"),
            "member_participation": ("members", "#d62728"),
            "worker_participation": ("workers", "#1f77b4"),
            "resident_participation": ("residents", "#2ca02c"),
            "enterprise_participation": ("enterprises (not loners)", "#9467bd"),
        },
        "share",
        (0, 1),
    ),
    "Organisational and service coverage": (
        {
            "org_coverage": ("enterprises with a Party organisation", "#8c564b"),
            "service_coverage": ("people inside an open service circle", "#17becf"),
        },
        "share",
        (0, 1.02),
    ),
    "Coupling coordination": (
        {
            "coupling_coordination": ("coupling coordination D", "black"),
            "party_building_score": ("Party-building score U1", "#d62728"),
            "governance_score": ("governance score U2", "#1f77b4"),
        },
        "index",
        (0, 1),
    ),
    "Resources held by level": (
        {
            "resources_subdistrict": ("subdistrict committees", "#555555"),
            "resources_zone": ("zone committees", "#ff7f0e"),
            "resources_site": ("site stations", "#2ca02c"),
        },
        "RU",
        None,
    ),
}


def _styler(title: str, series: dict, ylabel: str, ylim):
    def post_process(ax):
        ax.figure.set_size_inches(6.4, 3.9)  # wide and low, to fit a grid tile beside the map
        for line, (label, _) in zip(ax.get_lines(), series.values()):
            line.set_label(label)
            line.set_marker(".")  # the first weeks are single points, invisible as lines
        ax.legend(loc="best", fontsize=8)
        ax.set_title(title)
        ax.set_ylabel(ylabel)
        if ylim is not None:
            ax.set_ylim(*ylim)
        ax.grid(alpha=0.3)

    return post_process


def plot_components() -> list:
    """SolaraViz components (model -> element), each a Mesa plot wrapped in a ``vcs-plot`` div
    (a stable hook for the browser test and for styling)."""
    made = []
    for title, (series, ylabel, ylim) in PLOTS.items():
        make, _page = make_plot_component(
            {m: colour for m, (_, colour) in series.items()},
            post_process=_styler(title, series, ylabel, ylim),
        )
        made.append(_wrapped(make))
    return made


def _wrapped(make):
    def component(model):
        return PlotCard(model, make)

    return component


@solara.component
def PlotCard(model, make):
    with solara.Div(classes=["vcs-plot"]) as card:
        make(model)
    return card
