"""A live Vega-Lite view (sim/viz/vega_live.vue) and the pacing of Play on what the page has drawn.

The spec goes to the browser once (again only when it changes: language, colouring, a new model);
each week only a :func:`Frame` (``{"id": ..., "week": ..., "data": {dataset: rows}}``) is sent. The
view swaps the rows in with Vega's changeset API and, once drawn, reports the frame id back.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable

import solara

from sim.viz import webfont


def to_spec(chart) -> dict:
    """An Altair chart as the dict the view embeds, its text in the page's font family (which holds
    the app's Chinese web font, sim.viz.webfont). Altair writes Vega-Lite 6 specs and Solara's
    asset cache holds vega-lite 5, which draws everything these charts use; without the $schema
    line it does not warn about the version."""
    spec = chart.to_dict()
    spec.pop("$schema", None)
    spec.setdefault("config", {})["font"] = webfont.CHART_FONT
    return spec


class Opaque:
    """A prop reacton passes on without looking inside. Reacton walks every dict and list of every
    prop at each render, looking for elements; for thousands of rows that costs more than the
    model's step. It becomes JSON only on its way to the browser."""

    def __init__(self, payload):
        self.payload = payload


def Frame(frame_id: str, week: int, data: dict[str, list[dict]]) -> Opaque:
    """One week's rows for a view: ``{"id": frame_id, "week": week, "data": {dataset: rows}}``."""
    return Opaque({"id": frame_id, "week": week, "data": data})


def _payload(value, _widget):
    return value.payload if isinstance(value, Opaque) else value


@solara.component_vue("vega_live.vue", to_json={"spec": _payload, "frame": _payload})
def VegaLive(
    name: str,
    spec: Opaque,
    frame: Opaque | None,
    event_pick: Callable[[str], None] | None = None,
    event_rendered: Callable[[str], None] | None = None,
):
    """``name`` labels the element (data-name) for styling and tests; ``event_pick`` gets the
    ``pick`` field of a clicked mark; ``event_rendered`` the id of each frame once it is drawn."""


class Pacer:
    """Which frame (step counter) each view has drawn, so Play runs at most one week ahead of the
    page: the server steps week t+1 while the browser draws week t, and waits if the browser falls
    further behind (it would otherwise fall ever further behind on a slow machine)."""

    def __init__(self):
        self._drawn: dict[str, int] = {}
        self._changed = threading.Condition()

    @functools.cache  # noqa: B019 (one per view and pacer; the same callable keeps the prop unchanged)
    def listener(self, name: str) -> Callable[[str], None]:
        """The view's ``event_rendered`` callback."""
        return functools.partial(self.rendered, name)

    def rendered(self, name: str, frame_id: str) -> None:
        with self._changed:
            self._drawn[name] = max(int(frame_id), self._drawn.get(name, -1))
            self._changed.notify_all()

    def wait(self, names: list[str], frame: int, timeout: float) -> bool:
        """Whether every view in ``names`` drew ``frame`` (or a later one) within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(self._drawn.get(n, -1) >= frame for n in names):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True
