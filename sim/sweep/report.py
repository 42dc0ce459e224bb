"""A sweep's report (实验报告): the conditions' paired differences against the baseline, their
levels over seeds, and figures for a paper (PNG, SVG and PDF), from the sweep's tables.

    python -m sim.sweep.report SWEEP_DIR [--lang zh] [--outcomes a,b] [--against KEY=VALUE]

Conditions are the swept parameters that vary, seeds excluded (:mod:`sim.sweep.conditions`). Every
condition runs the same seeds (common random numbers), so the headline compares each condition with
the baseline seed by seed: the mean paired difference with its 95% t interval
(:mod:`sim.sweep.paired`). Levels are means over seeds with 95% intervals that respect the outcome's
bounds (:mod:`sim.sweep.intervals`). The statistic is each run's late mean (the mean over its last
26 weeks, the steady-state estimate; docs/ODD.md 2.2). A design sweep gets sensitivity indices
instead (:mod:`sim.sweep.sensitivity`). Figures are drawn at a journal's page and column widths
(:mod:`sim.sweep.figures`), the text in :mod:`sim.sweep.markdown`.

Language (``report.lang``) and outcomes (``report.outcomes``, default ``sim.outcomes.HEADLINE``)
come from the sweep's config unless given here; labels and units from :mod:`sim.outcomes` and
:mod:`sim.i18n`. The baseline comes first, then the modes in the article's order (fragmented,
zone, brand, fusion, collaborative), policies likewise and numbers ascending.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import pandas as pd
import yaml

from sim import outcomes
from sim.exits import ARGUMENT_ERROR, refuse, tool_parser
from sim.i18n import LANGUAGES
from sim.results import atomic_write, write_text
from sim.sweep import figures, markdown, sensitivity
from sim.sweep.aggregate import RUNS_FILE, TIMESERIES_FILE, aggregate, check_sweep_dir
from sim.sweep.conditions import SHARE, BadBaseline, baseline_of, conditions, is_ordinal
from sim.sweep.design import SALIB_METHODS, design_size
from sim.sweep.intervals import summarise, summarise_weeks
from sim.sweep.paired import paired_differences
from sim.sweep.progress import SWEEP_FILE

__all__ = ["conditions", "report"]

STAT = "late_mean"


def report(
    sweep_dir: Path, lang: str | None = None, names: list[str] | None = None, against: str | None = None
) -> Path:
    """Write ``report.md``, ``summary.csv`` and ``figures/`` for a sweep (its tables are built first if
    missing); return the report's path."""
    if not (sweep_dir / RUNS_FILE).exists():
        aggregate(sweep_dir)
    runs = pd.read_parquet(sweep_dir / RUNS_FILE)
    done = runs[runs["status"] == "completed"]
    chosen = settings(sweep_dir, done)
    lang = lang or chosen.get("lang") or "en"
    names = list(names or chosen.get("outcomes") or outcomes.HEADLINE)
    with matplotlib.rc_context(figures.print_rc(lang)):
        text = _report(sweep_dir, runs, done, lang, names, against)
    path = sweep_dir / "report.md"
    write_text(path, text)
    return path


def _report(sweep_dir, runs, done, lang, names, against) -> str:
    out = sweep_dir / "figures"
    out.mkdir(exist_ok=True)
    sweep = json.loads((sweep_dir / SWEEP_FILE).read_text()) if (sweep_dir / SWEEP_FILE).exists() else {}
    spec = _design_spec(sweep_dir, done)
    by = conditions(sweep_dir, done) if len(done) else []
    seeds = done.groupby(by).size().min() if by and len(done) else len(done)
    parts = [markdown.header(sweep_dir.name, runs, done, None if spec else seeds, sweep, lang)]
    failed = runs[runs["status"] != "completed"]
    if len(failed):
        parts.append(markdown.failed(failed, lang))
    drawn: list[str] = []
    if len(done) and by and not spec:
        factor, base = baseline_of(done, by, against)
        rest = [c for c in by if c != factor]
        paired = paired_differences(done, factor, base, names, STAT, by=tuple(rest))
        parts.append(markdown.paired(paired, factor, base, rest, names, lang))
        drawn.append(figures.figure_paired(paired, factor, base, rest, names, lang, out))
    if len(done) and not spec:
        levels = summarise(done, by, names, STAT)
        atomic_write(sweep_dir / "summary.csv", lambda tmp: levels.to_csv(tmp, index=False))
        parts.append(markdown.levels(levels, by, names, lang))
        if (sweep_dir / TIMESERIES_FILE).exists():
            weeks = summarise_weeks(sweep_dir / TIMESERIES_FILE, done, by, names)
            drawn.append(figures.figure_timeseries(weeks, by, names, lang, out))
        if by:
            drawn.append(figures.figure_levels(levels, by, names, lang, out))
            if {"sinking", SHARE} <= set(by):
                drawn.append(figures.figure_heatmap(done, by, names, lang, out, STAT))
            numeric = [c for c in by if c != SHARE and is_ordinal(done[c])]
            if numeric:
                drawn.append(figures.figure_response(levels, by, numeric[0], names, lang, out))
    if len(done) and spec:
        parts.append(_sensitivity(sweep_dir, done, spec, lang, drawn))
    if drawn:
        parts.append(markdown.figures(drawn, lang))
    return "".join(parts)


def _sensitivity(sweep_dir: Path, done: pd.DataFrame, spec: dict, lang: str, drawn: list[str]) -> str:
    """The sensitivity section; writes ``sensitivity.csv`` and its figure (added to ``drawn``)."""
    try:
        table = sensitivity.indices(done, spec)
    except sensitivity.MissingPoints as err:
        return markdown.no_sensitivity(str(err), lang)
    method = spec["method"]
    by, conf = sensitivity.RANKED_BY[method]
    atomic_write(sweep_dir / "sensitivity.csv", lambda tmp: table.to_csv(tmp, index=False))
    drawn.append(figures.figure_sensitivity(table, method, by, conf, lang, sweep_dir / "figures"))
    return markdown.sensitivity(table, method, design_size(spec), by, lang)


def settings(sweep_dir: Path, done: pd.DataFrame) -> dict:
    """The ``report`` section of the sweep's config (from its first completed run)."""
    if not len(done):
        return {}
    cfg = yaml.safe_load((sweep_dir / done["run"].iloc[0] / ".hydra" / "config.yaml").read_text())
    return cfg.get("report") or {}


def _design_spec(sweep_dir: Path, done: pd.DataFrame) -> dict | None:
    if "design.sample" not in done.columns or not len(done):
        return None
    cfg = yaml.safe_load((sweep_dir / done["run"].iloc[0] / ".hydra" / "config.yaml").read_text())
    spec = cfg.get("design")
    return spec if spec and spec.get("method") in SALIB_METHODS else None


def main() -> None:
    parser = tool_parser(
        "python -m sim.sweep.report",
        "Write report.md, summary.csv and figures (PNG, SVG, PDF) for a sweep.",
        [
            ("python -m sim.sweep.report SWEEP_DIR", "the report in the sweep's language and outcomes"),
            (
                "python -m sim.sweep.report SWEEP_DIR --lang zh --against sinking=none",
                "in Chinese, each sinking policy against none",
            ),
        ],
    )
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--lang", choices=list(LANGUAGES), help="default: the sweep's report.lang")
    parser.add_argument(
        "--outcomes", help="comma-separated outcome names (default: the sweep's report.outcomes)"
    )
    parser.add_argument(
        "--against", help="KEY=VALUE of the baseline (default: the first level, e.g. fragmented)"
    )
    args = parser.parse_args()
    names = args.outcomes.split(",") if args.outcomes else None
    wrong = outcomes.unknown(names or [])
    if wrong:
        refuse(f"--outcomes: got {wrong[0]!r}, allowed: outcome names (sim/outcomes.py)", ARGUMENT_ERROR)
    sweep_dir = check_sweep_dir(args.sweep_dir)
    try:
        print(report(sweep_dir, args.lang, names, args.against))
    except BadBaseline as err:
        refuse(str(err), ARGUMENT_ERROR)


if __name__ == "__main__":
    main()
