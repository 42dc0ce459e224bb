"""A large sweep on a real local Ray cluster: time, driver memory and resume.

Starts the cluster of ``tests/test_cluster.py`` (a head and a second node, each in its own process
group on a loopback address of its own, one CPU each), runs the Ray recipe of docs/clusters.md on it
for N runs of the `small` district (52 weeks, seeds 0..N-1), then runs the same command again, which resumes
and must run nothing. Prints, for each: wall time, peak resident memory of the launching process
(the driver: Ray's workers are the nodes' processes), and for the sweep the runs' summed model time
over wall time x CPUs (how busy the cluster was kept).

    python benchmarks/bench_cluster.py [--runs 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
from test_cluster import RAY_RECIPE, LocalRayCluster  # noqa: E402  (the cluster the tests start)

CPUS = 2  # two nodes of one CPU each (LocalRayCluster)


def measured(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float, str]:
    """Wall time (s), peak resident memory (MB) and stderr of a command in a fresh process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err.seek(0)
        text = err.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{text[-3000:]}")
    return wall, usage.ru_maxrss / 1024, text  # Linux reports kilobytes


def summary_times(sweep_dir: Path) -> list[int]:
    return [p.stat().st_mtime_ns for p in sorted(sweep_dir.glob("*/summary.json"))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the sweep here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_cluster_"))
    root.mkdir(parents=True, exist_ok=True)
    cluster = LocalRayCluster(Path(tempfile.mkdtemp(prefix="nodes", dir=root)))
    try:
        cluster.start()
        env = {**cluster.env, "RAY_ADDRESS": cluster.gcs}
        sweep_dir = root / "sweep"
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "-m",
            "scenario=small",
            f"seed=range(0,{args.runs})",
            *RAY_RECIPE,
            f"hydra.sweep.dir={sweep_dir}",
        ]
        first = measured(cmd, env, REPO)
        runs = pd.read_parquet(sweep_dir / "runs.parquet")
        stamps = summary_times(sweep_dir)
        again = measured(cmd, env, REPO)
        rerun = sum(a != b for a, b in zip(stamps, summary_times(sweep_dir)))
    finally:
        cluster.stop()
    done = int((runs["status"] == "completed").sum())
    model = float(runs["runtime_s"].sum())
    print(f"{args.runs} runs of `small` (52 weeks) on a local 2-node Ray cluster ({CPUS} CPUs), address=auto")
    print(f"  sweep:  {first[0]:8.1f} s wall, driver peak {first[1]:6.0f} MB, {done} completed")
    per_run, model_per_run = first[0] / args.runs * 1000, model / args.runs * 1000
    print(f"          {per_run:8.1f} ms a run; model time {model_per_run:.1f} ms a run")
    print(f"          cluster kept busy: {model / (first[0] * CPUS):6.1%} of wall time x CPUs in model runs")
    print(f"  resume: {again[0]:8.1f} s wall, driver peak {again[1]:6.0f} MB ({rerun} runs re-run)")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
