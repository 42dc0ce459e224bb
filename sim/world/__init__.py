"""The district: specs, grid layout and initial populations."""

from sim.world.layout import AREA, BUILDING, SITE_LEVEL, SUBDISTRICT_LEVEL, ZONE_LEVEL, World, build_world
from sim.world.population import Enterprises, People, build_populations

__all__ = [
    "AREA",
    "BUILDING",
    "SITE_LEVEL",
    "SUBDISTRICT_LEVEL",
    "ZONE_LEVEL",
    "World",
    "build_world",
    "Enterprises",
    "People",
    "build_populations",
]
