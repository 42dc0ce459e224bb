"""Exploratory modelling (探索性建模): scenario discovery over uncertainties and levers
(``python -m sim.explore``), with the EMA Workbench's PRIM and feature scoring, as a study of the
study layer (:mod:`sim.study`: its factors, batches on the project's own launchers, directory and
command)."""
