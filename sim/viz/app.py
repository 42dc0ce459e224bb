"""Solara entry point: ``solara run sim/viz/app.py``, or ``python -m sim.viz`` (see __main__)."""

from sim.viz.page import Page

__all__ = ["Page"]
