"""Hydra callback that records a sweep's provenance at its start and builds its tables and report at
its end. Configured in configs/config.yaml under hydra.callbacks (Hydra's own config, not the run's)."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.exits import failed, refuse
from sim.results import machine, now, package_versions, write_json
from sim.sweep import claims, progress
from sim.sweep.progress import SESSION_ENV, SWEEP_FILE
from sim.version import code_version, git_state, label, same_code


def sweep_points(config: DictConfig) -> int | None:
    """How many runs the basic sweeper will launch (None for other sweepers)."""
    sweeper = config.hydra.sweeper
    if not str(sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    parsed = OverridesParser.create().parse_overrides(params + list(config.hydra.overrides.task))
    return sum(len(batch) for batch in BasicSweeper.split_arguments(parsed, None))


RESUME_KEY = "hydra.callbacks.sweep_recorder.resume"
RESUME_CHOICES = ("refuse", "rerun_stale")
OUTPUTS_KEY = "hydra.callbacks.sweep_recorder.outputs"
OUTPUTS_CHOICES = ("report", "runs")


class SweepRecorder(Callback):
    """``resume``: what to do when the sweep directory holds results made by other code (another
    commit, model or package version): ``refuse`` (the default) stops with one line before anything
    runs, ``rerun_stale`` re-runs them. ``outputs``: what the sweep writes at its end, ``report`` (the
    default: both tables, report.md and figures) or ``runs`` (runs.parquet alone: a study's batch,
    which reads that table and the runs' own files, and no more)."""

    def __init__(self, resume: str = "refuse", outputs: str = "report") -> None:
        self.resume = resume
        self.outputs = outputs
        self.session: str | None = None
        self.started = time.time()
        self.bar: progress.LiveBar | None = None

    def __getstate__(self) -> dict:
        # launchers pickle the callbacks to their workers; the bar belongs to the launching process
        return {**self.__dict__, "bar": None}

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        total = _check_design(config, sweep_points(config))
        _check_choice(OUTPUTS_KEY, self.outputs, OUTPUTS_CHOICES)
        _check_resume(sweep_dir, self.resume)
        self.session = progress.new_session_id()
        os.environ[SESSION_ENV] = self.session  # inherited by the jobs, which tag their progress with it
        self.started = time.time()
        session = {
            "id": self.session,
            "command": sys.argv,
            "overrides": list(config.hydra.overrides.task),
            "sweeper_params": OmegaConf.to_container(config.hydra.sweeper.params)
            if config.hydra.sweeper.get("params")
            else {},
            "launcher": config.hydra.launcher.get("_target_"),
            "started": now(),
            "started_unix": self.started,
            "total_runs": total,
            "git": git_state(),
        }
        with claims.claim(sweep_dir, quiet=True):  # another sweep may be updating sweep.json too
            previous = _read_sweep(sweep_dir)
            write_json(
                sweep_dir / SWEEP_FILE,
                {
                    **previous,
                    **session,
                    "packages": package_versions(),
                    "machine": machine(),
                    "sessions": previous.get("sessions", []) + [session],
                },
            )
        self.bar = progress.LiveBar(sweep_dir, self.session, total)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Tables and report are always written; then exit 1 with one line if any run of this session
        failed or the tables could not be built (Hydra itself would return normally)."""
        sweep_dir = Path(config.hydra.sweep.dir)
        if self.bar is not None:
            self.bar.close()
        problems = _write_tables_and_report(sweep_dir, report=self.outputs == "report")
        mine = progress.entries(sweep_dir, self.session, self.started)
        broken = [e for e in mine if e["status"] != "completed"]
        if broken:
            table = "report.md" if self.outputs == "report" else "runs.parquet"
            shown = "; ".join(f"{e['run']}: {e.get('error', e['status'])}" for e in broken[:3])
            more = f"; and {len(broken) - 3} more" if len(broken) > 3 else ""
            problems.insert(
                0, f"{len(broken)} of {len(mine)} runs failed ({shown}{more}); see {sweep_dir / table}"
            )
        if problems:
            failed(problems[0], "sweep")


def _check_design(config: DictConfig, total: int | None) -> int | None:
    """The runs a sweep over a design makes (its jobs, or its jobs' rows when each runs a chunk of
    the design); refused in one line unless the sweep covers every row."""
    design = config.get("design")
    if design is None or total is None:
        return total
    from sim.config import ConfigError
    from sim.sweep.design import design_size

    try:
        spec = OmegaConf.to_container(design, resolve=True)
        size = design_size(spec)
    except ConfigError as err:
        refuse(str(err))
    key, points = "design.sample", size
    if spec.get("chunk_size"):
        key, points = "design.chunk", -(-size // spec["chunk_size"])
    swept = any(o.startswith((f"{key}=", f"+{key}=")) for o in config.hydra.overrides.task) or key in (
        config.hydra.sweeper.get("params") or {}
    )
    if not swept or total % points:
        refuse(
            f"{key}: the design has {points} {'chunks' if key == 'design.chunk' else 'points'}; sweep "
            f"{key}=range(0,{points}) (times any other swept values)"
        )
    return total // points * size


def stale_results(sweep_dir: Path) -> dict[str, int]:
    """Completed results in the sweep directory made by other code: code version -> count."""
    from sim.sweep.aggregate import run_dirs

    found: dict[str, int] = {}
    for run_dir in run_dirs(sweep_dir):
        try:
            summary = json.loads((run_dir / "summary.json").read_text())
        except (OSError, ValueError):
            continue
        if summary.get("status") == "completed" and not same_code(summary.get("code")):
            name = label(summary.get("code")) or "unrecorded code"
            found[name] = found.get(name, 0) + 1
    return found


def _check_choice(key: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        refuse(f"{key}: got {value!r}, allowed: one of {list(choices)}")


def _check_resume(sweep_dir: Path, resume: str) -> None:
    _check_choice(RESUME_KEY, resume, RESUME_CHOICES)
    stale = stale_results(sweep_dir)
    if stale and resume == "refuse":
        made_by = ", ".join(f"{n} by {name}" for name, n in sorted(stale.items()))
        refuse(
            f"{RESUME_KEY}: {sweep_dir} holds {sum(stale.values())} results made by "
            f"other code ({made_by}; this is {label(code_version())}); allowed: {RESUME_KEY}=rerun_stale "
            "to re-run them, or another hydra.sweep.dir"
        )


def _read_sweep(sweep_dir: Path) -> dict:
    try:
        return json.loads((sweep_dir / SWEEP_FILE).read_text())
    except FileNotFoundError:
        return {}


def _write_tables_and_report(sweep_dir: Path, report: bool = True) -> list[str]:
    """Write runs.parquet and, with ``report``, timeseries.parquet and the report; return what went
    wrong, one line each."""
    from sim.sweep.aggregate import aggregate

    problems = []
    try:
        runs = aggregate(sweep_dir, timeseries=report)
    except Exception as err:
        problems.append(f"tables not written: {type(err).__name__}: {err}")
    else:
        bad = int((runs["status"] != "completed").sum())
        print(
            f"[sweep] tables: {sweep_dir / 'runs.parquet'} ({len(runs)} runs, {bad} failed or incomplete)",
            file=sys.stderr,
        )
        _record_code_versions(sweep_dir, runs)
    if not report:
        return problems
    from sim.sweep.report import report as write_report

    try:
        path = write_report(sweep_dir)
    except Exception as err:
        problems.append(f"report not written: {type(err).__name__}: {err}")
    else:
        print(f"[sweep] report: {path}", file=sys.stderr)
    for problem in problems:
        print(f"[sweep] {problem}", file=sys.stderr)
    return problems


def _record_code_versions(sweep_dir: Path, runs) -> None:
    """Which code made the sweep's results, so sweep.json never credits one commit with another's runs."""
    done = runs[runs["status"] == "completed"]
    counts = done["code_version"].fillna("unrecorded").value_counts().sort_index() if len(done) else {}
    with claims.claim(sweep_dir, quiet=True):
        sweep = _read_sweep(sweep_dir)
        sweep["results_code_versions"] = {str(k): int(v) for k, v in dict(counts).items()}
        write_json(sweep_dir / SWEEP_FILE, sweep)
