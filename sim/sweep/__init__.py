"""Sweeps (参数扫描): provenance, progress, resume, one table per sweep, reports, reproduction and
sensitivity designs. Each module is runnable: ``python -m sim.sweep.aggregate SWEEP_DIR``,
``python -m sim.sweep.report SWEEP_DIR``, ``python -m sim.sweep.reproduce RUN_DIR``; from Python,
:func:`sim.sweep.api.run_sweep` and :func:`sim.sweep.api.load_sweep` (also ``sim.run_sweep``,
``sim.load_sweep``)."""
