"""The one command of every kind of study (研究命令): ``--help``; then load and check everything (one
line, exit 2, nothing written), claim the directory, and run the kind's plan, run, analyse and report.

Exit status (:mod:`sim.exits`): the kind's report says 0 or 1 (some evaluations failed: recorded and
left out, the study went on); 1 when the study could not finish (a batch that could not run, no
posterior); 2 for bad input.
"""

from __future__ import annotations

import sys
import textwrap
from importlib import import_module
from importlib.util import find_spec
from typing import NoReturn

from omegaconf import MISSING

from sim.config import ConfigError, group_options
from sim.exits import EXIT_DONE, failed, run_command
from sim.study.directory import claimed
from sim.study.load import Kind, StudyError, load, schema_keys


def main(kind: Kind, argv: list[str] | None = None) -> NoReturn:
    argv = sys.argv[1:] if argv is None else argv
    if "-h" in argv or "--help" in argv:
        print(help_text(kind))
        sys.exit(EXIT_DONE)
    run_command(lambda given: run_study(kind, given), argv)


def run_study(kind: Kind, argv: list[str]) -> int:
    require(*kind.requires)
    study = load(kind, argv)
    plan = kind.plan(study)
    key = study.where(kind.directory_key)
    with claimed(kind.section, key, study.directory, kind.identity(plan)) as directory:
        print(kind.describe(plan, directory), flush=True)
        try:
            results = kind.run(plan, directory)
        except StudyError as err:
            failed(str(err), kind.section)
        analysis = kind.analyse(plan, results)
        return kind.report(plan, results, analysis, directory)


def require(*modules: str) -> None:
    """Refuse to start, before anything is written, without the libraries of the ``explore`` extra."""
    missing = [m for m in modules if find_spec(m) is None]
    if missing:
        raise ConfigError(
            f"{', '.join(missing)}: not installed, allowed: the explore extra (pip install -e '.[explore]')"
        )


def help_text(kind: Kind) -> str:
    """Usage, what the study does (its package's docstring), its configs and pinned studies, every key
    of its block with the default, the other overrides, examples and exit statuses."""
    package = kind.command.removeprefix("python -m ")
    about = (import_module(package).__doc__ or "").strip().split("\n\n")[0].replace("``", "")
    experiments = [e for e in group_options("experiment") if e.startswith(kind.experiment_prefix)]
    lines = [
        f"usage: {kind.command} +{kind.section}=NAME | +experiment={kind.experiment_prefix}NAME "
        "[KEY=VALUE ...]",
        "",
        *textwrap.wrap(" ".join(about.split()), 100),
        "",
        f"Configs (+{kind.section}=NAME): {', '.join(group_options(kind.section))}",
        f"Pinned studies (+experiment=NAME): {', '.join(experiments)}",
        "",
        f"Keys of the {kind.section} block ({kind.section}.KEY=VALUE; default):",
    ]
    rows = [
        (key, "(required)" if value == MISSING else repr(value))
        for key, value in schema_keys(kind.schema, "")
    ]
    width = max(len(key) for key, _ in rows) + 2
    lines += [f"  {key.ljust(width)}{value}" for key, value in rows]
    lines += [
        "",
        "Other overrides: hydra/launcher=NAME and hydra.launcher.KEY=VALUE go to every batch (basic, joblib,",
        f"ray, or a SLURM launcher); any other (steps=20) is added to {kind.section}.{kind.model_key}, "
        "the model",
        "overrides every evaluation runs with.",
        "",
        "Examples:",
        *[f"  $ {command}\n      {what}" for command, what in kind.examples],
        "",
        f"Outputs: {kind.section}.{kind.directory_key}; the same command with the same directory resumes "
        "the study.",
        "Exit status: 0 done, 1 some evaluations failed (recorded, the study went on) or the study could",
        "not finish, 2 bad input (one line, nothing written).",
    ]
    return "\n".join(lines)
