"""Service points and who uses them (服务阵地, the N-minute service circle).

Every committee node has a service point at its cell. Which points a site's people may use is fixed
by the governance levers: their own station and the committees above it; with zone pooling the
stations of same-kind sites in the zone; with fusion every station of the zone-grid. A point is
*open* in a week when it holds at least ``min_active`` RU.

People split their use of the open points they may use by the Huff (1963) model: the chance of
using point k is proportional to its attraction (what it holds) times a distance weight (1 inside
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
from sim.world.layout import SITE_LEVEL, World


@dataclass
class Routing:
    """One week's use of the service points: site x node matrices and per-site totals."""

    share: np.ndarray      # P(site j uses node k) (Huff)
    reach: np.ndarray      # share x uptake: P(a site-j request reaches node k)
    uptake: np.ndarray     # per site: sum over k of reach
    covered: np.ndarray    # per site: an open point inside the circle, or reached online


class ServiceNetwork:
    def __init__(self, world: World, levers: Levers, run: RunConfig):
        n_sites = world.n_sites
        sites = np.arange(n_sites)
        own = world.site_node(sites)
        access = np.zeros((n_sites, len(world.node_level)), dtype=bool)
        access[sites, own] = True
        access[sites, world.zone_node(world.site_zone)] = True
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
        inside = minutes <= levers.circle_min
        distance_weight = np.where(inside, 1.0, np.exp(-(minutes - levers.circle_min) / run.world.outreach_decay_min))
        self.access = access
        self.inside = inside & access
        self.distance_weight = np.where(access, distance_weight, 0.0)
        self.pair_uptake = np.where(access, (levers.online_share + (1 - levers.online_share) * distance_weight)
                                    * closeness, 0.0)
        self.online = levers.online_share
        self.minutes = minutes

    def route(self, held: np.ndarray, open_nodes: np.ndarray) -> Routing:
        pull = self.distance_weight * np.where(open_nodes, held, 0.0)[None, :]
        total = pull.sum(axis=1, keepdims=True)
        share = np.divide(pull, total, out=np.zeros_like(pull), where=total > 0)
        reach = share * self.pair_uptake
        reachable = (self.access & open_nodes[None, :]).any(axis=1)
        covered = (self.inside & open_nodes[None, :]).any(axis=1) | ((self.online > 0) & reachable)
        return Routing(share=share, reach=reach, uptake=reach.sum(axis=1), covered=covered)


def allot(site_counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Attribute per-site counts to nodes in proportion to each site's row of weights."""
    total = weights.sum(axis=1, keepdims=True)
    split = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    return site_counts @ split


def fill_rates(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Share of what reaches each node that its capacity covers (1 where nothing reaches it)."""
    return np.minimum(1.0, np.divide(capacity, demand, out=np.ones_like(capacity), where=demand > 0))
