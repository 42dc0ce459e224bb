"""Outcomes collected every week (结果指标). Every rate is a share in [0, 1] or NaN where it is
undefined (no requests, nobody taking part); resources are in RU. Definitions: docs/ODD.md 7.16.

Coupling coordination degree (耦合协调度) between a Party-building score U1 and a governance score
U2: C = 2 sqrt(U1 U2) / (U1 + U2), T = a U1 + b U2, D = sqrt(C T), with a = b = 1/2; one degree
for each of the article's three couplings (structural, functional, mechanism) and one overall.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim import outcomes
from sim.world.layout import SITE_LEVEL, SUBDISTRICT_LEVEL, ZONE_LEVEL
from sim.world.population import COOPERATE, LONER, MEMBER, RESIDENT, UNCOVERED, WORKER

if TYPE_CHECKING:
    from sim.model import VerticalCommunityModel

RATES = tuple(o.name for o in outcomes.OUTCOMES.values() if o.unit == outcomes.SHARE)
# Rates that are NaN where undefined: no requests this week (demand met and its split), no
# expected demand at all (access, and then the functional coupling), or nobody taking part (equity).
UNDEFINED_WHEN_EMPTY = (
    "service_access",
    "service_access_own",
    "demand_met",
    "unmet_shortfall",
    "unmet_misfit",
    "coupling_functional",
    "equity_index",
    "building_coverage",
    "key_building_coverage",
    "committee_overload",
)
REACH_WINDOW = 52  # weeks: a year's reach
# The indicators of each coupling (the article's section 3): Party-building side U1, governance side U2.
COUPLINGS = {
    "structural": (("org_coverage", "member_attachment"), ("reach_52w", "enterprise_participation")),
    "functional": (("service_access", "demand_met"), ("satisfaction",)),
    "mechanism": (
        ("member_participation",),
        ("worker_participation", "resident_participation", "enterprise_contribution"),
    ),
}
RESOURCES = tuple(o.name for o in outcomes.OUTCOMES.values() if o.unit == outcomes.RU)
COLUMNS = RATES + RESOURCES  # what the model records each week, in this order
COUPLING_WEIGHTS = (0.5, 0.5)


def _mean(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else 0.0


def ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros(len(part)), where=whole > 0)


def coupling_coordination(
    u1: float, u2: float, a: float = COUPLING_WEIGHTS[0], b: float = COUPLING_WEIGHTS[1]
) -> float:
    if math.isnan(u1) or math.isnan(u2):
        return float("nan")
    if u1 + u2 == 0:
        return 0.0
    c = 2.0 * math.sqrt(u1 * u2) / (u1 + u2)
    return math.sqrt(c * (a * u1 + b * u2))


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted Gini coefficient (0 = equal, 1 = all in one unit); NaN when every value is 0
    (nothing to distribute: neither equal nor unequal)."""
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    if len(values) == 0 or values.sum() == 0:
        return float("nan")
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum_w = np.cumsum(w) / w.sum()
    cum_vw = np.cumsum(v * w) / (v * w).sum()
    prev = np.concatenate([[0.0], cum_vw[:-1]])
    return float(1.0 - np.sum(np.diff(np.concatenate([[0.0], cum_w])) * (cum_vw + prev)))


def two_step_fca(
    supply: np.ndarray, demand: np.ndarray, weight: np.ndarray, nodes: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Accessibility of each demand location by the (enhanced) two-step floating catchment area
    method (Luo & Wang 2003; distance weights: Luo & Qi 2009): each supply k serves the demand in
    its catchment, R_k = S_k / sum_j w_jk D_j; location j's accessibility is A_j = sum_k w_jk R_k,
    supply per unit of demand. ``weight`` is sites x points, or sites x slots with ``nodes`` naming
    each slot's point (sim.services). Returns (A, R)."""
    if nodes is None:
        nodes = np.broadcast_to(np.arange(weight.shape[1]), weight.shape)
    points = np.maximum(nodes, 0)  # the padding's weight is 0
    load = np.bincount(points.ravel(), (weight * demand[:, None]).ravel(), len(supply))
    ratio_k = np.divide(supply, load, out=np.zeros(len(supply)), where=load > 0)
    return (weight * ratio_k[points]).sum(axis=1), ratio_k


def _score(values: dict[str, float], names: tuple[str, ...]) -> float:
    """Mean of the defined indicators (NaN only when none is defined)."""
    defined = [float(values[n]) for n in names if not math.isnan(values[n])]
    return sum(defined) / len(defined) if defined else float("nan")


def compute(model: VerticalCommunityModel) -> dict[str, float]:
    p, f, w = model.people, model.firms, model.world
    n = max(len(p), 1)
    asked = np.count_nonzero(p.demand)
    active = model.active_idx
    by_kind = ratio(np.bincount(p.kind[active], minlength=3).astype(float), model.people_per_kind)
    out = {
        "participation_rate": len(active) / n,
        "member_participation": by_kind[MEMBER],
        "worker_participation": by_kind[WORKER],
        "resident_participation": by_kind[RESIDENT],
        "enterprise_participation": _mean(f.strategy != LONER),
        "enterprise_contribution": _mean(f.strategy == COOPERATE),
        "reach_52w": model.reach.recent / n,
        "cumulative_reach": model.reach.ever / n,
        "org_coverage": _mean(f.org != UNCOVERED),
        "member_attachment": _mean(p.attached[model.members]),
        "service_coverage": float(model.people_per_site @ model.site_covered / max(len(p), 1)),
        "service_access": service_access(model.site_demand, model.site_access),
        "service_access_own": service_access(model.site_demand, model.site_access_own),
        "demand_met": np.count_nonzero(p.served) / asked if asked else float("nan"),
        "unmet_shortfall": float(model.site_shortfall.sum() / asked) if asked else float("nan"),
        "unmet_misfit": float(model.site_misfit.sum() / asked) if asked else float("nan"),
        "satisfaction": float(f.satisfaction.mean()) if len(f) else 0.0,
    }
    sides = []
    for name, (party, governance) in COUPLINGS.items():
        u1, u2 = _score(out, party), _score(out, governance)
        out[f"coupling_{name}"] = coupling_coordination(u1, u2)
        sides.append((u1, u2))
    u1, u2 = (_score(dict(enumerate(side)), tuple(range(len(side)))) for side in zip(*sides))
    out["party_building_score"] = u1
    out["governance_score"] = u2
    out["coupling_coordination"] = coupling_coordination(u1, u2)
    out["equity_index"] = 1.0 - gini(ratio(model.site_active, model.people_per_site), model.people_per_site)
    organised = building_organised(model)
    out["building_coverage"] = _share(organised, model.is_building)
    out["key_building_coverage"] = _share(organised, w.site_key)
    at = model.level_nodes
    out["committee_overload"] = _share(model.workload > model.staff_hours, model.open_nodes)
    out["sites_below_minimum"] = _mean(~model.open_nodes[at[SITE_LEVEL]])
    out["resources_subdistrict"] = float(model.held[at[SUBDISTRICT_LEVEL]].sum())
    out["resources_zone"] = float(model.held[at[ZONE_LEVEL]].sum())
    out["resources_site"] = float(model.held[at[SITE_LEVEL]].sum())
    out["resources_inflow"] = model.week["inflow"]
    out["resources_spent"] = model.week["spent"]
    out["resources_lost"] = model.week["lost"]
    out["resources_lapsed"] = model.week["lapsed"]
    return out


def _share(flags: np.ndarray, among: np.ndarray) -> float:
    """Share of ``among`` with ``flags``; NaN where there is nothing to count."""
    return float(flags[among].mean()) if among.any() else float("nan")


def building_organised(model: VerticalCommunityModel) -> np.ndarray:
    """Per site, a building with a building Party organisation (楼宇党组织): its station opened within
    the last ``building_org_lapse_weeks`` (organised at the start counts as just opened), or an
    open zone joint committee (片区联合党委) covers its zone. False for residential areas."""
    lapse = model.config.behaviour.outreach.building_org_lapse_weeks
    zone_open = model.levers.zone_committees & model.open_nodes[model.site_zone_node]
    return model.is_building & ((model.site_closed_weeks < lapse) | zone_open)


def service_access(demand: np.ndarray, site_access: np.ndarray) -> float:
    """Share of the week's expected requests that the open points' service capacity covers, by
    two-step floating catchment (each site's accessibility capped at 1, weighted by its demand)."""
    if demand.sum() == 0:
        return float("nan")
    return float(demand @ np.minimum(site_access, 1.0) / demand.sum())


def site_access(
    supply: np.ndarray, open_nodes: np.ndarray, demand: np.ndarray, weight: np.ndarray, nodes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each site's two-step floating catchment accessibility of the open points' service capacity
    (``supply``, in requests), capped at the total expected demand: capacity beyond all demand
    changes nothing and keeps a free service (unit cost 0) finite. Returns the sites'
    accessibility and each point's capacity per request of its catchment."""
    capped = np.minimum(np.where(open_nodes, supply, 0.0), demand.sum())
    return two_step_fca(capped, demand, weight, nodes)


def covered_sites(
    ratio: np.ndarray, weight: np.ndarray, nodes: np.ndarray, inside: np.ndarray, online: np.ndarray
) -> np.ndarray:
    """Per site, whether the points near it can serve its expected demand: its two-step floating
    catchment accessibility counting only the points inside its reference circle (or, where the
    online channel reaches, every point it may use), from each point's capacity per request of
    its catchment (``ratio``), is at least 1."""
    near = np.where(inside | online[:, None], weight, 0.0)
    return (near * ratio[np.maximum(nodes, 0)]).sum(axis=1) >= 1.0
