"""Exploratory modelling (探索性建模): scenario discovery over uncertainties and levers
(``python -m sim.explore``), on the project's own launchers (sim.sweep.batch) with the EMA
Workbench's PRIM and feature scoring; the policy search (sim.policy) shares its factors, studies and
evaluation."""
