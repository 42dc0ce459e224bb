"""The command's manners: --help, --version, "did you mean", tab completion, the console script and
the printed table in both languages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim import metrics
from sim.cli import preflight, print_summary
from sim.command import help_text, unknown_option, version_text
from sim.config import group_options
from sim.exits import EXIT_CONFIG
from sim.version import MODEL_VERSION

REPO = Path(__file__).resolve().parent.parent


def test_help_names_groups_options_keys_examples_and_outputs():
    text = help_text()
    for group in ("scenario", "governance", "sinking", "structure", "+experiment"):
        assert f"\n  {group}\n" in text
    for group in ("scenario", "governance", "sinking", "structure", "experiment"):
        for option in group_options(group):
            assert option in text
    # the defaults of configs/config.yaml are marked, with the article's terms in both languages
    assert "nanjing_east*" in text and "brand*" in text and "need*" in text and "default*" in text
    assert "片区治理" in text and "资源不下沉" in text
    for part in ("Options:", "--version", "-sc install=bash", "Examples:", "Outputs:", "report.lang=zh"):
        assert part in text
    assert "== Config ==" not in text and len(text.splitlines()) < 80  # not the whole composed config


def test_help_and_version_from_the_command_line():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.strip() == help_text()
    out = subprocess.run([sys.executable, "-m", "sim", "--version"], capture_output=True, text=True, env=env)
    assert out.returncode == 0 and out.stdout.strip() == version_text()
    assert f"model version {MODEL_VERSION}" in out.stdout and "Hydra" not in out.stdout


def test_an_unknown_option_gets_the_nearest_one():
    assert unknown_option(["--multirn", "seed=1"]) == (
        "--multirn: got an unknown option, allowed: an option of vcsim --help (did you mean --multirun?)"
    )
    assert "did you mean --help" in unknown_option(["--hel"])  # no abbreviation reaches Hydra's help
    assert unknown_option(["-m", "seed=1,2", "--cfg", "job"]) is None


def refused(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        preflight(list(argv))
    assert exit_.value.code == EXIT_CONFIG
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    return lines[0]


@pytest.mark.parametrize(
    "argv, line",
    [
        (
            ["governance=zon"],
            "config error: governance: got 'zon', allowed: one of "
            "['article', 'brand', 'collaborative', 'fragmented', 'fusion', 'zone'] (did you mean zone?)",
        ),
        (["-m", "sinking=need,equl"], "(did you mean equal?)"),
        (
            ["+sinking.shar=0.3"],
            "config error: sinking.shar: got an unknown key, allowed: a key of the config",
        ),
        (["report.lang=fr"], "config error: report.lang: got 'fr', allowed: one of ['en', 'zh']"),
        (
            ["report.outcomes=[demand_mt]"],
            "got 'demand_mt', allowed: outcome names (sim/outcomes.py) (did you",
        ),
    ],
)
def test_did_you_mean_for_names_and_keys(capsys, argv, line):
    assert line in refused(capsys, *argv)


def test_a_misspelt_added_key_gets_the_nearest_key(capsys):
    assert refused(capsys, "+sinking.shar=0.3").endswith("(did you mean sinking.share or sinking.loss?)")
    assert refused(capsys, "+foo=1") == "config error: foo: got an unknown key, allowed: a key of the config"


def summary(value_of=lambda name: 0.25) -> dict:
    return {
        "status": "completed",
        "scenario": "bund",
        "governance": "zone",
        "sinking": "need",
        "seed": 3,
        "steps": 52,
        "runtime_s": 1.5,
        "final": {name: value_of(name) for name in metrics.COLUMNS},
        "steady_state": {"reached": False, "week": None, "drifting": ["demand_met"]},
    }


def test_the_printed_table_in_chinese_and_english(capsys, tmp_path):
    values = summary(lambda name: None if name == "equity_index" else 0.123456)
    print_summary(values, tmp_path, "zh")
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "外滩街道 | 片区治理 | 按需下沉 | 随机种子 3 | 52 周 | 1.50 秒"
    assert "需求满足率" in out and "站点间均衡度" in out and "无定义" in out and "仍在变化：需求满足率" in out
    row = next(line for line in out.splitlines() if "demand_met" in line)
    assert row.split()[-1] == "0.1235"  # every value with four decimals, not reformatted
    print_summary(values, tmp_path, "en")
    out = capsys.readouterr().out
    assert "Demand met" in out and "undefined" in out and "需求" not in out
    assert f"results: {tmp_path}" in out


def test_helper_tools_name_their_command(capsys):
    from sim.sweep import paired, report, reproduce

    for module in (reproduce, report, paired):
        with pytest.raises(SystemExit):
            sys.argv = ["whatever.py", "--help"]
            module.main()
        usage = capsys.readouterr().out.splitlines()[0]
        assert usage.startswith(f"usage: python -m {module.__name__} "), usage


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_tab_completion_installs_and_completes(tmp_path):
    """The documented install line works for the console script: keys, groups and their options."""
    script = tmp_path / "vcsim"
    script.write_text(f"#!{sys.executable}\nfrom sim.command import main\nmain()\n")
    script.chmod(0o755)
    probe = textwrap.dedent(
        """
        eval "$(vcsim -sc install=bash)"
        complete_line() { COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}; COMP_CWORD=1; hydra_bash_completion;
                          echo "${COMPREPLY[@]}"; }
        complete_line "vcsim gover"
        complete_line "vcsim governance=f"
        complete_line "vcsim sinking.sh"
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "PATH": f"{tmp_path}:{os.environ['PATH']}"}
    out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "governance. governance=",
        "governance=fragmented governance=fusion",
        "sinking.share=",
    ]
