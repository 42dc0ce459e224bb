"""python -m sim.policy +policy_search=NAME | +experiment=policy_NAME [overrides]: robust
multi-objective policy search.

Prints the Pareto set with the exact ``python -m sim`` command of each member. Exit 0 when every
candidate completed, 1 when some failed (recorded and excluded; the search went on), 2 for bad input
(one line, nothing written) or a batch that cannot run (e.g. resuming results of other code, refused
as a sweep refuses them).
"""

from __future__ import annotations

import sys
import time

from sim.explore.study import claim_directory, load, main, require
from sim.policy import report, search
from sim.sweep.batch import BatchError


def policy(argv: list[str]) -> int:
    t0 = time.perf_counter()
    require("optuna")
    s = search.plan(load(search.SECTION, argv, search.PREFIX))
    directory = claim_directory(s.study, s.resolved())
    runs = s.generations * s.population * len(s.scenarios) * len(s.seeds)
    print(
        f"[policy] {s.generations} generations x {s.population} candidates x {len(s.scenarios)} scenarios "
        f"x {len(s.seeds)} seeds = {runs} runs -> {directory}"
    )
    try:
        study, table, runs = search.run(s, directory)
    except BatchError as err:  # a batch that cannot run at all, e.g. results of other code to resume
        print(f"policy search failed: {err}", file=sys.stderr)
        return 2
    front = search.pareto(study, table)
    path, members = report.write(s, table, front, runs, directory)
    print(f"[policy] Pareto set: {len(front)} of {len(table)} candidates; {time.perf_counter() - t0:.0f} s")
    for member in members:
        objectives = ", ".join(f"{k} {v:.4f}" for k, v in member["objectives"].items())
        print(f"  trial {member['trial']}: {objectives}\n    {member['commands'][0]}")
    print(f"report: {path}")
    return 1 if (table["status"] != "completed").any() else 0


if __name__ == "__main__":
    main(policy)
