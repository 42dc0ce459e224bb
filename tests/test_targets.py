"""Calibration targets as data (configs/targets/) and the registry of named statistics (sim.targets)."""

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config import ConfigError
from sim.metrics import RATES
from sim.targets import STATISTICS, compute, load_targets, target_options


def _run(weeks: int = 60) -> tuple[pd.DataFrame, dict]:
    table = pd.DataFrame({r: np.zeros(weeks + 1) for r in RATES})
    table["participation_rate"] = np.arange(weeks + 1) / 100  # 0.00, 0.01, ... 0.60
    summary = {
        "final": {"org_coverage": 0.9},
        "late_mean": {"participation_rate": 0.05, "reach_52w": 0.4, "demand_met": None},
        "year1": {"member_attachment": 0.3},
    }
    return table, summary


def test_every_rate_has_its_final_late_and_first_year_statistic():
    for rate in RATES:
        assert {f"final_{rate}", f"late_{rate}", f"year1_{rate}"} <= set(STATISTICS)
    table, summary = _run()
    assert compute("final_org_coverage", table, summary) == 0.9
    assert compute("late_participation_rate", table, summary) == 0.05
    assert compute("year1_member_attachment", table, summary) == 0.3
    assert np.isnan(compute("late_demand_met", table, summary))  # undefined (null) stays undefined
    assert np.isnan(compute("late_org_coverage", table, summary))  # not in the summary at all


def test_derived_statistics_read_the_weekly_table():
    table, summary = _run()
    # the last 26 weeks are 0.35..0.60: 90th minus 10th percentile of an even ramp = 0.8 x 0.25
    assert compute("late_range_participation_rate", table, summary) == pytest.approx(0.2)
    assert compute("late_reach_ratio", table, summary) == pytest.approx(8.0)
    assert np.isnan(compute("late_reach_ratio", table, {"late_mean": {"participation_rate": 0.0}}))


def test_shanghai_buildings_is_shipped_with_sources():
    assert "shanghai_buildings" in target_options()
    targets = load_targets("shanghai_buildings")
    assert [t.statistic for t in targets] == [
        "late_org_coverage",
        "late_member_attachment",
        "late_worker_participation",
        "late_reach_52w",
    ]
    assert all(t.scenario == "nanjing_east" and t.tolerance > 0 and len(t.source) > 40 for t in targets)
    # the attachment target is the article's 1,800 organised members over 6% of Nanjing East's workers
    assert targets[1].value == pytest.approx(1800 / (0.06 * 126_000), abs=0.005)


def test_steady_targets_are_late_means_with_sources_and_discrepancies():
    targets = load_targets("steady")
    assert {t.scenario for t in targets} == {"nanjing_east", "bund", "xiaodongmen"}
    assert all(t.statistic.startswith("late_") and len(t.source) > 40 for t in targets)
    assert all(t.tolerance > 0 and t.discrepancy > 0 for t in targets)
    attachment = {t.scenario: t.value for t in targets if t.statistic == "late_member_attachment"}
    # the article's organised members over members as 6% of each scenario's workers (ODD 5)
    assert attachment["nanjing_east"] == pytest.approx(1800 / (0.06 * 126_000), abs=0.005)
    assert attachment["bund"] == pytest.approx(2790 / (0.06 * 84_000), abs=0.005)
    assert attachment["xiaodongmen"] == pytest.approx(1048 / (0.06 * 32_000), abs=0.005)
    statistics = {t.statistic for t in targets}
    assert {
        "late_worker_participation",
        "late_resident_participation",
        "late_key_building_coverage",
    } <= statistics


ROW = {"statistic": "late_org_coverage", "scenario": "small", "value": 0.9, "tolerance": 0.05, "source": "s"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"statistic": "coverage"}, r"targets\.0\.statistic: got 'coverage', allowed: a statistic"),
        ({"scenario": "atlantis"}, r"targets\.0\.scenario: got 'atlantis', allowed: one of \["),
        ({"tolerance": 0}, r"targets\.0\.tolerance: got 0.0, allowed: a finite number > 0"),
        ({"value": float("nan")}, r"targets\.0\.value: got nan, allowed: a finite number"),
        ({"value": "high"}, r"targets\.0\.value: got 'high', allowed: a number"),
        ({"source": " "}, r"targets\.0\.source: got ' ', allowed: a non-empty text"),
        ({"weight": 2}, r"targets\.0\.weight: got an unknown key, allowed: one of \['discrepancy', 'scen"),
        ({"discrepancy": -0.1}, r"targets\.0\.discrepancy: got -0.1, allowed: a finite number >= 0"),
        ({"source": None}, r"targets\.0\.source: got nothing, allowed: a text"),
    ],
)
def test_a_bad_target_row_is_one_line_naming_its_key(tmp_path, change, message):
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump({"targets": [{**ROW, **change}]}))
    with pytest.raises(ConfigError, match=message):
        load_targets(str(path))


def test_an_unknown_target_set_names_the_choices():
    with pytest.raises(ConfigError, match=r"targets: got 'nope', allowed: one of \['shanghai_buildings'"):
        load_targets("nope")
