"""python -m sim.explore +exploration=NAME | +experiment=explore_NAME [overrides]: scenario discovery.

Exit 0 when every evaluation completed, 1 when some failed (they are recorded and excluded, the
analysis covers the others), 2 for bad input (one line, nothing written) or a batch that cannot run
(e.g. resuming results of other code, refused as a sweep refuses them).
"""

from __future__ import annotations

import sys
import time

from sim.explore import exploration, report
from sim.explore.study import claim_directory, load, main, require
from sim.sweep.batch import BatchError


def explore(argv: list[str]) -> int:
    t0 = time.perf_counter()
    require("ema_workbench", "sklearn")
    p = exploration.plan(load(exploration.SECTION, argv, exploration.PREFIX))
    directory = claim_directory(p.study, p.resolved())
    runs = len(p.arms) * p.sampler["n"] * len(p.seeds)
    print(
        f"[explore] {p.sampler['n']} points x {len(p.arms)} arms x {len(p.seeds)} seeds = {runs} runs"
        f" -> {directory}"
    )
    try:
        results, runs = exploration.run(p, directory)
    except BatchError as err:  # a batch that cannot run at all, e.g. results of other code to resume
        print(f"explore failed: {err}", file=sys.stderr)
        return 2
    analysis = exploration.analyse(p, results, runs)
    path = report.write(p, results, analysis, directory)
    boxes = ", ".join(
        f"box {i + 1}: coverage {b.coverage:.2f}, density {b.density:.2f}, {len(b.limits)} dims"
        for i, b in enumerate(analysis["boxes"])
    )
    print(
        f"[explore] {int(analysis['y'].sum())} of {analysis['evaluated']} points of interest; "
        f"{len(analysis['boxes'])} PRIM boxes{': ' + boxes if boxes else ''}; "
        f"{time.perf_counter() - t0:.0f} s\nreport: {path}"
    )
    return 1 if analysis["failed"] else 0


if __name__ == "__main__":
    main(explore)
