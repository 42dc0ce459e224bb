"""The study layer (sim.study) that calibration, exploration and policy search share: bad input to any
study command is one line, exit 2, with nothing written; the study directory is claimed, locked and
resumed alike for every kind; and every entry point answers --help."""

import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field

import pandas as pd
import pytest

from sim.calibrate.study import KIND as CALIBRATION
from sim.config import ConfigError, ensure
from sim.explore.exploration import KIND as EXPLORATION
from sim.history.study import KIND as HISTORY
from sim.policy.search import KIND as POLICY_SEARCH
from sim.study.command import main, run_study
from sim.study.directory import STUDY_FILE, claimed
from sim.study.factors import parse
from sim.study.load import Kind
from sim.study.points import run_points
from sim.study.schema import FactorConfig

KINDS = {
    "calibration": (CALIBRATION, ["+calibration=shanghai_buildings"]),
    "exploration": (EXPLORATION, ["+exploration=demo"]),
    "policy_search": (POLICY_SEARCH, ["+policy_search=demo"]),
    "history": (HISTORY, ["+history=steady", "history.targets=shanghai_buildings"]),
}
MISSPELT = {
    "calibration": ("calibration.populaton=4", "(did you mean population?)"),
    "exploration": ("exploration.prim.boxs=2", "(did you mean boxes?)"),
    "policy_search": ("policy_search.search.populaton=4", "(did you mean population?)"),
    "history": ("history.cutof=2", "(did you mean cutoff?)"),
}


def refused(capsys, kind, argv) -> str:
    """The one line a study command refuses ``argv`` with (exit 2)."""
    with pytest.raises(SystemExit) as exit_:
        main(kind, argv)
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2, err
    assert len(err.splitlines()) == 1, err
    return err


def where(kind, path) -> str:
    return f"{kind.section}.{kind.directory_key}={path}"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_an_unknown_launcher_is_refused_before_anything_is_written(tmp_path, capsys, name):
    kind, argv = KINDS[name]
    line = refused(capsys, kind, [*argv, "hydra/launcher=nosuch", where(kind, tmp_path / "out")])
    assert line.startswith("config error: hydra/launcher: got 'nosuch', allowed: one of ['basic', 'joblib'")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_misspelt_key_is_named_with_the_keys_allowed(tmp_path, capsys, name):
    kind, argv = KINDS[name]
    override, hint = MISSPELT[name]
    line = refused(capsys, kind, [*argv, override, where(kind, tmp_path / "out")])
    key = override.split("=")[0]
    assert line.startswith(f"config error: {key}: got an unknown key, allowed: one of [") and line.endswith(
        hint
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(KINDS))
def test_an_empty_directory_path_is_refused(tmp_path, capsys, name):
    kind, argv = KINDS[name]
    line = refused(capsys, kind, [*argv, f"{kind.section}.{kind.directory_key}=''"])
    assert line == f"config error: {kind.section}.{kind.directory_key}: got '', allowed: a directory path"


@pytest.mark.slow  # each kind's plan composes and checks its model first
@pytest.mark.parametrize("name", sorted(KINDS))
@pytest.mark.parametrize("place", ["proc", "under_a_file"])
def test_a_directory_that_cannot_be_made_is_refused_in_one_line(tmp_path, capsys, name, place):
    kind, argv = KINDS[name]
    (tmp_path / "file").write_text("mine")
    path = "/proc/x/study" if place == "proc" else tmp_path / "file" / "study"
    line = refused(capsys, kind, [*argv, where(kind, path)])
    assert line.startswith(f"config error: {kind.section}.{kind.directory_key}: cannot write to ")
    assert [p.name for p in tmp_path.iterdir()] == ["file"]


def test_a_directory_is_made_resumed_for_the_same_study_and_refused_otherwise(tmp_path):
    out = tmp_path / "out"
    with claimed("exploration", "exploration.dir", out, {"seeds": [0]}) as path:
        assert path == out.resolve() and (out / STUDY_FILE).exists()
    with claimed("exploration", "exploration.dir", out, {"seeds": [0]}):  # the same study: resumed
        pass
    record = json.loads((out / STUDY_FILE).read_text())
    assert record["kind"] == "exploration" and len(record["sessions"]) == 2
    assert record["sessions"][0]["code"]["model_version"] >= 1
    other = tmp_path / "other"
    refusals = [
        ("exploration", out, {"seeds": [1]}, r"exploration.dir: got .*holds another study's study.json"),
        ("calibration", out, {"seeds": [0]}, r"calibration.output: got .*holds a exploration study\)"),
        ("exploration", other, {}, r"holds notes.txt and no study.json"),
        ("exploration", ".", {}, r"exploration.dir: got '.' \(.*\), allowed: a directory other than"),
    ]
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    for section, path, identity, message in refusals:
        key = f"{section}.{'output' if section == 'calibration' else 'dir'}"
        with pytest.raises(ConfigError, match=message), claimed(section, key, path, identity):
            pass
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]  # nothing written beside it


def test_a_second_study_into_a_held_directory_names_the_holder_and_its_session(tmp_path):
    out = tmp_path / "out"
    waiting = (
        "import sys; from pathlib import Path; from sim.sweep.claims import claim\n"
        f"with claim(Path({str(out)!r}), label='calibration'):\n    print('claimed', flush=True)\n"
    )
    with claimed("calibration", "calibration.output", out, {}):
        session = json.loads((out / STUDY_FILE).read_text())["sessions"][-1]["id"]
        second = subprocess.Popen(
            [sys.executable, "-c", waiting], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = second.stderr.readline()
        time.sleep(0.2)
        assert second.poll() is None  # still waiting
    out_, _ = second.communicate(timeout=60)
    assert line.startswith("[calibration] out: held by pid ") and line.rstrip().endswith(
        f"(session {session}); waiting"
    )
    assert "None" not in line and out_.strip() == "claimed"


# sim.sweep.report and sim.viz answer --help too (argparse); their examples are their owners' to add
ENTRY_POINTS = [
    "sim",
    "sim.calibrate",
    "sim.history",
    "sim.explore",
    "sim.policy",
    "sim.calibrate.uncertainty",
    "sim.sweep.aggregate",
    "sim.sweep.paired",
    "sim.sweep.reproduce",
]


@pytest.mark.slow  # a process each
@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_every_entry_point_answers_help_with_usage_and_examples(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: ") and "\nExamples:\n" in done.stdout, done.stdout
    assert done.stderr == ""


@dataclass
class ScreenConfig:
    """A fourth kind of study, declared here as a package would: one factor varied over a grid."""

    dir: str | None = None
    model: list[str] = field(default_factory=list)
    launcher: list[str] = field(default_factory=list)
    factor: FactorConfig = field(default_factory=FactorConfig)
    points: int = 2

    def check(self) -> None:
        ensure(self.points >= 2, "screen.points", "an integer >= 2", self.points)


def _screen_plan(study):
    (factor,) = parse([study.block.factor], "screen.factor", study.base, study.model)
    return study, factor


def _screen_run(plan, directory):
    study, factor = plan
    values = [
        factor.low + (factor.high - factor.low) * i / (study.block.points - 1)
        for i in range(study.block.points)
    ]
    points = pd.DataFrame({factor.name: values})
    overrides = [*study.model, *study.launcher]
    return run_points(points, [0], directory / "batch", overrides, ["participation_rate"], "final")


SCREEN = Kind(
    section="screen",
    schema=ScreenConfig,
    command="python -m sim.screen",
    experiment_prefix="screen_",
    model_key="model",
    directory_key="dir",
    plan=_screen_plan,
    identity=lambda plan: {"model": plan[0].model, "factor": asdict(plan[0].block.factor)},
    describe=lambda plan, directory: f"[screen] -> {directory}",
    run=_screen_run,
    analyse=lambda plan, runs: runs["participation_rate"].tolist(),
    report=lambda plan, runs, rates, directory: 0 if len(rates) == plan[0].block.points else 1,
)


@pytest.mark.slow
def test_a_new_kind_of_study_is_one_schema_and_four_steps(tmp_path, capsys):
    """The layer takes a kind it has never seen: the block is composed and checked, the directory
    claimed, the batch run through a sweep, exit 0; and its bad input is refused like any study's."""
    argv = [
        f"+screen.dir={tmp_path / 'out'}",
        "+screen.factor={name: sinking.share, low: 0.2, high: 0.8}",
        "+screen.model=['scenario=small','steps=3']",
        "+screen.launcher=[]",
    ]
    assert run_study(SCREEN, argv) == 0
    record = json.loads((tmp_path / "out" / STUDY_FILE).read_text())
    assert record["kind"] == "screen" and record["identity"]["factor"]["high"] == 0.8
    runs = pd.read_parquet(tmp_path / "out" / "batch" / "results.parquet")
    assert runs["status"].tolist() == ["completed", "completed"]
    line = refused(capsys, SCREEN, [*argv, "+screen.points=1"])
    assert line == "config error: screen.points: got 1, allowed: an integer >= 2"
    line = refused(capsys, SCREEN, [*argv, "screen.factor.high=2.0"])
    assert line.startswith("config error: screen.factor.0.high: got 2.0 for sinking.share, allowed:")


def _truncate(path):
    path.write_bytes(path.read_bytes()[:40])


def _stamps(directory):
    return {p: p.stat().st_mtime_ns for p in directory.rglob("summary.json")}


@pytest.mark.slow
def test_damaged_study_files_are_named_and_made_again_on_resume(tmp_path, capsys):
    """A results file, a run's table or a batch's design file that cannot be read is named in one line
    on resume and made again; every table the study writes comes out as before."""
    out = tmp_path / "e"
    argv = [
        "+exploration=demo",
        "~exploration.arms.baseline",
        f"exploration.dir={out}",
        "exploration.launcher=[]",
        "exploration.sampler.n=3",
        "exploration.seeds=[0]",
        "steps=3",
    ]
    assert run_study(EXPLORATION, argv) == 0
    points = pd.read_parquet(out / "points.parquet")
    batch = out / "arms" / "policy"
    runs = sorted(batch.glob("sweep/*/timeseries.parquet"))
    stamps = _stamps(batch)
    capsys.readouterr()

    _truncate(batch / "results.parquet")
    assert run_study(EXPLORATION, argv) == 0
    err = capsys.readouterr().err
    assert f"[batch] {batch / 'results.parquet'}: results.parquet: cannot be read (" in err
    assert _stamps(batch) == stamps  # its runs were whole: kept, not run again

    _truncate(runs[1])  # as a sweep's run with a damaged table: checked, and run again
    assert run_study(EXPLORATION, argv) == 0
    err = capsys.readouterr().err
    assert f"[batch] {runs[1].parent}: timeseries.parquet: checksum differs" in err
    changed = [p for p, stamp in stamps.items() if p.stat().st_mtime_ns != stamp]
    assert changed == [runs[1].parent / "summary.json"]
    pd.read_parquet(runs[1])

    _truncate(batch / "design.parquet")
    assert run_study(EXPLORATION, argv) == 0
    err = capsys.readouterr().err
    assert f"[batch] {batch / 'design.parquet'}: design.parquet: cannot be read (" in err
    assert "; written again" in err
    pd.testing.assert_frame_equal(pd.read_parquet(out / "points.parquet"), points)
