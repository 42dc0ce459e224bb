"""Policy search (政策搜索): robust multi-objective search over levers (``python -m sim.policy``), on the
factors, studies and batch evaluation of sim.explore."""
