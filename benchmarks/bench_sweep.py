"""Parallel speed-up and per-run overhead of a sweep of the default scenario.

Runs the same N-run sweep (nanjing_east, brand, need, 52 weeks, seeds 0..N-1) serially (Hydra's
basic launcher) and with the joblib launcher on 2 workers, interleaved (serial, parallel, serial, ...)
so that both see the same load on a shared machine, and prints medians next to the targets:

- speed-up of 2 joblib workers over serial (target >= 1.9x), with the model time per run in both, since
  two runs at once on a 2-core machine slow each other (shared caches and memory bandwidth): that
  alone caps the speed-up at 2 x serial model time / parallel model time;
- overhead per run beyond the model run (target <= 0.05 s): the serial sweep's wall time minus the
  runs' own model time (``runtime_s``: build, steps and table), per run. It is given two ways: the
  whole sweep's (process start, checks, tables and report included, over N) and the marginal cost of
  one more run (the slope between a sweep of N and one of N/5 runs), which is what grows with a sweep.

    python benchmarks/bench_sweep.py [--runs 100] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
SPEEDUP_TARGET, OVERHEAD_TARGET = 1.9, 0.05


def timed_sweep(runs: int, launcher: str) -> tuple[float, float, float]:
    """Wall time of the sweep as a whole process, the sum of its runs' model times, and the time from
    the first run's start to the last run's summary (the phase that more workers can shorten)."""
    with tempfile.TemporaryDirectory() as tmp:
        extra = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"] if launcher == "joblib" else []
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", "-m", f"seed=range(0,{runs})", f"hydra.sweep.dir={tmp}/s", *extra],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - t0
        summaries = list((Path(tmp) / "s").glob("*/summary.json"))
        first = min(
            datetime.fromisoformat(json.loads(p.read_text())["started"]).timestamp() for p in summaries
        )
        phase = max(p.stat().st_mtime for p in summaries) - first
        return wall, float(pd.read_parquet(Path(tmp) / "s" / "runs.parquet")["runtime_s"].sum()), phase


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    small = max(args.runs // 5, 1)
    serial, parallel, whole, marginal, model, model_parallel, phases = [], [], [], [], [], [], []
    for _ in range(args.repeats):
        wall_small, model_small, _ = timed_sweep(small, "basic")
        wall, model_time, phase = timed_sweep(args.runs, "basic")
        wall_parallel, model_time_parallel, phase_parallel = timed_sweep(args.runs, "joblib")
        parallel.append(wall_parallel)
        model_parallel.append(model_time_parallel / args.runs)
        phases.append(phase / phase_parallel)
        serial.append(wall)
        model.append(model_time / args.runs)
        whole.append((wall - model_time) / args.runs)
        marginal.append(((wall - model_time) - (wall_small - model_small)) / (args.runs - small))
    speedup = statistics.median(serial) / statistics.median(parallel)
    overhead = statistics.median(marginal)

    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    print(f"{args.runs}-run sweep of the default scenario, medians of {args.repeats} repeat(s), interleaved")
    print(f"  serial (basic launcher) wall time (s)         {statistics.median(serial):8.1f}")
    print(f"  joblib, 2 workers, wall time (s)              {statistics.median(parallel):8.1f}")
    print(
        f"  speed-up                                      {speedup:8.2f}x  target >= {SPEEDUP_TARGET}  "
        f"{verdict(speedup >= SPEEDUP_TARGET)}"
    )
    # Amdahl: what 2 workers could reach if only the runs were shared and the rest of the serial sweep
    # (start-up, tables, report) stayed as it is, at the measured parallel model time
    fixed = statistics.median(serial) - args.runs * (statistics.median(model) + overhead)
    best = fixed + args.runs * (statistics.median(model_parallel) + overhead) / 2
    print(f"  speed-up of the runs alone (first start to last summary) {statistics.median(phases):5.2f}x")
    print(
        f"  bound from the fixed costs ({fixed:.1f} s: start-up, tables, report)  "
        f"{statistics.median(serial) / best:5.2f}x"
    )
    print(f"  model time per run, serial (s)                {statistics.median(model):8.3f}")
    slower = statistics.median(model_parallel) / statistics.median(model)
    print(
        f"  model time per run, 2 workers (s)             {statistics.median(model_parallel):8.3f}   "
        f"({slower - 1:+.0%}: the runs slow each other down; alone a ceiling of {2 / slower:.2f}x)"
    )
    print(
        f"  overhead per run, marginal ({small} vs {args.runs} runs) (s) {overhead:8.3f}   target <= "
        f"{OVERHEAD_TARGET}  {verdict(overhead <= OVERHEAD_TARGET)}"
    )
    print(f"  overhead per run, whole sweep incl. fixed (s) {statistics.median(whole):8.3f}")


if __name__ == "__main__":
    main()
