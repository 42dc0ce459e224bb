"""The vertical-community model (立体社区): world building and the weekly schedule.

The order of :meth:`VerticalCommunityModel.step` is the ODD's process overview (docs/ODD.md §3):
submodels run one after another, each reading what the earlier ones did this week. Person and
enterprise state live in arrays (sim.world.population); within a submodel each rule is one call
into sim.behaviour, applied to everyone at once (synchronous update within the submodel).
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from sim import metrics
from sim.agents import (
    PERSON_CLASSES,
    Enterprise,
    Member,
    PartyCommittee,
    Person,
    Resident,
    Worker,
    create_views,
)
from sim.behaviour import membership, optional_pgg, outreach, threshold
from sim.config import PERSON_KINDS, STRATEGIES, ConfigError, RunConfig
from sim.governance import SITE_POOL, ZONE_POOL, levers_for
from sim.metrics import REACH_WINDOW, ratio
from sim.reach import ReachLedger
from sim.services import ServiceNetwork, association_sites, capacity, draw_points, first_come
from sim.sinking import NodeStats, Tree, sink
from sim.validate import compose
from sim.world import AREA, build_populations, build_world
from sim.world.population import COOPERATE, DEFECT, LONER, MEMBER, UNCOVERED, WORKER

SCHEDULES = ("batched", "agents")
FRESH_SEED_BITS = 63  # config seeds are 64-bit signed integers (README, Limits)
AGENT_KINDS: dict[str, type] = {
    "member": Member,
    "worker": Worker,
    "resident": Resident,
    "enterprise": Enterprise,
    "committee": PartyCommittee,
}
FLOWS = ("inflow", "spent", "lost", "lapsed")  # RU per week; inflow = change in holdings + the rest
ENVELOPES = ("activity", "outreach", "service")
# weeks over which a point's weekly service capacity is averaged for the access outcomes (a quarter,
# the budget's execution period, as structure.lapse_rate's default; ODD 7.16)
ACCESS_HORIZON_WEEKS = 13
# The submodels with a per-agent form: on the reference path each agent of the type, in random
# order, calls the method named here instead of the model applying the rule to everyone at once.
AGENT_RULES: dict[str, tuple[type, str]] = {
    "serve_requests": (Person, "request_service"),
    "decide_participation": (Person, "take_part"),
    "update_members": (Member, "update_membership"),
    "coproduce": (Enterprise, "revise_strategy"),
}


class VerticalCommunityModel(mesa.Model):
    """Party committees, enterprises, Party members, workers and residents in business buildings.

    ``schedule="batched"`` (default) applies each rule to everyone at once from last week's state;
    ``schedule="agents"`` is the straightforward per-agent reference path: each agent in random
    order applies the same rule functions to the state as it is at its turn (docs/VALIDATION.md).

    Construct from preset names (``scenario``, ``governance``, ``sinking``; ``None`` takes the
    default of ``configs/config.yaml``, as ``python -m sim`` does) plus dotted overrides written with
    double underscores (``sinking__share=0.3``), or from a validated ``config``.

    Seeding follows Mesa's convention: ``rng=None`` (and no ``seed=``) draws a fresh seed, which is
    recorded as ``model.config.seed`` so that ``rng=model.config.seed`` repeats the run; an integer
    ``rng`` or ``seed`` is that seed; passing both is an error. A numpy ``Generator``,
    ``BitGenerator`` or ``SeedSequence`` is accepted too, but then no seed can be recorded. With a
    ``config``, its own ``seed`` is used.

    ``agent_reporters`` collects agent-level data each week for the kinds of agent named (``member``,
    ``worker``, ``resident``, ``enterprise``, ``committee``): ``{"member": {"active": "active"}}``,
    read back with ``model.datacollector.get_agenttype_vars_dataframe(Member)``. People and firms
    have agents only up to ``agent_views`` (by default 20,000 people and firms; docs/ODD.md).
    """

    def __init__(
        self,
        scenario: str | None = None,
        governance: str | None = None,
        sinking: str | None = None,
        rng: Any = None,
        config: RunConfig | None = None,
        agent_views: str | int = "auto",
        schedule: str = "batched",
        agent_reporters: dict[str, dict[str, Any]] | None = None,
        **overrides: Any,
    ):
        if schedule not in SCHEDULES:
            raise ValueError(f"schedule: got {schedule!r}, allowed: {list(SCHEDULES)}")
        try:  # numpy's own error for a seed it cannot use does not say which argument it was
            np.random.default_rng(rng)
        except (TypeError, ValueError):
            raise ConfigError(
                f"rng: got {rng!r}, allowed: None, an integer >= 0 (or a sequence of them), "
                "or a numpy Generator, BitGenerator or SeedSequence"
            ) from None
        if config is None:
            groups = {"scenario": scenario, "governance": governance, "sinking": sinking}
            items = [f"{group}={name}" for group, name in groups.items() if name is not None]
            items += [f"{k.replace('__', '.')}={_override_value(v)}" for k, v in overrides.items()]
            seed = _seed_override(rng, overrides)
            if seed is not None:
                items.append(f"seed={seed}")
            config = compose(items)
        elif overrides or rng is not None:
            raise TypeError("with a config, set the seed and every parameter in the config itself")
        super().__init__(rng=config.seed if rng is None else rng)
        self.config = config
        self.levers = levers_for(config.governance)
        gen = self.rng

        self.world = build_world(config, gen)
        self.people, self.firms = build_populations(config, self.world, gen)
        self.grid = OrthogonalMooreGrid(
            (self.world.width, self.world.height), torus=False, random=self.random
        )
        self.network = ServiceNetwork(self.world, self.levers, config)
        self._index_groups()

        n_nodes = len(self.world.node_level)
        self.held = np.zeros(n_nodes)
        self.totals = dict.fromkeys(FLOWS, 0.0)
        self.week = dict.fromkeys(FLOWS, 0.0)
        self.reputation = np.zeros(self.world.n_sites)
        self.site_shortfall = np.zeros(self.world.n_sites)
        self.site_misfit = np.zeros(self.world.n_sites)
        self.site_access = np.zeros(self.world.n_sites)  # against the reference circle (outcomes)
        self.site_access_own = np.zeros(self.world.n_sites)  # against the mode's circle (outcomes)
        self.site_access_held = np.zeros(self.world.n_sites)  # what committees hold, own circle (need)
        self.service_inflow = np.zeros(n_nodes)  # mean weekly service money reaching each point
        self.point_ratio = np.zeros(n_nodes)  # each point's capacity per request of its catchment
        self.site_covered = np.zeros(self.world.n_sites, dtype=bool)
        self.open_nodes = np.zeros(n_nodes, dtype=bool)
        self.envelope = {name: np.zeros(n_nodes) for name in ENVELOPES}
        self.uses = {name: np.zeros(n_nodes) for name in ENVELOPES}  # uses admitted this week
        self.offers = np.zeros(n_nodes)  # this week's cooperators' offers, by pool node
        self.pool_funding = np.ones(self.n_pools)
        self.site_active = np.zeros(self.world.n_sites)  # people who took part, by site
        self.site_delivered = np.zeros(self.world.n_sites)  # what their activities delivered, by site
        self.workload = np.zeros(n_nodes)  # staff hours of the week's work, by committee
        self.delivery = np.ones(n_nodes)  # share of its activities' value a committee delivers
        # weeks each building's station has been closed: its building organisation lapses after
        # building_org_lapse_weeks; buildings organised at the start count as just open
        lapse = self.config.behaviour.outreach.building_org_lapse_weeks
        self.site_closed_weeks = np.where(self.world.site_org, 0, lapse).astype(np.int64)
        self.intervention_rng = self.rng.spawn(1)[0] if config.intervention is not None else None
        self.reach = ReachLedger(self.people.firm, len(self.firms), REACH_WINDOW)
        self.active_idx = np.zeros(0, dtype=np.int64)  # this week's participants
        self.asking = np.zeros(0, dtype=np.int64)  # this week's requests, by person
        self.joined = np.zeros(0, dtype=np.int64)  # this week's participants as they join (batched path)
        # population-sized scratch, reused every week: a fresh temporary of a city's size is mapped
        # and its pages faulted in anew each time, which cost more than the rules (VALIDATION 11)
        self.scratch = (
            np.empty(len(self.people)),
            np.empty(len(self.people)),
            np.empty(len(self.people), bool),
        )

        # the per-agent reference path steps every person and firm through its Mesa agent
        self.per_agent = schedule == "agents"
        self.views = create_views(self, "all" if self.per_agent else agent_views)
        self._views_by_row = {("person", a.index): a for a in self.views["people"]}
        self._views_by_row.update({("firm", a.index): a for a in self.views["firms"]})
        self.outcomes: dict[str, float] = metrics.compute(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_outcome, name=name) for name in metrics.COLUMNS},
            agenttype_reporters=self._agenttype_reporters(agent_reporters or {}),
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up helpers

    def _agenttype_reporters(self, wanted: dict[str, dict[str, Any]]) -> dict[type, dict[str, Any]]:
        """Mesa's per-type reporters for the kinds named; a kind without agents here is an error,
        not an empty table."""
        out = {}
        for kind, reporters in wanted.items():
            cls = AGENT_KINDS.get(kind)
            if cls is None:
                raise ConfigError(f"agent_reporters: got {kind!r}, allowed: kinds from {sorted(AGENT_KINDS)}")
            if not any(isinstance(a, cls) for a in self.agents):
                raise ConfigError(
                    f"agent_reporters: got {kind!r}, allowed: a kind with agents in this model "
                    f"({len(self.people):,} people; set agent_views='all' or a larger limit)"
                )
            out[cls] = reporters
        return out

    def _index_groups(self) -> None:
        w, p, f = self.world, self.people, self.firms
        self.people_per_site = np.bincount(p.site, minlength=w.n_sites).astype(float)
        self.firms_per_site = np.bincount(f.site, minlength=w.n_sites).astype(float)
        self.people_per_kind = np.bincount(p.kind, minlength=3).astype(float)
        self.is_worker = p.kind == WORKER
        self.is_staff = p.firm >= 0  # members and workers (a firm's staff stay its staff through turnover)
        self.employer = np.maximum(p.firm, 0)  # residents have none; masked by is_staff where used
        # zone peer groups: a zone's buildings and its residential areas are separate "two skins"
        # unless fused into one grid
        side = (
            np.zeros(w.n_sites, dtype=np.int64)
            if self.levers.fused
            else (w.site_kind == AREA).astype(np.int64)
        )
        self.site_peer_group = w.site_zone * 2 + side
        self.n_peer_groups = 2 * w.n_zones
        pool_of_site = {SITE_POOL: np.arange(w.n_sites), ZONE_POOL: w.site_zone}.get(
            self.levers.coproduction_pool, w.site_subdistrict
        )
        pool_node = {SITE_POOL: w.site_node(np.arange(w.n_sites)), ZONE_POOL: w.zone_node(w.site_zone)}.get(
            self.levers.coproduction_pool, w.site_subdistrict
        )
        self.firm_pool = pool_of_site[f.site]
        self.firm_pool_node = pool_node[f.site]
        self.pool_node = np.zeros(int(pool_of_site.max()) + 1 if len(pool_of_site) else 0, dtype=np.int64)
        self.pool_node[pool_of_site] = pool_node
        self.n_pools = int(pool_of_site.max()) + 1 if len(pool_of_site) else 0
        self.pool_order = np.argsort(self.firm_pool, kind="stable")
        self.pool_size = np.bincount(self.firm_pool, minlength=self.n_pools)
        self.pool_start = np.concatenate([[0], np.cumsum(self.pool_size)[:-1]])
        self.person_demand_rate = np.array([self.config.behaviour.demand.rate[k] for k in PERSON_KINDS])[
            p.kind
        ]
        self.site_demand = np.bincount(p.site, weights=self.person_demand_rate, minlength=w.n_sites)
        self.firms_below = w.per_node(self.firms_per_site)
        # expected weekly requests in each point's catchment: fixed, so computed once
        self.catchment_demand = self.network.load(self.network.reach_weight, self.site_demand)
        # without zone committees resources pass from the subdistrict straight to the sites
        parent, level = w.node_parent.copy(), w.node_level.astype(np.int64)
        if not self.levers.zone_committees:
            parent[w.site_node(np.arange(w.n_sites))] = w.site_subdistrict
            level[w.zone_node(np.arange(w.n_zones))] = -1
        self.sink_tree = Tree.of(parent, level)
        self.members = np.flatnonzero(p.kind == MEMBER)
        # each firm's staff, grouped by firm: firm f's are staff_by_firm[staff_start[f]:staff_start[f + 1]]
        staff = np.flatnonzero(self.is_staff)
        self.staff_by_firm = staff[np.argsort(p.firm[staff], kind="stable")]
        self.staff_start = np.concatenate([[0], np.cumsum(np.bincount(p.firm[staff], minlength=len(f)))])
        b = self.config.budget
        self.service_cost = b.service_unit_cost * self.levers.cost_factor
        self.activity_cost = b.activity_cost * self.levers.cost_factor
        self.site_subdistrict_people = np.bincount(
            self.world.site_subdistrict, weights=self.people_per_site, minlength=w.n_subdistricts
        )
        self.zone_people = np.bincount(w.site_zone, weights=self.people_per_site, minlength=w.n_zones)
        # a promotion association (building forms) opens on a share of the minimum
        self.min_active = np.full(len(w.node_level), b.min_active)
        if self.levers.building_forms:
            self.min_active[w.site_node(np.flatnonzero(association_sites(w)))] *= (
                self.levers.association_min_active_factor
            )
        staff = self.config.staff
        self.staff_hours = np.array([staff.subdistrict_hours, staff.zone_hours, staff.site_hours])[
            w.node_level
        ]
        self.is_building = w.site_kind == 0
        self.level_nodes = [np.flatnonzero(w.node_level == level) for level in range(3)]
        self.site_zone_node = w.zone_node(w.site_zone)

    # ------------------------------------------------------------------ the weekly schedule

    def step(self) -> None:
        self.week = dict.fromkeys(FLOWS, 0.0)
        self.reach.expire(self.steps, self.people.last_active)
        self.uses = {name: np.zeros(len(self.held)) for name in ENVELOPES}
        self.intervene_coverage()
        self.held_before = self.held.copy()
        self.receive_resources()
        self.week["lost"] += sink(self.held, self.sink_tree, self.node_stats(), self.config.sinking)
        self.open_service_points()
        self.fund_institution()
        self.measure_access()
        self.apply("serve_requests")
        self.record_requests()
        self.reach_out()
        self.apply("decide_participation")
        self.intervene_participation()
        self.record_participation()
        self.apply("update_members")
        self.apply("coproduce")
        self.update_reputation()
        self.replace_firms()
        self.lapse_unspent()
        for key in self.totals:
            self.totals[key] += self.week[key]
        self.outcomes = metrics.compute(self)
        self.datacollector.collect(self)
        self.running = self.steps < self.config.steps  # batch_run and SolaraViz stop at the run's end

    def receive_resources(self) -> None:
        """Budget into each subdistrict committee (and the zones' own share, where zone committees
        exist); cooperators' offers onto the shared list, at their pool's committee. Offers that
        fund the hub's institution (structure.institution_funding = firm_contributions) stay out
        of sinking and are added when the points open."""
        w = self.world
        budget = self.config.budget.per_person_per_step * self.site_subdistrict_people
        zone_share = self.config.structure.zone_budget_share * self.levers.zone_committees
        self.held[: len(budget)] += (1.0 - zone_share) * budget
        if zone_share:
            per_zone = self.config.budget.per_person_per_step * zone_share * self.zone_people
            self.held[w.zone_node(np.arange(w.n_zones))] += per_zone
        self.offers = self.config.behaviour.coproduction.contribution_ru * np.bincount(
            self.firm_pool_node[self.firms.strategy == COOPERATE], minlength=len(self.held)
        )
        if not self.offers_fund_institution:
            self.held += self.offers
        self.week["inflow"] += float(budget.sum() + self.offers.sum())

    @property
    def offers_fund_institution(self) -> bool:
        return self.config.structure.institution_funding == "firm_contributions"

    def node_stats(self) -> NodeStats:
        w, f = self.world, self.firms

        per_node = w.per_node

        return NodeStats(
            people=per_node(self.people_per_site),
            firms=per_node(self.firms_per_site),
            unmet=per_node(self.need_signal()),
            uncovered=per_node(np.bincount(f.site, weights=f.org == UNCOVERED, minlength=w.n_sites)),
            participants=per_node(self.site_active),
        )

    def need_signal(self) -> np.ndarray:
        """Per site, last week's need as ``structure.need_signal`` counts it: ``access_gap``, the
        expected requests its accessible capacity does not cover, D_j (1 - min(1, A_j)) (a site
        without money near it shows need even when its requests fail as misfit); ``shortfall``,
        requests that reached a fitting point whose money ran out; ``unmet``, every unmet request."""
        rule = self.config.structure.need_signal
        if rule == "access_gap":  # as the committees see it: what they hold, in the mode's own circle
            return self.site_demand * (1.0 - np.minimum(self.site_access_held, 1.0))
        return self.site_shortfall + (rule == "unmet") * self.site_misfit

    def open_service_points(self) -> None:
        """Open the points that hold enough, split every committee's holdings into this week's
        envelopes for activities, outreach and services, and route each site's use of the open
        points (Huff, with the attraction that structure.huff_attraction names)."""
        b = self.config.budget
        # offers kept for the institution are service capacity of their pool's committee: they
        # count for opening it and go to its service envelope whole
        offers = self.offers if self.offers_fund_institution else 0.0
        self.held += offers
        self.open_nodes = self.held >= self.min_active
        split = self.held - offers
        outreach = b.outreach_share * split
        if self.config.structure.outreach_envelope == "firms":
            outreach = np.where(self.firms_below > 0, outreach, 0.0)  # no firms there to reach
        self.envelope = {"activity": b.activity_share * split, "outreach": outreach}
        self.envelope["service"] = self.held - self.envelope["activity"] - outreach
        self.arrived = np.maximum(self.held - self.held_before, 0.0)  # budget, sinking, offers
        self.routing = self.network.route(self.attraction(), self.open_nodes)
        self.site_uptake = self.routing.uptake
        sites = self.world.site_node(np.arange(self.world.n_sites))
        self.site_closed_weeks = np.where(self.open_nodes[sites], 0, self.site_closed_weeks + 1)

    def measure_access(self) -> None:
        """Each site's two-step floating catchment accessibility of this week's service capacity
        (after the institution's commitments). The outcomes count a point's capacity as
        structure.access_supply says: ``weekly``, the service share of what reaches it in a week
        (a mean over ACCESS_HORIZON_WEEKS), never more than it holds: a capacity per week, as
        2SFCA's supply is; ``held``, its whole service envelope, money left
        idle for weeks included (version 4). They measure it against the reference circle (one
        yardstick for every mode) and the mode's own circle, and say which sites the points near
        them can serve (service_coverage). The need the committees see is the capacity they hold,
        against the mode's own circle."""
        net = self.network
        service = self.envelope["service"]
        held = capacity(service, self.service_cost)
        supply = held
        if self.config.structure.access_supply == "weekly":
            share = np.divide(service, self.held, out=np.zeros_like(service), where=self.held > 0)
            rate = 1.0 / ACCESS_HORIZON_WEEKS
            self.service_inflow += rate * (self.arrived * share - self.service_inflow)
            mean = self.service_inflow / (1.0 - (1.0 - rate) ** self.steps)  # unbiased from week 1
            supply = capacity(np.minimum(service, mean), self.service_cost)
        self.site_access, self.point_ratio = metrics.site_access(
            supply, self.open_nodes, self.site_demand, net.reference_weight, net.nodes
        )
        self.site_access_own, _ = metrics.site_access(
            supply, self.open_nodes, self.site_demand, net.reach_weight, net.nodes
        )
        self.site_access_held = (
            self.site_access_own
            if supply is held
            else metrics.site_access(held, self.open_nodes, self.site_demand, net.reach_weight, net.nodes)[0]
        )
        self.site_covered = metrics.covered_sites(
            self.point_ratio, net.reference_weight, net.nodes, net.reference_inside, net.online
        )

    def attraction(self) -> np.ndarray:
        """Huff attraction of each point: ``capacity``, the service uses its envelope pays for,
        up to the expected demand of its catchment (money nobody can use does not attract);
        ``equal``, distance alone decides; ``held``, the raw stock held (version 0.1)."""
        rule = self.config.structure.huff_attraction
        if rule == "held":
            return self.held
        if rule == "equal":
            return np.ones_like(self.held)
        load = self.catchment_demand
        units = (
            self.envelope["service"] / self.service_cost
            if self.service_cost > 0
            else np.full_like(load, np.inf)
        )
        return np.where(load > 0, np.minimum(units, load), units)

    def charge(self, envelope: str, points: np.ndarray, unit_cost: float) -> None:
        """Charge each point for the uses it admitted (never more than its envelope holds)."""
        count = np.bincount(points, minlength=len(self.held))
        self.uses[envelope] += count
        spent = unit_cost * count
        self.envelope[envelope] -= spent
        self.held -= spent
        self.week["spent"] += float(spent.sum())

    def apply(self, rule: str) -> None:
        """Run a submodel on the schedule chosen at construction: the vectorised method of that
        name, or, on the per-agent path, each agent's method of AGENT_RULES in random order."""
        if self.per_agent:
            agent_type, method = AGENT_RULES[rule]
            self.each(method, agent_type)
        else:
            getattr(self, rule)()

    def serve_requests(self) -> None:
        """Requests arise, each goes to a point its site uses (Huff), reaches it with that pair's
        uptake times the services' fit, and is met while the point's service envelope lasts."""
        p, (uniform, _, _) = self.people, self.scratch
        np.less(self.rng.random(out=uniform), self.person_demand_rate, out=p.demand)
        asking = np.flatnonzero(p.demand)
        site = p.site[asking]
        draws = self.rng.random((3, len(asking)))
        slots = draw_points(self.routing, site, draws[0])
        points = np.where(slots >= 0, self.network.nodes[site, slots], -1)
        reached = (slots >= 0) & (draws[1] < self.network.pair_uptake[site, slots] * self.levers.match)
        met = first_come(
            np.where(reached, points, -1), capacity(self.envelope["service"], self.service_cost), draws[2]
        )
        p.reached[self.asking] = p.served[self.asking] = False  # last week's requests
        p.reached[asking[reached]] = True
        p.served[asking[met]] = True
        self.asking = asking
        self.charge("service", points[met], self.service_cost)

    def record_requests(self) -> None:
        """Unmet requests per site, split by cause, and the firms' satisfaction with this week's
        service. A *shortfall* reached a fitting point whose service envelope was spent; a *misfit*
        found no open point, or none near or fitting enough (uptake x match)."""
        p, n = self.people, self.world.n_sites
        if self.per_agent:  # the batched path listed them as it served them
            self.asking = np.flatnonzero(p.demand)
        asking = self.asking
        met, reached = p.served[asking], p.reached[asking]
        self.site_shortfall = np.bincount(p.site[asking[reached & ~met]], minlength=n).astype(float)
        self.site_misfit = np.bincount(p.site[asking[~reached]], minlength=n).astype(float)
        self.update_satisfaction(p.firm[asking], met)

    def update_satisfaction(self, employer: np.ndarray, met: np.ndarray) -> None:
        """Firms move their satisfaction towards the share of their staff's requests met this week
        (``employer`` and ``met``: one entry per request; residents' employer is -1)."""
        f = self.firms
        staff = employer >= 0
        asked = np.bincount(employer[staff], minlength=len(f))
        met = np.bincount(employer[staff & met], minlength=len(f))
        rate = self.config.behaviour.satisfaction.adjustment_rate
        # a firm that asked nothing this week keeps its level; a voice channel lifts what firms expect
        met_share = np.divide(met, asked, out=f.satisfaction.copy(), where=asked > 0)
        target = np.minimum(1.0, met_share + self.levers.satisfaction_bonus * (asked > 0))
        f.satisfaction = f.satisfaction + rate * (target - f.satisfaction)

    def reach_out(self) -> None:
        """Committees visit uncovered firms at the sites they serve (Huff), while their outreach
        envelopes last; a visited firm joins with the outreach rule's probability."""
        f, cfg = self.firms, self.config
        waiting = np.flatnonzero(f.org == UNCOVERED)
        if not len(waiting):
            return
        draws = self.rng.random((3, len(waiting)))
        points = self.points_drawn(f.site[waiting], draws[0])
        visited = first_come(points, capacity(self.envelope["outreach"], cfg.budget.outreach_cost), draws[1])
        self.charge("outreach", points[visited], cfg.budget.outreach_cost)
        p_join = outreach.join_probability(
            cfg.behaviour.outreach.join_probability,
            f.satisfaction[waiting],
            self.site_uptake[f.site[waiting]],
            self.staff_engaged()[waiting],
            cfg.behaviour.outreach.engagement_effect,
        )
        joined = waiting[visited & (draws[2] < p_join)]
        f.org[joined] = outreach.organisation_formed(
            f.members[joined], cfg.behaviour.outreach.own_branch_min_members
        )

    def staff_engaged(self) -> np.ndarray:
        """Per firm, the share of its staff (members and workers) who took part in the last year."""
        return ratio(self.reach.firm_recent.astype(float), np.diff(self.staff_start).astype(float))

    def site_pull(self, site_active: np.ndarray) -> np.ndarray:
        """Per site, what draws people in: peers' participation (site, zone, online) and reputation.
        Peers' shares are site-level, so they are computed per site and read per person."""
        w, cfg = self.world, self.config.behaviour.participation
        groups = [(cfg.weight_site, ratio(site_active, self.people_per_site))]
        if self.levers.zone_peers:
            g, n = self.site_peer_group, self.n_peer_groups
            zone = ratio(np.bincount(g, site_active, n), np.bincount(g, self.people_per_site, n))
            groups.append((cfg.weight_zone, zone[g]))
        if self.levers.online_share > 0:
            # the online group: everyone the channel reaches in the subdistrict, and only they feel it
            s, n, reach = w.site_subdistrict, w.n_subdistricts, self.network.online_reach
            online = ratio(
                np.bincount(s, site_active * reach, n), np.bincount(s, self.people_per_site * reach, n)
            )
            groups.append((cfg.weight_online * reach, online[s]))
        peers = threshold.peer_share(groups, self.config.structure.peer_aggregation)
        return threshold.pull(peers, cfg.availability, self.reputation, cfg.reputation_effect)

    def effective_thresholds(self, who: Any = slice(None)) -> np.ndarray:
        p, cfg = self.people, self.config.behaviour.participation
        if len(self.firms):
            employer = self.employer[who]
            loner_firm = self.is_worker[who] & (self.firms.strategy[employer] == LONER)
            organised = self.is_staff[who] & (self.firms.org[employer] != UNCOVERED)
        else:
            loner_firm = organised = False
        return threshold.effective_threshold(
            p.threshold[who],
            p.belonging[who],
            p.served[who],
            loner_firm,
            organised,
            cfg.belonging_effect,
            cfg.served_effect,
            cfg.loner_firm_penalty,
            cfg.organised_effect,
        )

    def decide_participation(self) -> None:
        """Granovetter participation (sim.behaviour.threshold), then attendance as far as the
        service points' activity envelopes pay for it. P(willing) = free x pi with pi <= 1, so a
        draw at or above the site's free share is not willing whatever the threshold rule says:
        the rule is evaluated for the others only, with the same draws."""
        p, cfg = self.people, self.config.behaviour.participation
        draws, gathered, below = self.scratch
        free = cfg.availability * self.site_uptake
        self.rng.random(out=draws)
        who = np.flatnonzero(np.less(draws, np.take(free, p.site, out=gathered), out=below))
        site = p.site[who]
        willing = threshold.willing(
            self.site_pull(self.site_delivered)[site],
            self.effective_thresholds(who),
            cfg.temperature,
            draws[who],
            free[site],
        )
        self.run_activities(who[willing])

    def record_participation(self) -> None:
        """Stamp the week's participants, weigh each committee's week of work against its staff
        hours, and credit every participant with what their activity delivered: in full, or, at
        an overloaded committee, its staff hours over the work (structure.overload_effect); a
        campaign's participants (an intervention, no committee's point) get it in full."""
        p, n = self.people, self.world.n_sites
        act = np.flatnonzero(p.active) if self.per_agent else self.joined
        self.reach.record(self.steps, act, p.last_active[act])
        p.last_active[act] = self.steps
        st = self.config.staff
        self.workload = (
            st.hours_per_attendance * self.uses["activity"]
            + st.hours_per_request * self.uses["service"]
            + st.hours_per_visit * self.uses["outreach"]
            + st.hours_per_mechanism * self.levers.mechanisms * self.open_nodes
        )
        self.delivery = (
            np.divide(
                self.staff_hours, self.workload, out=np.ones_like(self.workload), where=self.workload > 0
            ).clip(max=1.0)
            if self.config.structure.overload_effect == "delivery"
            else np.ones_like(self.workload)
        )
        p.delivered[self.active_idx] = 0.0
        point = p.point[act]
        p.delivered[act] = np.where(point >= 0, self.delivery[np.maximum(point, 0)], 1.0)
        self.active_idx = act
        site = p.site[act]
        self.site_active = np.bincount(site, minlength=n).astype(float)
        self.site_delivered = np.bincount(site, weights=p.delivered[act], minlength=n)

    def run_activities(self, who: np.ndarray) -> None:
        """The willing people ``who`` go to a point their site uses (Huff) and attend while its
        activity envelope pays for them (``active``, and the ``point`` they attend)."""
        p = self.people
        draws = self.rng.random((2, len(who)))
        points = self.points_drawn(p.site[who], draws[0])
        admitted = first_come(points, capacity(self.envelope["activity"], self.activity_cost), draws[1])
        self.charge("activity", points[admitted], self.activity_cost)
        p.active[self.active_idx] = False  # last week's participants
        p.point[self.active_idx] = -1
        self.joined = who[admitted]
        p.active[self.joined] = True
        p.point[self.joined] = points[admitted]

    def points_drawn(self, sites: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """The point (node) each use from these sites turns to (Huff draws); -1 for none."""
        slots = draw_points(self.routing, sites, draws)
        return np.where(slots >= 0, self.network.nodes[sites, slots], -1)

    def draw_point(self, site: int) -> tuple[int, int] | None:
        """Per-agent path: the point a person of this site turns to this time (Huff draw), as
        (node, slot); None if the site has no open point."""
        slot = int(draw_points(self.routing, np.array([site]), np.array([self.rng.random()]))[0])
        return None if slot < 0 else (int(self.network.nodes[site, slot]), slot)

    def pay(self, envelope: str, point: int, unit_cost: float) -> bool:
        """Per-agent path: charge one use to a point's envelope if it still covers it."""
        if self.envelope[envelope][point] < unit_cost:
            return False
        self.charge(envelope, np.array([point]), unit_cost)
        return True

    def update_members(self) -> None:
        """Belonging (Bush-Mosteller) and attachment of every Party member."""
        p, f, b = self.people, self.firms, self.config.behaviour
        m = self.members
        p.belonging[m] = membership.bush_mosteller(
            p.belonging[m],
            p.active[m],
            b.belonging.learning_rate,
            b.belonging.extinction_rate,
            p.delivered[m],
        )
        covered = f.org[p.firm[m]] != UNCOVERED
        p.attached[m] = membership.update_attachment(
            p.attached[m],
            p.belonging[m],
            covered,
            b.attachment.attach_rate,
            b.attachment.detach_rate,
            self.rng.random(len(m)),
        )

    def coproduce(self) -> None:
        """Optional public goods game in each firm's pool, then proportional imitation."""
        f, c = self.firms, self.config.behaviour.coproduction
        if not len(f):
            return
        table = self.pool_payoffs(self.pool_counts(), self.pool_funding)
        f.payoff = table[self.firm_pool, f.strategy]
        draws = self.rng.random((4, len(f)))
        met = self.pool_mate(self.firm_pool, draws[0])
        strategy = optional_pgg.imitate(
            f.strategy,
            f.payoff,
            met,
            draws[1] < c.revision_rate,
            self.payoff_scale()[self.firm_pool],
            draws[2],
        )
        explore = draws[3] < c.exploration
        strategy[explore] = self.rng.integers(0, 3, int(explore.sum()))
        f.strategy = strategy

    def fund_institution(self) -> None:
        """Before its services, the committee pays its pool institution: rewards to the expected
        contributors of games that take place, and the enforcement effort of sanctioning free
        riders (Sigmund et al. 2010's pool fee), for the firms' strategies as they stand. Who pays
        is structure.institution_funding: the week's offers of the pool's cooperators
        (``firm_contributions``; what they leave stays service capacity), the committee's service
        envelope (``service_envelope``: co-production competes with services for money), or a
        budget line of its own (``separate_budget``: paid in full, as inflow and spending). A pool
        whose source cannot pay in full runs the institution at the share it can pay
        (``pool_funding``)."""
        lv, c = self.levers, self.config.behaviour.coproduction
        self.pool_funding = np.ones(self.n_pools)
        if not len(self.firms) or (lv.reward == 0 and lv.sanction == 0):
            return
        counts = self.pool_counts()
        shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        played = 1.0 - shares[:, LONER] ** (c.group_size - 1)
        owed = (
            lv.ru_per_payoff
            * played
            * (lv.reward * counts[:, COOPERATE] + lv.sanction_effort * lv.sanction * counts[:, DEFECT])
        )
        node = self.pool_node
        source = self.config.structure.institution_funding
        if source == "separate_budget":
            paid = float(owed.sum())
            self.week["inflow"] += paid
            self.week["spent"] += paid
            return
        available = np.maximum(self.envelope["service"][node], 0.0)
        if source == "firm_contributions":
            available = np.minimum(available, self.offers[node])
        self.pool_funding = np.divide(available, owed, out=np.ones_like(owed), where=owed > 0).clip(max=1.0)
        spent = np.bincount(node, weights=owed * self.pool_funding, minlength=len(self.held))
        self.envelope["service"] -= spent
        self.held -= spent
        self.week["spent"] += float(spent.sum())

    def payoff_scale(self) -> np.ndarray:
        """Per pool, a bound on this week's payoff differences (imitation probabilities stay in
        [0, 1]); an unfunded institution adds nothing, so it reduces exactly to Hauert's game."""
        c, lv = self.config.behaviour.coproduction, self.levers
        return optional_pgg.payoff_scale(
            c.multiplication,
            c.cost,
            c.loner_payoff,
            lv.reward * self.pool_funding,
            lv.sanction * self.pool_funding,
        )

    def pool_counts(self) -> np.ndarray:
        """Firms by pool and strategy (cooperate, defect, loner)."""
        return np.bincount(self.firm_pool * 3 + self.firms.strategy, minlength=3 * self.n_pools).reshape(
            -1, 3
        )

    def pool_payoffs(self, counts: np.ndarray, funding: np.ndarray | float) -> np.ndarray:
        """Expected payoff of each strategy in each pool, from the pool's strategy shares and the
        share of its institution the committee could pay for this week."""
        c, lv = self.config.behaviour.coproduction, self.levers
        shares = counts / np.maximum(counts.sum(axis=-1, keepdims=True), 1)
        return optional_pgg.expected_payoffs(
            shares[..., COOPERATE],
            shares[..., DEFECT],
            shares[..., LONER],
            c.group_size,
            c.multiplication,
            c.cost,
            c.loner_payoff,
            lv.reward * funding,
            lv.sanction * funding,
        )

    def pool_mate(self, pool: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """A firm met at random in the given pool (possibly the firm itself)."""
        return self.pool_order[self.pool_start[pool] + (draws * self.pool_size[pool]).astype(np.int64)]

    def replace_firms(self) -> None:
        """Firm turnover (the buildings' "fast flow" of tenants): each firm leaves with
        ``firm_exit_rate`` a week and a newcomer of the same size takes its place, with no Party
        organisation, a fresh strategy and satisfaction, and new staff (never reached, members'
        relationships not in the building, belonging drawn anew)."""
        f, p, b = self.firms, self.people, self.config.behaviour
        if not len(f) or b.turnover.firm_exit_rate == 0:
            return
        left = self.rng.random(len(f)) < b.turnover.firm_exit_rate
        n = int(left.sum())
        if not n:
            return
        shares = b.coproduction.initial_shares
        f.org[left] = UNCOVERED
        f.strategy[left] = self.rng.choice(3, size=n, p=[shares[k] for k in STRATEGIES])
        f.satisfaction[left] = b.satisfaction.initial
        f.payoff[left] = 0.0
        gone = np.flatnonzero(left)
        counts = self.staff_start[gone + 1] - self.staff_start[gone]
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        staff = self.staff_by_firm[np.repeat(self.staff_start[gone], counts) + offsets]
        self.reach.forget(staff, p.last_active, self.steps)
        p.last_active[staff] = -1
        p.attached[staff] = False
        members = np.sort(staff[p.kind[staff] == MEMBER])
        p.belonging[members] = np.clip(
            self.rng.normal(b.belonging.initial_mean, b.belonging.initial_sd, len(members)), 0.0, 1.0
        )

    def intervention_active(self, kind: str) -> bool:
        iv = self.config.intervention
        return iv is not None and iv.kind == kind and iv.week <= self.steps < iv.week + iv.weeks

    def intervene_coverage(self) -> None:
        """Reinforcement experiment: in the intervention's weeks, an exogenous share of the
        uncovered firms get a Party organisation, drawn from a generator of its own so that the
        model's draws are the same as without it until they diverge by their effect."""
        f = self.firms
        if not self.intervention_active("coverage"):
            return
        waiting = np.flatnonzero(f.org == UNCOVERED)
        chosen = waiting[self.intervention_rng.random(len(waiting)) < self.config.intervention.size]
        f.org[chosen] = outreach.organisation_formed(
            f.members[chosen], self.config.behaviour.outreach.own_branch_min_members
        )

    def intervene_participation(self) -> None:
        """Reinforcement experiment: in the intervention's weeks, an exogenous share of all people
        take part in a campaign run outside the committees (no point, no money, no staff time)."""
        p = self.people
        if not self.intervention_active("participation"):
            return
        campaign = np.flatnonzero(self.intervention_rng.random(len(p)) < self.config.intervention.size)
        p.active[campaign] = True
        self.joined = np.union1d(self.joined, campaign)

    def lapse_unspent(self) -> None:
        """Unspent holdings return to the treasury at structure.lapse_rate per week, so money that
        finds no use cannot pile up without limit (a budget's execution deadline)."""
        lapsed = self.config.structure.lapse_rate * self.held
        self.held -= lapsed
        self.week["lapsed"] += float(lapsed.sum())

    def update_reputation(self) -> None:
        """Brand reputation follows the use of the site's station, R <- R + eta (use - R), where
        use is the share of the people free that week who took part."""
        eta = self.levers.reputation_rate
        if eta > 0:
            share = ratio(self.site_delivered, self.people_per_site)
            use = np.minimum(1.0, share / max(self.config.behaviour.participation.availability, 1e-12))
            self.reputation += eta * (use - self.reputation)

    # ------------------------------------------------------------------ convenience

    def person(self, index: int) -> Person:
        """The Mesa agent of one person, made on demand at any scale (and kept)."""
        return self._view(
            ("person", int(index)), lambda: PERSON_CLASSES[int(self.people.kind[index])](self, index)
        )

    def enterprise(self, index: int) -> Enterprise:
        """The Mesa agent of one enterprise, made on demand at any scale (and kept)."""
        return self._view(("firm", int(index)), lambda: Enterprise(self, index))

    def _view(self, key: tuple[str, int], make: Any) -> Any:
        if key not in self._views_by_row:
            self._views_by_row[key] = make()
        return self._views_by_row[key]

    def each(self, method: str, agent_type: type) -> None:
        """Per-agent path: every agent of the type (and its subclasses) acts once, in random order."""
        self.agents.select(lambda a: isinstance(a, agent_type)).shuffle_do(method)

    def run(self, steps: int | None = None) -> None:
        for _ in range(self.config.steps if steps is None else steps):
            self.step()


def _seed_override(rng: Any, overrides: dict[str, Any]) -> int | None:
    """The seed to compose: ``seed=``, an integer ``rng``, or a fresh one when neither is given
    (Mesa's convention for ``rng=None``); None for a Generator-like ``rng``, which has no seed."""
    if rng is not None and "seed" in overrides:
        raise ConfigError(
            f"rng, seed: got rng={rng!r} and seed={overrides['seed']!r}, "
            "allowed: one of them (both seed the run)"
        )
    if "seed" in overrides:
        return None  # composed with the other overrides
    if rng is None:
        return secrets.randbits(FRESH_SEED_BITS)
    if isinstance(rng, (int, np.integer)):
        return int(rng)
    return None


def _outcome(model: VerticalCommunityModel, name: str) -> float:
    return model.outcomes[name]


def _override_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_override_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_override_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
