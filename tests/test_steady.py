"""The steady-state diagnostic, the reported summaries, and firm turnover (ODD 7.14, 7.17)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import VerticalCommunityModel, steady


def test_a_constant_series_is_steady_from_two_windows_on():
    assert steady.steady_from(np.full(120, 0.3), window=26) == 52


def test_a_ramp_is_steady_only_after_it_flattens():
    weeks = np.arange(300)
    series = np.minimum(weeks, 150) / 150 * 0.5  # rises by 0.5 over 150 weeks, then flat
    week = steady.steady_from(series, window=26, tolerance=0.01)
    assert 150 <= week <= 150 + 52


def test_drift_at_the_end_is_not_steady_and_nan_weeks_are_skipped():
    assert steady.steady_from(np.linspace(0, 1, 200)) is None
    assert steady.steady_from(np.full(40, 0.5)) is None  # too short for two windows
    series = np.full(120, 0.4)
    series[::3] = np.nan
    assert steady.steady_from(series) == 52


def test_summary_reports_final_late_first_year_and_undefined_as_null():
    table = pd.DataFrame({"a": np.r_[0.0, np.full(104, 0.2)], "b": np.r_[np.nan, np.full(104, np.nan)]})
    out = steady.summarise(table, ("a", "b"), ("a", "b"))
    assert out["final"] == {"a": 0.2, "b": None}
    assert out["late_mean"]["a"] == pytest.approx(0.2) and out["late_mean"]["b"] is None
    assert out["year1"]["a"] == pytest.approx(0.2)
    assert out["steady_state"]["reached"] and out["steady_state"]["week"] == 52
    short = steady.summarise(table.iloc[:30], ("a",), ("a",))
    assert "year1" not in short and not short["steady_state"]["reached"]


def test_turnover_erodes_coverage_at_its_rate_without_outreach():
    """No outreach money: covered firms leave at rate q a week and newcomers arrive uncovered, so
    coverage decays as c0 (1 - q)^t (binomial tolerance: 4 SE)."""
    q, weeks = 0.05, 20
    m = VerticalCommunityModel(
        "nanjing_east",
        "fragmented",
        "none",
        rng=0,
        agent_views="none",
        budget__outreach_share=0.0,
        behaviour__turnover__firm_exit_rate=q,
    )
    c0 = m.outcomes["org_coverage"]
    m.run(weeks)
    expected = c0 * (1 - q) ** weeks
    se = math.sqrt(expected * (1 - expected) / len(m.firms))
    assert abs(m.outcomes["org_coverage"] - expected) < 4 * se + 1e-3


def test_without_turnover_coverage_never_falls():
    m = VerticalCommunityModel(
        "small", "zone", "need", rng=0, agent_views="none", behaviour__turnover__firm_exit_rate=0.0
    )
    m.run(30)
    coverage = m.datacollector.get_model_vars_dataframe()["org_coverage"].to_numpy()
    assert (np.diff(coverage) >= 0).all()
