"""The live district map (实时地图): a Vega-Lite spec made once per model, language and colouring,
and the rows it is fed every week (committees, sampled people, service circles).

Coordinates are grid cells; the scales are fixed to the grid, so a distance in cells is a fixed
number of pixels: the service circles are point marks whose area is the circle's, and the scale
bar is drawn in metres from ``world.cell_size_m``.
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np

from sim.i18n import term
from sim.outcomes import OUTCOMES
from sim.viz.district_map import (
    COMMITTEE_STYLE,
    NO_VALUE,
    PERSON_COLOURS,
    RING,
    VALUE_OUTCOME,
    circle_cells,
    node_shares,
    scale_bar_m,
    zone_colours,
)
from sim.viz.names import node_label, zone_label
from sim.viz.vega import to_spec

MAP_PX = 600  # pixels of the grid's longer side
# vega custom shapes: SVG paths in the [-1, 1] square (star: subdistrict, pentagon: zone)
SHAPES = (
    "M0,-1L0.2245,-0.309L0.9511,-0.309L0.3633,0.118L0.5878,0.809L0,0.382L-0.5878,0.809L-0.3633,0.118"
    "L-0.9511,-0.309L-0.2245,-0.309Z",
    "M0,-1L0.9511,-0.309L0.5878,0.809L-0.5878,0.809L-0.9511,-0.309Z",
    "square",
    "triangle-up",
)
UNCOVERED_EDGE = "#e31a1c"


def cell_px(model) -> float:
    return MAP_PX / max(model.grid.width, model.grid.height + 1.5)


def map_spec(model, lang: str = "en", colour_by: str = "zone") -> dict:
    """The map as a Vega-Lite spec. What stays fixed during a run (places, names) is in the spec;
    the week's state comes as the named data "circles", "node_state" and "active" (map_data)."""
    w, px = model.world, cell_px(model)
    x = alt.X(
        "x:Q", axis=None, scale=alt.Scale(domain=[-0.5, model.grid.width - 0.5], nice=False, zero=False)
    )
    y = alt.Y(
        "y:Q", axis=None, scale=alt.Scale(domain=[-2.0, model.grid.height - 0.5], nice=False, zero=False)
    )
    radius_px = circle_cells(model) * px
    circles = (
        alt.Chart(alt.Data(name="circles"))
        .mark_point(
            shape="circle",
            clip=True,
            size=(2 * radius_px) ** 2,  # a vega symbol's size is the area of its bounding box
            filled=True,
            fill="#555555",
            fillOpacity=0.05,
            stroke="#555555",
            strokeOpacity=0.7,
            strokeDash=[5, 3],
            strokeWidth=1,
        )
        .encode(x=x, y=y)
    )
    levels = [term(f"app.level.{k}", lang) for k in range(4)]
    if colour_by == "zone":
        names = [zone_label(w, z, lang) for z in range(w.n_zones)]
        fill = alt.Fill(
            "zone:N",
            title=term("app.zone", lang),
            sort=names,
            scale=alt.Scale(domain=names, range=zone_colours(model)),
            legend=alt.Legend(orient="right", symbolType="square", columns=1 if len(names) <= 16 else 2),
        )
        value_tip = []
    else:
        title = OUTCOMES[VALUE_OUTCOME[colour_by]].label(lang)
        fill = alt.condition(
            "datum.value === null",
            alt.value(NO_VALUE),
            alt.Fill(
                "value:Q",
                title=title,
                scale=alt.Scale(scheme="viridis", zero=False, nice=False),  # fitted to this week's data
                legend=alt.Legend(orient="right", format=".1%", gradientLength=220),
            ),
        )
        value_tip = [alt.Tooltip("value:Q", title=title, format=".1%")]
    yes, no = (term(k, lang).replace("'", "") for k in ("app.yes", "app.no"))
    nodes = (
        alt.Chart(alt.Data(name="nodes"))
        .transform_lookup(
            lookup="i",
            from_=alt.LookupData(
                alt.Data(name="node_state"), "i", ["value", "held", "open", "closed", "uncovered"]
            ),
        )
        .transform_calculate(open_text=f"datum.open ? '{yes}' : '{no}'")
        .mark_point(filled=True)
        .encode(
            x=x,
            y=y,
            shape=alt.Shape(
                "level:N",
                title=term("app.level", lang),
                sort=levels,
                scale=alt.Scale(domain=levels, range=list(SHAPES)),
                legend=alt.Legend(orient="bottom", direction="vertical", columns=2, symbolFillColor="white"),
            ),
            size=alt.Size("size:Q", scale=None),  # px², from COMMITTEE_STYLE
            fill=fill,
            opacity=alt.condition("datum.closed", alt.value(0.35), alt.value(1.0)),
            stroke=alt.condition("datum.uncovered", alt.value(UNCOVERED_EDGE), alt.value("#222222")),
            strokeWidth=alt.condition("datum.uncovered", alt.value(2.2), alt.value(0.8)),
            order=alt.Order("z:Q"),
            tooltip=[
                alt.Tooltip("name:N", title=term("app.name", lang)),
                alt.Tooltip("level:N", title=term("app.level", lang)),
                *value_tip,
                alt.Tooltip("held:Q", title=term("app.held", lang), format=",.1f"),
                alt.Tooltip("open_text:N", title=term("app.open", lang)),
            ],
        )
    )
    kinds = [term(key, lang) for key in ("member", "worker", "resident")]
    colours = list(PERSON_COLOURS.values())
    kind_scale = alt.Scale(domain=kinds, range=colours)
    title, legend = term("app.people", lang), alt.Legend(orient="bottom", direction="vertical", columns=3)
    people = (
        alt.Chart(alt.Data(name="people"))
        .transform_lookup(lookup="i", from_=alt.LookupData(alt.Data(name="active"), "i", ["active"]))
        .transform_calculate(took_part=f"datum.active ? '{yes}' : '{no}'")
        .mark_point(shape="circle", strokeWidth=1, size=max((0.17 * px) ** 2, 9))
        .encode(
            x=x,
            y=y,
            # the same legend on both channels, so vega-lite merges them into one
            stroke=alt.Stroke("kind:N", title=title, sort=kinds, scale=kind_scale, legend=legend),
            fill=alt.condition(
                "datum.active",
                alt.Fill("kind:N", title=title, sort=kinds, scale=kind_scale, legend=legend),
                alt.value("white"),
            ),
            tooltip=[
                alt.Tooltip("kind:N", title=term("app.kind", lang)),
                alt.Tooltip("took_part:N", title=term("app.took_part", lang)),
            ],
        )
    )
    metres = scale_bar_m(model)
    length = metres / model.config.world.cell_size_m
    bar = alt.Data(
        values=[
            {"x": 0.0, "y": -1.3, "x2": length, "label": term("app.metres", lang).format(m=f"{metres:g}")}
        ]
    )
    scale_bar = alt.Chart(bar).mark_rule(strokeWidth=3, color="black").encode(
        x=x, y=y, x2="x2:Q"
    ) + alt.Chart(bar).mark_text(align="left", dx=6, fontSize=11).encode(x="x2:Q", y=y, text="label:N")
    chart = (
        alt.layer(circles, nodes, people, scale_bar)
        .resolve_scale(fill="independent", stroke="independent")
        .properties(
            width=model.grid.width * px,
            height=(model.grid.height + 1.5) * px,
            autosize=alt.AutoSizeParams(type="pad", resize=True),  # the colour legend's labels change
        )
        .configure_view(stroke="#bbbbbb")
        .configure_legend(labelFontSize=11, titleFontSize=11, labelLimit=260, titleLimit=300)
    )
    spec = to_spec(chart)
    # added after Altair, which would validate every row against the schema (seconds at huangpu)
    spec["datasets"] = {"nodes": node_rows(model, lang), "people": people_rows(model, lang)}
    return spec


def node_rows(model, lang: str) -> list[dict]:
    """What does not change during a run, one row per committee: place, level, name."""
    w, px = model.world, cell_px(model)
    rows = []
    for agent in model.views["committees"]:
        k, zone = agent.node, int(w.node_zone[agent.node])
        rows.append(
            {
                "i": k,
                "x": int(w.node_xy[k, 0]),
                "y": int(w.node_xy[k, 1]),
                "z": COMMITTEE_STYLE[agent.level][2],
                "size": (COMMITTEE_STYLE[agent.level][1] * px) ** 2,
                "level": term(f"app.level.{agent.level}", lang),
                "zone": zone_label(w, zone, lang) if zone >= 0 else term("subdistrict", lang),
                "name": node_label(w, k, lang),
                "pick": f"node:{k}",
            }
        )
    return rows


def people_rows(model, lang: str) -> list[dict]:
    """What does not change, one row per sampled person: a dot on the ring round its site."""
    w = model.world
    kinds = {cls: term(key, lang) for cls, key in zip(PERSON_COLOURS, ("member", "worker", "resident"))}
    rows = []
    for view in model.views["people"]:
        x, y = w.site_xy[view.site]
        angle = math.pi / 2 - 2 * math.pi * view.slot / view.slots
        rows.append(
            {
                "i": view.index,
                "x": float(x + RING * math.cos(angle)),
                "y": float(y + RING * math.sin(angle)),
                "kind": kinds[type(view)],
                "pick": f"person:{view.index}",
            }
        )
    return rows


def node_state(model, colour_by: str) -> list[dict]:
    """This week's state of every committee (joined to node_rows by "i" in the browser)."""
    w = model.world
    started = model.steps > 0  # at week 0 no point has opened yet: nothing is closed or uncovered
    values = None if colour_by == "zone" else node_shares(model, colour_by)
    site = w.node_site
    covered = np.where(site >= 0, model.site_covered[np.maximum(site, 0)], True)
    return [
        {
            "i": k,
            "value": None if values is None or np.isnan(values[k]) else float(values[k]),
            "held": float(model.held[k]),
            "open": bool(model.open_nodes[k]),
            "closed": started and not model.open_nodes[k],
            "uncovered": started and not covered[k],
        }
        for k in range(len(site))
    ]


def active_people(model) -> list[dict]:
    """The sampled people who took part this week: the only per-person data sent each week."""
    return [{"i": view.index, "active": True} for view in model.views["people"] if view.active]


def circle_rows(model, circles: str) -> list[dict]:
    if circles == "off":
        return []
    w = model.world
    wanted = w.node_level == 2 if circles == "sites" else w.node_level < 2
    return [
        {"x": int(w.node_xy[k, 0]), "y": int(w.node_xy[k, 1])}
        for k in np.flatnonzero(model.open_nodes & wanted)
    ]


def map_data(model, colour_by: str, circles: str) -> dict:
    """The week's rows for the named datasets of map_spec."""
    return {
        "circles": circle_rows(model, circles),
        "node_state": node_state(model, colour_by),
        "active": active_people(model),
    }
