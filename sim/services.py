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
from sim.world.layout import BUILDING, SITE_LEVEL, World, walking_minutes


@dataclass
class Routing:
    """One week's use of the service points, per site and slot (the site's s-th point)."""

    cum: np.ndarray  # cumulative Huff shares over the site's slots (the last is 1, or 0 with no point)
    last: np.ndarray  # per site, the slot of its last point with a share: a draw ends there at the latest
    uptake: np.ndarray  # per site: P(a use reaches the point drawn), sum over slots of share x uptake


class ServiceNetwork:
    """The points each site may use, fixed for a run, held as *slots*: ``nodes[j, s]`` is the s-th
    point (committee node) site j may use, in node order, padded with -1; every per-pair quantity
    is a sites x slots array, 0 on the padding. A site has a few points (its own, its zone's and
    subdistrict's, and its zone's stations with zone access), so this costs sites x a few, where
    a sites x nodes matrix would grow with the square of a city's sites."""

    def __init__(self, world: World, levers: Levers, run: RunConfig):
        sites = np.arange(world.n_sites)
        own = world.site_node(sites)
        pairs = [np.stack([sites, own]), np.stack([sites, world.site_subdistrict])]
        if levers.zone_committees:
            pairs.append(np.stack([sites, world.zone_node(world.site_zone)]))
        if levers.zone_access:
            pairs.append(_zone_pairs(world, levers.fused))
        site, node = np.unique(np.concatenate(pairs, axis=1), axis=1)  # sorted by site, then node
        first = np.searchsorted(site, sites)
        slot = np.arange(len(site)) - first[site]
        width = int(slot.max()) + 1 if len(slot) else 1
        self.nodes = np.full((world.n_sites, width), -1, dtype=np.int64)
        self.nodes[site, slot] = node
        self.valid = self.nodes >= 0

        def spread(values: np.ndarray, fill: float = 0.0) -> np.ndarray:
            out = np.full(self.nodes.shape, fill, dtype=np.asarray(values).dtype)
            out[site, slot] = values
            return out

        minutes = walking_minutes(run, world.site_xy[site], world.node_xy[node])
        gap = (SITE_LEVEL - world.node_level[node]).astype(float)
        if levers.multilevel:  # upper committees deliver at the site's own point
            upper = world.node_level[node] < SITE_LEVEL
            minutes = np.where(
                upper, walking_minutes(run, world.site_xy[site], world.node_xy[own[site]]), minutes
            )
            gap = np.where(upper, 0.0, gap)
        closeness = np.clip(1.0 - run.world.remoteness_per_level * gap, 0.0, 1.0)
        if levers.building_forms:
            closeness = np.where(
                np.isin(node, own[association_sites(world)]),
                closeness * levers.association_closeness,
                closeness,
            )
        inside, distance_weight = _circle(minutes, levers.circle_min, run.world.outreach_decay_min)
        self.inside = spread(inside)
        self.distance_weight = spread(distance_weight)
        # per site: 1 where the online channel reaches (buildings, or every site), else 0
        everyone = run.structure.online_reach == "everyone"
        self.online_reach = ((world.site_kind == BUILDING) | everyone).astype(float)
        online = levers.online_share * self.online_reach[site]
        # the catchment weight of the accessibility index: online uses ignore distance
        self.reach_weight = spread(online + (1 - online) * distance_weight)
        self.pair_uptake = self.reach_weight * spread(closeness)
        self.online = levers.online_share * self.online_reach > 0
        # the same measured against the reference circle, one yardstick for every mode's outcomes
        ref_inside, ref_weight = _circle(
            minutes, run.world.reference_circle_min, run.world.outreach_decay_min
        )
        self.reference_inside = spread(ref_inside)
        self.reference_weight = spread(online + (1 - online) * ref_weight)
        self.n_nodes = len(world.node_level)

    @property
    def safe_nodes(self) -> np.ndarray:
        """``nodes`` with the padding pointing at node 0, for gathers that the padding's 0 weight masks."""
        return np.maximum(self.nodes, 0)

    def dense(self, values: np.ndarray) -> np.ndarray:
        """A sites x slots array as a sites x nodes matrix (0 where a site may not use a node): for
        inspection and tests, never in a week's work."""
        out = np.zeros((self.nodes.shape[0], self.n_nodes), dtype=np.asarray(values).dtype)
        rows = np.broadcast_to(np.arange(self.nodes.shape[0])[:, None], self.nodes.shape)
        out[rows[self.valid], self.nodes[self.valid]] = values[self.valid]
        return out

    def load(self, weight: np.ndarray, demand: np.ndarray) -> np.ndarray:
        """Per node, the demand its catchment brings by ``weight`` (sites x slots): sum_j w_jk D_j."""
        return np.bincount(self.safe_nodes.ravel(), (weight * demand[:, None]).ravel(), self.n_nodes)

    def route(self, attraction: np.ndarray, open_nodes: np.ndarray) -> Routing:
        pull = self.distance_weight * np.where(open_nodes, attraction, 0.0)[self.safe_nodes]
        total = pull.sum(axis=1, keepdims=True)
        share = np.divide(pull, total, out=np.zeros_like(pull), where=total > 0)
        cum = np.cumsum(share, axis=1)
        has = share > 0
        last = np.where(has.any(axis=1), share.shape[1] - 1 - np.argmax(has[:, ::-1], axis=1), -1)
        return Routing(cum=cum, last=last, uptake=(share * self.pair_uptake).sum(axis=1))


def _zone_pairs(world: World, fused: bool) -> np.ndarray:
    """(site, station) pairs of zone access: every station of the site's zone (of its own kind, the
    two skins, unless fused into one grid)."""
    group = world.site_zone * 2 + (0 if fused else world.site_kind.astype(np.int64))
    order = np.argsort(group, kind="stable")
    bounds = (
        np.searchsorted(group[order], group[order], side="left"),
        np.searchsorted(group[order], group[order], side="right"),
    )
    size = bounds[1] - bounds[0]
    site = np.repeat(order, size)
    mates = order[np.concatenate([np.arange(a, b) for a, b in zip(*bounds)])] if len(order) else order
    return np.stack([site, world.site_node(mates)])


def _circle(minutes: np.ndarray, circle_min: float, decay_min: float) -> tuple[np.ndarray, np.ndarray]:
    """Inside a service circle, and the distance weight: 1 inside, exp(-excess / decay) beyond."""
    inside = minutes <= circle_min
    return inside, np.where(inside, 1.0, np.exp(-(minutes - circle_min) / decay_min))


def association_sites(world: World) -> np.ndarray:
    """Buildings whose committee is a promotion association (促进会) under building forms: every
    building that is not a key building."""
    return (world.site_kind == BUILDING) & ~world.site_key


def draw_points(routing: Routing, sites: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """The slot of the point each use turns to: a Huff draw from its site's cumulative shares,
    using one uniform draw each (the first slot whose cumulative share exceeds the draw); -1
    where the site has no open point."""
    if not len(sites):
        return np.zeros(0, dtype=np.int64)
    slots = routing.cum.T
    value = draws * slots[-1][sites]
    # counted slot by slot: a site has a few, and a sum along a short axis costs numpy a loop per use
    slot = np.zeros(len(sites), dtype=np.int64)
    # the last slot's cumulative share is the total, which draw x total does not pass; where it
    # reaches it every slot counts, and the minimum with ``last`` gives the same slot
    for cum in slots[:-1]:
        slot += cum[sites] <= value
    last = routing.last[sites]
    return np.where(last >= 0, np.minimum(slot, last), -1)


def first_come(points: np.ndarray, capacity: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """Admit people at each point in order of priority (a random order) while its capacity lasts;
    people with no point (-1) are not admitted."""
    admitted = points >= 0
    at = points[admitted]
    # the order matters only at points with more people than they admit, so only theirs are sorted
    crowded = np.bincount(at, minlength=len(capacity)) > capacity
    if not crowded[at].any():
        return admitted
    idx = np.flatnonzero(admitted)[crowded[at]]
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
