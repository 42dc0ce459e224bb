"""Invariants over random configurations (hypothesis): every rate is in [0, 1] or, for the outcomes
documented as undefined when empty, NaN; resources are conserved every week; the same config and
seed give the same table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sim import VerticalCommunityModel, metrics
from sim.config import STRUCTURE_OPTIONS
from sim.governance import MECHANISMS

configs = st.fixed_dictionaries(
    {
        "governance": st.sampled_from(["fragmented", "zone", "brand", "fusion", "collaborative"]),
        "sinking": st.sampled_from(["none", "equal", "size", "need", "performance"]),
        "governance__mechanisms": st.lists(st.sampled_from(sorted(MECHANISMS)), unique=True, max_size=4),
        "sinking__share": st.floats(0, 1),
        "sinking__depth": st.sampled_from(["subdistrict", "zone", "site"]),
        "budget__per_person_per_step": st.floats(0, 0.5),
        "behaviour__participation__availability": st.floats(0, 1),
        "behaviour__participation__temperature": st.floats(0, 0.3),
        "behaviour__turnover__firm_exit_rate": st.floats(0, 0.2),
        "governance__params__committee_reward": st.floats(0, 2),
        "structure__peer_aggregation": st.sampled_from(STRUCTURE_OPTIONS["peer_aggregation"]),
        "structure__need_signal": st.sampled_from(STRUCTURE_OPTIONS["need_signal"]),
        "structure__huff_attraction": st.sampled_from(STRUCTURE_OPTIONS["huff_attraction"]),
        "structure__lapse_rate": st.floats(0, 1),
        "seed": st.integers(0, 2**31),
    }
)


def run(cfg: dict) -> VerticalCommunityModel:
    cfg = dict(cfg)
    model = VerticalCommunityModel(
        "small", cfg.pop("governance"), cfg.pop("sinking"), rng=cfg.pop("seed"), agent_views="none", **cfg
    )
    for _ in range(8):
        model.step()
        t = model.totals
        assert (model.held >= -1e-9).all()
        balance = model.held.sum() + t["spent"] + t["lost"] + t["lapsed"] - t["inflow"]
        assert abs(balance) <= 1e-9 * max(1.0, t["inflow"])
    return model


@pytest.mark.slow  # 12 random configs: ~4 s, the fast tier's largest single test
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
# found by this test: an envelope spent to its last unit ended a rounding error below 0 and
# "paid" for -1 use, which made service_access negative
@example(
    {
        "governance": "fragmented",
        "sinking": "none",
        "governance__mechanisms": ["hub_coproduction"],
        "sinking__share": 0.0,
        "sinking__depth": "subdistrict",
        "budget__per_person_per_step": 0.0,
        "behaviour__participation__availability": 0.0,
        "behaviour__participation__temperature": 0.0,
        "behaviour__turnover__firm_exit_rate": 0.0,
        "governance__params__committee_reward": 1.0,
        "structure__peer_aggregation": "max",
        "structure__need_signal": "access_gap",
        "structure__huff_attraction": "capacity",
        "structure__lapse_rate": 0.0,
        "seed": 1,
    }
)
def test_invariants_over_random_configs(cfg):
    table = run(cfg).datacollector.get_model_vars_dataframe()
    rates = table[list(metrics.RATES)]
    assert rates.drop(columns=list(metrics.UNDEFINED_WHEN_EMPTY)).notna().all().all()
    values = rates.to_numpy()[rates.notna().to_numpy()]
    assert ((values >= 0) & (values <= 1)).all()
    assert np.isfinite(table[list(metrics.RESOURCES)].to_numpy()).all()
    pd.testing.assert_frame_equal(table, run(cfg).datacollector.get_model_vars_dataframe())
