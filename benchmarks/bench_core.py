"""Speed of the default run against Mesa's bundled Boltzmann wealth model, in the same process.

Prints medians over repeats, each next to its target:
- the default run (`python -m sim`: nanjing_east, brand, need, 52 weeks) as a whole process;
- stepping time of the default run (52 weeks) and its agent-steps per second;
- Mesa's BoltzmannWealth `model.step()` at the same agent count (people + firms), agent-steps/s;
- the ratio of the two rates (target >= 10x).

    python benchmarks/bench_core.py [--repeats 3] [--boltzmann-steps 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mesa.examples import BoltzmannWealth

from sim import VerticalCommunityModel

REPO = Path(__file__).resolve().parent.parent


def time_default_process() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "sim", f"hydra.run.dir={tmp}/run"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0


def time_model_steps(steps: int) -> tuple[float, int]:
    model = VerticalCommunityModel("nanjing_east", "brand", "need", rng=0, agent_views="none")
    n_agents = len(model.people) + len(model.firms)
    t0 = time.perf_counter()
    model.run(steps)
    return time.perf_counter() - t0, n_agents


def time_boltzmann(n_agents: int, steps: int) -> float:
    side = int(n_agents**0.5) + 1
    model = BoltzmannWealth(n=n_agents, width=side, height=side, seed=0)
    t0 = time.perf_counter()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--boltzmann-steps", type=int, default=3)
    args = parser.parse_args()
    steps = 52

    process, stepping, boltz = [], [], []
    n_agents = 0
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        process.append(time_default_process())
        secs, n_agents = time_model_steps(steps)
        stepping.append(secs)
        boltz.append(time_boltzmann(n_agents, args.boltzmann_steps))

    ours = n_agents * steps / statistics.median(stepping)
    theirs = n_agents * args.boltzmann_steps / statistics.median(boltz)
    rows = [
        (
            "default run, whole process (s)",
            statistics.median(process),
            "<= 5",
            statistics.median(process) <= 5,
        ),
        (
            "default run, 52 steps of stepping (s)",
            statistics.median(stepping),
            "<= 1",
            statistics.median(stepping) <= 1,
        ),
        ("default run agent-steps/s", ours, "", True),
        (f"BoltzmannWealth agent-steps/s (n={n_agents})", theirs, "", True),
        ("ratio (ours / Boltzmann)", ours / theirs, ">= 10", ours / theirs >= 10),
    ]
    print(f"medians of {args.repeats} repeats; agents = people + firms = {n_agents:,}")
    for name, value, target, ok in rows:
        print(f"  {name:<48} {value:>14,.2f}  {target:>6}  {'ok' if ok else 'MISSED' if target else ''}")


if __name__ == "__main__":
    main()
