"""``python -m sim.history +history=NAME [overrides]``: history matching with emulators against a target
set (see :mod:`sim.history`)."""

from sim.history.study import KIND
from sim.study.command import main

if __name__ == "__main__":
    main(KIND)
