"""The map's drawing and the app's model, without a browser or a server."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.collections import PathCollection

from sim import VerticalCommunityModel
from sim.viz.controls import options
from sim.viz.district_map import CIRCLE_MODES, COLOUR_MODES, circle_cells, map_figure, node_shares
from sim.viz.model import MAX_PEOPLE_DRAWN, PEOPLE_PER_SITE, VizModel, dots_per_site
from sim.world.population import UNCOVERED


@pytest.mark.slow
@pytest.mark.parametrize("scenario", options("scenario"))
def test_every_offered_scenario_draws_in_every_mode(scenario):
    """The downloadable (matplotlib) map; at huangpu and shanghai every colouring with one circle mode."""
    model = VizModel(scenario=scenario)
    model.step()
    drawn = len(model.views["committees"]) + len(model.views["people"])
    assert len(model.views["people"]) <= min(PEOPLE_PER_SITE * model.world.n_sites, MAX_PEOPLE_DRAWN)
    for colour in COLOUR_MODES:
        for circles in CIRCLE_MODES[:1] if scenario in {"huangpu", "shanghai"} else CIRCLE_MODES:
            ax = map_figure(model, colour, circles, "zh").axes[0]
            points = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
            assert points == drawn, (colour, circles)


def test_the_sample_does_not_change_the_run():
    """The app's model follows the headless model with the same seed, week by week."""
    app, plain = VizModel("small", rng=3), VerticalCommunityModel("small", rng=3, agent_views="none")
    for _ in range(4):
        app.step()
        plain.step()
    assert app.outcomes == plain.outcomes


def test_sampled_people_are_spread_over_every_site():
    model = VizModel("small", people_per_site=5)
    sites = np.array([view.site for view in model.views["people"]])
    assert np.array_equal(
        np.bincount(sites, minlength=model.world.n_sites),
        np.minimum(5, np.bincount(model.people.site, minlength=model.world.n_sites)),
    )


def test_a_big_map_draws_fewer_people_per_site_and_at_least_one():
    assert dots_per_site(390) == PEOPLE_PER_SITE  # huangpu: every site its ring of 12
    assert dots_per_site(3060) * 3060 <= MAX_PEOPLE_DRAWN < (dots_per_site(3060) + 1) * 3060  # shanghai
    assert dots_per_site(10**6) == 1
    assert len(VizModel("small").views["people"]) == PEOPLE_PER_SITE * 8  # 6 buildings, 2 areas


def test_the_circle_radius_is_the_circle_in_walking_minutes():
    model = VizModel("small", governance="fusion")
    r = circle_cells(model)
    minutes = model.world.travel_minutes(model.config, np.zeros((1, 2)), np.array([[r, 0.0]]))
    assert minutes[0, 0] == pytest.approx(model.levers.circle_min)


def test_committee_shares_sum_their_remit():
    model = VizModel("small")
    for _ in range(3):
        model.step()
    w, p, f = model.world, model.people, model.firms
    part, org = node_shares(model, "participation"), node_shares(model, "org")
    assert part[0] == pytest.approx(p.active.mean())  # the one subdistrict: everyone
    assert org[0] == pytest.approx((f.org != UNCOVERED).mean())
    site = w.site_node(np.arange(w.n_sites))
    for j in range(w.n_sites):
        assert part[site[j]] == pytest.approx(p.active[p.site == j].mean())
        in_site = f.site == j
        assert (
            np.isnan(org[site[j]])
            if not in_site.any()
            else org[site[j]] == pytest.approx((f.org[in_site] != UNCOVERED).mean())
        )
