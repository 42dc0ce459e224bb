"""Command line: check the overrides, let Hydra compose and launch, run, write the run directory."""

from __future__ import annotations

import copy
import json
import logging
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import hydra
import yaml
from hydra._internal.utils import get_args_parser
from hydra.core.hydra_config import HydraConfig
from hydra.errors import OverrideParseException
from omegaconf import DictConfig, OmegaConf, open_dict
from tabulate import tabulate

from sim import metrics, outcomes, overrides, rundir, steady
from sim.config import CONFIG_DIR, ConfigError, RunConfig, config_hash, group_options
from sim.exits import CONFIG_ERROR, EXIT_FAILED, refuse
from sim.i18n import term
from sim.results import check_files, manifest, now, write_json, write_parquet, write_text
from sim.run import key_parameters, run
from sim.sweep import claims, progress
from sim.sweep.design import apply_design, design_size
from sim.validate import check_group_choices, compose, validate
from sim.version import code_version, same_code


def execute(cfg: DictConfig, run_dir: Path, multirun: bool = False) -> dict:
    """Validate, run and write one run directory; return its summary.

    A config error in a single run writes nothing but the error, and removes only what this
    invocation wrote; every other failure, while running or writing, is recorded in summary.json
    with ``status: failed``. In a sweep the run directory is claimed first, so two sweeps into one
    directory never run it twice.
    """
    if not multirun:
        return _execute(cfg, run_dir, multirun)
    with claims.claim(run_dir):
        return _execute(cfg, run_dir, multirun)


def _execute(cfg: DictConfig, run_dir: Path, multirun: bool) -> dict:
    started = now()
    try:
        design_values = apply_design(cfg)
        run_cfg = validate(cfg)
    except ConfigError as err:
        if not multirun:
            job = HydraConfig.get().job.name if HydraConfig.initialized() else None
            rundir.remove_own_files(run_dir, job)
            raise
        return _finish(
            run_dir,
            {
                "status": "failed",
                "error": f"{CONFIG_ERROR}: {err}",
                "started": started,
                "code": code_version(),
            },
        )
    digest = config_hash(run_cfg)
    if multirun:
        done = previous_result(run_dir, digest)
        if done is not None:
            return {**done, "resumed": True}
    summary = {
        "status": "running",
        **key_parameters(run_cfg),
        "config_hash": digest,
        "started": started,
        "design_values": design_values,
        "code": code_version(),
    }
    try:
        # an earlier result in this directory (a failure, or another config) must not outlive this run
        (run_dir / "summary.json").unlink(missing_ok=True)
        summary.update(_run_and_write(run_cfg, run_dir, digest, started))
    except Exception as err:  # a failing run is recorded, never lost, and never looks complete
        summary.update(
            status="failed", error=f"{type(err).__name__}: {err}", traceback=traceback.format_exc()
        )
    return _finish(run_dir, summary)


def _run_and_write(run_cfg: RunConfig, run_dir: Path, digest: str, started: str) -> dict:
    """Run, write the run's files and return what summary.json adds: status, outcomes and checksums."""
    files: dict[str, str] = {}

    def write_snapshot(step: int, tables: dict) -> None:
        (run_dir / "snapshots").mkdir(exist_ok=True)
        for name, table in tables.items():
            rel = f"snapshots/{name}_step{step:04d}.parquet"
            files[rel] = write_parquet(run_dir / rel, table)

    t0 = time.perf_counter()
    _, table = run(run_cfg, on_snapshot=write_snapshot)
    files["timeseries.parquet"] = write_parquet(run_dir / "timeseries.parquet", table)
    files["manifest.json"] = write_json(run_dir / "manifest.json", manifest(run_cfg.seed, digest, started))
    return {
        "status": "completed",
        "runtime_s": round(time.perf_counter() - t0, 3),
        "files": files,
        **steady.summarise(table, metrics.COLUMNS, metrics.RATES),
    }


def _finish(run_dir: Path, summary: dict) -> dict:
    """Write summary.json; if even that fails (a full disk, a read-only directory), say so in the
    summary returned, which the caller reports."""
    try:
        write_json(run_dir / "summary.json", summary)
    except Exception as err:
        note = f"summary.json not written: {type(err).__name__}: {err}"
        error = "; ".join(filter(None, [summary.get("error"), note]))
        summary = {**summary, "status": "failed", "error": error}
    return summary


def previous_result(run_dir: Path, digest: str) -> dict | None:
    """The summary of a completed run of this exact config in this directory, made by this code, whose
    files are all there with the checksums summary.json recorded; None if there is none."""
    try:
        summary = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    if summary.get("status") != "completed" or summary.get("config_hash") != digest:
        return None
    if not same_code(summary.get("code")) or check_files(run_dir, summary) is not None:
        return None
    return summary


def print_summary(summary: dict, run_dir: Path, lang: str = "en") -> None:
    """The run's final outcomes as a table, labelled in ``lang`` (report.lang) with the config name
    of each outcome beside its label, so that the table maps onto the files' columns."""
    if summary["status"] != "completed":
        print(f"run failed: {summary['error']}", file=sys.stderr)
        return
    print(run_line(summary, lang))
    rows = []
    for name in metrics.COLUMNS:
        value = summary["final"][name]
        shown = term("cli.undefined", lang) if value is None else f"{value:.4f}"
        rows.append([outcomes.label(name, lang, unit=True), name, shown])
    header = [term("cli.final", lang), "", ""]
    print(tabulate(rows, headers=header, colalign=("left", "left", "right"), disable_numparse=True))
    state = summary["steady_state"]
    reached = (
        term("cli.steady_from", lang).format(week=state["week"])
        if state["reached"]
        else term("cli.steady_not", lang)
    )
    # English names the outcomes as the files' columns do, Chinese by their labels
    named = [name if lang == "en" else outcomes.label(name, lang) for name in state["drifting"]]
    drifting = (
        term("cli.drifting", lang).format(names=term("cli.separator", lang).join(named)) if named else ""
    )
    print(term("cli.steady", lang).format(reached=reached, drifting=drifting))
    print(term("cli.results", lang).format(path=run_dir))


def run_line(summary: dict, lang: str) -> str:
    # English names the choices as the config does (sinking=need), Chinese by the article's terms
    name = (lambda key: key) if lang == "en" else (lambda key: term(key, lang))
    return term("cli.run", lang).format(
        scenario=name(summary["scenario"]),
        governance=name(summary["governance"]),
        sinking=name(summary["sinking"]),
        seed=summary["seed"],
        steps=summary["steps"],
        seconds=summary["runtime_s"],
    )


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    run_dir = Path(hc.runtime.output_dir)
    if hc.mode.name == "MULTIRUN":
        _sweep_job(cfg, run_dir, Path(hc.sweep.dir))
        return
    try:
        summary = execute(cfg, run_dir)
    except ConfigError as err:
        refuse(str(err))
    print_summary(summary, run_dir, cfg.get("report", {}).get("lang", "en"))
    if summary["status"] != "completed":
        sys.exit(EXIT_FAILED)


def _sweep_job(cfg: DictConfig, run_dir: Path, sweep_dir: Path) -> None:
    """One job of a sweep: one run, or each run of a chunk of a design's rows (``design.chunk``)."""
    if OmegaConf.select(cfg, "design.chunk") is None:
        _record(cfg, run_dir, sweep_dir)
        return
    for row, row_dir, task in chunk_rows(cfg, sweep_dir):
        _record(row, row_dir, sweep_dir, task)


def chunk_rows(cfg: DictConfig, sweep_dir: Path) -> Iterator[tuple[DictConfig, Path, list[str]]]:
    """The runs of a job that runs a chunk of a design's rows, each as the job of that row alone would
    run it: its config (``design.sample`` set), its run directory named by its overrides as Hydra names
    a job's, and those overrides. Its snapshot is a job's (``.hydra/config.yaml``, ``overrides.yaml``);
    Hydra's own config (``hydra.yaml``) and the job log are the chunk's, in the chunk job's directory,
    so Hydra's work for a job (composing, copying and saving its configs, a log) is paid once a chunk."""
    from hydra._internal.config_loader_impl import get_overrides_dirname

    hc = HydraConfig.get()
    spec = OmegaConf.to_container(cfg.design, resolve=True)
    first, size = spec["chunk"] * spec["chunk_size"], spec["chunk_size"]
    naming = hc.job.config.override_dirname
    for sample in range(first, min(first + size, design_size(spec))):
        task = [
            line.replace(f"design.chunk={spec['chunk']}", f"design.sample={sample}")
            for line in hc.overrides.task
            if "design.chunk_size=" not in line
        ]
        name = get_overrides_dirname(
            overrides=overrides.parse(task),
            exclude_keys=naming.exclude_keys,
            item_sep=naming.item_sep,
            kv_sep=naming.kv_sep,
        )
        row = copy.deepcopy(cfg)
        with open_dict(row.design):
            row.design.sample = sample
            del row.design["chunk"], row.design["chunk_size"]
        yield row, sweep_dir / name, task


def as_yaml(data: dict | list) -> str:
    """What OmegaConf.to_yaml writes for a config's plain data, by libyaml: a third of the time."""
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(data, Dumper=dumper, default_flow_style=False, allow_unicode=True, sort_keys=False)


def _record(cfg: DictConfig, run_dir: Path, sweep_dir: Path, snapshot: list[str] | None = None) -> None:
    """Run and record one run of a sweep, first saving its config snapshot if Hydra has not (a row of
    a chunk: its overrides are ``snapshot``). Whatever happens is recorded, and the sweep goes on (an
    exception escaping a job would stop Hydra's sweep before the tables and report are written)."""
    try:
        if snapshot is not None:
            (run_dir / ".hydra").mkdir(parents=True, exist_ok=True)
            write_text(run_dir / ".hydra" / "config.yaml", as_yaml(OmegaConf.to_container(cfg)))
            write_text(run_dir / ".hydra" / "overrides.yaml", as_yaml(snapshot))
        summary = execute(cfg, run_dir, multirun=True)
    except Exception as err:
        summary = {"status": "failed", "error": f"{type(err).__name__}: {err}"}
    try:
        progress.record(
            sweep_dir, run_dir, summary["status"], summary.get("resumed", False), summary.get("error")
        )
    except OSError as err:
        print(f"[sweep] {run_dir.name}: progress not recorded: {err}", file=sys.stderr)


def preflight(argv: list[str]) -> None:
    """Compose the first point of the command's overrides so a bad key, value or name fails in one
    line before Hydra makes any directory."""
    args = get_args_parser().parse_args(argv)  # Hydra's own command line, so -m and -cn read alike
    parsed = []
    try:
        parsed = overrides.parse(args.overrides)
        problem = overrides.sweep_problem(parsed, args.multirun, group_options)
        if problem:
            raise ConfigError(problem)
        check_group_choices(args.overrides)  # every point's choice, not only the first one's
        compose(overrides.first_point(parsed, group_options))
    except ConfigError as err:
        message = str(err)
    except OverrideParseException as err:
        message = overrides.parse_error_message(err)
    except Exception as err:  # Hydra's own composition errors, on one line
        key = overrides.unknown_key(err)
        message = overrides.unknown_key_message(key, parsed) if key else overrides.one_line(err)
    else:
        return
    refuse(message)


def main() -> None:
    preflight(sys.argv[1:])
    launch()


def launch() -> None:
    """Make the run or sweep directory and let Hydra compose and launch: after :func:`preflight`, or
    for a command line whose config was checked already (a study's batch, :mod:`sim.study.batch`)."""
    sys.argv[1:] = rundir.prepare(sys.argv[1:])
    _hydra_main()
