"""The committee's pool institution is costly (ODD 7.9): it pays rewards and enforcement effort from
the source structure.institution_funding names: the cooperators' offers (default), the committee's
service envelope (then co-production competes with services for money) or a budget of its own."""

from __future__ import annotations

import numpy as np
import pytest

from sim import VerticalCommunityModel

HUB = {"governance__mechanisms": ["hub_coproduction"]}


def hub(reward, sanction, seed=0, **overrides):
    return VerticalCommunityModel(
        "small",
        "fragmented",
        "need",
        rng=seed,
        agent_views="none",
        **HUB,
        governance__params__committee_reward=reward,
        governance__params__committee_sanction=sanction,
        **overrides,
    )


def test_an_institution_without_money_is_hauerts_game():
    """No budget and no contributions: the institution cannot pay anything, and the run is the
    same, firm by firm, as without an institution."""
    broke = {"budget__per_person_per_step": 0.0, "behaviour__coproduction__contribution_ru": 0.0}
    with_inst, without = hub(0.5, 0.5, **broke), hub(0.0, 0.0, **broke)
    for m in (with_inst, without):
        m.run(30)
    assert (with_inst.pool_funding == 0).all()
    np.testing.assert_array_equal(with_inst.firms.strategy, without.firms.strategy)


@pytest.mark.slow
def test_a_funded_institution_raises_contribution_and_costs_services():
    """Paid from the service envelope, paired over 5 seeds (late means, weeks 27-52): rewards and
    sanctions raise the share of contributing firms (mean difference above 2 SE and 0.01), and
    the money they take leaves less for services."""

    def late(reward, seed):
        m = hub(reward, reward, seed, structure__institution_funding="service_envelope")
        m.run(52)
        return m.datacollector.get_model_vars_dataframe().iloc[27:].mean()

    diffs = np.array(
        [
            [late(0.5, s)[k] - late(0.0, s)[k] for k in ("enterprise_contribution", "demand_met")]
            for s in range(5)
        ]
    )
    se = diffs[:, 0].std(ddof=1) / np.sqrt(len(diffs))
    assert diffs[:, 0].mean() > max(2 * se, 0.01)
    assert diffs[:, 1].mean() < 0


def test_a_poor_committee_funds_only_part_of_its_institution():
    envelope = {"structure__institution_funding": "service_envelope"}
    poor, rich = (
        hub(0.5, 0.5, budget__per_person_per_step=0.0005, **envelope),
        hub(0.5, 0.5, budget__per_person_per_step=1.0, **envelope),
    )
    for m in (poor, rich):
        m.run(20)
    assert poor.pool_funding[0] < 1.0 == rich.pool_funding[0]


def test_the_offers_pay_the_institution_and_the_rest_serves():
    """Paid from the cooperators' offers: a rich committee with offers too small for the
    institution funds it only in part, and whatever the offers leave adds to the hub's service
    envelope, whole (none of it goes to activities or outreach)."""
    small_offers = hub(
        0.5, 0.5, budget__per_person_per_step=1.0, behaviour__coproduction__contribution_ru=0.1
    )
    small_offers.run(5)
    assert 0.0 < small_offers.pool_funding[0] < 1.0
    m = hub(0.0, 0.0)  # no institution: the offers are all service capacity
    m.run(5)
    m.receive_resources()
    held = m.held.copy()
    m.open_service_points()
    b = m.config.budget
    hub_node = m.pool_node[0]
    assert m.offers[hub_node] > 0
    base = held[hub_node]
    assert m.envelope["activity"][hub_node] == pytest.approx(b.activity_share * base)
    assert m.envelope["service"][hub_node] == pytest.approx(
        (1 - b.activity_share - b.outreach_share) * base + m.offers[hub_node]
    )


def test_a_separate_budget_pays_in_full_and_counts_as_inflow():
    """With a budget line of its own the institution runs in full even with no money anywhere
    else, and what it costs is inflow and spending alike (conservation holds)."""
    broke = {"budget__per_person_per_step": 0.0, "behaviour__coproduction__contribution_ru": 0.0}
    m = hub(0.5, 0.5, structure__institution_funding="separate_budget", **broke)
    m.run(10)
    assert (m.pool_funding == 1).all()
    assert m.totals["inflow"] == pytest.approx(m.totals["spent"]) and m.totals["inflow"] > 0
