"""Bad command lines and API arguments fail in one line that names the key and what is allowed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import preflight
from sim.config import ConfigError, group_options
from sim.exits import EXIT_CONFIG

REPO = Path(__file__).resolve().parent.parent


def refused(capsys, *argv: str) -> str:
    """The one stderr line of a command line the preflight refuses with exit status 2."""
    with pytest.raises(SystemExit) as exit_:
        preflight(list(argv))
    assert exit_.value.code == EXIT_CONFIG
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("config error: "), lines
    return lines[0]


@pytest.mark.slow
def test_a_sweep_without_multirun_is_refused_in_one_line(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sim", "sinking=none,need", f"hydra.run.dir={tmp_path}/run"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == EXIT_CONFIG
    assert out.stderr.strip().splitlines() == [
        "config error: sinking: got 'none,need', allowed: one value "
        "(a comma-separated list, range() or glob() sweeps only with -m/--multirun)"
    ]
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("argv", [["seed=range(0,3)"], ["sinking=glob(n*)"], ["sinking.share=interval(0,1)"]])
def test_other_sweeps_without_multirun_are_refused(capsys, argv):
    assert "-m/--multirun" in refused(capsys, *argv)


def test_an_unknown_experiment_lists_every_experiment(capsys):
    line = refused(capsys, "+experiment=nope")
    assert "experiment: got 'nope'" in line
    assert all(name in line for name in group_options("experiment"))


@pytest.mark.parametrize("key", ["foo", "hydra.foo"])
def test_an_unknown_key_is_named_without_a_misleading_hint(capsys, key):
    line = refused(capsys, f"{key}=1")
    assert line.startswith(f"config error: {key}: got an unknown key") and f"+{key}" not in line


@pytest.mark.parametrize(
    "typo, meant, value",
    [
        ("behaviour.participation.tresholdsd", "behaviour.participation.threshold_sd", 0.1),
        ("sed", "seed", 1),
        ("scenario.subdistricts.smal.buildings", "scenario.subdistricts.small.buildings", 6),
    ],
)
def test_a_mistyped_key_gets_suggestions_that_work(capsys, typo, meant, value):
    line = refused(capsys, "scenario=small", f"{typo}={value}")
    suggested = re.search(r"did you mean (.*)\?\)$", line).group(1).split(" or ")
    assert suggested[0] == meant
    for key in suggested:
        preflight(["scenario=small", f"{key}={value}"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "argv, words",
    [
        (["hydra/launcher=nope"], ["hydra/launcher/nope", "joblib", "submitit_local"]),
        (["sinking.share=[1,"], ["sinking.share: got '[1,'"]),
        (["steps=${nope}"], ["steps: Interpolation key 'nope' not found"]),
        (["~nothere"], ["nothere"]),
    ],
)
def test_hydras_own_errors_fit_on_one_line(capsys, argv, words):
    line = refused(capsys, *argv)
    assert all(word in line for word in words) and "Config search path" not in line


@pytest.mark.parametrize(
    "argv, bad",
    [
        (["-m", "scenario=small,atlantis"], "scenario: got 'atlantis'"),
        (["--multirun", "steps=range(-2,2)"], "steps: got -2"),
        (["-m", "sinking=glob(zz*)"], "at least one value"),
        (["-m", "sinking.share=interval(0,1)"], "interval"),
    ],
)
def test_every_point_of_a_multirun_is_checked_before_it_starts(capsys, argv, bad):
    assert bad in refused(capsys, *argv)


def test_good_command_lines_pass(capsys):
    preflight(["scenario=small", "sinking=equal", "behaviour.participation.threshold_sd=0.1"])
    preflight(["-m", "scenario=small", "sinking=glob(*)", "seed=range(0,3)", "hydra/launcher=joblib"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("rng", ["abc", -1, 1.5])
def test_a_bad_rng_is_named(rng):
    from sim import VerticalCommunityModel

    with pytest.raises(ConfigError, match=r"^rng: got .*allowed: None, an integer >= 0"):
        VerticalCommunityModel(rng=rng)
