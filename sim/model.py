"""The vertical-community model (立体社区): world building and the weekly schedule.

The order of :meth:`VerticalCommunityModel.step` is the ODD's process overview (docs/ODD.md §3).
Person and enterprise state live in arrays (sim.world.population); each rule is one call into
sim.behaviour, applied to everyone at once from last week's state (synchronous update).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import numpy as np
from mesa.discrete_space import OrthogonalMooreGrid

from sim import metrics
from sim.metrics import ratio
from sim.agents import create_views
from sim.behaviour import membership, optional_pgg, outreach, threshold
from sim.config import PERSON_KINDS, RunConfig, compose
from sim.governance import SITE_POOL, ZONE_POOL, levers_for
from sim.services import ServiceNetwork, allot, fill_rates
from sim.sinking import NodeStats, sink
from sim.world import AREA, build_populations, build_world
from sim.world.population import COOPERATE, DEFECT, LONER, MEMBER, UNCOVERED, WORKER


class VerticalCommunityModel(mesa.Model):
    """Party committees, enterprises, Party members, workers and residents in business buildings.

    Construct from preset names (``scenario``, ``governance``, ``sinking``) plus dotted overrides
    written with double underscores (``sinking__share=0.3``), or from a validated ``config``.
    ``rng`` seeds everything; by default it is the config's ``seed``.
    """

    def __init__(self, scenario: str = "small", governance: str = "brand", sinking: str = "need",
                 rng: Any = None, config: RunConfig | None = None, agent_views: str | int = "auto",
                 **overrides: Any):
        if config is None:
            items = [f"scenario={scenario}", f"governance={governance}", f"sinking={sinking}"]
            items += [f"{k.replace('__', '.')}={_override_value(v)}" for k, v in overrides.items()]
            if rng is not None and isinstance(rng, (int, np.integer)):
                items.append(f"seed={int(rng)}")
            config = compose(items)
        elif overrides:
            raise TypeError("pass either config or overrides, not both")
        super().__init__(rng=config.seed if rng is None else rng)
        self.config = config
        self.levers = levers_for(config.governance)
        gen = self.rng

        self.world = build_world(config, gen)
        self.people, self.firms = build_populations(config, self.world, gen)
        self.grid = OrthogonalMooreGrid((self.world.width, self.world.height), torus=False, random=self.random)
        self.network = ServiceNetwork(self.world, self.levers, config)
        self._index_groups()

        n_nodes = len(self.world.node_level)
        self.held = np.zeros(n_nodes)
        self.totals = {"inflow": 0.0, "spent": 0.0, "lost": 0.0}
        self.week = {"inflow": 0.0, "spent": 0.0, "lost": 0.0}
        self.reputation = np.zeros(self.world.n_sites)
        self.site_unmet = np.zeros(self.world.n_sites)
        self.site_covered = np.zeros(self.world.n_sites, dtype=bool)
        self.site_active = np.zeros(self.world.n_sites)  # people who took part, by site

        self.views = create_views(self, agent_views)
        self.outcomes: dict[str, float] = metrics.compute(self)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_outcome, name=name) for name in metrics.OUTCOMES}
        )
        self.datacollector.collect(self)

    # ------------------------------------------------------------------ set-up helpers

    def _index_groups(self) -> None:
        w, p, f = self.world, self.people, self.firms
        self.people_per_site = np.bincount(p.site, minlength=w.n_sites).astype(float)
        self.firms_per_site = np.bincount(f.site, minlength=w.n_sites).astype(float)
        self.people_per_kind = np.bincount(p.kind, minlength=3).astype(float)
        self.is_worker = p.kind == WORKER
        self.employer = np.maximum(p.firm, 0)  # residents have none; masked by is_worker where used
        # zone peer groups: a zone's buildings and its residential areas are separate "two skins"
        # unless fused into one grid
        side = np.zeros(w.n_sites, dtype=np.int64) if self.levers.fused else (w.site_kind == AREA).astype(np.int64)
        self.site_peer_group = w.site_zone * 2 + side
        self.n_peer_groups = 2 * w.n_zones
        pool_of_site = {SITE_POOL: np.arange(w.n_sites), ZONE_POOL: w.site_zone}.get(
            self.levers.coproduction_pool, w.site_subdistrict)
        pool_node = {SITE_POOL: w.site_node(np.arange(w.n_sites)), ZONE_POOL: w.zone_node(w.site_zone)}.get(
            self.levers.coproduction_pool, w.site_subdistrict)
        self.firm_pool = pool_of_site[f.site]
        self.firm_pool_node = pool_node[f.site]
        self.n_pools = int(pool_of_site.max()) + 1 if len(pool_of_site) else 0
        self.pool_order = np.argsort(self.firm_pool, kind="stable")
        self.pool_size = np.bincount(self.firm_pool, minlength=self.n_pools)
        self.pool_start = np.concatenate([[0], np.cumsum(self.pool_size)[:-1]])
        self.demand_rate = np.array([self.config.behaviour.demand.rate[k] for k in PERSON_KINDS])
        self.site_subdistrict_people = np.bincount(self.world.site_subdistrict, weights=self.people_per_site,
                                                   minlength=w.n_subdistricts)

    # ------------------------------------------------------------------ the weekly schedule

    def step(self) -> None:
        self.week = {"inflow": 0.0, "spent": 0.0, "lost": 0.0}
        self.receive_resources()
        self.week["lost"] += sink(self.held, self.world.node_parent, self.world.node_level,
                                  self.node_stats(), self.config.sinking)
        self.open_service_points()
        self.deliver_services()
        self.reach_out()
        self.take_part()
        self.update_members()
        self.coproduce()
        self.update_reputation()
        for key in self.totals:
            self.totals[key] += self.week[key]
        self.outcomes = metrics.compute(self)
        self.datacollector.collect(self)
        self.running = self.steps < self.config.steps  # batch_run and SolaraViz stop at the run's end

    def receive_resources(self) -> None:
        """Budget into each subdistrict committee; cooperators' offers onto the shared list."""
        budget = self.config.budget.per_person_per_step * self.site_subdistrict_people
        offers = self.config.behaviour.coproduction.contribution_ru * np.bincount(
            self.firm_pool_node[self.firms.strategy == COOPERATE], minlength=len(self.held))
        self.held[: len(budget)] += budget
        self.held += offers
        self.week["inflow"] += float(budget.sum() + offers.sum())

    def node_stats(self) -> NodeStats:
        w, p, f = self.world, self.people, self.firms

        def per_node(site_values: np.ndarray) -> np.ndarray:
            out = np.zeros(len(w.node_level))
            out[: w.n_subdistricts] = np.bincount(w.site_subdistrict, weights=site_values, minlength=w.n_subdistricts)
            out[w.zone_node(np.arange(w.n_zones))] = np.bincount(w.site_zone, weights=site_values, minlength=w.n_zones)
            out[w.site_node(np.arange(w.n_sites))] = site_values
            return out

        return NodeStats(
            people=per_node(self.people_per_site),
            firms=per_node(self.firms_per_site),
            unmet=per_node(self.site_unmet),
            uncovered=per_node(np.bincount(f.site, weights=f.org == UNCOVERED, minlength=w.n_sites)),
            participants=per_node(self.site_active),
        )

    def open_service_points(self) -> None:
        """Open the points that hold enough, route each site's use of them, and split every
        committee's holdings into this week's envelopes for activities, outreach and services."""
        b = self.config.budget
        open_nodes = self.held >= b.min_active
        self.routing = self.network.route(self.held, open_nodes)
        self.site_covered = self.routing.covered
        self.site_uptake = self.routing.uptake
        self.envelope = {"activity": b.activity_share * self.held, "outreach": b.outreach_share * self.held}
        self.envelope["service"] = self.held - self.envelope["activity"] - self.envelope["outreach"]

    def spend(self, envelope: str, site_counts: np.ndarray, weights: np.ndarray, unit_cost: float) -> None:
        """Charge each node for the per-site counts it handled, within its envelope."""
        spent = np.minimum(self.envelope[envelope], unit_cost * allot(site_counts, weights))
        self.held -= spent
        self.week["spent"] += float(spent.sum())

    def deliver_services(self) -> None:
        """Requests arise, reach the points their site uses, and are met as far as each point's
        service envelope goes."""
        p, lv, reach = self.people, self.levers, self.routing.reach
        p.demand = self.rng.random(len(p)) < self.demand_rate[p.kind]
        requests = np.bincount(p.site[p.demand], minlength=self.world.n_sites).astype(float)
        unit_cost = self.config.budget.service_unit_cost * lv.cost_factor
        filled = fill_rates(lv.match * requests @ reach, self.envelope["service"] / unit_cost)
        met = reach * (lv.match * filled)[None, :]
        p.served = p.demand & (self.rng.random(len(p)) < met.sum(axis=1)[p.site])
        served_sites = np.bincount(p.site[p.served], minlength=self.world.n_sites).astype(float)
        self.spend("service", served_sites, met, unit_cost)
        self.site_unmet = requests - served_sites
        self.update_satisfaction()

    def update_satisfaction(self) -> None:
        p, f = self.people, self.firms
        staff = p.firm >= 0
        asked = np.bincount(p.firm[staff & p.demand], minlength=len(f))
        met = np.bincount(p.firm[staff & p.served], minlength=len(f))
        rate = self.config.behaviour.satisfaction.adjustment_rate
        target = np.divide(met, asked, out=f.satisfaction.copy(), where=asked > 0)
        f.satisfaction = np.clip(f.satisfaction + rate * (target - f.satisfaction) + self.levers.satisfaction_bonus,
                                 0.0, 1.0)

    def reach_out(self) -> None:
        """Committees visit uncovered firms at the sites they serve, as far as their outreach
        envelope goes; firms that join get an organisation."""
        f, cfg, share = self.firms, self.config, self.routing.share
        waiting = f.org == UNCOVERED
        if not waiting.any():
            return
        remit = np.bincount(f.site[waiting], minlength=self.world.n_sites).astype(float) @ share
        visits = outreach.visit_probability(np.floor(self.envelope["outreach"] / cfg.budget.outreach_cost), remit)
        visit_weights = share * visits[None, :]
        p_visit = visit_weights.sum(axis=1)
        idx = np.flatnonzero(waiting)
        visited = idx[self.rng.random(len(idx)) < p_visit[f.site[idx]]]
        self.spend("outreach", np.bincount(f.site[visited], minlength=self.world.n_sites).astype(float),
                   visit_weights, cfg.budget.outreach_cost)
        p_join = outreach.join_probability(cfg.behaviour.outreach.join_probability, f.satisfaction[visited],
                                           self.site_uptake[f.site[visited]])
        joined = visited[self.rng.random(len(visited)) < p_join]
        f.org[joined] = outreach.organisation_formed(f.members[joined], cfg.behaviour.outreach.own_branch_min_members)

    def take_part(self) -> None:
        """Granovetter participation: the share of a person's peers who took part last week (site,
        zone, online), plus the site's brand reputation, against the person's threshold lowered by
        belonging and by this week's service. Peers' shares are site-level, so they are computed
        per site and read per person."""
        p, w, cfg = self.people, self.world, self.config.behaviour.participation
        site_active = self.site_active
        groups = [(cfg.weight_site, ratio(site_active, self.people_per_site))]
        if self.levers.zone_peers:
            g, n = self.site_peer_group, self.n_peer_groups
            zone = ratio(np.bincount(g, site_active, n), np.bincount(g, self.people_per_site, n))
            groups.append((cfg.weight_zone, zone[g]))
        if self.levers.online_share > 0:
            s, n = w.site_subdistrict, w.n_subdistricts
            groups.append((cfg.weight_online, ratio(np.bincount(s, site_active, n), self.site_subdistrict_people)[s]))
        # peers are judged against those who could have come: the share of available peers
        peers = np.minimum(1.0, threshold.peer_share(groups) / max(cfg.availability, 1e-12))
        pull = peers + cfg.reputation_effect * self.reputation
        effective = p.threshold - cfg.belonging_effect * p.belonging - cfg.served_effect * p.served
        if len(self.firms):
            effective = effective + cfg.loner_firm_penalty * (self.is_worker & (self.firms.strategy[self.employer] == LONER))
        # attending also needs a free week and a reachable open point (uptake falls with distance)
        draws = self.rng.random((2, len(p)))
        free = np.maximum(cfg.availability * self.site_uptake, 1e-12)
        willing = threshold.decide(pull[p.site], effective, cfg.temperature, draws[0] / free[p.site])
        p.active = self.run_activities(willing, draws[1])
        p.ever_active |= p.active
        self.site_active = np.bincount(p.site, weights=p.active, minlength=w.n_sites)

    def run_activities(self, willing: np.ndarray, draws: np.ndarray) -> np.ndarray:
        """Willing people attend at the points their site uses, as far as each point's activity
        envelope pays for them."""
        cost = self.config.budget.activity_cost * self.levers.cost_factor
        if cost == 0:
            return willing
        share = self.routing.share
        per_site = np.bincount(self.people.site[willing], minlength=self.world.n_sites).astype(float)
        room = share * fill_rates(per_site @ share, self.envelope["activity"] / cost)[None, :]
        attend = willing & (draws < room.sum(axis=1)[self.people.site])
        self.spend("activity", np.bincount(self.people.site[attend], minlength=self.world.n_sites).astype(float),
                   room, cost)
        return attend

    def update_members(self) -> None:
        p, f, b = self.people, self.firms, self.config.behaviour
        m = np.flatnonzero(p.kind == MEMBER)
        p.belonging[m] = membership.bush_mosteller(p.belonging[m], p.active[m], b.belonging.learning_rate,
                                                   b.belonging.extinction_rate)
        covered = f.org[p.firm[m]] != UNCOVERED
        p.attached[m] = membership.update_attachment(p.attached[m], p.belonging[m], covered,
                                                     b.attachment.attach_rate, b.attachment.detach_rate,
                                                     self.rng.random(len(m)))

    def coproduce(self) -> None:
        """Optional public goods game in each firm's pool, then proportional imitation."""
        f, c, lv = self.firms, self.config.behaviour.coproduction, self.levers
        if not len(f):
            return
        counts = np.bincount(self.firm_pool * 3 + f.strategy, minlength=3 * self.n_pools).reshape(-1, 3)
        shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        table = optional_pgg.expected_payoffs(shares[:, COOPERATE], shares[:, DEFECT], shares[:, LONER],
                                              c.group_size, c.multiplication, c.cost, c.loner_payoff,
                                              lv.reward, lv.sanction)
        f.payoff = table[self.firm_pool, f.strategy]
        n = len(f)
        draws = self.rng.random((4, n))
        met = self.pool_order[self.pool_start[self.firm_pool] + (draws[0] * self.pool_size[self.firm_pool]).astype(np.int64)]
        scale = optional_pgg.payoff_scale(c.multiplication, c.cost, c.loner_payoff, lv.reward, lv.sanction)
        strategy = optional_pgg.imitate(f.strategy, f.payoff, met, draws[1] < c.revision_rate, scale, draws[2])
        explore = draws[3] < c.exploration
        strategy[explore] = self.rng.integers(0, 3, int(explore.sum()))
        f.strategy = strategy

    def update_reputation(self) -> None:
        """Brand reputation follows the use of the site's station, R <- R + eta (use - R), where
        use is the share of the people free that week who took part."""
        eta = self.levers.reputation_rate
        if eta > 0:
            share = ratio(self.site_active, self.people_per_site)
            use = np.minimum(1.0, share / max(self.config.behaviour.participation.availability, 1e-12))
            self.reputation += eta * (use - self.reputation)

    # ------------------------------------------------------------------ convenience

    def run(self, steps: int | None = None) -> None:
        for _ in range(self.config.steps if steps is None else steps):
            self.step()





def _outcome(model: VerticalCommunityModel, name: str) -> float:
    return model.outcomes[name]


def _override_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_override_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
