"""Docking (Axtell et al. 1996): each rule, in a special-case configuration of the full model,
reproduces its published original. The tests drive the model's own code, not a copy of it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import single_site_config

from sim import VerticalCommunityModel
from sim.behaviour import membership, optional_pgg, threshold

GRANOVETTER = [
    "behaviour.participation.temperature=0",
    "behaviour.participation.availability=1",
    "behaviour.participation.threshold_sd=0",
    "behaviour.participation.belonging_effect=0",
    "behaviour.participation.served_effect=0",
    "behaviour.participation.reputation_effect=0",
    "behaviour.participation.organised_effect=0",
    "behaviour.demand.rate={member:0,worker:0,resident:0}",
    "budget.activity_cost=0",
    "budget.min_active=0",
    "world.remoteness_per_level=0",
]


def granovetter_thresholds(move_one_to_two: bool) -> np.ndarray:
    t = np.arange(100, dtype=float)
    if move_one_to_two:
        t[1] = 2
    return t / 100  # thresholds as a share of the 100 people


@pytest.mark.parametrize("moved, expected", [(False, 100), (True, 1)])
def test_granovetter_rule_alone(moved, expected):
    thresholds = granovetter_thresholds(moved)
    active = np.zeros(100, dtype=bool)
    for _ in range(200):
        active = threshold.decide(np.full(100, active.mean()), thresholds, 0.0, np.zeros(100))
    assert active.sum() == expected


@pytest.mark.parametrize("moved, expected", [(False, 100), (True, 1)])
def test_granovetter_in_the_model(tmp_path, moved, expected):
    """Granovetter (1978): thresholds 0..99 -> everyone joins; move the threshold-1 person to 2
    -> only the instigator joins. One building of 100 members, every other influence off."""
    cfg = single_site_config(tmp_path, members=100, overrides=GRANOVETTER)
    model = VerticalCommunityModel(config=cfg, agent_views="none")
    model.people.threshold[:] = granovetter_thresholds(moved)
    model.run(120)
    assert model.people.active.sum() == expected
    assert model.outcomes["member_participation"] == expected / 100


@pytest.mark.parametrize("moved, expected", [(False, 100), (True, 1)])
def test_granovetter_uniform_case_from_a_config_alone(tmp_path, moved, expected):
    """The same case with the thresholds read from a file by the config, nothing set by hand."""
    listed = tmp_path / "thresholds.txt"
    listed.write_text("\n".join(f"{t:.2f}" for t in granovetter_thresholds(moved)))
    cfg = single_site_config(
        tmp_path,
        members=100,
        overrides=[
            *GRANOVETTER,
            "behaviour.participation.threshold_distribution=file",
            f"behaviour.participation.threshold_file={listed}",
        ],
    )
    model = VerticalCommunityModel(config=cfg, agent_views="none")
    model.run(120)
    assert model.people.active.sum() == expected


@pytest.mark.parametrize(
    "sd, joined",
    [(8, (0, 5)), (11, (0, 5)), (12, (0, 10)), (13, (100, 100)), (16, (100, 100)), (20, (100, 100))],
)
def test_granovetter_normal_case_jumps_between_sd_12_and_13(tmp_path, sd, joined):
    """Granovetter (1978), normal thresholds with mean 25 of N = 100: the equilibrium stays at a
    few people for small sd and jumps to everyone near sd 12.2 (his continuous case; with N
    quantiles the jump lies between 12.5 and 12.75). Run from the config alone."""
    cfg = single_site_config(
        tmp_path,
        members=100,
        overrides=[
            *[o for o in GRANOVETTER if "threshold_sd" not in o],
            "behaviour.participation.threshold_distribution=normal_quantiles",
            "behaviour.participation.threshold_mean={member:0.25,worker:0.25,resident:0.25}",
            f"behaviour.participation.threshold_sd={sd / 100}",
        ],
    )
    model = VerticalCommunityModel(config=cfg, agent_views="none")
    model.run(150)
    assert joined[0] <= model.people.active.sum() <= joined[1]


def test_softened_rule_reduces_to_the_step():
    """As the temperature goes to 0 the logistic becomes Granovetter's step (away from the tie)."""
    peers = np.linspace(0, 1, 100)
    thresholds = np.full(100, 0.5)
    sharp = threshold.participation_probability(peers, thresholds, 1e-9)
    np.testing.assert_allclose(sharp, threshold.participation_probability(peers, thresholds, 0.0), atol=1e-12)


def test_interior_fixed_point_of_hauert_et_al_2002():
    """N = 5, r = 3, c = 1, sigma = 1: loners ~0.461, cooperators = defectors ~0.269."""
    q = optional_pgg.interior_fixed_point(5, 3.0, 1.0, 1.0)
    np.testing.assert_allclose(q, [0.269, 0.269, 0.461], atol=0.001)
    # a rest point of the replicator dynamics built from the same payoffs
    np.testing.assert_allclose(optional_pgg.replicator_rhs(q, 5, 3.0, 1.0, 1.0), 0.0, atol=1e-9)
    assert optional_pgg.interior_fixed_point(5, 2.0, 1.0, 1.0) is None


PGG = [
    "behaviour.coproduction.revision_rate=0.5",
    "behaviour.coproduction.exploration=0.0005",
    "behaviour.coproduction.initial_shares={cooperate:0.3,defect:0.3,loner:0.4}",
]


def _strategy_history(tmp_path, r: float, steps: int, seed: int) -> np.ndarray:
    cfg = single_site_config(
        tmp_path,
        enterprises=5000,
        overrides=[*PGG, f"behaviour.coproduction.multiplication={r}", f"seed={seed}"],
    )
    model = VerticalCommunityModel(config=cfg, agent_views="none")
    history = []
    for _ in range(steps):
        model.step()
        history.append(np.bincount(model.firms.strategy, minlength=3) / len(model.firms))
    return np.array(history)


@pytest.mark.slow
def test_model_cycles_around_the_interior_point(tmp_path):
    """5,000 firms in one building, r = 3: the strategy shares cycle around Q and their time
    average over weeks 301-3000 is Q within 0.02 (the replicator's time averages equal Q)."""
    history = _strategy_history(tmp_path, 3.0, 3000, seed=1)
    np.testing.assert_allclose(history[300:].mean(axis=0), [0.2693, 0.2693, 0.4613], atol=0.02)
    assert history[300:, 2].std() > 0.01  # it cycles rather than sitting at Q


def test_model_ends_with_loners_when_r_at_most_2(tmp_path):
    """r = 2 <= 2: the population ends (up to the 0.05% exploration) with all loners."""
    history = _strategy_history(tmp_path, 2.0, 600, seed=2)
    assert history[-100:, 2].min() > 0.95


def test_pool_institution_reduces_to_hauert_and_favours_contributors():
    base = optional_pgg.expected_payoffs(0.3, 0.3, 0.4, 5, 3.0, 1.0, 1.0)
    same = optional_pgg.expected_payoffs(0.3, 0.3, 0.4, 5, 3.0, 1.0, 1.0, reward=0.0, sanction=0.0)
    np.testing.assert_array_equal(base, same)
    inst = optional_pgg.expected_payoffs(0.3, 0.3, 0.4, 5, 3.0, 1.0, 1.0, reward=0.5, sanction=0.5)
    assert inst[0] > base[0] and inst[1] < base[1] and inst[2] == base[2]


def test_expected_payoffs_match_sampled_groups():
    """The closed form against a Monte Carlo of random groups, within 4 standard errors."""
    rng = np.random.default_rng(0)
    x, y, z, n = 0.25, 0.35, 0.40, 5
    groups = rng.choice(3, size=(200_000, n), p=[x, y, z])
    focal_c = groups[groups[:, 0] == 0]
    others = focal_c[:, 1:]
    participants = 1 + (others != 2).sum(axis=1)
    coop = 1 + (others == 0).sum(axis=1)
    pay = np.where(participants > 1, 3.0 * coop / participants - 1.0, 1.0)
    expected = optional_pgg.expected_payoffs(x, y, z, n, 3.0, 1.0, 1.0)[0]
    assert abs(pay.mean() - expected) < 4 * pay.std() / np.sqrt(len(pay))


def test_bush_mosteller_closed_form():
    """Always reinforced: b_t = 1 - (1 - alpha)^t (1 - b_0); never: b_t = (1 - beta)^t b_0."""
    b0, alpha, beta = np.array([0.2]), 0.1, 0.05
    up, down = b0.copy(), b0.copy()
    for _ in range(30):
        up = membership.bush_mosteller(up, np.array([True]), alpha, beta)
        down = membership.bush_mosteller(down, np.array([False]), alpha, beta)
    np.testing.assert_allclose(up, 1 - (1 - alpha) ** 30 * (1 - b0))
    np.testing.assert_allclose(down, (1 - beta) ** 30 * b0)
