"""``python -m sim.calibrate +calibration=NAME [overrides]``: calibrate behavioural parameters against a
target set by batch ABC-SMC (see :mod:`sim.calibrate`)."""

from sim.calibrate.study import KIND
from sim.study.command import main

if __name__ == "__main__":
    main(KIND)
