"""Sweeps under faults (issue 8, items 2, 4, 6, 7, 9): resume trusts a kept result only if its files
match their checksums and the same code made it; write failures are recorded and leave no debris;
tables and report are always written and failures give exit 1; two sweeps into one directory run
each job once; an empty or corrupt sweep gives one line, not a traceback."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

import sim.cli
from sim.config import to_dict
from sim.results import write_json
from sim.sweep import progress
from sim.sweep.aggregate import aggregate
from sim.validate import compose

REPO = Path(__file__).resolve().parent.parent
SMALL = ["scenario=small", "steps=2"]


def config(*overrides: str):
    return OmegaConf.create(to_dict(compose([*SMALL, *overrides])))


def sweep_run(sweep_dir: Path, seed: int) -> Path:
    """A run directory of a sweep, made in-process: the run's files and the Hydra snapshot aggregate reads."""
    run_dir = sweep_dir / f"seed={seed}"
    (run_dir / ".hydra").mkdir(parents=True)
    (run_dir / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"seed={seed}"]))
    cfg = config(f"seed={seed}")
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")
    assert sim.cli.execute(cfg, run_dir, multirun=True)["status"] == "completed"
    return run_dir


def sweep(sweep_dir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", "-m", *SMALL, *args, f"hydra.sweep.dir={sweep_dir}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )


def module(name: str, path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", name, str(path)], cwd=REPO, capture_output=True, text=True, timeout=120
    )


# --------------------------------------------------------------------------- resume (items 2 and 4)


def corrupt_timeseries(run_dir: Path) -> None:
    (run_dir / "timeseries.parquet").write_bytes(b"garbage, not Parquet")


def change_manifest(run_dir: Path) -> None:
    manifest = json.loads((run_dir / "manifest.json").read_text())
    (run_dir / "manifest.json").write_text(json.dumps({**manifest, "seed": 12345}))


def older_model(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["code"]["model_version"] -= 1
    (run_dir / "summary.json").write_text(json.dumps(summary))


def other_commit(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    summary["code"]["commit"] = "0" * 40
    (run_dir / "summary.json").write_text(json.dumps(summary))


@pytest.mark.parametrize("damage", [corrupt_timeseries, change_manifest, older_model, other_commit])
def test_resume_reruns_a_result_it_cannot_trust(tmp_path, damage):
    run_dir = sweep_run(tmp_path, 0)
    before = pd.read_parquet(run_dir / "timeseries.parquet")
    assert sim.cli.execute(config("seed=0"), run_dir, multirun=True).get("resumed")  # intact: kept
    damage(run_dir)
    again = sim.cli.execute(config("seed=0"), run_dir, multirun=True)
    assert again["status"] == "completed" and not again.get("resumed")
    pd.testing.assert_frame_equal(pd.read_parquet(run_dir / "timeseries.parquet"), before)
    assert sim.cli.previous_result(run_dir, again["config_hash"]) is not None  # now whole again


def test_summary_records_checksums_and_code_version(tmp_path):
    from sim.results import sha256
    from sim.version import MODEL_VERSION

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    summary = sim.cli.execute(config("outputs.agent_snapshots=[1]"), run_dir)
    assert set(summary["files"]) == {
        "timeseries.parquet",
        "manifest.json",
        "snapshots/people_step0001.parquet",
        "snapshots/firms_step0001.parquet",
    }
    assert all(sha256(run_dir / name) == digest for name, digest in summary["files"].items())
    assert summary["code"]["model_version"] == MODEL_VERSION and summary["code"]["commit"]
    assert json.loads((run_dir / "summary.json").read_text())["files"] == summary["files"]


def test_aggregate_marks_a_corrupt_run_and_writes_the_tables(tmp_path):
    sweep_run(tmp_path, 0)
    corrupt_timeseries(sweep_run(tmp_path, 1))
    runs = aggregate(tmp_path).set_index("run")
    assert runs.loc["seed=1", "status"] == "corrupt" and "timeseries.parquet" in runs.loc["seed=1", "error"]
    assert runs.loc["seed=0", "status"] == "completed"
    assert set(pd.read_parquet(tmp_path / "runs.parquet")["run"]) == {"seed=0", "seed=1"}
    assert set(pd.read_parquet(tmp_path / "timeseries.parquet")["run"]) == {"seed=0"}


@pytest.mark.slow
def test_aggregate_and_reproduce_on_a_corrupt_run_give_one_line(tmp_path):
    good, bad = sweep_run(tmp_path, 0), sweep_run(tmp_path, 1)
    corrupt_timeseries(bad)
    out = module("sim.sweep.aggregate", tmp_path)
    assert out.returncode == 0 and "1 corrupt" in out.stdout and "Traceback" not in out.stderr
    out = module("sim.sweep.reproduce", bad)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert out.stderr.startswith("error: run_dir:") and "corrupt" in out.stderr
    assert module("sim.sweep.reproduce", good).returncode == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sim.sweep.aggregate", "sim.sweep.report"])
def test_an_empty_sweep_directory_is_one_line(tmp_path, name):
    out = module(name, tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"error: sweep_dir: {tmp_path} holds no run directories (subdirectories with .hydra/overrides.yaml)"
    ]


# --------------------------------------------------------------------------- failures while writing (item 7)


def full_disk(self, path, **kwargs):
    Path(path).write_bytes(b"x" * 4096)  # a partly written file, as a full disk leaves it
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def too_big(self, path, **kwargs):
    raise OverflowError("Python int too large to convert to C long")


@pytest.mark.parametrize(
    "fault, error",
    [(full_disk, "OSError: [Errno 28] No space left"), (too_big, "OverflowError: Python int too large")],
)
def test_a_failure_while_writing_is_recorded_and_leaves_no_debris(tmp_path, monkeypatch, fault, error):
    monkeypatch.setattr(pd.DataFrame, "to_parquet", fault)
    summary = sim.cli.execute(config(), tmp_path, multirun=True)
    assert summary["status"] == "failed" and summary["error"].startswith(error)
    recorded = json.loads((tmp_path / "summary.json").read_text())
    assert recorded["status"] == "failed" and recorded["error"] == summary["error"]
    assert not list(tmp_path.rglob("*.tmp")) and not (tmp_path / "timeseries.parquet").exists()


def test_a_full_disk_even_for_summary_json_is_reported_and_leaves_no_debris(tmp_path, monkeypatch):
    def no_space(self, *args, **kwargs):
        self.open("wb").close()  # the 0-byte temporary a full disk leaves
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full_disk)
    monkeypatch.setattr(Path, "write_text", no_space)
    summary = sim.cli.execute(config(), tmp_path, multirun=True)
    assert summary["status"] == "failed" and "summary.json not written" in summary["error"]
    assert "No space left" in summary["error"]
    assert not list(tmp_path.rglob("*.tmp")) and not (tmp_path / "summary.json").exists()


def test_temporary_names_are_unique_per_writer(tmp_path, monkeypatch):
    """Two writers of one file never share a temporary (the issue's FileNotFoundError on os.replace)."""
    used = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (used.append(Path(src).name), real_replace(src, dst)))
    write_json(tmp_path / "sweep.json", {"a": 1})
    write_json(tmp_path / "sweep.json", {"a": 2})
    assert len(set(used)) == 2 and all(str(os.getpid()) in name for name in used)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sweep.json"]


# --------------------------------------------------------------------------- progress per session (item 6)


def test_progress_counts_only_its_own_session(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(progress.SESSION_ENV, "a")
    progress.record(tmp_path, tmp_path / "r0", "completed", False)  # before the bar: an earlier session's
    bar = progress.LiveBar(tmp_path, "b", total=4)
    for session, run, status in [("a", "r1", "completed"), ("b", "r2", "failed"), ("b", "r3", "completed")]:
        monkeypatch.setenv(progress.SESSION_ENV, session)
        progress.record(tmp_path, tmp_path / run, status, False)
    progress.record(tmp_path, tmp_path / "r3", "completed", False)  # a run recorded twice counts once
    with open(tmp_path / progress.PROGRESS_FILE, "a") as f:
        f.write('{"run": "r4", "sta\n')  # a damaged line is skipped
    bar.close()
    assert (bar.bar.n, bar.failed) == (2, 1)
    assert "[sweep] 2/4 runs done, 1 failed" in capsys.readouterr().err
    assert [e["run"] for e in progress.entries(tmp_path, "a")] == ["r0", "r1"]


def test_the_bar_reads_only_what_was_appended_since_its_last_look(tmp_path):
    bar = progress.LiveBar(tmp_path, "s", total=None)
    bar.stop.set()  # polled by hand here
    path = tmp_path / progress.PROGRESS_FILE
    line = json.dumps({"run": "r1", "status": "completed", "resumed": False, "time": 0, "session": "s"})
    path.write_text(line[:20])  # a line still being written is kept for the next look
    bar.poll()
    assert bar.bar.n == 0 and bar.offset == 20
    with open(path, "a") as f:
        f.write(line[20:] + "\n")
    bar.poll()
    assert bar.bar.n == 1 and bar.offset == len(line) + 1
    bar.close()


# --------------------------------------------------------------------------- whole sweeps (slow)


@pytest.mark.slow
def test_a_sweep_with_a_failing_write_writes_everything_and_exits_1(tmp_path):
    """The issue's `seed=0,99999999999999999999,1`: an error while writing Parquet."""
    out = sweep(tmp_path, "seed=0,99999999999999999999,1")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("sweep failed: 1 of 3 runs failed (") and "seed=99999999999999999999" in last
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == 3 and (runs["status"] == "completed").sum() == 2
    assert (tmp_path / "report.md").exists()
    assert len(pd.read_parquet(tmp_path / "timeseries.parquet")) == 2 * 3
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.slow
def test_results_of_other_code_are_refused_or_rerun_by_choice(tmp_path):
    assert sweep(tmp_path, "seed=0,1").returncode == 0
    run_dir = next(tmp_path.glob("*seed=0*"))
    other_commit(run_dir)
    refused = sweep(tmp_path, "seed=0,1")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert refused.stderr.startswith("config error: hydra.callbacks.sweep_recorder.resume:")
    assert "1 results made by other code" in refused.stderr and "rerun_stale" in refused.stderr

    rerun = sweep(tmp_path, "seed=0,1", "hydra.callbacks.sweep_recorder.resume=rerun_stale")
    assert rerun.returncode == 0, rerun.stderr
    session = json.loads((tmp_path / "sweep.json").read_text())["sessions"][-1]["id"]
    mine = progress.entries(tmp_path, session)
    kept = next(tmp_path.glob("*seed=1*")).name
    assert {e["run"]: e["resumed"] for e in mine} == {run_dir.name: False, kept: True}
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert runs["code_version"].nunique() == 1
    recorded = json.loads((tmp_path / "sweep.json").read_text())["results_code_versions"]
    assert recorded == {runs["code_version"].iloc[0]: 2}
    assert "0000000" not in (tmp_path / "report.md").read_text()


@pytest.mark.slow
def test_two_sweeps_into_one_directory_run_each_job_once(tmp_path):
    args = ["governance=fragmented,zone", "sinking=none,need", "seed=0,1"]
    cmd = [sys.executable, "-m", "sim", "-m", *SMALL, *args, f"hydra.sweep.dir={tmp_path}"]
    procs = [
        subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    for code, stderr in results:
        assert code == 0, stderr
    entries = [json.loads(x) for x in (tmp_path / "progress.jsonl").read_text().splitlines()]
    executed = Counter(e["run"] for e in entries if not e["resumed"])
    assert len(executed) == 8 and set(executed.values()) == {1}
    assert Counter(e["session"] for e in entries) == Counter({s: 8 for s in {e["session"] for e in entries}})
    assert len({e["session"] for e in entries}) == 2
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == 8 and (runs["status"] == "completed").all()
    assert not list(tmp_path.rglob("*.tmp"))
