"""The steady-state diagnostic, the reported summaries, and firm turnover (ODD 7.14, 7.17)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim import VerticalCommunityModel, steady


def test_a_constant_series_is_steady_from_the_first_trend_window():
    assert steady.steady_from(np.full(120, 0.3)) == 0
    assert steady.steady_from(np.full(103, 0.3)) is None  # shorter than one two-year window


def test_a_ramp_is_steady_only_once_its_trend_flattens():
    weeks = np.arange(400)
    series = np.minimum(weeks, 150) / 150 * 0.5  # rises by 0.5 over 150 weeks (0.17 a year), then flat
    week = steady.steady_from(series)
    # a 104-week window whose trend is below 0.01 a year must lie almost wholly past week 150
    assert 150 <= week <= 150 + steady.TREND_WINDOW


def test_a_slow_trend_is_drift_and_noise_around_a_level_is_not():
    rng = np.random.default_rng(0)
    weeks = np.arange(520)
    # 0.02 a year: below the old half-year-window tolerance, but a real drift
    assert steady.steady_from(0.5 + 0.02 * weeks / 52) is None
    # weekly noise of sd 0.01 and a seasonal wave of amplitude 0.01 around a fixed level
    noisy = 0.6 + rng.normal(0, 0.01, len(weeks)) + 0.01 * np.sin(2 * np.pi * weeks / 52)
    assert steady.steady_from(noisy) is not None
    ends, trends = steady.yearly_trends(noisy)
    # the trend's sampling error (sd / sqrt(sum (t - mean t)^2) a week, x 52 a year) and the
    # apparent trend of whole waves in a window (6 A P / (pi T^2) a week, A = 0.01, P = 52, T = 104)
    se = 0.01 / np.sqrt(steady.TREND_WINDOW * (steady.TREND_WINDOW**2 - 1) / 12) * 52
    wave = 6 * 0.01 * 52 / (np.pi * steady.TREND_WINDOW**2) * 52
    assert np.abs(trends).max() < wave + 4 * se


def test_the_trend_skips_undefined_weeks():
    series = 0.4 + 0.1 * np.arange(300) / 52  # 0.1 a year
    series[::3] = np.nan
    ends, trends = steady.yearly_trends(series)
    assert ends[-1] == 299 and np.allclose(trends, 0.1)
    assert steady.steady_from(series) is None


def test_summary_reports_final_late_first_year_and_undefined_as_null():
    table = pd.DataFrame({"a": np.r_[0.0, np.full(104, 0.2)], "b": np.r_[np.nan, np.full(104, np.nan)]})
    out = steady.summarise(table, ("a", "b"), ("a", "b"))
    assert out["final"] == {"a": 0.2, "b": None}
    assert out["late_mean"]["a"] == pytest.approx(0.2) and out["late_mean"]["b"] is None
    assert out["year1"]["a"] == pytest.approx(0.2)
    assert out["steady_state"]["reached"] and out["steady_state"]["week"] == 1
    assert out["trend"]["a"] == pytest.approx(0.0, abs=1e-12) and out["trend"]["b"] is None  # undefined
    ramp = pd.DataFrame({"a": 0.3 + 0.05 * np.arange(200) / 52})
    assert steady.summarise(ramp, ("a",), ("a",))["trend"]["a"] == pytest.approx(0.05)
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


def test_year3_is_the_mean_of_weeks_105_to_156():
    """The third year of the article's three-year plan: weeks 105-156, left out of shorter runs."""
    weeks = np.arange(1, 201, dtype=float)
    table = pd.DataFrame({"a": np.r_[0.0, weeks]})
    out = steady.summarise(table, ("a",), ("a",))
    assert out["year3"]["a"] == pytest.approx(np.mean(np.arange(105, 157)))
    assert "year3" not in steady.summarise(table.iloc[:156], ("a",), ("a",))
