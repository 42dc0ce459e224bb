"""Parallel speed-up and per-run overhead of a sweep of the default scenario.

Runs the same N-run sweep (nanjing_east, brand, need, 52 weeks, seeds 0..N-1) serially (Hydra's
basic launcher) and with the joblib launcher on 2 workers, interleaved, and prints medians:
wall time, speed-up (target >= 1.8x), and the serial sweep's overhead per run (wall time minus
the runs' own model time, over N) next to the median run time.

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


def timed_sweep(runs: int, launcher: str) -> tuple[float, pd.DataFrame]:
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
        return wall, pd.read_parquet(Path(tmp) / "s" / "runs.parquet")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    serial, parallel, overhead, run_time, parallel_run_time = [], [], [], [], []
    for _ in range(args.repeats):
        wall, runs = timed_sweep(args.runs, "basic")
        serial.append(wall)
        run_time.append(runs["runtime_s"].median())
        overhead.append((wall - runs["runtime_s"].sum()) / args.runs)
        wall, runs = timed_sweep(args.runs, "joblib")
        parallel.append(wall)
        parallel_run_time.append(runs["runtime_s"].median())
    speedup = statistics.median(serial) / statistics.median(parallel)
    print(f"{args.runs}-run sweep of the default scenario, medians of {args.repeats} repeat(s)")
    print(f"  serial (basic launcher) wall time (s)      {statistics.median(serial):10.1f}")
    print(f"  joblib, 2 workers, wall time (s)           {statistics.median(parallel):10.1f}")
    verdict = "ok" if speedup >= 1.8 else "MISSED"
    print(f"  speed-up                                   {speedup:10.2f}x  target >= 1.8  {verdict}")
    print(f"  median run time, model only, serial (s)    {statistics.median(run_time):10.2f}")
    print(f"  median run time, model only, joblib (s)    {statistics.median(parallel_run_time):10.2f}")
    print(f"  sweep overhead per run, serial (s)         {statistics.median(overhead):10.2f}")


if __name__ == "__main__":
    main()
