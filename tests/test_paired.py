"""Paired differences against the baseline and the structural-robustness table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.sweep.paired import (
    _against,
    paired_differences,
    participation_split,
    robustness,
    robustness_markdown,
)


def runs_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for structure, effect in (("default", 0.05), ("alt", -0.05), ("weak", 0.0)):
        for seed in range(8):
            noise = rng.normal(0, 0.01)  # shared by both conditions of a seed: cancels in the pair
            for mode, shift in (("fragmented", 0.0), ("zone", effect)):
                rows.append(
                    {
                        "governance": mode,
                        "structure": structure,
                        "seed": seed,
                        "status": "completed",
                        "late_mean_participation_rate": 0.2 + noise + shift + rng.normal(0, 0.001),
                    }
                )
    return pd.DataFrame(rows)


def test_paired_differences_cancel_shared_noise():
    table = paired_differences(
        runs_table(), "governance", "fragmented", ("participation_rate",), by=("structure",)
    )
    by = table.set_index("structure")
    assert by.loc["default", "diff"] == pytest.approx(0.05, abs=0.002)
    assert by.loc["default", "ci_high"] - by.loc["default", "ci_low"] < 0.005  # the shared noise is gone
    assert (by["pairs"] == 8).all()
    assert list(by.loc[["default", "alt", "weak"], "sign"]) == ["+", "-", "0"]


def test_robustness_names_the_alternatives_that_change_a_sign():
    signs = robustness(runs_table(), outcomes=("participation_rate",)).iloc[0]
    assert signs["default"] == "+" and not signs["keeps_sign"]
    assert signs["changes_under"] == "alt, weak"
    assert "0 of 1 conclusions keep their sign" in robustness_markdown(
        robustness(runs_table(), outcomes=("participation_rate",))
    )


def test_failed_runs_and_unpaired_seeds_are_left_out():
    runs = runs_table()
    runs.loc[(runs["governance"] == "zone") & (runs["seed"] == 0), "status"] = "failed"
    table = paired_differences(runs, "governance", "fragmented", ("participation_rate",), by=("structure",))
    assert (table["pairs"] == 7).all()


def test_a_difference_is_steady_when_its_mean_trend_is_below_tolerance_not_when_one_seed_wanders():
    runs = runs_table()
    # every seed's zone run still rises by 0.03 a year against its baseline: a shared drift
    runs["trend_participation_rate"] = np.where(runs["governance"] == "zone", 0.03, 0.0)
    table = paired_differences(runs, "governance", "fragmented", ("participation_rate",), by=("structure",))
    assert table["trend_per_year"].tolist() == pytest.approx([0.03] * 3)
    assert not table["steady"].any()
    # single pairs wander by +-0.02 a year with no shared direction: the mean over 8 seeds is steady
    zone = runs["governance"] == "zone"
    runs["trend_participation_rate"] = np.where(zone, np.where(runs["seed"] % 2 == 0, 0.02, -0.02), 0.0)
    table = paired_differences(runs, "governance", "fragmented", ("participation_rate",), by=("structure",))
    assert table["trend_per_year"].tolist() == pytest.approx([0.0] * 3, abs=1e-12)
    assert table["steady"].all()
    # only steady-state (late-mean) differences are diagnosed
    runs["year1_participation_rate"] = runs["late_mean_participation_rate"]
    year1 = paired_differences(runs, "governance", "fragmented", ("participation_rate",), stat="year1")
    assert year1["steady"].isna().all()


def test_participation_split_counts_who_the_added_participants_are():
    """A mode that adds 0.01 of 1,000 workers and 0.05 of 3,000 residents adds 10 + 150
    participants: residents carry 150/160 of the effect, whatever each seed's shared noise."""
    rng = np.random.default_rng(1)
    rows = []
    for seed in range(4):
        noise = rng.normal(0, 0.01)
        for mode, (dm, dw, dr) in (("fragmented", (0, 0, 0)), ("brand", (0.0, 0.01, 0.05))):
            rows.append(
                {
                    "governance": mode,
                    "seed": seed,
                    "status": "completed",
                    "people_member": 100,
                    "people_worker": 1000,
                    "people_resident": 3000,
                    **{
                        f"late_mean_{g}_participation": 0.05 + noise + d
                        for g, d in zip(("member", "worker", "resident"), (dm, dw, dr))
                    },
                }
            )
    split = participation_split(pd.DataFrame(rows), "governance", "fragmented").set_index("governance")
    assert split.loc["brand", "added_total"] == pytest.approx(160)
    assert split.loc["brand", "added_member"] == pytest.approx(0, abs=1e-9)
    assert split.loc["brand", "share_resident"] == pytest.approx(150 / 160)


def test_a_list_valued_baseline_matches_the_runs_tables_condition():
    # the runs table holds the value Hydra parsed from the sweep's override, written as a string
    runs = runs_table()
    runs["governance.mechanisms"] = np.where(
        runs["governance"] == "zone", str(["zone_committees", "zone_pooling"]), str(["zone_committees"])
    )
    factor, baseline = _against("governance.mechanisms=[zone_committees]")
    assert (factor, baseline) == ("governance.mechanisms", "['zone_committees']")
    table = paired_differences(runs, factor, baseline, ("participation_rate",), by=("structure",))
    assert set(table[factor]) == {"['zone_committees', 'zone_pooling']"} and (table["pairs"] == 8).all()
    assert _against("governance=fragmented") == ("governance", "fragmented")


@pytest.mark.parametrize("text", ["governance=fragmented,zone", "governance=[a", "~governance"])
def test_against_refuses_anything_but_one_value(text, capsys):
    with pytest.raises(SystemExit) as stop:
        _against(text)
    assert stop.value.code == 2
    assert capsys.readouterr().err.startswith("error: --against")
