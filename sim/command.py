"""The command's front door (命令行入口), ``vcsim`` and ``python -m sim``: ``--help``, ``--version``,
an unknown option and tab completion are answered here without loading the model (a tab press
should not wait for numpy, pandas and Mesa); everything else goes to :func:`sim.cli.main`.

The help names what the program does, its config groups and options, the keys most often set,
examples and where outputs go, in place of Hydra's default help (which prints the whole composed
config). Groups and options are read from ``configs/`` and terms from :mod:`sim.i18n`, so the help
cannot fall behind the configs.
"""

from __future__ import annotations

import sys
import textwrap

import hydra
import yaml
from hydra._internal.utils import get_args_parser

from sim.config import CONFIG_DIR, did_you_mean, group_options
from sim.i18n import term

COMPLETION_FLAGS = ("-sc", "--shell-completion")

PROG = "vcsim"
DESCRIBED_GROUPS = ("scenario", "governance", "sinking")
LISTED_GROUPS = ("structure", "experiment")
# (key=example, meaning): the keys a first session most often sets; every key is in docs/ODD.md
COMMON_KEYS = (
    ("seed=0", "random seed: same config and seed, same results"),
    ("steps=52", "weeks to run"),
    ("sinking.share=0.5", "share of the week's resources sunk below the subdistrict, in [0, 1]"),
    ("sinking.depth=zone", "how far resources sink: zone or site"),
    ("budget.per_person_per_step=0.04", "resources entering, in RU per person per week"),
    ("report.lang=zh", "language of the printed table and of sweep reports: en or zh"),
    ("report.outcomes=[demand_met,org_coverage]", "outcomes in sweep reports (default: the headline set)"),
)
OPTIONS = (
    ("-m, --multirun", "run every combination of comma-separated values, range() and glob() (a sweep)"),
    ("--cfg job", "print the composed configuration without running (all keys and values)"),
    ("--version", "print the model's version and the code that would run"),
    ("-sc install=bash", 'print the tab-completion script: eval "$(vcsim -sc install=bash)"'),
    ("--hydra-help", "Hydra's own options (launchers, sweepers, logging)"),
    ("-h, --help", "this help"),
)
EXAMPLES = (
    ("vcsim", "the default run"),
    ("vcsim scenario=bund governance=collaborative sinking=equal seed=3", "one run, chosen presets"),
    ("vcsim -m governance=fragmented,zone,brand seed='range(0,10)'", "a sweep: 3 modes x 10 seeds"),
    ("vcsim -m +experiment=mode_comparison", "a pinned study from experiments/"),
    ("vcsim -m ... hydra/launcher=joblib", "a sweep on every core"),
)
OUTPUTS = """\
A run writes timeseries.parquet (one row per week), summary.json and manifest.json to
results/runs/<time>/ (or hydra.run.dir=DIR). A sweep writes a directory per run, then runs.parquet,
timeseries.parquet, report.md and figures/ (PNG, SVG, PDF) to results/sweeps/<time>/ (or
hydra.sweep.dir=DIR); the same command with the same directory resumes it.
Exit status: 0 done, 1 a run failed, 2 bad input (nothing written)."""


def _defaults() -> dict[str, str]:
    data = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())
    return {k: v for item in data["defaults"] if isinstance(item, dict) for k, v in item.items()}


def _columns(rows: list[tuple[str, str]], indent: int = 2, width: int | None = None) -> list[str]:
    width = width or max(len(a) for a, _ in rows) + 2
    lines = []
    for left, right in rows:
        wrapped = textwrap.wrap(right, 100 - indent - width) or [""]
        lines.append(" " * indent + left.ljust(width) + wrapped[0])
        lines += [" " * (indent + width) + more for more in wrapped[1:]]
    return lines


def help_text() -> str:
    defaults = _defaults()
    lines = [
        f"usage: {PROG} [OPTIONS] [GROUP=OPTION | KEY=VALUE ...]      (or: python -m sim ...)",
        "",
        "Agent-based model of multi-actor collaborative governance in vertical communities "
        f"({term('vertical_community', 'zh')}):",
        "Party committees, enterprises, Party members, white-collar workers and residents of office",
        "buildings in Shanghai's Huangpu district, under four governance modes and resource-sinking",
        "policies. One run, or with -m a sweep. Model description: docs/ODD.md.",
        "",
        "Config groups (GROUP=OPTION; * the default):",
    ]
    width = max(len(name) for group in DESCRIBED_GROUPS for name in group_options(group)) + 3
    for group in DESCRIBED_GROUPS:
        lines.append(f"  {group}")
        rows = [
            (name + ("*" if defaults.get(group) == name else ""), f"{term(name)} {term(name, 'zh')}")
            for name in group_options(group)
        ]
        lines += _columns(rows, indent=4, width=width)
    for group in LISTED_GROUPS:
        names = [n + ("*" if defaults.get(group) == n else "") for n in group_options(group)]
        prefix = "+" if group == "experiment" else ""
        lines.append(f"  {prefix}{group}")
        lines += textwrap.wrap(", ".join(names), 96, initial_indent="    ", subsequent_indent="    ")
    lines += ["", "Keys often set (every key with its unit, default and source: docs/ODD.md):"]
    lines += _columns(list(COMMON_KEYS))
    lines += ["", "Options:"]
    lines += _columns(list(OPTIONS))
    lines += ["", "Examples:"]
    lines += _columns([(f"$ {cmd}", what) for cmd, what in EXAMPLES])
    lines += ["", "Outputs:"]
    lines += ["  " + line for line in OUTPUTS.splitlines()]
    return "\n".join(lines)


def version_text() -> str:
    from sim.version import MODEL_VERSION, code_version

    code = code_version()
    commit = (code.get("commit") or "no git")[:7] + ("-dirty" if code.get("dirty") else "")
    return (
        f"{PROG} (vertical-community-sim) {code['package_version'] or 'not installed'}, "
        f"model version {MODEL_VERSION}, commit {commit}"
    )


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _complete(cfg) -> None:
    """Hydra answers ``-sc install=bash`` and ``-sc query=bash`` from the config alone, before it
    would call this; it never runs a job."""


def unknown_option(argv: list[str]) -> str | None:
    """One line for the first option Hydra's command line does not have, with the nearest one."""
    parser = get_args_parser()
    parser.allow_abbrev = False  # "--hel" would otherwise reach Hydra's own help
    _, rest = parser.parse_known_args(argv)
    for arg in rest:
        if arg.startswith("-"):
            option = arg.split("=")[0]
            hint = did_you_mean(option, parser._option_string_actions)
            return f"{option}: got an unknown option, allowed: an option of {PROG} --help{hint}"
    return None


def main() -> None:
    argv = sys.argv[1:]
    if "-h" in argv or "--help" in argv:
        print(help_text())
        return
    if "--version" in argv:
        print(version_text())
        return
    problem = unknown_option(argv)
    if problem:
        from sim.exits import refuse

        refuse(problem)
    if any(a.split("=")[0] in COMPLETION_FLAGS for a in argv):
        # the words after -sc are the completion's commands (install=bash), not overrides
        _complete()
        return
    from sim.cli import main as run

    run()
