"""Initial populations held as arrays: people (members, workers, residents) and enterprises.

Person-level state lives in numpy arrays over the whole population so that a rule is one
vectorised expression (see sim.behaviour); Mesa agents in sim.agents are views onto one row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from sim.config import PERSON_KINDS, STRATEGIES, RunConfig, read_thresholds
from sim.world.layout import AREA, BUILDING, World

MEMBER, WORKER, RESIDENT = 0, 1, 2
UNCOVERED, JOINT, OWN_BRANCH = 0, 1, 2
COOPERATE, DEFECT, LONER = range(len(STRATEGIES))  # indices into STRATEGIES
FIRM_SIZE_SIGMA = 1.2  # lognormal sigma of firm sizes within a building (skewed, as firm sizes are)


@dataclass
class People:
    kind: np.ndarray  # MEMBER, WORKER or RESIDENT
    site: np.ndarray  # building (members, workers) or residential area (residents)
    firm: np.ndarray  # employer; -1 for residents
    threshold: np.ndarray  # Granovetter threshold, share of peers
    active: np.ndarray  # took part in this week's activities
    point: np.ndarray  # the service point whose activity they attended this week; -1 for none
    delivered: np.ndarray  # what that activity delivered: its point's delivery, 0 if not active
    last_active: np.ndarray  # week of the last participation; -1 for never
    demand: np.ndarray  # asked for a service this week
    reached: np.ndarray  # that request reached a service point with a fitting service
    served: np.ndarray  # that request was met (reached and paid for)
    belonging: np.ndarray  # sense of belonging (归属感), members only
    attached: np.ndarray  # organisational relationship in the building (members only)

    def __len__(self) -> int:
        return len(self.kind)


@dataclass
class Enterprises:
    site: np.ndarray
    workers: np.ndarray  # non-member white-collar workers (群众)
    members: np.ndarray  # Party members employed
    org: np.ndarray  # UNCOVERED, JOINT or OWN_BRANCH
    strategy: np.ndarray  # COOPERATE (offer resources), DEFECT (free ride) or LONER (stay out)
    payoff: np.ndarray
    satisfaction: np.ndarray  # with the business environment (营商环境)

    def __len__(self) -> int:
        return len(self.site)


def _draw_thresholds(run: RunConfig, kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Granovetter thresholds by ``threshold_distribution``: independent normal draws; the
    normal's quantiles at (rank + 1/2) / n within each kind (Granovetter's 1978 expected
    distribution, so a population of n reproduces his normal cases exactly); or the quantiles of
    the empirical distribution listed in ``threshold_file``. Quantiles go to people in random
    order; every value is clipped to [0, 1]."""
    p = run.behaviour.participation
    mean = np.array([p.threshold_mean[k] for k in PERSON_KINDS])[kind]
    if p.threshold_distribution == "normal":
        return np.clip(rng.normal(mean, p.threshold_sd), 0.0, 1.0)
    out = np.zeros(len(kind))
    values = np.sort(read_thresholds(p.threshold_file)) if p.threshold_distribution == "file" else None
    for k in range(len(PERSON_KINDS)):
        who = rng.permutation(np.flatnonzero(kind == k))
        q = (np.arange(len(who)) + 0.5) / max(len(who), 1)
        if values is None:
            out[who] = mean[who] + p.threshold_sd * ndtri(q)
        else:
            out[who] = values[np.minimum((q * len(values)).astype(np.int64), len(values) - 1)]
    return np.clip(out, 0.0, 1.0)


def build_populations(run: RunConfig, world: World, rng: np.random.Generator) -> tuple[People, Enterprises]:
    buildings = [b for spec in run.scenario.subdistricts.values() for z in spec.zones for b in z.buildings]
    areas = [
        a for spec in run.scenario.subdistricts.values() for z in spec.zones for a in z.residential_areas
    ]
    building_sites = np.flatnonzero(world.site_kind == BUILDING)
    area_sites = np.flatnonzero(world.site_kind == AREA)
    outreach = run.behaviour.outreach
    attach_share = _attached_shares(run)[world.site_subdistrict]

    firm_site, firm_workers, firm_members, firm_attached, firm_org = [], [], [], [], []
    for site, b in zip(building_sites, buildings):
        weights = rng.lognormal(0.0, FIRM_SIZE_SIGMA, b.enterprises)
        weights /= weights.sum()
        workers = rng.multinomial(b.workers, weights)
        members = rng.multinomial(b.members, weights)
        attached = rng.binomial(members, attach_share[site])
        firm_site.append(np.full(b.enterprises, site))
        firm_workers.append(workers)
        firm_members.append(members)
        firm_attached.append(attached)
        firm_org.append(
            _initial_organisations(
                members,
                attached,
                b.party_orgs > 0,
                outreach.own_branch_min_members,
                outreach.initial_work_coverage,
                rng,
            )
        )
    cat = lambda parts, dtype: np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
    f_site = cat(firm_site, np.int64)
    f_workers = cat(firm_workers, np.int64)
    f_members = cat(firm_members, np.int64)
    f_attached = cat(firm_attached, np.int64)
    n_firms = len(f_site)
    shares = run.behaviour.coproduction.initial_shares
    strategy = rng.choice(3, size=n_firms, p=[shares[s] for s in STRATEGIES]).astype(np.int8)
    firms = Enterprises(
        site=f_site,
        workers=f_workers,
        members=f_members,
        org=cat(firm_org, np.int8),
        strategy=strategy,
        payoff=np.zeros(n_firms),
        satisfaction=np.full(n_firms, run.behaviour.satisfaction.initial),
    )

    firm_ids = np.arange(n_firms)
    member_firm = np.repeat(firm_ids, f_members)
    worker_firm = np.repeat(firm_ids, f_workers)
    residents = np.array([a.residents for a in areas], dtype=np.int64)
    resident_site = np.repeat(area_sites, residents)
    kind = np.concatenate(
        [
            np.full(len(member_firm), MEMBER),
            np.full(len(worker_firm), WORKER),
            np.full(len(resident_site), RESIDENT),
        ]
    ).astype(np.int8)
    firm = np.concatenate([member_firm, worker_firm, np.full(len(resident_site), -1)]).astype(np.int64)
    site = np.concatenate([f_site[member_firm], f_site[worker_firm], resident_site]).astype(np.int64)
    n = len(kind)
    is_member = kind == MEMBER
    # a firm's first f_attached members (members are exchangeable) are attached, where it is covered
    rank = np.arange(len(member_firm)) - np.repeat(np.cumsum(f_members) - f_members, f_members)
    attached = np.zeros(n, dtype=bool)
    attached[: len(member_firm)] = (rank < f_attached[member_firm]) & (firms.org[member_firm] != UNCOVERED)
    b = run.behaviour
    people = People(
        kind=kind,
        site=site,
        firm=firm,
        threshold=_draw_thresholds(run, kind, rng),
        active=np.zeros(n, dtype=bool),
        point=np.full(n, -1, dtype=np.int64),
        delivered=np.zeros(n),
        last_active=np.full(n, -1, dtype=np.int32),
        demand=np.zeros(n, dtype=bool),
        reached=np.zeros(n, dtype=bool),
        served=np.zeros(n, dtype=bool),
        belonging=np.where(
            is_member, np.clip(rng.normal(b.belonging.initial_mean, b.belonging.initial_sd, n), 0, 1), 0.0
        ),
        attached=attached,
    )
    return people, firms


def _attached_shares(run: RunConfig) -> np.ndarray:
    """Per subdistrict, the share of members whose relationship starts in the buildings: the
    district's organised members over all its members (the article's counts against 6% of the
    workforce) or ``initial_attached`` where the district does not give them."""
    return np.array(
        [
            sp.attached_share if sp.attached_share is not None else run.behaviour.attachment.initial_attached
            for sp in run.scenario.subdistricts.values()
        ]
    )


def _initial_organisations(
    members: np.ndarray,
    attached: np.ndarray,
    building_org: bool,
    own_min: int,
    work_coverage: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """A building's firms' Party organisations at the start (EVIDENCE.md). A firm with at least
    ``own_min`` attached members (relationships in the firm) has its own branch: near-universal,
    99.6% of eligible non-public firms by 2010. In a building with a building organisation (the
    article's counts give every building one; 90% of Shanghai's key buildings had one in 2021),
    every other firm with members is in a joint branch or the building's committee, and a firm
    without members is covered (work coverage) with probability ``work_coverage``; without one,
    they are uncovered."""
    org = np.where(attached >= own_min, OWN_BRANCH, UNCOVERED).astype(np.int8)
    if building_org:
        rest = org == UNCOVERED
        covered = (members > 0) | (rng.random(len(members)) < work_coverage)
        org[rest & covered] = JOINT
    return org
