"""Hydra callback that records a sweep's provenance at its start and builds its tables and report at
its end. Configured in configs/config.yaml under hydra.callbacks (Hydra's own config, not the run's)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.experimental.callback import Callback
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from omegaconf import DictConfig, OmegaConf

from sim.results import git_state, machine, now, package_versions, write_json
from sim.sweep.progress import SWEEP_FILE


def sweep_points(config: DictConfig) -> int | None:
    """How many runs the basic sweeper will launch (None for other sweepers)."""
    sweeper = config.hydra.sweeper
    if not str(sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    params = [f"{k}={v}" for k, v in (sweeper.get("params") or {}).items()]
    parsed = OverridesParser.create().parse_overrides(params + list(config.hydra.overrides.task))
    return sum(len(batch) for batch in BasicSweeper.split_arguments(parsed, None))


class SweepRecorder(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        total = sweep_points(config)
        design = config.get("design")
        if design is not None and total is not None:
            from sim.sweep.design import design_size

            size = design_size(OmegaConf.to_container(design, resolve=True))
            swept = any(o.startswith(("design.sample=", "+design.sample=")) for o in config.hydra.overrides.task) or \
                "design.sample" in (config.hydra.sweeper.get("params") or {})
            if not swept or total % size:
                print(f"config error: design.sample: the design has {size} points; sweep "
                      f"design.sample=range(0,{size}) (times any other swept values)", file=sys.stderr)
                sys.exit(2)
        previous = json.loads((sweep_dir / SWEEP_FILE).read_text()) if (sweep_dir / SWEEP_FILE).exists() else {}
        session = {
            "command": sys.argv,
            "overrides": list(config.hydra.overrides.task),
            "sweeper_params": OmegaConf.to_container(config.hydra.sweeper.params) if config.hydra.sweeper.get("params") else {},
            "launcher": config.hydra.launcher.get("_target_"),
            "started": now(),
        }
        write_json(sweep_dir / SWEEP_FILE, {
            **session,
            "started_unix": time.time(),
            "total_runs": total,
            "git": git_state(),
            "packages": package_versions(),
            "machine": machine(),
            "sessions": previous.get("sessions", []) + [session],
        })

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from sim.sweep.aggregate import aggregate
        from sim.sweep.report import report

        sweep_dir = Path(config.hydra.sweep.dir)
        runs = aggregate(sweep_dir)
        print(f"[sweep] tables: {sweep_dir / 'runs.parquet'} ({len(runs)} runs, "
              f"{int((runs['status'] != 'completed').sum())} failed)", file=sys.stderr)
        try:
            path = report(sweep_dir)
        except Exception as err:  # the tables are written; a report problem must not hide them
            print(f"[sweep] report failed: {type(err).__name__}: {err}", file=sys.stderr)
        else:
            print(f"[sweep] report: {path}", file=sys.stderr)
