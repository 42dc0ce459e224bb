"""Parameter recovery by history matching (参数恢复): targets made by the model itself at known parameter
values, matched through the same batches and launcher as any sweep, leave the truth inside the 90%
posterior intervals; and a match killed after a wave's runs resumes without running them again."""

import json

import pandas as pd
import pytest
import yaml

import sim.history.runs
from sim.history.study import KIND
from sim.study.batch import SWEEP_DIR, evaluate
from sim.study.command import run_study

# availability where weekly participation still answers it: on small (model version 5, 3 seeds, weeks
# 11-30) 0.05 -> 0.018, 0.1 -> 0.051, 0.15 -> 0.076, 0.25 -> 0.110, 0.4 -> 0.120; above ~0.25 it levels
# off, so a prior reaching far into the flat part leaves availability only weakly identified
TRUTH = {"behaviour.participation.availability": 0.12, "behaviour.outreach.join_probability": 0.5}
STEPS, WINDOW = 30, 20
# observation sd: about a twentieth of what each statistic moves over its parameter's prior
# (availability 0.05 -> 0.25 moves participation 0.02 -> 0.11; join 0.1 -> 0.9 coverage 0.78 -> 0.95);
# one run's seed sd (~0.005-0.01) is the larger term of the implausibility's denominator
STATISTICS = {"late_participation_rate": 0.003, "late_org_coverage": 0.007}


@pytest.fixture(scope="module")
def matched(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    truth = pd.DataFrame({**{k: [v] for k, v in TRUTH.items()}, "seed": [7]})  # not one of the match's
    runs = evaluate(truth, root / "truth", [f"steps={STEPS}", "scenario=small"])
    run_dir = root / "truth" / SWEEP_DIR / runs.loc[0, "run"]
    table = pd.read_parquet(run_dir / "timeseries.parquet")
    summary = json.loads((run_dir / "summary.json").read_text())
    rows = [
        {
            "statistic": s,
            "scenario": "small",
            "value": sim.history.runs.statistic(s, table, summary, WINDOW),
            "tolerance": sd,
            "source": "the model at known values",
        }
        for s, sd in STATISTICS.items()
    ]
    (root / "synthetic.yaml").write_text(yaml.safe_dump({"targets": rows}))
    argv = [
        "+history=steady",
        "history.name=recovery",
        f"history.targets={root / 'synthetic.yaml'}",
        "history.parameters=[{name: behaviour.participation.availability, low: 0.02, high: 0.5}, "
        "{name: behaviour.outreach.join_probability, low: 0.05, high: 0.95}]",
        "history.points=10",
        "history.waves=3",
        "history.shrink=0.2",
        "history.sample=4000",
        f"history.steps={STEPS}",
        f"history.window={WINDOW}",
        "history.overrides=[]",
        "history.launcher=['hydra/launcher=basic']",
        f"history.output={root / 'out'}",
    ]
    assert run_study(KIND, argv) == 0
    return argv, root / "out"


@pytest.mark.slow
def test_known_parameters_are_inside_the_90_per_cent_posterior_intervals(matched):
    _, out = matched
    table = pd.read_csv(out / "posterior_summary.csv").set_index("parameter")
    for name, truth in TRUTH.items():
        assert table.loc[name, "q05"] <= truth <= table.loc[name, "q95"], table.loc[name]
        assert table.loc[name, "contraction"] >= 0.5, table.loc[name]
    waves = pd.read_csv(out / "waves.csv")
    # cutoff 3 with one run's seed sd (~0.01) in the denominator rules out only the prior's corners here;
    # the likelihood inside NROY narrows the posterior (the contraction above)
    assert waves["nroy_share"].iloc[-1] < 0.95 and waves["nroy_share"].is_monotonic_decreasing
    emulators = pd.read_csv(out / "emulators.csv")
    assert (emulators["loo_coverage"] >= 0.7).all(), emulators
    assert len(pd.read_parquet(out / "posterior_draws.parquet")) == 200
    config = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert 0.1 <= config["behaviour"]["participation"]["availability"] <= 0.8
    assert "## Emulator diagnostics" in (out / "report.md").read_text()


@pytest.mark.slow
def test_a_killed_match_resumes_without_running_finished_runs_again(matched, monkeypatch):
    argv, out = matched
    before = (out / "waves.csv").read_text()
    finished = {p: p.stat().st_mtime_ns for p in out.glob(f"wave_*/small/{SWEEP_DIR}/*/summary.json")}
    # killed after wave 2's runs, before its statistics were kept: only that wave's batch is asked for
    (out / "wave_02" / "statistics.parquet").unlink()
    called = []

    def counting(rows, directory, overrides=()):
        called.append(directory)
        return evaluate(rows, directory, overrides)

    monkeypatch.setattr(sim.history.runs, "evaluate", counting)
    assert run_study(KIND, argv) == 0
    assert [p.parent.name for p in called] == ["wave_02"]
    assert {p: p.stat().st_mtime_ns for p in finished} == finished  # no run was redone
    assert (out / "waves.csv").read_text() == before
    sessions = json.loads((out / "study.json").read_text())["sessions"]
    assert len(sessions) == 2
