"""Structural alternatives (docs/ODD.md 9.1): each runs from config and does what its name says."""

from __future__ import annotations

import numpy as np
import pytest

from sim import VerticalCommunityModel
from sim.behaviour import threshold
from sim.config import STRUCTURE_OPTIONS, ConfigError
from sim.validate import compose
from sim.world import AREA


def model(mode="collaborative", sinking="need", seed=0, **overrides):
    return VerticalCommunityModel("small", mode, sinking, rng=seed, agent_views="none", **overrides)


def test_peer_aggregations_by_hand():
    site, online = np.array([0.4, 0.1]), np.array([0.2, 0.2])
    groups = [(1.0, site), (0.5, online)]
    np.testing.assert_allclose(threshold.peer_share(groups, "max"), [0.4, 0.1])
    np.testing.assert_allclose(threshold.peer_share(groups, "additive"), [0.5, 0.2])
    np.testing.assert_allclose(threshold.peer_share(groups, "weighted_mean"), [0.5 / 1.5, 0.2 / 1.5])
    # a channel that does not reach a person (weight 0 there) changes nothing for them
    reach = [(1.0, site), (np.array([0.0, 0.5]), online)]
    for rule in STRUCTURE_OPTIONS["peer_aggregation"]:
        assert threshold.peer_share(reach, rule)[0] == pytest.approx(0.4)


def test_an_extra_channel_never_lowers_the_pull_under_max_or_additive():
    rng = np.random.default_rng(0)
    site, extra = rng.random(1000), rng.random(1000)
    for rule in ("max", "additive"):
        assert (threshold.peer_share([(1.0, site), (0.5, extra)], rule) >= site).all()
    assert (threshold.peer_share([(1.0, site), (0.5, extra)], "weighted_mean") < site).any()


@pytest.mark.parametrize("reach, areas_reached", [("buildings", False), ("everyone", True)])
def test_online_reach(reach, areas_reached):
    m = model(structure__online_reach=reach, world__walk_speed_m_per_min=1)
    areas = m.world.site_kind == AREA
    assert m.network.online_reach[~areas].all()
    assert bool(m.network.online_reach[areas].all()) == areas_reached
    # a resident's uptake of a far point has an online part only if the channel reaches them
    far = m.network.distance_weight < 1e-3
    uptake_far = np.where(far & m.network.valid, m.network.pair_uptake, 0.0)
    assert (uptake_far[areas].max() > 0.1) == areas_reached


@pytest.mark.parametrize("rule", STRUCTURE_OPTIONS["huff_attraction"])
def test_huff_attraction(rule):
    m = model(structure__huff_attraction=rule)
    m.run(5)
    a = m.attraction()
    if rule == "held":
        np.testing.assert_allclose(a, m.held)
    elif rule == "equal":
        np.testing.assert_allclose(a, 1.0)
    else:
        load = m.network.dense(m.network.reach_weight).T @ m.site_demand
        assert (a <= load + 1e-9).all() and (a <= m.envelope["service"] / m.service_cost + 1e-9).all()
        assert (a[load > 0] == np.minimum(m.envelope["service"] / m.service_cost, load)[load > 0]).all()


@pytest.mark.parametrize("rule", STRUCTURE_OPTIONS["outreach_envelope"])
def test_outreach_money_goes_where_firms_are(rule):
    m = model(mode="fusion", sinking="equal", structure__outreach_envelope=rule)
    m.run(4)
    no_firms = m.firms_below == 0
    assert no_firms.any() and (m.held[no_firms] > 0).any()
    assert (m.envelope["outreach"][no_firms] == 0).all() == (rule == "firms")


def test_lapse_bounds_idle_stock():
    """Without lapse, money nobody can use piles up; with lapse rate l the stock stays below the
    weekly inflow / l."""

    def run(rate):
        m = model(mode="fragmented", structure__lapse_rate=rate)
        m.run(156)
        return m

    kept, lapsing = run(0.0), run(1 / 13)
    inflow = lapsing.datacollector.get_model_vars_dataframe()["resources_inflow"].iloc[1:].max()
    assert lapsing.held.sum() <= inflow * 13
    assert kept.held.sum() > 2 * lapsing.held.sum()
    assert kept.totals["lapsed"] == 0 < lapsing.totals["lapsed"]


@pytest.mark.parametrize("key", sorted(STRUCTURE_OPTIONS))
def test_unknown_structural_option_is_named(key):
    with pytest.raises(ConfigError, match=f"structure.{key}"):
        compose([f"structure.{key}=nope"])
