"""Scaling of time and peak memory with population size and with steps.

Each point runs in a fresh process (so peak resident memory is that run's alone): presets from
`small` to `huangpu` (1:1, ~1.1 million people) at 52 weeks, and `nanjing_east` at 13, 26, 52 and
104 weeks. Writes results/benchmarks/scaling.csv and scaling.png and prints the table, the
log-log slopes (1 = linear) and the huangpu figures next to their targets (<= 60 s whole process
on one core, <= 4 GB peak RSS).

    python benchmarks/scaling.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "results" / "benchmarks"
PRESETS = ("small", "xiaodongmen", "bund", "huaihai", "nanjing_east", "huangpu")
CHILD = """
import json, resource, sys, time
t0 = time.perf_counter()
from sim import VerticalCommunityModel
model = VerticalCommunityModel(sys.argv[1], "brand", "need", rng=0, agent_views="none")
t1 = time.perf_counter()
model.run(int(sys.argv[2]))
t2 = time.perf_counter()
print(json.dumps({"agents": len(model.people) + len(model.firms), "build_s": t1 - t0, "step_s": t2 - t1,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(preset: str, steps: int) -> dict:
    t0 = time.perf_counter()
    # taskset pins the child to one core: the targets are for one core
    out = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", CHILD, preset, str(steps)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
    return {"preset": preset, "steps": steps, "process_s": time.perf_counter() - t0, **json.loads(out.stdout)}


def slope(x, y) -> float:
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    points = [(p, 52) for p in PRESETS] + [("nanjing_east", s) for s in (13, 26, 104)]
    rows = [measure(p, s) for _ in range(args.repeats) for p, s in points]
    table = pd.DataFrame(rows).groupby(["preset", "steps"], as_index=False).median()
    table["agent_steps_per_s"] = table["agents"] * table["steps"] / table["step_s"]
    OUT.mkdir(parents=True, exist_ok=True)
    table.to_csv(OUT / "scaling.csv", index=False)

    by_size = table[table["steps"] == 52].sort_values("agents")
    by_steps = table[table["preset"] == "nanjing_east"].sort_values("steps")
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    axes[0].loglog(by_size["agents"], by_size["step_s"], "o-", label="stepping (52 weeks)")
    axes[0].loglog(by_size["agents"], by_size["process_s"], "s--", label="whole process")
    axes[0].set(xlabel="agents (people + firms)", ylabel="seconds", title="time against population")
    axes[0].legend()
    axes[1].loglog(by_size["agents"], by_size["peak_rss_mb"], "o-")
    axes[1].set(xlabel="agents", ylabel="peak RSS (MB)", title="memory against population")
    axes[2].plot(by_steps["steps"], by_steps["step_s"], "o-")
    axes[2].set(xlabel="weeks", ylabel="seconds", title="nanjing_east: time against steps")
    fig.tight_layout()
    fig.savefig(OUT / "scaling.png", dpi=120)

    pd.set_option("display.width", 200)
    print(table.round(3).to_string(index=False))
    big = by_size[by_size["agents"] > 5000]  # the smallest runs are dominated by fixed costs
    agents_slope = slope(big["agents"], big["step_s"])
    print(f"\nlog-log slope of stepping time against agents (>5k agents): {agents_slope:.2f}  (1 = linear)")
    base = by_size["peak_rss_mb"].iloc[0]  # the smallest run: interpreter and imports
    print(
        f"log-log slope of peak memory above the {base:.0f} MB import baseline (>5k agents): "
        f"{slope(big['agents'], big['peak_rss_mb'] - base):.2f}"
    )
    weeks_slope = slope(by_steps["steps"], by_steps["step_s"])
    print(f"log-log slope of stepping time against weeks (nanjing_east): {weeks_slope:.2f}")
    hp = table[(table["preset"] == "huangpu") & (table["steps"] == 52)].iloc[0]
    print(f"\nhuangpu 1:1, {int(hp['agents']):,} agents, 52 weeks, one core (medians of {args.repeats}):")
    time_ok = "ok" if hp["process_s"] <= 60 else "MISSED"
    memory_ok = "ok" if hp["peak_rss_mb"] <= 4096 else "MISSED"
    print(f"  whole process {hp['process_s']:.1f} s   target <= 60 s   {time_ok}")
    print(f"  peak RSS {hp['peak_rss_mb']:.0f} MB     target <= 4096 MB {memory_ok}")
    print(f"\nwrote {OUT / 'scaling.csv'} and {OUT / 'scaling.png'}")


if __name__ == "__main__":
    main()
