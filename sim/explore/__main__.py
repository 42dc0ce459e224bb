"""``python -m sim.explore +exploration=NAME | +experiment=explore_NAME [overrides]``: scenario discovery
(see :mod:`sim.explore`; ``--help`` lists the keys).

Exit 0 when every evaluation completed, 1 when some failed (they are recorded and excluded, the
analysis covers the others) or a batch could not run, 2 for bad input (one line, nothing written),
e.g. resuming results of other code, which the batch's sweep refuses.
"""

from sim.explore.exploration import KIND
from sim.study.command import main

if __name__ == "__main__":
    main(KIND)
