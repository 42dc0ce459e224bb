"""A live Vega-Lite view (sim/viz/vega_live.vue) and the pacing of Play on what the page has drawn.

The spec goes to the browser once (again only when it changes: language, colouring, a new model);
each week only a :class:`Frame` (``{"id": ..., "data": {dataset: rows}}``) is sent. The view swaps the rows
in with Vega's changeset API and, once drawn, reports the frame id back.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import solara


def to_spec(chart) -> dict:
    """An Altair chart as the dict the view embeds. Altair writes Vega-Lite 6 specs and Solara's
    asset cache holds vega-lite 5, which draws everything these charts use; without the $schema
    line it does not warn about the version."""
    spec = chart.to_dict()
    spec.pop("$schema", None)
    return spec


class Frame:
    """One week's rows for a view. Opaque to reacton, which would otherwise walk every row of every
    prop at every render looking for elements; it becomes JSON only on its way to the browser."""

    def __init__(self, frame_id: str, data: dict[str, list[dict]]):
        self.payload = {"id": frame_id, "data": data}


@solara.component_vue("vega_live.vue", to_json={"frame": lambda frame, _widget: frame and frame.payload})
def VegaLive(
    name: str,
    spec: dict,
    frame: Frame | None,
    event_pick: Callable[[str], None] | None = None,
    event_rendered: Callable[[str], None] | None = None,
):
    """``name`` labels the element (data-name) for styling and tests; ``event_pick`` gets the
    ``pick`` field of a clicked mark; ``event_rendered`` the id of each frame once it is drawn."""


class Pacer:
    """What each view has drawn, so Play steps again only once the page shows the last week (a
    browser that draws slower than the model steps would otherwise fall ever further behind)."""

    def __init__(self):
        self._drawn: dict[str, str] = {}
        self._changed = threading.Condition()

    def rendered(self, name: str, frame_id: str) -> None:
        with self._changed:
            self._drawn[name] = frame_id
            self._changed.notify_all()

    def wait(self, names: list[str], frame_id: str, timeout: float) -> bool:
        """Whether every view in ``names`` drew ``frame_id`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(self._drawn.get(n) == frame_id for n in names):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True
