"""Policy search (sim.policy): robustness measures, bad objectives and levers in one line, and an
end-to-end NSGA-II search through the batch launcher: failed candidates recorded and excluded, a
killed or extended search replays its finished generations without running them, the same seed gives
the same candidates, and a Pareto member's printed command reruns identically."""

import shlex
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.config import ConfigError
from sim.policy import search
from sim.run import run
from sim.study.load import load
from sim.validate import compose


def test_robustness_is_the_mean_or_a_percentile_on_the_unfavourable_side():
    values = np.arange(1.0, 11.0)  # one candidate's outcome in ten scenarios
    assert search.robust(values, "maximize", "mean", 10) == 5.5
    assert search.robust(values, "maximize", "percentile", 10) == pytest.approx(1.9)  # low tail
    assert search.robust(values, "minimize", "percentile", 10) == pytest.approx(9.1)  # high tail


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["policy_search.objectives=[{outcome: happiness, direction: maximize}]"],
            r"objectives\.0\.outcome: got 'happiness', allowed: one of \['participation_rate'",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["policy_search.objectives=[{outcome: equity_index, direction: up}]"],
            r"objectives\.0\.direction: got 'up', allowed: one of \['maximize', 'minimize'\]",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["policy_search.levers=[{name: budget.per_person_per_step, low: 0.01, high: 2e6}]"],
            r"levers\.0\.high: got 2000000\.0 for budget\.per_person_per_step, allowed: a number in \[0,",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["policy_search.uncertainties=[{name: behaviour.participation.mood, low: 0, high: 1}]"],
            r"uncertainties\.0\.name: got 'behaviour\.participation\.mood', allowed: a dotted key",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["policy_search.robustness={measure: regret}"],
            r"robustness\.measure: got 'regret', allowed: one of \['mean', 'percentile'\]",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_bad_search_input_is_one_line_and_writes_nothing(tmp_path, argv, message):
    target = tmp_path / "out"
    with pytest.raises(ConfigError, match=message) as err:
        search.plan(load(search.KIND, ["+policy_search=demo", f"policy_search.dir={target}", *argv]))
    assert "\n" not in str(err.value)
    assert not target.exists()


def _search(directory, generations, *extra):
    argv = [
        sys.executable,
        "-m",
        "sim.policy",
        "+policy_search=demo",
        f"policy_search.dir={directory}",
        "policy_search.launcher=[]",
        f"policy_search.search.generations={generations}",
        "policy_search.search.population=4",
        "policy_search.scenarios.n=1",
        "steps=5",
        *extra,
    ]
    return subprocess.run(argv, capture_output=True, text=True)


@pytest.mark.slow
def test_a_search_replays_finished_generations_is_seeded_and_its_pareto_points_rerun(tmp_path):
    # outreach and activity shares summing above 1 are refused by the model: those candidates fail
    shares = (
        "policy_search.levers=[{name: sinking.share, low: 0.0, high: 1.0}, "
        "{name: budget.outreach_share, low: 0.3, high: 0.7}, "
        "{name: budget.activity_share, low: 0.3, high: 0.7}, "
        "{name: governance.mechanisms, values: [zone_committees, online_channel]}]"
    )
    first = _search(tmp_path / "a", 1, shares)
    assert first.returncode in (0, 1), first.stderr
    batch0 = sorted((tmp_path / "a" / "batches" / "batch_000").glob("sweep/*/summary.json"))
    stamps = [p.stat().st_mtime_ns for p in batch0]
    extended = _search(tmp_path / "a", 2, shares)  # as after a kill: the first generation is replayed
    assert [p.stat().st_mtime_ns for p in batch0] == stamps
    assert len(list((tmp_path / "a" / "batches").iterdir())) == 2
    fresh = _search(tmp_path / "b", 2, shares)
    assert fresh.returncode == extended.returncode
    trials = pd.read_parquet(tmp_path / "a" / "trials.parquet")
    same = pd.read_parquet(tmp_path / "b" / "trials.parquet")
    pd.testing.assert_frame_equal(trials.drop(columns="runs"), same.drop(columns="runs"))
    over = trials["lever:budget.outreach_share"] + trials["lever:budget.activity_share"] > 1
    assert (trials.loc[over, "status"] == "failed").all()
    assert trials.loc[over, "error"].str.contains("budget.activity_share").all()
    assert (trials.loc[~over, "status"] == "completed").all() and (~over).any()
    # every completed candidate off the Pareto set is dominated by a member
    front = pd.read_parquet(tmp_path / "a" / "pareto.parquet")
    assert set(front["trial"]) <= set(trials.loc[~over, "trial"])
    signs = np.array([1 if d == "maximize" else -1 for d in ("maximize", "maximize", "minimize")])
    cols = ["objective:participation_rate", "objective:coupling_coordination", "objective:resources_spent"]
    for _, row in trials[~over & ~trials["trial"].isin(front["trial"])].iterrows():
        me = row[cols].to_numpy(float) * signs
        them = front[cols].to_numpy(float) * signs
        assert ((them >= me).all(axis=1) & (them > me).any(axis=1)).any()
    # a member's printed command is the run it stands for
    member = yaml.safe_load(next((tmp_path / "a" / "pareto").glob("trial_*.yaml")).read_text())
    assert member["commands"][0] in extended.stdout
    overrides = shlex.split(member["commands"][0])[3:]
    _, table = run(compose(overrides))
    stored = pd.read_parquet(tmp_path / "a" / member["runs"][0] / "timeseries.parquet")
    pd.testing.assert_frame_equal(table, stored, check_exact=True)
    reproduce = subprocess.run(
        [sys.executable, "-m", "sim.sweep.reproduce", str(tmp_path / "a" / member["runs"][0])],
        capture_output=True,
        text=True,
    )
    assert reproduce.returncode == 0, reproduce.stdout + reproduce.stderr
