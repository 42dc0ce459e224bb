"""The READMEs a newcomer reads in five minutes: short, the same quick start in both languages,
the one CI runs, the five commands, and links that lead somewhere."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
READMES = {"README.md": "## Quick start", "README.zh.md": "## 快速开始"}
LINK = re.compile(r"\]\(([^)\s]+)\)")


def quick_start(readme: str) -> list[str]:
    """The commands of the README's quick start (its first code block), comments left out."""
    text = (REPO / readme).read_text(encoding="utf-8")
    section = text[text.index(READMES[readme]) :]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


def test_the_readme_is_short():
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) < 200


def test_both_readmes_give_the_same_two_quick_start_commands():
    english = quick_start("README.md")
    assert len(english) == 2
    assert quick_start("README.zh.md") == english
    install_and_run, install_and_test = (command.split(" && ") for command in english)
    assert install_and_run == ["python -m pip install -e .", "python -m sim"]
    assert install_and_test[1] == "python -m pytest"


def test_ci_installs_and_tests_exactly_as_the_readme_says():
    install, test = quick_start("README.md")[1].split(" && ")
    ci = [line.strip() for line in (REPO / ".ci/run").read_text().splitlines()]
    commands = [line for line in ci if line and not line.startswith("#")]
    assert install in commands
    assert commands[-1] == test  # the last thing CI does
    assert shlex.split(install)[-1] == ".[test]"


def test_the_readme_shows_the_five_commands():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for command in (
        "python -m sim scenario=",  # run
        "python -m sim -m governance=",  # sweep
        "python -m sim -m +experiment=",  # experiment
        "python -m sim.viz",  # app
        "python -m sim.sweep.report",  # report
    ):
        assert f"\n{command}" in text, command


@pytest.mark.parametrize("readme", sorted(READMES))
def test_every_link_of_a_readme_leads_to_a_file_and_heading(readme):
    from markdown.extensions.toc import slugify

    for target in LINK.findall((REPO / readme).read_text(encoding="utf-8")):
        if target.startswith("http"):
            continue
        path, _, anchor = target.partition("#")
        assert (REPO / path).exists(), target
        if anchor:
            headings = re.findall(r"^#+ (.+)$", (REPO / path).read_text(encoding="utf-8"), re.M)
            assert anchor in {slugify(h, "-") for h in headings}, target
