"""`python -m sim [overrides]`: one run (or, with -m, a Hydra multirun) of the model; the same
command as the ``vcsim`` console script.

A thin entry: :mod:`sim.command` answers help, version and tab completion, and hands everything
else to :func:`sim.cli.main`, which checks the command line and lets Hydra launch
:func:`sim.cli.execute`.
"""

from sim.command import main

if __name__ == "__main__":
    main()
