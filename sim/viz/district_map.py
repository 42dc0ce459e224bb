"""The district map as a matplotlib figure, for PNG/SVG download (the page draws it live with
sim.viz.live_map): sites and committees (service points), service circles and sampled people.

Agents are drawn through Mesa's portrayal API (``AgentPortrayalStyle`` and ``SpaceRenderer``);
the service circles are matplotlib patches under them, since a circle's radius is a distance in
cells, which a marker size (in points) cannot express.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PatchCollection
from matplotlib.colors import Normalize, to_hex, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from mesa.visualization import SpaceRenderer
from mesa.visualization.components import AgentPortrayalStyle
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from sim.agents import Enterprise, Member, PartyCommittee, Resident, Worker
from sim.fonts import cjk_rc
from sim.i18n import term
from sim.outcomes import OUTCOMES
from sim.viz.names import zone_label
from sim.world.population import UNCOVERED

# colour by zone, or by this week's share in each committee's remit (the outcome named here);
# the colour scale is fitted to the week's values, so small differences stay visible
COLOUR_MODES = ("zone", "org", "participation")
VALUE_OUTCOME = {"org": "org_coverage", "participation": "participation_rate"}
CIRCLE_MODES = ("upper", "sites", "off")
# committee level (PartyCommittee.level) -> marker, size in cells, zorder; the bigger upper
# committees go under the site markers, so a site on the same cell stays visible
COMMITTEE_STYLE = {0: ("*", 1.5, 2), 1: ("p", 1.05, 3), 2: ("s", 0.55, 4), 3: ("^", 0.62, 4)}
PERSON_COLOURS = {Member: "#d62728", Worker: "#1f77b4", Resident: "#2ca02c"}
RING = 0.40  # radius (cells) of the ring of sampled people round their site
VALUE_CMAP = colormaps["viridis"]
NO_VALUE = "#d9d9d9"  # a committee with nobody of that kind in its remit (no firms in an area)
# fixed sizes (inches), so the picture keeps its size whatever the colour key: the map is a square
# box at (left, bottom, side); the marker key goes under it, the colour key to its right
FIGSIZE = (7.2, 6.75)
MAP_BOX = (0.1, 1.05, 5.6)


def circle_cells(model) -> float:
    """The service circle's radius in cells: the inverse of World.travel_minutes."""
    w = model.config.world
    minutes = max(model.levers.circle_min - w.access_overhead_min, 0.0)
    return minutes * w.walk_speed_m_per_min / (w.detour_factor * w.cell_size_m)


def node_shares(model, mode: str) -> np.ndarray:
    """Per committee node, the share of its remit that is organised / took part this week (NaN
    if the remit holds no firms or people)."""
    w, p, f = model.world, model.people, model.firms
    if mode == "org":
        site_hits = np.bincount(f.site, weights=f.org != UNCOVERED, minlength=w.n_sites)
        site_size = np.bincount(f.site, minlength=w.n_sites)
    else:
        site_hits = np.bincount(p.site, weights=p.active, minlength=w.n_sites)
        site_size = np.bincount(p.site, minlength=w.n_sites)

    hits, size = w.per_node(site_hits.astype(float)), w.per_node(site_size.astype(float))
    return np.divide(hits, size, out=np.full(len(hits), np.nan), where=size > 0)


def zone_colours(model) -> list[str]:
    cmap = colormaps["tab10" if model.world.n_zones <= 10 else "tab20"]
    return [to_hex(cmap(z % cmap.N)) for z in range(model.world.n_zones)]


def value_norm(shares: np.ndarray) -> Normalize:
    """The colour scale fitted to this week's values (all equal: a scale of width one around them)."""
    values = shares[~np.isnan(shares)]
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    return Normalize(lo, hi) if hi > lo else Normalize(lo - 0.5, lo + 0.5)


def make_portrayal(model, colour_by: str):
    """The agent portrayal for this week's state, coloured by ``colour_by`` (see COLOUR_MODES)."""
    w = model.world
    zones = zone_colours(model)
    shares = None if colour_by == "zone" else node_shares(model, colour_by)
    norm = None if shares is None else value_norm(shares)
    cell_pt = _cell_points(model)
    started = model.steps > 0  # week 0: no point has opened yet, so none is drawn closed or uncovered

    def committee_colour(node: int) -> str:
        if shares is None:
            return zones[w.node_zone[node]] if w.node_zone[node] >= 0 else "#555555"
        value = shares[node]
        return NO_VALUE if np.isnan(value) else to_hex(VALUE_CMAP(norm(value)))

    def portrayal(agent) -> AgentPortrayalStyle:
        if isinstance(agent, PartyCommittee):
            marker, cells, zorder = COMMITTEE_STYLE[agent.level]
            site = w.node_site[agent.node]
            # red edge: a site that no open point covers this week
            uncovered = started and site >= 0 and not model.site_covered[site]
            is_open = agent.is_open or not started
            colour = committee_colour(agent.node)
            return AgentPortrayalStyle(
                # a closed point is drawn pale (not transparent, which would hide a red edge)
                color=colour if is_open else _pale(colour),
                marker=marker,
                size=(cells * cell_pt) ** 2,
                zorder=zorder,
                edgecolors="#e31a1c" if uncovered else ("black" if is_open else "#999999"),
                linewidths=2.0 if uncovered else 0.8,
            )
        if isinstance(agent, Enterprise):  # only drawn if a model gives firms views
            return AgentPortrayalStyle(color="#7f7f7f", marker=".", size=(0.08 * cell_pt) ** 2, zorder=1)
        # a person: a dot on the ring round its site, filled if it took part this week
        x, y = w.site_xy[agent.site]
        angle = math.pi / 2 - 2 * math.pi * getattr(agent, "slot", 0) / getattr(agent, "slots", 1)
        colour = PERSON_COLOURS[type(agent)]
        return AgentPortrayalStyle(
            x=x + RING * math.cos(angle),
            y=y + RING * math.sin(angle),
            marker="o",
            color=colour if agent.active else "white",
            edgecolors=colour,
            linewidths=0.7,
            size=(0.16 * cell_pt) ** 2,
            zorder=5,
        )

    return portrayal


def _pale(colour: str) -> str:
    return to_hex(0.4 * np.array(to_rgba(colour)[:3]) + 0.6)


def draw_map(model, ax, colour_by: str = "zone", circles: str = "upper", lang: str = "en") -> None:
    """Draw the district on ``ax``: circles, then the grid and agents through Mesa's renderer."""
    _draw_circles(model, ax, circles)
    renderer = SpaceRenderer(model, backend="matplotlib")
    plt.close(renderer.backend_renderer.fig)  # it opens a pyplot figure of its own; we draw on ax
    renderer.backend_renderer.initialize_canvas(ax)
    renderer.draw_structure(color="#e0e0e0", linestyle="-", linewidth=0.5)
    renderer.draw_agents(make_portrayal(model, colour_by))
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(model, ax, lang)
    ax.set_title(_title(model, lang), fontsize=10)
    _legend(model, ax, colour_by, lang)


def _title(model, lang: str) -> str:
    c = model.config
    parts = [term(c.scenario.name, lang), term(c.governance.name, lang), term(c.sinking.policy, lang)]
    return " · ".join([*parts, f"{term('week', lang)} {model.steps}"])


def scale_bar_m(model) -> float:
    """A round length (1, 2 or 5 times a power of ten metres) near a fifth of the map's width."""
    target = model.grid.width * model.config.world.cell_size_m / 5
    power = 10 ** math.floor(math.log10(target))
    return max(m * power for m in (1, 2, 5) if m * power <= target)


def _scale_bar(model, ax, lang: str) -> None:
    metres = scale_bar_m(model)
    ax.add_artist(
        AnchoredSizeBar(
            ax.transData,
            metres / model.config.world.cell_size_m,
            term("app.metres", lang).format(m=f"{metres:g}"),
            "lower left",
            pad=0.3,
            frameon=True,
            size_vertical=0.06,
            fontproperties={"size": 8},
        )
    )


def _draw_circles(model, ax, circles: str) -> None:
    if circles == "off":
        return
    w = model.world
    is_open = model.open_nodes
    wanted = w.node_level == 2 if circles == "sites" else w.node_level < 2
    nodes = np.flatnonzero(is_open & wanted)
    zones = zone_colours(model)
    radius = circle_cells(model)
    colours = [zones[w.node_zone[k]] if w.node_zone[k] >= 0 else "#555555" for k in nodes]
    patches = [Circle(tuple(w.node_xy[k]), radius) for k in nodes]
    # faint fills add up: darker where more open points are within reach
    fill = 0.03 if circles == "sites" else 0.06
    ax.add_collection(
        PatchCollection(
            patches,
            facecolors=[to_rgba(c, fill) for c in colours],
            edgecolors=[to_rgba(c, 0.7) for c in colours],
            linestyles="--",
            linewidths=1.0,
            zorder=0,
        )
    )


def _legend(model, ax, colour_by: str, lang: str) -> None:
    """Marker key under the map; colour key (zone names or a colour bar) to its right."""

    def marker(m, label, face="white", edge="black", size=9):
        return Line2D(
            [],
            [],
            linestyle="",
            marker=m,
            markersize=size,
            markerfacecolor=face,
            markeredgecolor=edge,
            label=label,
        )

    radius_m = circle_cells(model) * model.config.world.cell_size_m
    handles = [
        marker("*", term("app.level.0", lang), size=12),
        marker("p", term("app.level.1", lang)),
        marker("s", term("app.level.2", lang)),
        marker("^", term("app.level.3", lang)),
        marker("s", term("app.uncovered", lang), edge="#e31a1c"),
        marker("s", term("app.closed", lang), face="#eeeeee", edge="#888888"),
    ]
    handles += [
        marker("o", term(kind, lang), face=c, edge=c, size=5)
        for kind, c in zip(("member", "worker", "resident"), PERSON_COLOURS.values())
    ]
    handles.append(
        Line2D(
            [],
            [],
            color="#555555",
            linestyle="--",
            label=term("app.circle_caption", lang).format(minutes=model.levers.circle_min, radius=radius_m),
        )
    )
    ax.add_artist(
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=3,
            fontsize=8,
            frameon=False,
            handletextpad=0.3,
            columnspacing=0.8,
            title=term("app.people", lang),
            title_fontsize=8,
        )
    )
    if colour_by == "zone":
        zones = [
            Line2D(
                [],
                [],
                linestyle="",
                marker="s",
                markersize=8,
                color=c,
                label=zone_label(model.world, z, lang),
            )
            for z, c in enumerate(zone_colours(model))
        ]
        ax.legend(
            handles=zones,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            fontsize=9,
            frameon=False,
            title=term("app.zone", lang),
            title_fontsize=9,
            ncol=1 if len(zones) <= 16 else 2,
        )
    else:
        # an inset colour bar keeps the map's size, which the marker sizes depend on
        bar = ax.figure.colorbar(
            ScalarMappable(value_norm(node_shares(model, colour_by)), VALUE_CMAP),
            cax=ax.inset_axes((1.03, 0.05, 0.04, 0.9)),
            format=lambda v, _: f"{v:.1%}",
        )
        bar.set_label(OUTCOMES[VALUE_OUTCOME[colour_by]].label(lang), fontsize=8)
        bar.ax.tick_params(labelsize=8)


def _cell_points(model) -> float:
    """Width of one grid cell in points on the map figure."""
    return MAP_BOX[2] * 72 / max(model.grid.width, model.grid.height)


def map_figure(model, colour_by: str = "zone", circles: str = "upper", lang: str = "en") -> Figure:
    """A figure with the map, for saving (no pyplot, so no global state)."""
    with cjk_rc():
        fig = Figure(figsize=FIGSIZE)
        left, bottom, side = MAP_BOX
        ax = fig.add_axes((left / FIGSIZE[0], bottom / FIGSIZE[1], side / FIGSIZE[0], side / FIGSIZE[1]))
        draw_map(model, ax, colour_by, circles, lang)
    return fig
