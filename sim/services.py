"""Service points and who uses them (服务阵地, the N-minute service circle).

Every committee node has a service point at its cell. Which points a site's people may use is fixed
by the governance levers: their own station and the committees above it (the subdistrict, and the
zone where zone committees exist); with zone pooling the
stations of same-kind sites in the zone; with fusion every station of the zone-grid. A point is
*open* in a week when it holds at least ``min_active`` RU.

People split their use of the open points they may use by the Huff (1963) model: the chance of
using point k is proportional to its attraction (structure.huff_attraction) times a distance weight (1 inside
the service circle, exp(-excess / decay) beyond it). A request or a willing attendee then reaches
the point with that distance weight (the online share reaches it whatever the distance) times the
point's closeness to the site's needs (1 minus ``remoteness_per_level`` per committee level
between the site and the point; 0 levels when upper committees serve at the site's own point).
Huff, D. L. (1963). A probabilistic analysis of shopping center trade areas. Land Economics 39(1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config import RunConfig
from sim.governance import Levers
from sim.world.layout import BUILDING, SITE_LEVEL, World


@dataclass
class Routing:
    """One week's use of the service points: site x node matrices and per-site totals."""

    share: np.ndarray  # P(site j uses node k) (Huff)
    uptake: np.ndarray  # per site: P(a use reaches the point drawn), sum over k of share x uptake
    covered: np.ndarray  # per site: an open point inside the circle, or reached online


class ServiceNetwork:
    def __init__(self, world: World, levers: Levers, run: RunConfig):
        n_sites = world.n_sites
        sites = np.arange(n_sites)
        own = world.site_node(sites)
        access = np.zeros((n_sites, len(world.node_level)), dtype=bool)
        access[sites, own] = True
        access[sites, world.zone_node(world.site_zone)] = levers.zone_committees
        access[sites, world.site_subdistrict] = True
        if levers.zone_access:
            same_zone = world.site_zone[:, None] == world.site_zone[None, :]
            if not levers.fused:
                same_zone &= world.site_kind[:, None] == world.site_kind[None, :]
            access[:, own] |= same_zone
        minutes = world.travel_minutes(run, world.site_xy, world.node_xy)
        gap = np.broadcast_to(SITE_LEVEL - world.node_level[None, :], minutes.shape).astype(float)
        if levers.multilevel:
            upper = (world.node_level < SITE_LEVEL)[None, :] & access
            minutes = np.where(upper, minutes[sites, own][:, None], minutes)
            gap = np.where(upper, 0.0, gap)
        closeness = np.clip(1.0 - run.world.remoteness_per_level * gap, 0.0, 1.0)
        if levers.building_forms:
            closeness[:, own[association_sites(world)]] *= levers.association_closeness
        inside, distance_weight = _circle(minutes, levers.circle_min, run.world.outreach_decay_min)
        self.access = access
        self.inside = inside & access
        self.distance_weight = np.where(access, distance_weight, 0.0)
        # per site: 1 where the online channel reaches (buildings, or every site), else 0
        everyone = run.structure.online_reach == "everyone"
        self.online_reach = ((world.site_kind == BUILDING) | everyone).astype(float)
        online = levers.online_share * self.online_reach[:, None]
        # the catchment weight of the accessibility index: online uses ignore distance
        self.reach_weight = np.where(access, online + (1 - online) * distance_weight, 0.0)
        self.pair_uptake = self.reach_weight * closeness
        self.online = online[:, 0] > 0
        # the same measured against the reference circle, one yardstick for every mode's outcomes
        ref_inside, ref_weight = _circle(
            minutes, run.world.reference_circle_min, run.world.outreach_decay_min
        )
        self.reference_inside = ref_inside & access
        self.reference_weight = np.where(access, online + (1 - online) * ref_weight, 0.0)

    def route(self, attraction: np.ndarray, open_nodes: np.ndarray) -> Routing:
        pull = self.distance_weight * np.where(open_nodes, attraction, 0.0)[None, :]
        total = pull.sum(axis=1, keepdims=True)
        share = np.divide(pull, total, out=np.zeros_like(pull), where=total > 0)
        reachable = (self.access & open_nodes[None, :]).any(axis=1)
        covered = (self.inside & open_nodes[None, :]).any(axis=1) | (self.online & reachable)
        return Routing(share=share, uptake=(share * self.pair_uptake).sum(axis=1), covered=covered)


def _circle(minutes: np.ndarray, circle_min: float, decay_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Inside a service circle, and the distance weight: 1 inside, exp(-excess / decay) beyond."""
    inside = minutes <= circle_min
    return inside, np.where(inside, 1.0, np.exp(-(minutes - circle_min) / decay_min))


def association_sites(world: World) -> np.ndarray:
    """Buildings whose committee is a promotion association (促进会) under building forms: every
    building that is not a key building."""
    return (world.site_kind == BUILDING) & ~world.site_key


def draw_points(share: np.ndarray, sites: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """The point each person turns to (a Huff draw from their site's row of ``share``, using one
    uniform draw each); -1 where the site has no open point."""
    out = np.full(len(sites), -1, dtype=np.int64)
    order = np.argsort(sites, kind="stable")
    bounds = np.searchsorted(sites[order], np.arange(share.shape[0] + 1))
    for j in np.flatnonzero(np.diff(bounds)):
        nodes = np.flatnonzero(share[j])
        if len(nodes) == 0:
            continue
        cum = np.cumsum(share[j, nodes])
        who = order[bounds[j] : bounds[j + 1]]
        out[who] = nodes[np.minimum(np.searchsorted(cum, draws[who] * cum[-1], side="right"), len(nodes) - 1)]
    return out


def first_come(points: np.ndarray, capacity: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Admit people at each point in order of priority (a random order) while its capacity lasts;
    people with no point (-1) are not admitted."""
    admitted = np.zeros(len(points), dtype=bool)
    idx = np.flatnonzero(points >= 0)
    # one float key sorts by point, then by priority (in [0, 1)): ten times faster than lexsort
    order = idx[np.argsort(points[idx] + priority[idx])]
    at = points[order]
    rank = np.arange(len(order)) - np.searchsorted(at, at, side="left")
    admitted[order] = rank < capacity[at]
    return admitted


def capacity(envelope: np.ndarray, unit_cost: float) -> np.ndarray:
    """Uses each point's envelope pays for (unbounded when a use costs nothing). An envelope spent
    to the last unit can end a rounding error below 0; it pays for nothing, not for -1 use."""
    if unit_cost == 0:
        return np.full(len(envelope), np.inf)
    return np.floor(np.maximum(envelope, 0.0) / unit_cost)
