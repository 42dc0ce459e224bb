"""Service points and who can reach them (服务阵地, N-minute service circle).

Every committee node has a service point at its cell. Which points a site's people may use is
fixed by the governance levers (own station and the committees above it; with zone pooling the
stations of same-kind sites in the zone; with fusion every station of the zone-grid). Each week a
site is served by its nearest *open* point (one holding at least ``min_active`` RU); people
beyond the service circle take up services less, falling as exp(-excess / decay).
"""

from __future__ import annotations

import numpy as np

from sim.config import RunConfig
from sim.governance import Levers
from sim.world.layout import World


class ServiceNetwork:
    def __init__(self, world: World, levers: Levers, run: RunConfig):
        n_sites, n_nodes = world.n_sites, len(world.node_level)
        sites = np.arange(n_sites)
        own = world.site_node(sites)
        access = np.zeros((n_sites, n_nodes), dtype=bool)
        access[sites, own] = True
        access[sites, world.zone_node(world.site_zone)] = True
        access[sites, world.site_subdistrict] = True
        if levers.zone_access:
            same_zone = world.site_zone[:, None] == world.site_zone[None, :]
            if not levers.fused:
                same_zone &= world.site_kind[:, None] == world.site_kind[None, :]
            access[:, own] |= same_zone
        minutes = world.travel_minutes(run, world.site_xy, world.node_xy)
        # committees above the site are remote from its people's needs, unless they serve at the
        # site's own point (multi-level service system)
        gap = np.broadcast_to(2 - world.node_level[None, :], minutes.shape).astype(float)
        if levers.multilevel:
            own_minutes = minutes[sites, own][:, None]
            upper = world.node_level < 2
            minutes[:, upper] = np.where(access[:, upper], own_minutes, minutes[:, upper])
            gap = np.where(upper[None, :] & access, 0.0, gap)
        self.closeness = np.clip(1.0 - run.world.remoteness_per_level * gap, 0.0, 1.0)
        # on equal minutes the lower committee serves, so stations are used before upper levels
        self.minutes = minutes + 1e-6 * (2 - world.node_level)[None, :]
        self.access = access
        self.circle = levers.circle_min
        self.decay = run.world.outreach_decay_min
        self.online = levers.online_share

    def providers(self, open_nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each site's serving node (-1 if none is open and reachable), the minutes to it and the
        closeness of that committee to the site's needs."""
        masked = np.where(self.access & open_nodes[None, :], self.minutes, np.inf)
        provider = masked.argmin(axis=1)
        rows = np.arange(len(provider))
        minutes = masked[rows, provider]
        closeness = np.where(np.isfinite(minutes), self.closeness[rows, provider], 0.0)
        provider[~np.isfinite(minutes)] = -1
        return provider, minutes, closeness

    def uptake(self, minutes: np.ndarray, closeness: np.ndarray) -> np.ndarray:
        """Share of a site's requests and willing attendees that reach its provider: 1 inside the
        circle, decaying beyond it (the online share reaches any open provider regardless of
        distance), times the provider's closeness to the site's needs."""
        reachable = np.isfinite(minutes)
        offline = np.where(minutes <= self.circle, 1.0, np.exp(-(minutes - self.circle) / self.decay))
        return np.where(reachable, (self.online + (1.0 - self.online) * offline) * closeness, 0.0)

    def covered(self, minutes: np.ndarray) -> np.ndarray:
        """Sites inside the circle of an open point, or reached online."""
        return (minutes <= self.circle) | ((self.online > 0) & np.isfinite(minutes))
