"""The app page: Mesa's SolaraViz with the district map, the outcome plots and the model controls.

Controls take effect on Reset (SolaraViz rebuilds ``VizModel(**controls)``); the map's colour and
circle toggles redraw at once, since they change the picture, not the model.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz, solara_viz
from mesa.visualization.utils import update_counter

from sim.config import group_options
from sim.validate import ARTICLE_MODE, compose
from sim.viz.district_map import CIRCLE_MODES, COLOUR_MODES, circle_cells, map_figure
from sim.viz.model import VizModel
from sim.viz.plots import plot_components

DEFAULT_SCENARIO = "nanjing_east"  # ~200k people; builds in ~0.1 s and steps in ~0.03 s
TOO_BIG = {"huangpu"}  # ~1M people: slow to build and step, so not offered
# "article" stands for a different mode per scenario and is invalid for some (small); a failing
# Reset would replace the whole page by a traceback, so the app offers the concrete modes only
NOT_OFFERED = {"scenario": TOO_BIG, "governance": {ARTICLE_MODE}}
# (label, dotted config key, min, max, step) of the numeric controls; defaults come from configs/
NUMERIC = (
    ("budget RU/person/week", "budget.per_person_per_step", 0.0, 0.2, 0.005),
    ("share sunk per week", "sinking.share", 0.0, 1.0, 0.05),
    ("participation temp.", "behaviour.participation.temperature", 0.0, 0.3, 0.01),
    ("weekly availability", "behaviour.participation.availability", 0.05, 1.0, 0.05),
    ("threshold sd", "behaviour.participation.threshold_sd", 0.0, 0.5, 0.05),
    ("co-production r", "behaviour.coproduction.multiplication", 1.0, 5.0, 0.1),
    ("join probability", "behaviour.outreach.join_probability", 0.0, 1.0, 0.05),
)

colour_by = solara.reactive("zone")  # solara scopes these per browser session
circles = solara.reactive("upper")
# Vuetify shows a slider's value only while it is dragged; show it under the thumb all the time
CSS = """
.v-navigation-drawer .v-slider__thumb-container::after {
    content: attr(aria-valuenow); position: absolute; top: 7px; transform: translateX(-50%);
    font-size: 10px; color: #555; white-space: nowrap;
}
"""


def grid_layout(n: int) -> list[dict]:
    """The map wide and tall with two plots beside it, the rest two a row under it (Mesa's own
    layout gives every component the same 6 x 10 tile, too small for the map)."""
    tiles = [(0, 0, 7, 20), (7, 0, 5, 10), (7, 10, 5, 10)]  # (x, y, width, height) in grid units
    tiles += [(6 * (j % 2), 20 + 10 * (j // 2), 6, 10) for j in range(max(n - 3, 0))]
    return [
        {"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False} for i, (x, y, w, h) in enumerate(tiles[:n])
    ]


# SolaraViz has no layout argument; it asks this module-level function for the first layout
solara_viz.make_initial_grid_layout = grid_layout


def model_params() -> dict:
    """SolaraViz's controls; keys are VizModel arguments (dotted keys with ``__``)."""
    base = compose([f"scenario={DEFAULT_SCENARIO}"])

    def select(label, values, value):
        return {"type": "Select", "label": label, "values": values, "value": value}

    def options(group):
        return [name for name in group_options(group) if name not in NOT_OFFERED.get(group, ())]

    params = {
        "scenario": select("scenario", options("scenario"), DEFAULT_SCENARIO),
        "governance": select("governance mode", options("governance"), base.governance.name),
        "sinking": select("sinking policy", options("sinking"), base.sinking.policy),
        "rng": {"type": "SliderInt", "label": "seed", "value": base.seed, "min": 0, "max": 99, "step": 1},
    }
    for label, key, lo, hi, step in NUMERIC:
        value = base
        for part in key.split("."):
            value = getattr(value, part)
        params[key.replace(".", "__")] = {
            "type": "SliderFloat",
            "label": label,
            "value": float(value),
            "min": lo,
            "max": hi,
            "step": step,
        }
    return params


def initial_values(params: dict) -> dict:
    return {name: spec["value"] for name, spec in params.items()}


def caption(model) -> str:
    c = model.config
    n_open = int(model.open_nodes.sum())
    return (
        f"{c.scenario.name} · {c.governance.name} governance · {c.sinking.policy} sinking · seed {c.seed} · "
        f"week {model.steps} · {n_open}/{len(model.held)} service points open · "
        f"{int(model.site_covered.sum())}/{model.world.n_sites} sites covered · "
        f"{model.levers.circle_min:g}-min circle = {circle_cells(model):.1f} cells"
    )


@solara.component
def MapCard(model):
    update_counter.get()  # redraw after every step
    labels = {v: k for k, v in COLOUR_MODES.items()}
    circle_labels = {v: k for k, v in CIRCLE_MODES.items()}
    with solara.Column(classes=["vcs-map"], gap="2px") as card:
        solara.Text(caption(model), classes=["vcs-caption"], style={"font-size": "12px"})
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text("colour:", style={"font-size": "12px"})
            solara.ToggleButtonsSingle(
                value=COLOUR_MODES[colour_by.value],
                values=list(labels),
                dense=True,
                on_value=lambda v: colour_by.set(labels[v]),
            )
            solara.Text("circles:", style={"font-size": "12px"})
            solara.ToggleButtonsSingle(
                value=CIRCLE_MODES[circles.value],
                values=list(circle_labels),
                dense=True,
                on_value=lambda v: circles.set(circle_labels[v]),
            )
        # no bbox_inches="tight": the fixed figure keeps the map the same size in every colour mode
        solara.FigureMatplotlib(map_figure(model, colour_by.value, circles.value), format="png", dpi=100)
    return card


@solara.component
def Page():
    params = solara.use_memo(model_params, [])
    # one model per browser session; SolaraViz replaces it on Reset
    model = solara.use_reactive(solara.use_memo(lambda: VizModel(**initial_values(params)), []))
    Dashboard(model, params)


@solara.component
def Dashboard(model: solara.Reactive, params: dict):
    """The page around a given model variable (tests pass their own, to see what Reset built)."""
    solara.Style(CSS)
    SolaraViz(
        model,
        components=[MapCard, *plot_components()],
        model_params=params,
        name="Vertical community governance",
    )
