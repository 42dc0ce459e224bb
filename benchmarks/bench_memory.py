"""Memory and time of many runs in one process, as in a sweep's worker, the app's server or a
calibration: N runs of the default scenario one after another, with the peak resident memory after each.

``--mesa-ids`` puts back Mesa 3.3's own per-model agent-id counters (``mesa.Agent._ids``, a dict keyed
by the model, which keeps every model alive: mesa issue #3179) in place of the weak ones of
``sim.agents``, to show what they cost.

    python benchmarks/bench_memory.py [--runs 12] [--mesa-ids]
"""

from __future__ import annotations

import argparse
import collections
import functools
import itertools
import resource
import statistics
import time

import mesa

import sim.agents  # noqa: F401  (installs the weak counters)
from sim.run import run
from sim.validate import compose


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--mesa-ids", action="store_true", help="Mesa's own counters (the leak)")
    args = parser.parse_args()
    if args.mesa_ids:
        mesa.Agent._ids = collections.defaultdict(functools.partial(itertools.count, 1))
    cfg = compose([])
    times, rss = [], []
    for seed in range(args.runs):
        cfg.seed = seed
        t0 = time.perf_counter()
        run(cfg)
        times.append(time.perf_counter() - t0)
        rss.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # Linux: kB
    kind = "Mesa's counters" if args.mesa_ids else "weak counters (sim.agents)"
    print(f"{args.runs} default runs in one process, {kind}")
    print(
        f"  time per run, first 3 / last 3 (s, medians)   {statistics.median(times[:3]):.3f} / "
        f"{statistics.median(times[-3:]):.3f}"
    )
    print(f"  peak resident memory after run 1 / run {args.runs} (MB)   {rss[0]:.0f} / {rss[-1]:.0f}")


if __name__ == "__main__":
    main()
