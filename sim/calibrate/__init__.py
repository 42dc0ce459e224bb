"""Calibration (校准): approximate Bayesian computation of behavioural parameters against observed
patterns (``configs/targets/``), run as batches of ordinary sweeps through any Hydra launcher.

    python -m sim.calibrate +calibration=shanghai_buildings            # a calibration config
    python -m sim.calibrate +experiment=calibration_shanghai_buildings # the pinned study
    python -m sim.calibrate.uncertainty SWEEP_DIR                      # seed noise vs parameter uncertainty

Modules: ``schema`` (the ``calibration:`` block's keys, defaults and checks), ``study`` (plan, run,
analyse and report, the steps the study layer :mod:`sim.study` calls), ``abc`` (batch ABC-SMC on
pyabc's priors, kernel and weighted statistics), ``posterior`` (summaries, identifiability, draws, the
ready config, the posterior-predictive check), ``report`` (figures and report.md), ``uncertainty``
(variance decomposition of an experiment run over parameter draws and seeds).
"""
