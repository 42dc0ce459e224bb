"""The app page (交互界面): run controls, parameters, monitors, the live map and plots, an inspector
and downloads, in English or Chinese.

The map and plots are Vega-Lite views that receive only new data each week (sim.viz.vega), so a
step costs the model's step plus a few milliseconds; matplotlib draws only the PNG/SVG downloads.
Every reactive value at module level is per browser session (solara scopes them so).
"""

from __future__ import annotations

import html
import io
import threading
import time

import numpy as np
import solara

from sim.fonts import cjk_rc
from sim.i18n import LANGUAGES, term
from sim.outcomes import OUTCOMES, PARTICIPATION, SHARE
from sim.viz import live_map, webfont
from sim.viz.controls import Parameters, defaults
from sim.viz.district_map import CIRCLE_MODES, VALUE_OUTCOME, circle_cells, map_figure
from sim.viz.model import VizModel
from sim.viz.names import node_label, site_label
from sim.viz.plots import PLOTS, plot_figure, plot_spec, series_rows
from sim.viz.vega import Frame, Opaque, Pacer, VegaLive
from sim.world.population import UNCOVERED

MONITORS = (
    *PARTICIPATION,
    "enterprise_participation",
    "org_coverage",
    "service_coverage",
    "resources_subdistrict",
    "resources_zone",
    "resources_site",
)
VIEWS = ["map", *(p.key for p in PLOTS)]
# Play draws at most 10 frames a second (see Session.play): a frame costs about as much as a
# week of the model at nanjing_east, so drawing every week would halve Play's speed
FRAME_INTERVAL_S = 0.1
MAX_DELAY_MS = 1000

lang = solara.reactive("en")
colour_by = solara.reactive("zone")
circles = solara.reactive("upper")
CSS = """
.vcs-monitors { border-collapse: collapse; }
.vcs-monitors th { font-size: 11px; font-weight: 400; color: #555; text-align: left; padding: 0 10px 0 6px;
    border-left: 3px solid #1976d2; max-width: 120px; }
.vcs-monitors td { font-size: 17px; font-weight: 500; padding: 0 10px 0 6px; border-left: 3px solid #1976d2; }
.vcs-inspect-table th { font-weight: 400; color: #555; }
.vcs-pending-control label { color: #e65100 !important; }
.v-navigation-drawer .v-slider__thumb-container::after {
    content: attr(aria-valuenow); position: absolute; top: 7px; transform: translateX(-50%);
    font-size: 10px; color: #555; white-space: nowrap;
}
"""


class Session:
    """One browser session's run: the model, its step counter for redraws, and a lock, since Play
    steps in a thread of its own while buttons act in the server's."""

    def __init__(self, settings: dict):
        self.lock = threading.RLock()
        self.pacer = Pacer()
        self.model = solara.reactive(VizModel(**settings))
        self.built = solara.reactive(dict(settings))
        self.tick = solara.reactive(0)  # bumped by every step and reset: what the live views redraw on
        self.playing = solara.reactive(False)
        self.ended = solara.reactive(False)  # the run reached config.steps (set only when it changes)
        self.picked = solara.reactive(None)  # "node:<k>" or "person:<i>", from a click on the map

    def step(self) -> bool:
        with self.lock:
            model = self.model.value
            if not model.running:
                return False
            model.step()
        self.tick.set(self.tick.value + 1)
        self.ended.set(not model.running)
        return True

    def reset(self, settings: dict) -> None:
        self.playing.set(False)
        with self.lock:
            model = VizModel(**settings)
            self.model.set(model)
            self.built.set(dict(settings))
            self.picked.set(None)
        self.tick.set(self.tick.value + 1)
        self.ended.set(not model.running)

    def play(self, delay_ms: solara.Reactive[int]) -> None:
        """Step until paused or the run's end, drawing at most one frame per FRAME_INTERVAL_S and
        only once the page has drawn the last one, as NetLogo's continuous view updates do: the model
        runs at its own speed and the page shows the newest week (the plots have every week).
        With a pause between weeks of FRAME_INTERVAL_S or more, every week the page keeps up with
        is drawn."""
        if not self.playing.value:  # the task also runs when Pause turns it off
            return
        drawn_at = 0.0
        while self.playing.value:
            with self.lock:
                model = self.model.value
                if not model.running:
                    break
                model.step()
            if time.monotonic() - drawn_at >= FRAME_INTERVAL_S and self.pacer.wait(VIEWS, self.tick.value, 0):
                drawn_at = time.monotonic()
                self.tick.set(self.tick.value + 1)
            time.sleep(delay_ms.value / 1000)
        self.playing.set(False)
        self.tick.set(self.tick.value + 1)  # the week it stopped at
        self.ended.set(not self.model.value.running)


def fmt(name: str, value: float) -> str:
    return f"{value:.1%}" if OUTCOMES[name].unit == SHARE else f"{value:,.1f}"


@solara.component
def Page():
    settings = solara.use_reactive(solara.use_memo(defaults, []))
    session = solara.use_memo(lambda: Session(settings.value), [])
    Dashboard(session, settings)


@solara.component
def Dashboard(session: Session, settings: solara.Reactive[dict]):
    """The page around a session (tests pass their own, to see what Reset built)."""
    language = lang.value
    solara.Style(webfont.css() + CSS)
    solara.Title(term("app.title", language))
    with solara.AppBar():
        solara.AppBarTitle(term("app.title", language))
        solara.Text(term("app.subtitle", language), style={"font-size": "13px", "margin-right": "16px"})
        with (
            solara.Tooltip(term("app.tip.language", language)),
            solara.ToggleButtonsSingle(value=lang, dense=True, classes=["vcs-lang"]),
        ):
            for code, name in LANGUAGES.items():
                solara.Button(name, value=code, text=True)
    with solara.Sidebar():
        with solara.Card(term("app.run", language)):
            RunControls(session, settings, language)
        with solara.Card(term("app.parameters", language)):
            Parameters(settings, session.built.value, language)
        with solara.Card(term("app.downloads", language)):
            Downloads(session, language)
    LiveArea(session, language)


@solara.component
def LiveArea(session: Session, language: str):
    """Everything that shows the model's state. The only component that reads the step counter, so
    a step re-renders this part of the page in one pass."""
    tick = session.tick.value
    model = session.model.value
    with solara.Column(gap="10px", style={"padding-bottom": "72px"}):  # clear of Solara's footer
        Status(model, tick, language)
        with solara.Row(gap="12px", style={"flex-wrap": "wrap", "align-items": "flex-start"}):
            MapCard(session, model, tick, language)
            Inspector(model, tick, session.picked.value, language)
        with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
            for plot in PLOTS:
                PlotCard(session, model, tick, plot, language)


@solara.component
def RunControls(session: Session, settings: solara.Reactive[dict], language: str):
    delay = solara.use_reactive(0)
    playing = session.playing.value
    running = not session.ended.value
    solara.lab.use_task(lambda: session.play(delay), dependencies=[playing], prefer_threaded=True)

    def tipped(tip, label, on_click, disabled=False, classes=()):
        with solara.Tooltip(term(tip, language)), solara.Div():
            solara.Button(
                term(label, language),
                on_click=on_click,
                disabled=disabled,
                color="primary",
                classes=list(classes),
            )

    with solara.Row(gap="6px"):
        tipped("app.tip.reset", "app.reset", lambda: session.reset(settings.value), classes=["vcs-reset"])
        if playing:
            tipped("app.tip.pause", "app.pause", lambda: session.playing.set(False), classes=["vcs-play"])
        else:
            tipped("app.tip.play", "app.play", lambda: session.playing.set(True), not running, ["vcs-play"])
        tipped("app.tip.step", "app.step", session.step, playing or not running, ["vcs-step"])
    with solara.Tooltip(term("app.tip.delay", language)), solara.Div():
        solara.SliderInt(term("app.delay", language), value=delay, min=0, max=MAX_DELAY_MS, step=50)


@solara.component
def Status(model, tick: int, language: str):
    c = model.config
    week = model.steps
    with solara.Column(gap="4px"):
        solara.Text(
            term("app.caption", language).format(
                scenario=term(c.scenario.name, language),
                mode=term(c.governance.name, language),
                policy=term(c.sinking.policy, language),
                seed=c.seed,
                week=week,
                open=int(model.open_nodes.sum()),
                points=len(model.held),
                covered=int(model.site_covered.sum()),
                sites=model.world.n_sites,
            ),
            classes=["vcs-caption"],
            style={"font-size": "13px"},
        )
        if week == 0:
            solara.Info(term("app.week0", language), dense=True, classes=["vcs-week0"])
        Monitors(model, tick, language)


def monitor_table(model, language: str) -> str:
    """The monitors as one HTML table: a header row of labels (with units), a row of values."""
    names = ["week", *MONITORS]
    labels = [term("week", language), *(OUTCOMES[n].label(language, unit=True) for n in MONITORS)]
    values = [str(model.steps), *(fmt(n, model.outcomes[n]) for n in MONITORS)]
    head = "".join(f"<th>{html.escape(label)}</th>" for label in labels)
    body = "".join(f'<td data-name="{n}">{v}</td>' for n, v in zip(names, values))
    return f"<thead><tr>{head}</tr></thead><tbody><tr>{body}</tr></tbody>"


@solara.component
def Monitors(model, tick: int, language: str):
    """``tick`` changes with every step: reacton re-renders a component only when an argument
    changes, and the model is the same object from week to week."""
    # one element, not one per value: every element re-rendered costs time at each step
    solara.HTML(tag="table", unsafe_innerHTML=monitor_table(model, language), classes=["vcs-monitors"])


@solara.component
def MapCard(session: Session, model, tick: int, language: str):
    colour, shown = colour_by.value, circles.value
    spec = solara.use_memo(
        lambda: Opaque(live_map.map_spec(model, language, colour)), [model, language, colour]
    )
    with solara.Card(term("app.map", language), classes=["vcs-map"], style={"width": "fit-content"}):
        MapToggles(language)
        VegaLive(
            name="map",
            spec=spec,
            frame=Frame(str(tick), model.steps, live_map.map_data(model, colour, shown)),
            event_pick=session.picked.set,
            event_rendered=session.pacer.listener("map"),
        )
        MapNote(model, language)


@solara.component
def MapToggles(language: str):
    """Colouring and circles: they change the picture, not the model, so they act at once."""
    with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
        with (
            solara.Tooltip(term("app.tip.colour", language)),
            solara.ToggleButtonsSingle(value=colour_by, dense=True, classes=["vcs-colour"]),
        ):
            solara.Button(term("app.zone", language), value="zone", text=True)
            for mode, outcome in VALUE_OUTCOME.items():
                solara.Button(OUTCOMES[outcome].label(language), value=mode, text=True)
        with (
            solara.Tooltip(term("app.tip.circles", language)),
            solara.ToggleButtonsSingle(value=circles, dense=True, classes=["vcs-circles"]),
        ):
            for mode in CIRCLE_MODES:
                solara.Button(term(f"app.circles.{mode}", language), value=mode, text=True)


@solara.component
def MapNote(model, language: str):
    metres = circle_cells(model) * model.config.world.cell_size_m
    circle = term("app.circle_caption", language).format(minutes=model.levers.circle_min, radius=metres)
    solara.Text(
        " · ".join([circle, term("app.closed", language), term("app.uncovered", language)]),
        style={"font-size": "12px", "color": "#555"},
    )


@solara.component
def PlotCard(session: Session, model, tick: int, plot, language: str):
    weeks = model.config.steps
    spec = solara.use_memo(lambda: Opaque(plot_spec(plot, language, weeks)), [plot.key, language, weeks])
    frame = Frame(str(tick), model.steps, {"series": series_rows(model, plot, language)})
    with solara.Card(classes=["vcs-plot"], style={"width": "fit-content"}):
        VegaLive(
            name=plot.key,
            spec=spec,
            frame=frame,
            event_rendered=session.pacer.listener(plot.key),
        )


def inspect_rows(model, picked: str, language: str) -> list[tuple[str, str]]:
    """(label, value) rows describing a committee node or a person this week."""
    what, _, index = picked.partition(":")
    i = int(index)
    w, p, f = model.world, model.people, model.firms
    yes, no = term("app.yes", language), term("app.no", language)
    if what == "person":
        kind = ("member", "worker", "resident")[int(p.kind[i])]
        return [
            (term("app.kind", language), term(kind, language)),
            (term("site", language), site_label(w, int(p.site[i]), language)),
            (term("app.took_part", language), yes if p.active[i] else no),
            (term("app.threshold", language), f"{p.threshold[i]:.2f}"),
            (term("app.asked", language), yes if p.demand[i] else no),
            (term("app.served", language), yes if p.served[i] else no),
        ]
    agent = model.views["committees"][i]
    people = w.per_node(np.bincount(p.site, minlength=w.n_sites).astype(float))[i]
    active = w.per_node(np.bincount(p.site, weights=p.active, minlength=w.n_sites))[i]
    firms = w.per_node(np.bincount(f.site, minlength=w.n_sites).astype(float))[i]
    organised = w.per_node(np.bincount(f.site, weights=f.org != UNCOVERED, minlength=w.n_sites))[i]
    rows = [
        (term("app.name", language), node_label(w, i, language)),
        (term("app.level", language), term(f"app.level.{agent.level}", language)),
        (term("app.open", language), yes if agent.is_open else no),
        (term("app.held", language), f"{agent.resources:,.1f}"),
        (term("app.remit_people", language), f"{people:,.0f}"),
        (term("app.remit_active", language), f"{active / people:.1%}" if people else "–"),
        (term("app.remit_org", language), f"{organised / firms:.1%}" if firms else "–"),
    ]
    site = int(w.node_site[i])
    if site >= 0:
        rows += [
            (term("app.site_covered", language), yes if model.site_covered[site] else no),
            (term("app.site_access", language), f"{model.site_access[site]:.3f}"),
        ]
    return rows


@solara.component
def Inspector(model, tick: int, picked: str | None, language: str):
    with solara.Card(term("app.inspect", language), classes=["vcs-inspector"], style={"width": "340px"}):
        if picked is None:
            solara.Text(term("app.inspect_hint", language), style={"font-size": "13px"})
            return
        rows = inspect_rows(model, picked, language)
        body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
        solara.HTML(
            tag="table",
            unsafe_innerHTML=body,
            classes=["vcs-inspect-table"],
            style={"font-size": "13px", "text-align": "left", "border-spacing": "8px 2px"},
        )


def run_table(model):
    table = model.datacollector.get_model_vars_dataframe()
    table.index.name = "week"
    return table


def _stem(model) -> str:
    c = model.config
    return f"{c.scenario.name}_{c.governance.name}_{c.sinking.policy}_seed{c.seed}"


def figure_bytes(make, fmt: str) -> bytes:
    buffer = io.BytesIO()
    with cjk_rc():
        make().savefig(buffer, format=fmt, dpi=150)
    return buffer.getvalue()


@solara.component
def Downloads(session: Session, language: str):
    """One list of what can be downloaded and one button: the run table (CSV, Parquet) and every
    figure (PNG, SVG, drawn by matplotlib with the page's language and colouring)."""
    model = session.model.value
    stem = _stem(model)
    colour, shown = colour_by.value, circles.value
    chosen = solara.use_reactive("csv")

    def parquet() -> bytes:
        buffer = io.BytesIO()
        run_table(model).to_parquet(buffer)
        return buffer.getvalue()

    # key -> (label, filename, make bytes, mime type)
    files = {
        "csv": (
            f"{term('app.run_table', language)} (CSV)",
            f"{stem}.csv",
            lambda: run_table(model).to_csv().encode(),
            "text/csv",
        ),
        "parquet": (
            f"{term('app.run_table', language)} (Parquet)",
            f"{stem}.parquet",
            parquet,
            "application/vnd.apache.parquet",
        ),
    }
    figures = [("map", term("app.map", language), lambda: map_figure(model, colour, shown, language))]
    figures += [(p.key, p.title(language), lambda p=p: plot_figure(model, p, language)) for p in PLOTS]
    for key, title, make in figures:
        for ext, mime in (("png", "image/png"), ("svg", "image/svg+xml")):
            files[f"{key}.{ext}"] = (
                f"{title} ({ext.upper()})",
                f"{stem}_{key}.{ext}",
                lambda make=make, ext=ext: figure_bytes(make, ext),
                mime,
            )
    label, filename, data, mime = files[chosen.value]
    with (
        solara.Tooltip(term("app.tip.downloads", language)),
        solara.Column(gap="4px", classes=["vcs-downloads"]),
    ):
        solara.v.Select(
            label=term("app.download_what", language),
            items=[{"text": text, "value": key} for key, (text, *_) in files.items()],
            v_model=chosen.value,
            on_v_model=chosen.set,
            dense=True,
        )
        solara.FileDownload(
            data,
            filename=filename,
            label=term("app.download", language),
            mime_type=mime,
            icon_name="mdi-download",
        )
