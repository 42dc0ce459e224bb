"""A sweep report's text (报告正文): its header (runs, command, code, packages), its sections and
their tables in markdown, in English or Chinese (:mod:`sim.i18n`, :mod:`sim.outcomes`)."""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pandas as pd

from sim import outcomes
from sim.i18n import term
from sim.sweep.conditions import show, sort_rows
from sim.sweep.figures import WIDTHS_MM
from sim.sweep.sensitivity import OUTCOMES as SENSITIVITY_OUTCOMES
from sim.sweep.sensitivity import ranked


def command_line(argv: list[str]) -> str:
    """The recorded command as one can paste it: ``python -m sim ...`` rather than a path to
    ``sim/__main__.py``, each argument quoted for the shell."""
    if not argv:
        return ""
    program = Path(argv[0])
    if program.name == "__main__.py" and program.parent.name == "sim":
        head = "python -m sim"
    elif program.name == "vcsim":
        head = "vcsim"
    else:
        head = shlex.quote(argv[0])
    return " ".join([head, *map(shlex.quote, argv[1:])])


def header(
    name: str, runs: pd.DataFrame, done: pd.DataFrame, seeds: int | None, sweep: dict, lang: str
) -> str:
    """The title, the runs' count (and seeds per condition, unless ``seeds`` is None), the command,
    the code that made the results and the packages."""
    colon = term("report.colon", lang)
    packages = ", ".join(f"{k} {v}" for k, v in (sweep.get("packages") or {}).items())
    command = command_line(sweep.get("command", [])) or term("report.not_recorded", lang)
    counts = term("report.runs", lang).format(
        n=len(runs),
        done=len(done),
        bad=len(runs) - len(done),
        per="" if seeds is None else term("report.per", lang).format(k=seeds),
    )
    return (
        f"# {term('report.title', lang)}: {name}\n\n"
        f"{counts}\n\n"
        f"{term('report.command', lang)}{colon}\n\n```bash\n{command}\n```\n\n"
        f"{term('report.code', lang)}{colon}{code_versions(done, lang)}  \n"
        f"{term('report.packages', lang)}{colon}{packages}\n"
    )


def code_versions(done: pd.DataFrame, lang: str = "en") -> str:
    """Each code version (commit, model and package version) with its number of runs: a resumed sweep
    may hold results of several, and none may be credited to another."""
    if "code_version" not in done.columns or not len(done):
        return term("report.not_recorded", lang)
    counts = done["code_version"].fillna(term("report.not_recorded", lang)).value_counts().sort_index()
    return ", ".join(f"`{name}` ({term('report.n_runs', lang).format(n=n)})" for name, n in counts.items())


def failed(runs: pd.DataFrame, lang: str) -> str:
    return (
        f"\n## {term('report.failed', lang)}\n\n"
        + runs[["run", "status", "error"]].to_markdown(index=False)
        + "\n"
    )


def paired(table: pd.DataFrame, factor: str, base, rest: list[str], names, lang: str) -> str:
    note = term("report.paired_note", lang).format(
        base=f"{term(factor, lang)} = {show(base, lang)}", k=int(table["pairs"].min())
    )
    return f"\n## {term('report.paired', lang)}\n\n{note}\n\n" + wide(
        table, [factor, *rest], names, lang, value="diff"
    )


def levels(table: pd.DataFrame, by: list[str], names, lang: str) -> str:
    return f"\n## {term('report.levels', lang)}\n\n{term('report.levels_note', lang)}\n\n" + wide(
        table, by, names, lang, "mean"
    )


def sensitivity(table: pd.DataFrame, method: str, size: int, by: str, lang: str) -> str:
    """The indices of each outcome (:func:`sim.sweep.sensitivity.indices`), parameters ranked by
    ``by``."""
    lines = [_sensitivity_heading(lang), f"Method: {method} ({size} design points). Ranked by {by}.\n"]
    for name in SENSITIVITY_OUTCOMES:
        lines.append(
            f"\n**{outcomes.label(name, lang)}** (`{name}`)\n\n"
            + ranked(table, name, by).drop(columns="outcome").to_markdown(index=False, floatfmt=".3f")
            + "\n"
        )
    return "".join(lines)


def no_sensitivity(reason: str, lang: str) -> str:
    """The sensitivity section when there are no indices, saying why."""
    return f"{_sensitivity_heading(lang)}{reason}\n"


def _sensitivity_heading(lang: str) -> str:
    return f"\n## {term('report.sensitivity', lang)}\n\n"


def figures(names: list[str], lang: str) -> str:
    """The figures (their page-width PNGs) and where the other versions are."""
    note = term("report.formats", lang).format(**WIDTHS_MM)
    return (
        f"\n## {term('report.figures', lang)}\n\n"
        + "".join(f"![{name}](figures/{name}.png)\n" for name in names)
        + f"\n{note}\n"
    )


def _cell(row: pd.Series, value: str = "mean") -> str:
    if np.isnan(row[value]):
        return ""
    if np.isnan(row["ci_low"]):
        return f"{row[value]:.3f}"
    return f"{row[value]:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def wide(table: pd.DataFrame, keys: list[str], names, lang: str, value: str) -> str:
    """A markdown table: one row per condition (in order), one column per outcome with its unit."""
    table = table.assign(_text=table.apply(_cell, axis=1, value=value))
    rows = sort_rows(table[keys].drop_duplicates(), keys, table) if keys else pd.DataFrame(index=[0])
    header = [term(k, lang) for k in keys] + [outcomes.label(n, lang, unit=True) for n in names]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for _, row in rows.iterrows():
        match = (
            np.logical_and.reduce([table[k] == row[k] for k in keys]) if keys else np.ones(len(table), bool)
        )
        cells = table[match].set_index("outcome")["_text"]
        lines.append(
            "| " + " | ".join([show(row[k], lang) for k in keys] + [cells.get(n, "") for n in names]) + " |"
        )
    return "\n".join(lines) + "\n"
