"""The model as the app builds it: the research model plus a small, fixed sample of people to draw.

The app rebuilds the model on Reset as ``VizModel(**controls)``; dotted config overrides
(``budget__per_person_per_step``) pass through ``kwargs`` to the research model.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from sim.agents import PERSON_CLASSES
from sim.model import VerticalCommunityModel

PEOPLE_PER_SITE = 12  # dots drawn per site: enough to read a share, few enough to draw quickly
# dots drawn in all, at most (huangpu's 390 sites x 12 = 4,680 redraw well): at shanghai's 3,060
# sites, 12 each made the browser's redraw take seconds a week, so big maps draw fewer per site
MAX_PEOPLE_DRAWN = 5000
# sim.config.compose goes through Hydra's process-wide GlobalHydra, and the server builds models
# in several threads (one per browser session)
_BUILD_LOCK = threading.Lock()


class VizModel(VerticalCommunityModel):
    """:class:`VerticalCommunityModel` without a view per person, plus ``people_per_site`` views
    per site (the people the map draws; default: dots_per_site). The sample uses its own random
    stream, so a run in the app follows exactly the same trajectory as the headless model with the
    same seed."""

    def __init__(
        self,
        scenario: str = "nanjing_east",
        governance: str = "brand",
        sinking: str = "need",
        rng: int = 0,
        people_per_site: int | None = None,
        **kwargs: Any,
    ):
        with _BUILD_LOCK:
            super().__init__(scenario, governance, sinking, rng=rng, agent_views="none", **kwargs)
        if people_per_site is None:
            people_per_site = dots_per_site(self.world.n_sites)
        self.views["people"] = sample_people(self, people_per_site, seed=rng)


def dots_per_site(n_sites: int) -> int:
    """PEOPLE_PER_SITE, or fewer (at least one) where the map would draw more than MAX_PEOPLE_DRAWN."""
    return max(1, min(PEOPLE_PER_SITE, MAX_PEOPLE_DRAWN // max(n_sites, 1)))


def sample_people(model: VerticalCommunityModel, per_site: int, seed: int = 0) -> list:
    """Up to ``per_site`` person views per site, each with ``slot``/``slots`` (its place in the
    ring of dots drawn round the site)."""
    gen = np.random.default_rng(seed)
    site = model.people.site
    order = np.argsort(site, kind="stable")
    starts = np.searchsorted(site[order], np.arange(model.world.n_sites))
    ends = np.searchsorted(site[order], np.arange(model.world.n_sites), side="right")
    views = []
    for lo, hi in zip(starts, ends):
        picked = gen.choice(order[lo:hi], size=min(per_site, hi - lo), replace=False)
        for slot, i in enumerate(np.sort(picked)):
            view = PERSON_CLASSES[int(model.people.kind[i])](model, int(i))
            view.slot, view.slots = slot, len(picked)
            views.append(view)
    return views
