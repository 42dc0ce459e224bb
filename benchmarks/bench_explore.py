"""Overhead of an exploration beyond the model runs, and an exploration on 2 local workers against the
same evaluations as single runs run one after another.

Three timings of the same N evaluations (the `demo` exploration's factors on the `small` district,
26 weeks, one arm, seed 0), run in this order:

1. ``python -m sim.explore`` with the basic (serial) launcher: its wall time minus the runs' own
   model time (``runtime_s``), over N, is the overhead per evaluation (process start, composition,
   validation, run directory with provenance and checksums, tables, PRIM and report);
2. ``python -m sim.explore`` with the joblib launcher on 2 workers;
3. N single runs, ``python -m sim ...`` one after another, each with the exact command the
   exploration reports for the point.

    python benchmarks/bench_explore.py [--evaluations 1000] [--steps 26]

The issue asks for N = 1,000; the default is 100 so that it finishes in minutes on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sim.explore.evaluate import command  # noqa: E402


def explore(directory: Path, n: int, steps: int, *launcher: str) -> float:
    argv = [
        sys.executable,
        "-m",
        "sim.explore",
        "+exploration=demo",
        "~exploration.arms.baseline",
        f"exploration.dir={directory}",
        f"exploration.sampler.n={n}",
        "exploration.seeds=[0]",
        "exploration.launcher=[" + ",".join(f"'{a}'" for a in launcher) + "]",
        f"steps={steps}",
    ]
    t0 = time.perf_counter()
    subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - t0


def single_runs(directory: Path, points: pd.DataFrame, model: list[str], out: Path) -> float:
    names = [c for c in points.columns if c.startswith(("behaviour.", "sinking."))]
    t0 = time.perf_counter()
    for i, row in points.iterrows():
        line = command(model, {n: row[n] for n in names}, 0).split()[3:]
        subprocess.run(
            [sys.executable, "-m", "sim", *line, f"hydra.run.dir={out / str(i)}"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--evaluations", type=int, default=100)
    parser.add_argument("--steps", type=int, default=26)
    args = parser.parse_args()
    n = args.evaluations
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        serial = explore(tmp / "serial", n, args.steps)
        runs = pd.read_parquet(tmp / "serial" / "runs_policy.parquet")
        batch = tmp / "serial" / "arms" / "policy"
        model_time = sum(
            json.loads((batch / r / "summary.json").read_text())["runtime_s"] for r in runs["run"]
        )
        parallel = explore(tmp / "joblib", n, args.steps, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2")
        points = pd.read_parquet(tmp / "serial" / "points.parquet")
        single = single_runs(
            tmp, points, ["scenario=small", f"steps={args.steps}", "governance=zone"], tmp / "runs"
        )
    print(f"{n} evaluations (small district, {args.steps} weeks, one arm, seed 0)")
    print(
        f"  model time of the runs (sum of runtime_s):  {model_time:8.1f} s ({model_time / n:.3f} s per run)"
    )
    print(f"  exploration, serial launcher:               {serial:8.1f} s")
    print(f"    overhead per evaluation beyond the model:  {(serial - model_time) / n:8.3f} s")
    print(f"  exploration, joblib on 2 workers:           {parallel:8.1f} s")
    print(f"  {n} single runs (python -m sim), serially:  {single:8.1f} s")
    print(f"    overhead per single run beyond the model:  {(single - model_time) / n:8.3f} s")
    print(f"  speed-up, 2-worker exploration over single runs: {single / parallel:.2f}x")


if __name__ == "__main__":
    main()
