"""Issue 19's figures, each next to its target and to the same figure of the code before the
speed-up, measured in the same run (interleaved repeats, medians; these machines are shared).

The code before is a temporary git worktree of ``--baseline`` (default: the last commit before the
speed-up) run with this interpreter and its packages: each measure is a subprocess whose working
directory is the checkout, so ``python -m sim`` and ``import sim`` take that checkout's code.

    python benchmarks/bench_speed.py [--repeats 3] [--baseline COMMIT] [--only NAME ...]

Measures (targets from issue 19):
- ``nanjing_520``: ``python -m sim scenario=nanjing_east steps=520``, whole process (<= 3 s);
- ``stepping``: stepping Nanjing East, ns per agent-week, and the ratio to Mesa's BoltzmannWealth
  at the same agent count in the same process (<= 20 ns, >= 600x);
- ``default``: ``python -m sim``, whole process, and the first run of a fresh checkout (no
  ``__pycache__`` of its own) (<= 2 s);
- ``huangpu``: ``python -m sim scenario=huangpu steps=52``, whole process, and its peak memory
  (<= 2 s, <= 500 MB);
- ``shanghai``: ``python -m sim scenario=shanghai steps=52`` (<= 60 s, <= 8 GB); the 520-week run
  is ``benchmarks/bench_shanghai.py``'s.
The overhead per evaluation of a study is ``benchmarks/bench_explore.py``'s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASELINE = "d2ac7d5"  # the article's claims (model version 3), before the speed-up of issue 19

STEPPING = """
import json, time
from mesa.examples import BoltzmannWealth
from sim import VerticalCommunityModel
model = VerticalCommunityModel("nanjing_east", "brand", "need", rng=0, agent_views="none")
model.run(4)  # past the first weeks' allocations
n = len(model.people) + len(model.firms)
t0 = time.perf_counter(); model.run({weeks}); ours = time.perf_counter() - t0
side = int(n ** 0.5) + 1
boltz = BoltzmannWealth(n=n, width=side, height=side, seed=0)
t0 = time.perf_counter(); boltz.step(); theirs = time.perf_counter() - t0
print(json.dumps({{"ns": ours / ({weeks} * n) * 1e9, "ratio": theirs / (ours / {weeks})}}))
"""


# run in a fresh interpreter, so that the peak memory is of the one run it starts
WRAPPER = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
subprocess.run([sys.executable, "-m", "sim", *json.loads(sys.argv[1])], check=True, capture_output=True)
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def run_sim(checkout: Path, args: list[str], fresh: bool = False) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of ``python -m sim ARGS`` in a checkout; with
    ``fresh``, in a copy of it with no compiled bytecode of its own, as after a fresh install."""
    with tempfile.TemporaryDirectory() as tmp:
        where = checkout
        if fresh:
            where = Path(tmp) / "checkout"
            shutil.copytree(checkout, where, ignore=shutil.ignore_patterns("__pycache__", ".git", "results"))
        out = subprocess.run(
            [sys.executable, "-c", WRAPPER, json.dumps([*args, f"hydra.run.dir={tmp}/run"])],
            cwd=where,
            check=True,
            capture_output=True,
            text=True,
        )
    wall, peak = map(float, out.stdout.split())
    return wall, peak


def stepping(checkout: Path, weeks: int = 20) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", STEPPING.format(weeks=weeks)],
        cwd=checkout,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


MEASURES = {
    "nanjing_520": ("Nanjing East, 520 weeks, whole process (s)", "<= 3"),
    "stepping": ("stepping Nanjing East (ns per agent-week)", "<= 20"),
    "boltzmann": ("... against BoltzmannWealth, same agents (x faster)", ">= 600"),
    "default": ("default run, whole process (s)", "<= 2"),
    "default_fresh": ("default run, first after a fresh install (s)", "<= 2"),
    "huangpu": ("huangpu 1:1, 52 weeks, whole process (s)", "<= 2"),
    "huangpu_mb": ("huangpu 1:1, 52 weeks, peak memory (MB)", "<= 500"),
    "shanghai": ("shanghai, 52 weeks, whole process (s)", "<= 60"),
    "shanghai_mb": ("shanghai, 52 weeks, peak memory (MB)", "<= 8000"),
}


def measure(checkout: Path, only: set[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    if "nanjing_520" in only:
        out["nanjing_520"] = run_sim(checkout, ["scenario=nanjing_east", "steps=520"])[0]
    if "stepping" in only:
        step = stepping(checkout)
        out["stepping"], out["boltzmann"] = step["ns"], step["ratio"]
    if "default" in only:
        out["default"] = run_sim(checkout, [])[0]
        out["default_fresh"] = run_sim(checkout, [], fresh=True)[0]
    if "huangpu" in only:
        out["huangpu"], out["huangpu_mb"] = run_sim(checkout, ["scenario=huangpu"])
    if "shanghai" in only and (checkout / "configs" / "scenario" / "shanghai.yaml").exists():
        out["shanghai"], out["shanghai_mb"] = run_sim(checkout, ["scenario=shanghai"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument(
        "--only", nargs="*", default=["nanjing_520", "stepping", "default", "huangpu", "shanghai"]
    )
    args = parser.parse_args()
    only = set(args.only)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(base), args.baseline],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        try:
            now, before = [], []
            for _ in range(args.repeats):  # interleaved, so both see the same load
                now.append(measure(REPO, only))
                before.append(measure(base, only))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, check=True)
    print(f"| measure | target | now | before ({args.baseline}) | now / before |")
    print("| --- | --- | --- | --- | --- |")
    for key, (label, target) in MEASURES.items():
        values = [m[key] for m in now if key in m]
        if not values:
            continue
        median = statistics.median(values)
        old = [m[key] for m in before if key in m]
        old_median = statistics.median(old) if old else float("nan")
        print(f"| {label} | {target} | {median:.3g} | {old_median:.3g} | {median / old_median:.2f} |")
    print(f"\n{args.repeats} repeats each, interleaved; medians. Python {sys.version.split()[0]}.")


if __name__ == "__main__":
    main()
