"""`python -m sim [overrides]`: one run (or, with -m, a Hydra multirun) of the model.

A thin Hydra entry over :func:`sim.cli.execute`, which does the work and is testable without Hydra.
"""

from sim.cli import main

if __name__ == "__main__":
    main()
