"""Outcomes: every rate in [0, 1] for every preset, mode and policy; the coupling formula; equity."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from sim import VerticalCommunityModel, metrics
from sim.config import group_options


def assert_rates_in_unit_interval(model):
    table = model.datacollector.get_model_vars_dataframe()
    assert list(table.columns) == list(metrics.COLUMNS)
    rates = table[list(metrics.RATES)]
    defined = rates.notna()
    assert defined.drop(columns=list(metrics.UNDEFINED_WHEN_EMPTY)).all().all()
    values = rates.to_numpy()[defined.to_numpy()]
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()
    assert (table[list(metrics.RESOURCES)].to_numpy() >= -1e-9).all()


MODES = [m for m in group_options("governance") if m != "article"]


@pytest.mark.slow
@pytest.mark.parametrize("governance, sinking", itertools.product(MODES, group_options("sinking")))
def test_every_mode_and_policy_runs_with_rates_in_range(governance, sinking):
    model = VerticalCommunityModel("small", governance, sinking, rng=1, agent_views="none")
    model.run(20)
    assert_rates_in_unit_interval(model)


@pytest.mark.parametrize(
    "scenario", [s for s in group_options("scenario") if s not in {"huangpu", "shanghai"}]
)
def test_every_preset_runs(scenario):
    model = VerticalCommunityModel(scenario, "collaborative", "performance", rng=0, agent_views="none")
    model.run(4)
    assert_rates_in_unit_interval(model)


@pytest.mark.slow
def test_whole_district_runs():
    model = VerticalCommunityModel("huangpu", "fusion", "size", rng=0, agent_views="none")
    model.run(3)
    assert_rates_in_unit_interval(model)
    assert len(model.people) > 1_000_000


def test_coupling_coordination_formula():
    assert metrics.coupling_coordination(0.0, 0.0) == 0.0
    assert metrics.coupling_coordination(0.64, 0.64) == pytest.approx(0.8)  # C = 1, T = 0.64
    u1, u2 = 0.2, 0.8
    c = 2 * np.sqrt(u1 * u2) / (u1 + u2)
    assert metrics.coupling_coordination(u1, u2) == pytest.approx(np.sqrt(c * 0.5))
    # unbalanced subsystems coordinate worse than balanced ones with the same total
    assert metrics.coupling_coordination(0.2, 0.8) < metrics.coupling_coordination(0.5, 0.5)


def test_gini():
    w = np.ones(4)
    assert np.isnan(metrics.gini(np.zeros(4), w))  # nobody takes part: neither equal nor unequal
    assert metrics.gini(np.array([1.0, 1, 1, 1]), w) == pytest.approx(0.0)
    assert metrics.gini(np.array([0.0, 0, 0, 1]), w) == pytest.approx(0.75)  # (n - 1) / n for one holder
    # weights count like repeated units
    assert metrics.gini(np.array([0.0, 1]), np.array([3.0, 1])) == pytest.approx(
        metrics.gini(np.array([0.0, 0, 0, 1]), w)
    )


def late_at_budget(budget: float, seeds=range(3)) -> pd.Series:
    """Every outcome's mean over weeks 27-52 on `small` (brand, need), averaged over seeds."""
    rows = []
    for seed in seeds:
        m = VerticalCommunityModel(
            "small", "brand", "need", rng=seed, agent_views="none", budget__per_person_per_step=budget
        )
        m.run(52)
        rows.append(m.datacollector.get_model_vars_dataframe().iloc[27:].mean())
    return sum(rows) / len(rows)


def test_outcomes_respond_to_budget():
    """More resources give more demand met and more participation (3 seeds, mean of weeks 27-52)."""
    poor, rich = late_at_budget(0.01), late_at_budget(0.1)
    assert rich["demand_met"] > poor["demand_met"] + 0.05
    assert rich["participation_rate"] > poor["participation_rate"]


def test_two_step_floating_catchment_by_hand():
    """Luo & Wang (2003): two points of 10 and 30 units; sites of demand 10 and 30; site 0 reaches
    point 0 only, site 1 both. R = (10/40, 30/30), A = (0.25, 1.25)."""
    weight = np.array([[1.0, 0.0], [1.0, 1.0]])
    access, ratio = metrics.two_step_fca(np.array([10.0, 30.0]), np.array([10.0, 30.0]), weight)
    np.testing.assert_allclose(access, [0.25, 1.25])
    np.testing.assert_allclose(ratio, [0.25, 1.0])


def test_undefined_outcomes_are_nan_not_perfect():
    """Week 0: no requests and nobody taking part. Demand met, its split and equity are undefined
    (NaN), not 1; no point is open yet, so access is 0; both reaches are 0. Without any demand,
    access and the functional coupling are undefined too."""
    model = VerticalCommunityModel("small", "brand", "need", rng=0, agent_views="none")
    out = model.outcomes
    for name in ("demand_met", "unmet_shortfall", "unmet_misfit", "equity_index"):
        assert np.isnan(out[name]), name
    assert out["service_access"] == 0.0
    assert out["reach_52w"] == 0.0 and out["cumulative_reach"] == 0.0
    idle = VerticalCommunityModel(
        "small",
        "brand",
        "need",
        rng=0,
        agent_views="none",
        behaviour__demand__rate={"member": 0, "worker": 0, "resident": 0},
    )
    idle.run(3)
    assert np.isnan(idle.outcomes["service_access"]) and np.isnan(idle.outcomes["coupling_functional"])


def _late(model, weeks=26):
    return model.datacollector.get_model_vars_dataframe().iloc[-weeks:].mean()


def test_service_access_and_shortfall_respond_to_capacity():
    """Starved of money, access falls well below 1 and shortfall appears; with plenty, access
    approaches 1 and the unmet requests are misfit, not shortfall (3 seeds, weeks 27-52)."""

    poor, rich = late_at_budget(0.002), late_at_budget(1.0)
    assert poor["service_access"] < 0.5 < rich["service_access"]
    assert rich["service_access"] > 0.95
    assert poor["unmet_shortfall"] > rich["unmet_shortfall"] + 0.05
    assert rich["unmet_misfit"] > rich["unmet_shortfall"]
    # the split adds up: met + shortfall + misfit = every request
    assert poor["demand_met"] + poor["unmet_shortfall"] + poor["unmet_misfit"] == pytest.approx(1.0)


def test_a_years_reach_forgets_people_who_stopped_taking_part():
    """After 10 weeks of activity and 55 weeks with nobody free to attend, the rolling reach is 0
    while the cumulative reach keeps everyone ever reached."""
    model = VerticalCommunityModel("small", "brand", "need", rng=0, agent_views="none")
    model.run(10)
    model.config.behaviour.participation.availability = 0.0
    model.run(55)
    assert model.outcomes["cumulative_reach"] > 0.1
    assert model.outcomes["reach_52w"] == 0.0


def test_three_couplings_fall_below_their_maximum_when_their_indicators_do():
    """Each coupling coordination degree is built from its own indicators: with (almost) no money,
    neither budget nor firms' offers, the functional one falls; with nobody free to take part the
    mechanism one is 0."""
    base = VerticalCommunityModel("small", "brand", "need", rng=0, agent_views="none")
    poor = VerticalCommunityModel(
        "small",
        "brand",
        "need",
        rng=0,
        agent_views="none",
        budget__per_person_per_step=0.0005,
        behaviour__coproduction__contribution_ru=0.0,
    )
    idle = VerticalCommunityModel(
        "small", "brand", "need", rng=0, agent_views="none", behaviour__participation__availability=0.0
    )
    for m in (base, poor, idle):
        m.run(30)
    assert _late(poor, 10)["coupling_functional"] < _late(base, 10)["coupling_functional"] - 0.1
    assert _late(idle, 10)["coupling_mechanism"] == 0.0 < _late(base, 10)["coupling_mechanism"]
    for name in ("coupling_structural", "coupling_functional", "coupling_mechanism", "coupling_coordination"):
        assert _late(base, 10)[name] < 0.99
