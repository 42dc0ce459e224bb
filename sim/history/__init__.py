"""History matching with emulators (历史匹配): waves of Gaussian-process emulators of every target
statistic's mean and seed variance rule out the parameter sets whose implausibility exceeds a cutoff,
until the non-implausible space stops shrinking; posterior draws inside it follow. Evaluations run as
batches of ordinary sweeps through any Hydra launcher (sim.study).

    python -m sim.history +history=steady              # a history-matching config
    python -m sim.history +experiment=history_steady   # the pinned study

Modules: ``schema`` (the ``history:`` block's keys, defaults and checks), ``emulator`` (the mean and
seed-variance emulators of one statistic, scikit-learn's Gaussian processes), ``match``
(implausibility, NROY, designs inside it, the emulators' likelihood), ``waves`` (the loop and its
stopping rule, the posterior), ``runs`` (a wave's batches and statistics), ``study`` (plan, run,
analyse and report, the steps the study layer calls), ``report`` (figures and report.md).
"""
