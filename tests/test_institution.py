"""The committee's pool institution is costly (ODD 7.9): it pays rewards and enforcement effort
from its service envelope, so co-production competes with services for money."""

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
    """Paired over 5 seeds (late means, weeks 27-52): rewards and sanctions raise the share of
    contributing firms (mean difference above 2 SE and 0.01), and the money they take leaves less
    for services."""

    def late(reward, seed):
        m = hub(reward, reward, seed)
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
    poor, rich = (
        hub(0.5, 0.5, budget__per_person_per_step=0.0005),
        hub(0.5, 0.5, budget__per_person_per_step=1.0),
    )
    for m in (poor, rich):
        m.run(20)
    assert poor.pool_funding[0] < 1.0 == rich.pool_funding[0]
