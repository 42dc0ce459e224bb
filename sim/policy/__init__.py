"""Policy search (政策搜索): robust multi-objective search over levers (``python -m sim.policy``), as a
study of the study layer (:mod:`sim.study`: its factors, batches on the project's own launchers,
directory and command)."""
