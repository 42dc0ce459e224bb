"""Vertical-community governance simulation (立体社区治理仿真).

Public API: :class:`VerticalCommunityModel` (a standard Mesa model) and :func:`run`.
"""

from sim.model import VerticalCommunityModel
from sim.run import run

__all__ = ["VerticalCommunityModel", "run"]
