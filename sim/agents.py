"""Mesa agents for the actors. Each is a view onto one row of the model's arrays, so the same state
serves the vectorised rules and anyone who inspects, draws or steps a single agent.

- :class:`Enterprise` 企业 (a "two new" organisation, 两新组织)
- :class:`Member` 党员 (a Party member working in a building)
- :class:`Worker` 白领群众 (a white-collar worker who is not a Party member)
- :class:`Resident` 居民 (a person in a residential area)
- :class:`PartyCommittee` 党组织 (subdistrict work committee, zone joint committee, building joint
  committee / service station, residential-area organisation; enterprise branches are the
  ``party_organisation`` of an :class:`Enterprise`)
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa
import numpy as np
from mesa.discrete_space import CellAgent

from sim.behaviour import membership, optional_pgg, threshold
from sim.config import STRATEGIES
from sim.world.layout import AREA
from sim.world.population import MEMBER, RESIDENT, UNCOVERED, WORKER

if TYPE_CHECKING:
    from sim.model import VerticalCommunityModel

AUTO_VIEW_LIMIT = 20_000  # people + firms up to which every one gets a Mesa agent at start
ORG_NAMES = ("none", "joint", "own branch")
COMMITTEE_LEVELS = (
    "subdistrict work committee",
    "zone joint committee",
    "building joint committee",
    "residential-area organisation",
)


class _IdCounters(weakref.WeakKeyDictionary):
    """Mesa's per-model counters of agent ids, holding their models weakly.

    Mesa 3.3 keeps them in ``mesa.Agent._ids``, a class-level ``defaultdict`` keyed by the model, so no
    model that ever made an agent is freed while the process lives (mesa issue #3179, fixed in mesa
    PR #3180 after 3.3.1, the latest release here): ~13 MB a run of the default scenario, which a sweep's
    worker, the app's server or a calibration kept for good. Remove once Mesa with the fix is required.
    """

    def __getitem__(self, model: object) -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


if not isinstance(mesa.Agent._ids, weakref.WeakKeyDictionary):
    mesa.Agent._ids = _IdCounters(mesa.Agent._ids)


def _column(table: str, name: str, doc: str) -> property:
    def get(self):
        return getattr(getattr(self.model, table), name)[self.index]

    def set_(self, value):
        getattr(getattr(self.model, table), name)[self.index] = value

    return property(get, set_, doc=doc)


class _RowView(CellAgent):
    table = "people"

    def __init__(self, model: VerticalCommunityModel, index: int):
        super().__init__(model)
        self.index = int(index)
        site = getattr(model, self.table).site[self.index]
        self.cell = model.grid[tuple(int(v) for v in model.world.site_xy[site])]


class Person(_RowView):
    """A person (member, worker or resident); the per-agent reference path calls these rules."""

    site = _column("people", "site", "index of the building or residential area")
    threshold = _column("people", "threshold", "Granovetter threshold (share of peers)")
    active = _column("people", "active", "took part in this week's activities")
    demand = _column("people", "demand", "asked for a service this week")
    served = _column("people", "served", "this week's request was met")

    def request_service(self) -> None:
        """A request arises with the person's kind's weekly rate; it reaches a point their site uses
        (Huff draw) with that pair's uptake times the services' fit, and is met if the point's
        service envelope still pays for it."""
        m, i = self.model, self.index
        p = m.people
        p.demand[i] = m.rng.random() < m.person_demand_rate[i]
        p.served[i] = p.reached[i] = False
        if p.demand[i]:
            site = p.site[i]
            point = m.draw_point(site)
            p.reached[i] = (
                point is not None and m.rng.random() < m.network.pair_uptake[site, point[1]] * m.levers.match
            )
            p.served[i] = p.reached[i] and m.pay("service", point[0], m.service_cost)

    def take_part(self) -> None:
        """Granovetter's rule on the state as it is now (earlier agents this week have acted), then
        attendance at a point the site uses if its activity envelope pays for it."""
        m, i = self.model, self.index
        p, cfg = m.people, m.config.behaviour.participation
        site = p.site[i]
        willing = threshold.willing(
            m.site_pull(m.site_delivered)[site],
            m.effective_thresholds(i),
            cfg.temperature,
            m.rng.random(),
            cfg.availability * m.site_uptake[site],
        )
        point = m.draw_point(site) if willing else None
        k = point[0] if point is not None else -1
        attend = point is not None and m.pay("activity", k, m.activity_cost)
        # until the week's workload tells what this week's activities deliver, an attendance counts
        # with what its point delivered last week
        delivered = float(m.delivery[k]) if attend else 0.0
        m.site_delivered[site] += delivered - p.delivered[i]
        p.active[i], p.delivered[i] = attend, delivered
        p.point[i] = k if attend else -1


class Member(Person):
    """党员: a Party member working in a building."""

    firm = _column("people", "firm", "employing enterprise")
    belonging = _column("people", "belonging", "sense of belonging in [0, 1]")
    attached = _column("people", "attached", "organisational relationship attached in the building")

    def update_membership(self) -> None:
        m, i, b = self.model, self.index, self.model.config.behaviour
        p = m.people
        p.belonging[i] = membership.bush_mosteller(
            p.belonging[i],
            p.active[i],
            b.belonging.learning_rate,
            b.belonging.extinction_rate,
            p.delivered[i],
        )
        covered = m.firms.org[p.firm[i]] != UNCOVERED
        p.attached[i] = membership.update_attachment(
            p.attached[i],
            p.belonging[i],
            covered,
            b.attachment.attach_rate,
            b.attachment.detach_rate,
            m.rng.random(),
        )


class Worker(Person):
    """白领群众: a white-collar worker who is not a Party member."""

    firm = _column("people", "firm", "employing enterprise")


class Resident(Person):
    """居民: a person living in a residential area."""


class Enterprise(_RowView):
    """企业: a firm in a building."""

    table = "firms"
    site = _column("firms", "site", "building")
    workers = _column("firms", "workers", "non-member white-collar workers")
    members = _column("firms", "members", "Party members employed")
    satisfaction = _column("firms", "satisfaction", "satisfaction with the business environment")

    @property
    def strategy(self) -> str:
        return STRATEGIES[self.model.firms.strategy[self.index]]

    def revise_strategy(self) -> None:
        """Proportional imitation of a pool-mate met at random, with payoffs from the pool's
        composition as it is now (earlier firms this week may have switched), then exploration."""
        m, i, c = self.model, self.index, self.model.config.behaviour.coproduction
        f = m.firms
        pool = m.firm_pool[i]
        counts = np.bincount(
            f.strategy[m.pool_order[m.pool_start[pool] : m.pool_start[pool] + m.pool_size[pool]]], minlength=3
        )
        table = m.pool_payoffs(counts, m.pool_funding[pool])
        other = m.pool_mate(np.array([pool]), np.array([m.rng.random()]))[0]
        f.payoff[i] = table[f.strategy[i]]
        if m.rng.random() < c.revision_rate and m.rng.random() < optional_pgg.imitation_probability(
            table[f.strategy[i]], table[f.strategy[other]], m.payoff_scale()[pool]
        ):
            f.strategy[i] = f.strategy[other]
        if m.rng.random() < c.exploration:
            f.strategy[i] = m.rng.integers(0, 3)

    @property
    def party_organisation(self) -> str:
        return ORG_NAMES[self.model.firms.org[self.index]]


class PartyCommittee(CellAgent):
    """党组织: a committee node of the resource tree, with its service point."""

    def __init__(self, model: VerticalCommunityModel, node: int):
        super().__init__(model)
        w = model.world
        self.node = int(node)
        level = int(w.node_level[node])
        is_area = level == 2 and w.site_kind[w.node_site[node]] == AREA
        self.level = level + int(is_area)
        self.cell = model.grid[tuple(int(v) for v in w.node_xy[node])]

    @property
    def level_name(self) -> str:
        return COMMITTEE_LEVELS[self.level]

    @property
    def resources(self) -> float:
        return float(self.model.held[self.node])

    @property
    def is_open(self) -> bool:
        """Its service point opened this week (it held at least budget.min_active at the start)."""
        return bool(self.model.open_nodes[self.node])


PERSON_CLASSES = {MEMBER: Member, WORKER: Worker, RESIDENT: Resident}


def create_views(model: VerticalCommunityModel, mode: str | int = "auto") -> dict[str, list]:
    """Committees always get agents; people and firms too when the population is small enough
    (``"auto"``), always (``"all"``), never (``"none"``), or below an explicit count."""
    committees = [PartyCommittee(model, node) for node in range(len(model.world.node_level))]
    n = len(model.people) + len(model.firms)
    limit = {"auto": AUTO_VIEW_LIMIT, "all": n, "none": -1}.get(mode, mode)
    if not isinstance(limit, int):
        raise ValueError(f"agent_views: got {mode!r}, allowed: 'auto', 'all', 'none' or an integer")
    views = {"committees": committees, "firms": [], "people": []}
    if n <= limit:
        views["firms"] = [Enterprise(model, i) for i in range(len(model.firms))]
        views["people"] = [PERSON_CLASSES[int(k)](model, i) for i, k in enumerate(model.people.kind)]
    return views
