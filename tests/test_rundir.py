"""The run directory: only what this invocation wrote is ever removed, and unsafe or unwritable
directories are refused in one line before anything is written (issue 8, item 1 and 7)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim import rundir

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def one_line(stderr: str, key: str = "hydra.run.dir") -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"config error: {key}: "), stderr
    return lines[0]


@pytest.mark.slow
def test_a_config_error_in_the_job_keeps_a_users_directory(tmp_path):
    """The issue's case: `mkdir d && echo x > d/f && python -m sim +experiment=sensitivity
    hydra.run.dir=d`."""
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f").write_text("x")
    out = cli("+experiment=sensitivity", "steps=2", "hydra.run.dir=d", cwd=tmp_path)
    assert out.returncode == 2
    one_line(out.stderr)
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["f"]
    assert (tmp_path / "d" / "f").read_text() == "x"


@pytest.mark.slow
def test_a_config_error_in_the_job_removes_only_what_this_invocation_made(tmp_path):
    (tmp_path / "empty").mkdir()
    made = cli("+experiment=sensitivity", "steps=2", "hydra.run.dir=new/run", cwd=tmp_path)
    kept = cli("+experiment=sensitivity", "steps=2", "hydra.run.dir=empty", cwd=tmp_path)
    for out in (made, kept):
        assert out.returncode == 2 and out.stderr.strip().splitlines() == [
            "config error: design.sample: got None, allowed: an integer in [0, 89]"
        ], out.stderr
    assert not (tmp_path / "new").exists()  # made by this invocation, and removed with Hydra's files
    assert (tmp_path / "empty").is_dir() and not any((tmp_path / "empty").iterdir())  # the user's: kept


@pytest.mark.slow
def test_a_single_run_never_writes_beside_files_it_did_not_make(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "timeseries.parquet").write_text("mine")
    out = cli("scenario=small", "steps=2", "hydra.run.dir=d", cwd=tmp_path)
    assert out.returncode == 2 and "holds timeseries.parquet" in one_line(out.stderr)
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["timeseries.parquet"]
    assert (tmp_path / "d" / "timeseries.parquet").read_text() == "mine"


@pytest.mark.parametrize("value", ["", ".", "CWD", "REPO", "/", "..", "  "])
@pytest.mark.parametrize("multirun", [False, True])
def test_unsafe_directories_are_refused_before_anything_is_written(
    tmp_path, monkeypatch, capsys, value, multirun
):
    cwd = tmp_path / "work"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    value = {"CWD": str(cwd), "REPO": str(REPO)}.get(value, value)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    with pytest.raises(SystemExit) as exit_:
        rundir.prepare([*(["-m"] if multirun else []), "scenario=small", f"{key}={value}"])
    assert exit_.value.code == 2
    one_line(capsys.readouterr().err, key)
    assert not any(cwd.iterdir()) and sorted(p.name for p in tmp_path.iterdir()) == ["work"]


@pytest.mark.parametrize("value", ["/proc/x", "FILE/x"])
@pytest.mark.parametrize("key", ["hydra.run.dir", "hydra.sweep.dir"])
def test_a_directory_that_cannot_be_made_is_one_line(tmp_path, monkeypatch, capsys, value, key):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "FILE").write_text("")
    with pytest.raises(SystemExit) as exit_:
        rundir.prepare([*(["-m"] if key == "hydra.sweep.dir" else []), f"{key}={value}"])
    assert exit_.value.code == 2
    assert "cannot write to" in one_line(capsys.readouterr().err, key)


def test_a_sweep_directory_holding_other_files_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "thesis.tex").write_text("")
    with pytest.raises(SystemExit):
        rundir.prepare(["-m", "seed=0,1", "hydra.sweep.dir=notes"])
    assert "no sweep.json" in one_line(capsys.readouterr().err, "hydra.sweep.dir")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "sweep.json").write_text("{}")  # an earlier sweep's directory: resumed, not refused
    # resumed, and pinned as an absolute path (a cluster's workers would resolve a relative one elsewhere)
    pinned = ["-m", "seed=0,1", f"hydra.sweep.dir='{(tmp_path / 'old').resolve()}'"]
    assert rundir.prepare(["-m", "seed=0,1", "hydra.sweep.dir=old"]) == pinned
    assert rundir.prepare(pinned) == pinned


def test_a_time_stamped_directory_is_pinned_to_the_one_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = rundir.prepare(["scenario=small", "hydra.run.dir=out/${now:%H-%M-%S-%f}"])
    made = [p for p in (tmp_path / "out").iterdir()]
    assert len(made) == 1 and argv == ["scenario=small", f"hydra.run.dir='{made[0]}'"]
