"""Parallel speed-up and per-run overhead of a sweep of the default scenario.

Runs the same N-run sweep (nanjing_east, brand, need, 52 weeks, seeds 0..N-1) serially (Hydra's
basic launcher) and with the joblib launcher on 2 workers, interleaved (serial, parallel, serial, ...)
so that both see the same load on a shared machine, and prints medians next to the targets:

- speed-up of 2 joblib workers over serial (target >= 1.9x);
- overhead per run beyond the model run (target <= 0.05 s): the serial sweep's wall time minus the
  runs' own model time (``runtime_s``: build, steps and table), per run. It is given two ways: the
  whole sweep's (process start, checks, tables and report included, over N) and the marginal cost of
  one more run (the slope between a sweep of N and one of N/5 runs), which is what grows with a sweep.

    python benchmarks/bench_sweep.py [--runs 100] [--repeats 1]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
SPEEDUP_TARGET, OVERHEAD_TARGET = 1.9, 0.05


def timed_sweep(runs: int, launcher: str) -> tuple[float, float]:
    """Wall time of the sweep as a whole process, and the sum of its runs' model times."""
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
        return wall, float(pd.read_parquet(Path(tmp) / "s" / "runs.parquet")["runtime_s"].sum())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    small = max(args.runs // 5, 1)
    serial, parallel, whole, marginal, model = [], [], [], [], []
    for _ in range(args.repeats):
        wall_small, model_small = timed_sweep(small, "basic")
        wall, model_time = timed_sweep(args.runs, "basic")
        parallel.append(timed_sweep(args.runs, "joblib")[0])
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
    print(f"  model time per run, serial (s)                {statistics.median(model):8.3f}")
    print(
        f"  overhead per run, marginal ({small} vs {args.runs} runs) (s) {overhead:8.3f}   target <= "
        f"{OVERHEAD_TARGET}  {verdict(overhead <= OVERHEAD_TARGET)}"
    )
    print(f"  overhead per run, whole sweep incl. fixed (s) {statistics.median(whole):8.3f}")


if __name__ == "__main__":
    main()
