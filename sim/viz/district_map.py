"""The district map: sites and committees (service points), service circles and sampled people.

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

from sim.agents import Enterprise, Member, PartyCommittee, Resident, Worker
from sim.world.population import UNCOVERED

COLOUR_MODES = {"zone": "zone", "org": "org coverage", "participation": "participation"}
# fixed colour scales, so colours compare across weeks and runs; weekly participation at a site
# stays well under one half with the default parameters (over it, the colour bar's arrow)
SCALE_MAX = {"org": 1.0, "participation": 0.5}
CIRCLE_MODES = {"upper": "zone/subdistrict", "sites": "site stations", "off": "none"}
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


def make_portrayal(model, colour_by: str):
    """The agent portrayal for this week's state, coloured by ``colour_by`` (see COLOUR_MODES)."""
    w = model.world
    zones = zone_colours(model)
    shares = None if colour_by == "zone" else node_shares(model, colour_by)
    cell_pt = _cell_points(model)

    def committee_colour(node: int) -> str:
        if shares is None:
            return zones[w.node_zone[node]] if w.node_zone[node] >= 0 else "#555555"
        value = shares[node]
        return NO_VALUE if np.isnan(value) else to_hex(VALUE_CMAP(value / SCALE_MAX[colour_by]))

    def portrayal(agent) -> AgentPortrayalStyle:
        if isinstance(agent, PartyCommittee):
            marker, cells, zorder = COMMITTEE_STYLE[agent.level]
            site = w.node_site[agent.node]
            # red edge: a site that no open point covers this week
            uncovered = site >= 0 and not model.site_covered[site]
            colour = committee_colour(agent.node)
            return AgentPortrayalStyle(
                # a closed point is drawn pale (not transparent, which would hide a red edge)
                color=colour if agent.is_open else _pale(colour),
                marker=marker,
                size=(cells * cell_pt) ** 2,
                zorder=zorder,
                edgecolors="#e31a1c" if uncovered else ("black" if agent.is_open else "#999999"),
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


def draw_map(model, ax, colour_by: str = "zone", circles: str = "upper") -> None:
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
    _legend(model, ax, colour_by)


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


def _legend(model, ax, colour_by: str) -> None:
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

    handles = [
        marker("*", "subdistrict committee", size=12),
        marker("p", "zone joint committee"),
        marker("s", "building station"),
        marker("^", "residential-area station"),
        marker("s", "site outside every circle", edge="#e31a1c"),
        marker("s", "closed point (< min RU)", face="#eeeeee", edge="#888888"),
    ]
    handles += [
        marker("o", f"{name} (filled: took part)", face=c, edge=c, size=5)
        for name, c in (("member", "#d62728"), ("worker", "#1f77b4"), ("resident", "#2ca02c"))
    ]
    handles.append(
        Line2D(
            [], [], color="#555555", linestyle="--", label=f"{model.levers.circle_min:g}-min service circle"
        )
    )
    ax.add_artist(
        ax.legend(
            handles=handles,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.01),
            ncol=3,
            fontsize=8.5,
            frameon=False,
            handletextpad=0.3,
            columnspacing=0.8,
        )
    )
    if colour_by == "zone":
        zones = [
            Line2D([], [], linestyle="", marker="s", markersize=8, color=c, label=n)
            for c, n in zip(zone_colours(model), _short_zone_names(model))
        ]
        ax.legend(
            handles=zones,
            loc="upper left",
            bbox_to_anchor=(1.01, 1),
            fontsize=9,
            frameon=False,
            title="zone",
            title_fontsize=9,
        )
    else:
        # an inset colour bar keeps the map's size, which the marker sizes depend on
        top = SCALE_MAX[colour_by]
        bar = ax.figure.colorbar(
            ScalarMappable(Normalize(0, top), VALUE_CMAP),
            cax=ax.inset_axes((1.03, 0.05, 0.04, 0.9)),
            extend="max" if top < 1 else "neither",
        )
        label = (
            "share of firms with a Party organisation"
            if colour_by == "org"
            else "share of people who took part"
        )
        bar.set_label(f"{label} (committee: its remit)", fontsize=8)
        bar.ax.tick_params(labelsize=8)


def _short_zone_names(model) -> list[str]:
    names = model.world.zone_names
    # one subdistrict: "nanjing_east/z0" reads as "zone z0"
    if model.world.n_subdistricts == 1:
        return ["zone " + n.split("/", 1)[-1] for n in names]
    return names


def _cell_points(model) -> float:
    """Width of one grid cell in points on the map figure."""
    return MAP_BOX[2] * 72 / max(model.grid.width, model.grid.height)


def map_figure(model, colour_by: str = "zone", circles: str = "upper") -> Figure:
    """A figure with the map, for the app and for saving (no pyplot, so no global state)."""
    fig = Figure(figsize=FIGSIZE)
    left, bottom, side = MAP_BOX
    ax = fig.add_axes((left / FIGSIZE[0], bottom / FIGSIZE[1], side / FIGSIZE[0], side / FIGSIZE[1]))
    draw_map(model, ax, colour_by, circles)
    return fig
