"""Command line: check the overrides, let Hydra compose and launch, run, write the run directory."""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
import traceback
import warnings
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim import metrics
from sim.config import CONFIG_DIR, ConfigError, config_hash
from sim.results import manifest, now, write_json, write_parquet
from sim.run import key_parameters, run
from sim.sweep import progress
from sim.sweep.design import apply_design
from sim.validate import compose, validate

EXIT_CONFIG = 2
EXIT_FAILED = 1


def execute(cfg: DictConfig, run_dir: Path, multirun: bool = False) -> dict:
    """Validate, run and write one run directory; return its summary.

    A config error writes nothing but the error and removes the directory Hydra made for a single
    run; any other failure is recorded in summary.json with ``status: failed``.
    """
    started = now()
    try:
        design_values = apply_design(cfg)
        run_cfg = validate(cfg)
    except ConfigError as err:
        if not multirun:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        summary = {"status": "failed", "error": f"config error: {err}", "started": started}
        write_json(run_dir / "summary.json", summary)
        return summary
    digest = config_hash(run_cfg)
    if multirun:
        done = previous_result(run_dir, digest)
        if done is not None:
            return {**done, "resumed": True}
    summary = {"status": "running", **key_parameters(run_cfg), "config_hash": digest, "started": started,
               "design_values": design_values}
    # an earlier result in this directory (a failure, or another config) must not outlive this run
    (run_dir / "summary.json").unlink(missing_ok=True)

    def write_snapshot(step: int, tables: dict) -> None:
        (run_dir / "snapshots").mkdir(exist_ok=True)
        for name, table in tables.items():
            write_parquet(run_dir / "snapshots" / f"{name}_step{step:04d}.parquet", table)

    t0 = time.perf_counter()
    try:
        _, table = run(run_cfg, on_snapshot=write_snapshot)
    except Exception as err:  # a failing run is recorded, never lost, and never looks complete
        summary.update(status="failed", error=f"{type(err).__name__}: {err}", traceback=traceback.format_exc())
        write_json(run_dir / "summary.json", summary)
        return summary
    write_parquet(run_dir / "timeseries.parquet", table)
    write_json(run_dir / "manifest.json", manifest(run_cfg.seed, digest, started))
    summary.update(status="completed", runtime_s=round(time.perf_counter() - t0, 3),
                   final={k: float(v) for k, v in table.iloc[-1][list(metrics.OUTCOMES)].items()})
    write_json(run_dir / "summary.json", summary)
    return summary


def previous_result(run_dir: Path, digest: str) -> dict | None:
    """The summary of a completed run of this exact config in this directory, if there is one."""
    try:
        summary = json.loads((run_dir / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    complete = summary.get("status") == "completed" and (run_dir / "timeseries.parquet").exists()
    return summary if complete and summary.get("config_hash") == digest else None


def print_summary(summary: dict, run_dir: Path) -> None:
    if summary["status"] != "completed":
        print(f"run failed: {summary['error']}", file=sys.stderr)
        return
    print(f"{summary['scenario']} | {summary['governance']} | sinking={summary['sinking']} | "
          f"seed={summary['seed']} | {summary['steps']} weeks | {summary['runtime_s']:.2f} s")
    for name in metrics.OUTCOMES:
        print(f"  {name:<26} {summary['final'][name]:>12.4f}")
    print(f"results: {run_dir}")


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _hydra_main(cfg: DictConfig) -> None:
    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    hc = HydraConfig.get()
    multirun = hc.mode.name == "MULTIRUN"
    run_dir = Path(hc.runtime.output_dir)
    try:
        summary = execute(cfg, run_dir, multirun=multirun)
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    if multirun:
        progress.record(Path(hc.sweep.dir), run_dir, summary["status"], summary.get("resumed", False))
        return
    print_summary(summary, run_dir)
    if summary["status"] != "completed":
        sys.exit(EXIT_FAILED)


def preflight(argv: list[str]) -> None:
    """Compose the first point of the command's overrides so a bad key, value or name fails in one
    line before Hydra makes any directory."""
    overrides = [a for a in argv if "=" in a and not a.startswith(("hydra.", "hydra/", "-"))]
    first = []
    for item in overrides:
        key, _, value = item.partition("=")
        if "," in value and not value.strip().startswith(("[", "{")):
            value = value.split(",")[0]
        if value.startswith(("range(", "choice(", "glob(", "interval(")):
            continue
        first.append(f"{key}={value}")
    try:
        compose(first)
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    except Exception as err:  # Hydra's own composition errors: keep the first informative line
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        print(f"config error: {' '.join(lines[:2])}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)


def main() -> None:
    # configs/hydra/launcher/ray.yaml deliberately extends the Ray plugin's schema of the same name
    # (to keep a local Ray on loopback); Hydra warns about that pattern on every Ray sweep
    warnings.filterwarnings("ignore", message=r"\s*'hydra/launcher/ray' is validated against ConfigStore schema")
    preflight(sys.argv[1:])
    _hydra_main()
