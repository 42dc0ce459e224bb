"""The district laid out on a grid: subdistricts (街道) -> zones (片区) -> sites.

A *site* is a business building (商务楼宇) or a residential area (居民区). Every site, zone and
subdistrict has a Party committee node with a service point at its cell; the nodes form the tree
resources sink down. Distances become walking minutes with the world parameters, so a service
circle ("15-minute circle") is a travel-time threshold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config import RunConfig

BUILDING, AREA = 0, 1
SUBDISTRICT_LEVEL, ZONE_LEVEL, SITE_LEVEL = 0, 1, 2


@dataclass
class World:
    width: int
    height: int
    subdistrict_names: list[str]
    # zones
    zone_subdistrict: np.ndarray
    zone_names: list[str]
    # sites
    site_kind: np.ndarray  # BUILDING or AREA
    site_names: list[str]  # the building's or area's name in its zone (district files; b0, r0.. otherwise)
    site_zone: np.ndarray
    site_subdistrict: np.ndarray
    site_xy: np.ndarray  # (n_sites, 2) grid cell
    site_key: np.ndarray  # a key building (重点楼宇); False for residential areas
    site_org: np.ndarray  # a building with a building Party organisation at the start (party_orgs > 0)
    # committee nodes: one per subdistrict, zone and site, in that order
    node_level: np.ndarray
    node_parent: np.ndarray  # -1 for subdistrict committees
    node_xy: np.ndarray
    node_zone: np.ndarray  # -1 for subdistrict committees
    node_site: np.ndarray  # -1 above site level

    @property
    def n_sites(self) -> int:
        return len(self.site_kind)

    @property
    def n_zones(self) -> int:
        return len(self.zone_subdistrict)

    @property
    def n_subdistricts(self) -> int:
        return len(self.subdistrict_names)

    # node indices: subdistrict s is node s; zones and sites follow
    def zone_node(self, z):
        return self.n_subdistricts + z

    def site_node(self, j):
        return self.n_subdistricts + self.n_zones + j

    def per_node(self, site_values: np.ndarray) -> np.ndarray:
        """Sum site values up the committee tree: one total per node (subdistricts, zones, sites)."""
        return np.concatenate(
            [
                np.bincount(self.site_subdistrict, site_values, self.n_subdistricts),
                np.bincount(self.site_zone, site_values, self.n_zones),
                site_values,
            ]
        )

    def travel_minutes(self, run: RunConfig, a_xy: np.ndarray, b_xy: np.ndarray) -> np.ndarray:
        """Walking minutes between every cell in a_xy and every cell in b_xy (matrix)."""
        return walking_minutes(run, a_xy[:, None, :], b_xy[None, :, :])


def walking_minutes(run: RunConfig, a_xy: np.ndarray, b_xy: np.ndarray) -> np.ndarray:
    """Walking minutes from cells a to cells b, elementwise (broadcasting): lift and waiting time plus
    the straight-line distance times the detour factor at walking speed."""
    w = run.world
    diff = a_xy - b_xy
    d_cells = np.hypot(diff[..., 0], diff[..., 1])
    return w.access_overhead_min + w.detour_factor * d_cells * w.cell_size_m / w.walk_speed_m_per_min


def grid_shape(run: RunConfig) -> tuple[list[int], int, int, int]:
    """Each subdistrict's side in cells, the slot size, and the columns and rows of slots."""
    specs = run.scenario.subdistricts
    sides = []
    for spec in specs.values():
        n_sites = sum(len(z.buildings) + len(z.residential_areas) for z in spec.zones)
        by_area = math.ceil(math.sqrt(spec.area_km2) * 1000 / run.world.cell_size_m)
        side = max(by_area, math.ceil(math.sqrt(n_sites)), 1)
        sides.append(side)
    cols = math.ceil(math.sqrt(len(specs)))
    rows = math.ceil(len(specs) / cols)
    return sides, max(sides), cols, rows  # subdistricts tile a regular layout of equal slots


def build_world(run: RunConfig, rng: np.random.Generator) -> World:
    specs = run.scenario.subdistricts
    sides, cell, cols, rows = grid_shape(run)
    width, height = cols * cell, rows * cell

    zone_sub, zone_names, zone_xy = [], [], []
    kind, s_zone, s_sub, xy, site_names, key, org = [], [], [], [], [], [], []
    sub_xy = []
    for s, ((sname, spec), side) in enumerate(zip(specs.items(), sides)):
        x0, y0 = (s % cols) * cell, (s // cols) * cell
        sub_xy.append((x0 + side // 2, y0 + side // 2))
        nz = len(spec.zones)
        zc = math.ceil(math.sqrt(nz))
        zr = math.ceil(nz / zc)
        for zi, zone in enumerate(spec.zones):
            z = len(zone_sub)
            zx0 = x0 + (zi % zc) * side // zc
            zx1 = max(x0 + (zi % zc + 1) * side // zc, zx0 + 1)
            zy0 = y0 + (zi // zc) * side // zr
            zy1 = max(y0 + (zi // zc + 1) * side // zr, zy0 + 1)
            zone_sub.append(s)
            zone_names.append(f"{sname}/{zone.name}")
            zone_xy.append(((zx0 + zx1 - 1) // 2, (zy0 + zy1 - 1) // 2))
            sites = [BUILDING] * len(zone.buildings) + [AREA] * len(zone.residential_areas)
            site_names += [b.name for b in zone.buildings] + [a.name for a in zone.residential_areas]
            key += [b.key for b in zone.buildings] + [False] * len(zone.residential_areas)
            org += [b.party_orgs > 0 for b in zone.buildings] + [False] * len(zone.residential_areas)
            n_cells = (zx1 - zx0) * (zy1 - zy0)
            # distinct cells while they last, so sites do not pile up on one spot
            picks = (
                rng.permutation(n_cells)[: len(sites)]
                if len(sites) <= n_cells
                else rng.integers(0, n_cells, len(sites))
            )
            for k, p in zip(sites, picks):
                kind.append(k)
                s_zone.append(z)
                s_sub.append(s)
                xy.append((zx0 + p % (zx1 - zx0), zy0 + p // (zx1 - zx0)))

    n_sub, n_zone, n_site = len(specs), len(zone_sub), len(kind)
    zone_sub_a = np.asarray(zone_sub, dtype=np.int64)
    site_zone = np.asarray(s_zone, dtype=np.int64)
    site_sub = np.asarray(s_sub, dtype=np.int64)
    node_level = np.concatenate(
        [np.full(n_sub, SUBDISTRICT_LEVEL), np.full(n_zone, ZONE_LEVEL), np.full(n_site, SITE_LEVEL)]
    )
    node_parent = np.concatenate([np.full(n_sub, -1), zone_sub_a, n_sub + site_zone])
    node_xy = np.concatenate(
        [np.asarray(sub_xy).reshape(-1, 2), np.asarray(zone_xy).reshape(-1, 2), np.asarray(xy).reshape(-1, 2)]
    ).astype(np.int64)
    return World(
        width=width,
        height=height,
        subdistrict_names=list(specs),
        zone_subdistrict=zone_sub_a,
        zone_names=zone_names,
        site_kind=np.asarray(kind, dtype=np.int8),
        site_names=site_names,
        site_zone=site_zone,
        site_subdistrict=site_sub,
        site_xy=np.asarray(xy, dtype=np.int64).reshape(-1, 2),
        site_key=np.asarray(key, dtype=bool),
        site_org=np.asarray(org, dtype=bool),
        node_level=node_level.astype(np.int8),
        node_parent=node_parent.astype(np.int64),
        node_xy=node_xy,
        node_zone=np.concatenate([np.full(n_sub, -1), np.arange(n_zone), site_zone]),
        node_site=np.concatenate([np.full(n_sub + n_zone, -1), np.arange(n_site)]),
    )
