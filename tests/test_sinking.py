"""Resource sinking: conservation, the policies' splits, depth."""

from __future__ import annotations

import numpy as np
import pytest

from sim import VerticalCommunityModel
from sim.config import SinkingConfig
from sim.sinking import NodeStats, Tree, sink

POLICIES = ("none", "equal", "size", "need", "performance")


@pytest.mark.parametrize("governance", ["fragmented", "collaborative", "fusion"])
@pytest.mark.parametrize("policy", POLICIES)
def test_resources_are_conserved(policy, governance):
    """Every week, held + spent + lost equals everything that came in; spending never exceeds it."""
    model = VerticalCommunityModel("small", governance, policy, rng=3, agent_views="none", sinking__share=0.7)
    for _ in range(30):
        model.step()
        t = model.totals
        assert (model.held >= -1e-9).all()
        assert model.held.sum() + t["spent"] + t["lost"] + t["lapsed"] == pytest.approx(t["inflow"], rel=1e-9)
        assert t["spent"] <= t["inflow"] + 1e-9


def tree():
    # node 0: subdistrict; 1, 2: zones; 3, 4 under zone 1, 5 under zone 2: sites
    parent = np.array([-1, 0, 0, 1, 1, 2])
    level = np.array([0, 1, 1, 2, 2, 2])
    stats = NodeStats(
        people=np.array([60.0, 40, 20, 30, 10, 20]),
        firms=np.zeros(6),
        unmet=np.array([10.0, 9, 1, 0, 9, 1]),
        uncovered=np.zeros(6),
        participants=np.array([6.0, 1, 5, 1, 0, 5]),
    )
    return parent, level, stats


@pytest.mark.parametrize(
    "policy, expected_zone_split",
    [
        ("equal", (0.5, 0.5)),
        ("size", (40 / 60, 20 / 60)),
        ("need", (0.9, 0.1)),
        ("performance", (1 / 6, 5 / 6)),
    ],
)
def test_policies_split_by_their_weights(policy, expected_zone_split):
    parent, level, stats = tree()
    held = np.array([100.0, 0, 0, 0, 0, 0])
    lost = sink(
        held, Tree.of(parent, level), stats, SinkingConfig(policy=policy, share=0.5, depth="zone", loss=0.1)
    )
    assert held[0] == pytest.approx(50)
    np.testing.assert_allclose(held[1:3], 50 * 0.9 * np.array(expected_zone_split))
    assert lost == pytest.approx(5) and held[3:].sum() == 0


def test_depth_and_none():
    parent, level, stats = tree()
    held = np.array([100.0, 0, 0, 0, 0, 0])
    sink(
        held, Tree.of(parent, level), stats, SinkingConfig(policy="equal", share=1.0, depth="site", loss=0.0)
    )
    np.testing.assert_allclose(held, [0, 0, 0, 25, 25, 50])
    held = np.array([100.0, 0, 0, 0, 0, 0])
    assert (
        sink(
            held,
            Tree.of(parent, level),
            stats,
            SinkingConfig(policy="none", share=1.0, depth="site", loss=0.5),
        )
        == 0
    )
    np.testing.assert_array_equal(held, [100, 0, 0, 0, 0, 0])


def test_all_zero_weights_share_equally():
    parent, level, stats = tree()
    stats.unmet[:] = 0
    held = np.array([100.0, 0, 0, 0, 0, 0])
    sink(held, Tree.of(parent, level), stats, SinkingConfig(policy="need", share=1.0, depth="zone", loss=0.0))
    np.testing.assert_allclose(held[1:3], [50, 50])


def test_sinking_moves_resources_to_sites():
    top = VerticalCommunityModel("small", "fragmented", "none", rng=0, agent_views="none")
    sunk = VerticalCommunityModel("small", "fragmented", "need", rng=0, agent_views="none")
    top.run(20)
    sunk.run(20)
    assert top.outcomes["resources_zone"] == 0  # firms offer at their building, nothing reaches zones
    sites = top.world.site_node(np.arange(top.world.n_sites))
    assert sunk.open_nodes[sites].mean() > top.open_nodes[sites].mean()  # money reached the site points
    assert sunk.totals["spent"] > top.totals["spent"]
    assert sunk.outcomes["resources_subdistrict"] < top.outcomes["resources_subdistrict"]


@pytest.mark.parametrize("signal", ["access_gap", "shortfall", "unmet"])
def test_need_signal_chooses_what_counts_as_need(signal):
    """structure.need_signal=access_gap counts the expected requests the capacity the committees
    hold does not cover (not the weekly capacity the access outcomes count); shortfall only requests
    whose point ran out of money; unmet also counts misfit."""
    model = VerticalCommunityModel(
        "small",
        "fragmented",
        "need",
        rng=0,
        agent_views="none",
        structure__need_signal=signal,
        budget__per_person_per_step=0.01,
    )
    model.run(8)
    assert model.site_misfit.sum() > 0 and model.site_shortfall.sum() > 0
    expected = model.site_shortfall + (signal == "unmet") * model.site_misfit
    if signal == "access_gap":
        expected = model.site_demand * (1 - np.minimum(model.site_access_held, 1))
        assert expected.sum() > 0 and not np.allclose(model.site_access_held, model.site_access_own)
    np.testing.assert_allclose(model.node_stats().unmet, model.world.per_node(expected))


def test_the_baseline_has_no_zone_committees():
    """The fragmented baseline passes resources from the subdistrict straight to the sites and
    serves nobody at a zone point; the zone_committees mechanism adds that level."""
    base = VerticalCommunityModel("small", "fragmented", "need", rng=0, agent_views="none")
    zones = VerticalCommunityModel(
        "small", "fragmented", "need", rng=0, agent_views="none", governance__mechanisms=["zone_committees"]
    )
    for m in (base, zones):
        m.run(10)
    w = base.world
    zone_nodes = w.zone_node(np.arange(w.n_zones))
    assert base.totals["inflow"] > 0 and base.held[zone_nodes].sum() == 0
    assert not np.isin(base.network.nodes, zone_nodes).any()
    assert zones.held[zone_nodes].sum() > 0 and np.isin(zones.network.nodes, zone_nodes).any()
    assert base.outcomes["resources_site"] > 0
