"""``python -m sim.policy +policy_search=NAME | +experiment=policy_NAME [overrides]``: robust
multi-objective policy search (see :mod:`sim.policy`; ``--help`` lists the keys).

Prints the Pareto set with the exact ``python -m sim`` command of each member. Exit 0 when every
candidate completed, 1 when some failed (recorded and excluded; the search went on) or a batch could
not run, 2 for bad input (one line, nothing written), e.g. resuming results of other code, which the
batch's sweep refuses.
"""

from sim.policy.search import KIND
from sim.study.command import main

if __name__ == "__main__":
    main(KIND)
