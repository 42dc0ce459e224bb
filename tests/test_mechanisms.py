"""Each governance mechanism moves its outcome in the expected direction against the same run
(same seeds, same everything) without it.

Statistic: the paired difference (with - without) of the outcome's mean over the second half of
the run (weeks 27-52 unless a mechanism's time scale asks for longer), over three seeds, signed so
that the expected direction is positive; the test asks the mean difference to exceed twice its
standard error and 0.005.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from sim import VerticalCommunityModel

SEEDS = (0, 1, 2)
INSTITUTION = {"governance__params__committee_reward": 0.5, "governance__params__committee_sanction": 0.5}


@dataclass(frozen=True)
class Case:
    mechanism: str
    scenario: str
    sinking: str
    outcome: str  # that should rise (sign +1) or fall (sign -1)
    setting: dict = field(default_factory=dict)
    weeks: int = 52
    sign: int = 1


CASES = [
    Case("zone_committees", "nanjing_east", "need", "demand_met"),
    Case("zone_pooling", "small", "need", "participation_rate"),
    Case("zone_pooling", "small", "need", "demand_met"),
    Case("feedback_channel", "small", "need", "satisfaction"),
    Case("feedback_channel", "small", "need", "demand_met"),
    # reputation grows with use, and use is a few per cent a week: in the default context the
    # effect is small (docs/VALIDATION.md 5), so its direction is checked with a stronger pull
    Case(
        "brand_reputation",
        "small",
        "need",
        "participation_rate",
        {"behaviour__participation__reputation_effect": 0.5},
    ),
    Case("service_list", "nanjing_east", "none", "demand_met"),
    Case("fusion_grids", "nanjing_east", "need", "resident_participation"),
    Case("multilevel_points", "nanjing_east", "none", "participation_rate"),
    # online uses ignore distance: visible where walking to a point takes long (slow walking)
    Case("online_channel", "nanjing_east", "none", "demand_met", {"world__walk_speed_m_per_min": 20}),
    # imitation spreads contributors over months: the second year, not the first half-year
    Case("hub_coproduction", "small", "need", "enterprise_contribution", weeks=104),
    # a promotion association opens on half the minimum: fewer stations below it on a thin budget
    Case(
        "building_forms",
        "small",
        "need",
        "sites_below_minimum",
        {"budget__per_person_per_step": 0.002},
        sign=-1,
    ),
]


def late_mean(mechanisms: list[str], case: Case, seed: int) -> float:
    model = VerticalCommunityModel(
        case.scenario,
        "fragmented",
        case.sinking,
        rng=seed,
        agent_views="none",
        governance__mechanisms=mechanisms,
        **INSTITUTION,
        **case.setting,
    )
    model.run(case.weeks)
    weekly = model.datacollector.get_model_vars_dataframe()[case.outcome]
    return float(weekly.iloc[case.weeks // 2 + 1 :].mean())


def _paired(mechanism: str, case: Case) -> tuple[float, float]:
    """The mean paired difference (with - without, signed by the expected direction) and its SE."""
    d = case.sign * np.array([late_mean([mechanism], case, s) - late_mean([], case, s) for s in SEEDS])
    return float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d)))


# 3 seeds x 2 runs each: the Nanjing East cases are the slow tier
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case, marks=[pytest.mark.slow] if case.scenario == "nanjing_east" else [], id=case.mechanism
        )
        for case in CASES
    ],
)
def test_mechanism_effect(case):
    mean, se = _paired(case.mechanism, case)
    assert mean > max(2 * se, 0.005), (case.mechanism, case.outcome, mean, se)


def test_every_mechanism_is_tested():
    from sim.governance import MECHANISMS

    assert {c.mechanism for c in CASES} == set(MECHANISMS)


def test_modes_differ_from_the_baseline():
    """Every article mode changes the default scenario's outcomes against the fragmented baseline."""

    def finals(mode):
        m = VerticalCommunityModel("small", mode, "need", rng=0, agent_views="none")
        m.run(26)
        return m.outcomes

    base = pd.Series(finals("fragmented"))
    for mode in ("zone", "brand", "fusion", "collaborative"):
        # NaN (an undefined outcome) equals NaN here, so only a real difference counts
        assert not pd.Series(finals(mode)).equals(base), mode


@pytest.mark.slow
def test_no_outcome_is_pinned_in_a_reduced_mode_comparison():
    """experiments/mode_comparison cut to one subdistrict (Xiaodongmen), one seed and 30 weeks:
    every rate differs by more than 0.01 between some of the 10 conditions (5 modes x 2 sinking
    policies), so none is a constant of the design (version 1's service_coverage was 1.0 in every
    run). The one exception is stated, and checked so that it is revisited when it changes: since
    version 5 measures a point's weekly capacity, no site's near points can serve all its expected
    demand at the default budget (about half of it is fundable), so service_coverage is 0 in every
    article setting; it moves with the budget instead (tests/test_claims.py, docs/FINDINGS.md)."""
    import itertools

    from sim import metrics

    late = []
    for mode, sinking in itertools.product(
        ["fragmented", "zone", "brand", "fusion", "collaborative"], ["none", "need"]
    ):
        model = VerticalCommunityModel("xiaodongmen", mode, sinking, rng=0, agent_views="none")
        model.run(30)
        late.append(model.datacollector.get_model_vars_dataframe()[list(metrics.RATES)].iloc[-10:].mean())
    table = pd.DataFrame(late)
    assert (table["service_coverage"] < 0.01).all()
    spread = table.drop(columns="service_coverage").agg(lambda c: c.max() - c.min())
    assert (spread > 0.01).all(), spread[spread <= 0.01]


if __name__ == "__main__":
    # docs/VALIDATION.md 5's table and the online channel's default-context effects, by the test's own
    # functions:  python tests/test_mechanisms.py
    for case in CASES:
        mean, se = _paired(case.mechanism, case)
        setting = ", ".join(f"{k.replace('__', '.')}={v}" for k, v in case.setting.items())
        where = ", ".join(filter(None, [case.scenario, case.sinking, setting]))
        where += f", {case.weeks} weeks" if case.weeks != 52 else ""
        direction = "rise" if case.sign > 0 else "fall"
        print(
            f"| {case.mechanism} | {where} | {case.outcome} ({direction}) | {mean:.3f} | {se:.3f} | "
            f"{max(2 * se, 0.005):.3f} |",
            flush=True,
        )
    for sinking in ("need", "none"):
        for outcome in ("participation_rate", "service_access", "demand_met"):
            mean, se = _paired("online_channel", Case("online_channel", "nanjing_east", sinking, outcome))
            print(f"online_channel, nanjing_east, {sinking}: {outcome} {mean:+.4f} (SE {se:.4f})", flush=True)
