"""Outcomes collected every week (结果指标). Every rate is a share in [0, 1]; resources are in RU.

Coupling coordination degree (耦合协调度) between a Party-building score U1 and a governance score
U2: C = 2 sqrt(U1 U2) / (U1 + U2), T = a U1 + b U2, D = sqrt(C T), with a = b = 1/2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.world.layout import SITE_LEVEL, SUBDISTRICT_LEVEL, ZONE_LEVEL
from sim.world.population import COOPERATE, LONER, MEMBER, RESIDENT, UNCOVERED, WORKER

if TYPE_CHECKING:
    from sim.model import VerticalCommunityModel

RATES = (
    "participation_rate", "member_participation", "worker_participation", "resident_participation",
    "enterprise_participation", "enterprise_contribution", "cumulative_reach", "org_coverage", "member_attachment",
    "service_coverage", "demand_met", "satisfaction", "party_building_score", "governance_score",
    "coupling_coordination", "equity_index",
)
RESOURCES = ("resources_subdistrict", "resources_zone", "resources_site", "resources_inflow",
             "resources_spent", "resources_lost")
OUTCOMES = RATES + RESOURCES
COUPLING_WEIGHTS = (0.5, 0.5)


def _mean(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else 0.0


def ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros(len(part)), where=whole > 0)


def coupling_coordination(u1: float, u2: float, a: float = COUPLING_WEIGHTS[0], b: float = COUPLING_WEIGHTS[1]) -> float:
    if u1 + u2 == 0:
        return 0.0
    c = 2.0 * np.sqrt(u1 * u2) / (u1 + u2)
    return float(np.sqrt(c * (a * u1 + b * u2)))


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted Gini coefficient (0 = equal, 1 = all in one unit)."""
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    if len(values) == 0 or values.sum() == 0:
        return 0.0
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum_w = np.cumsum(w) / w.sum()
    cum_vw = np.cumsum(v * w) / (v * w).sum()
    prev = np.concatenate([[0.0], cum_vw[:-1]])
    return float(1.0 - np.sum(np.diff(np.concatenate([[0.0], cum_w])) * (cum_vw + prev)))


def compute(model: VerticalCommunityModel) -> dict[str, float]:
    p, f, w = model.people, model.firms, model.world
    asked = int(p.demand.sum())
    by_kind = ratio(np.bincount(p.kind, weights=p.active, minlength=3), model.people_per_kind)
    out = {
        "participation_rate": _mean(p.active),
        "member_participation": by_kind[MEMBER],
        "worker_participation": by_kind[WORKER],
        "resident_participation": by_kind[RESIDENT],
        "enterprise_participation": _mean(f.strategy != LONER),
        "enterprise_contribution": _mean(f.strategy == COOPERATE),
        "cumulative_reach": _mean(p.ever_active),
        "org_coverage": _mean(f.org != UNCOVERED),
        "member_attachment": _mean(p.attached[model.members]),
        "service_coverage": float(model.people_per_site @ model.site_covered / max(len(p), 1)),
        "demand_met": float(p.served.sum() / asked) if asked else 1.0,
        "satisfaction": float(f.satisfaction.mean()) if len(f) else 0.0,
    }
    u1 = (out["org_coverage"] + out["member_attachment"] + out["member_participation"]) / 3
    u2 = (out["participation_rate"] + out["demand_met"] + out["satisfaction"]) / 3
    out["party_building_score"] = u1
    out["governance_score"] = u2
    out["coupling_coordination"] = coupling_coordination(u1, u2)
    out["equity_index"] = 1.0 - gini(ratio(model.site_active, model.people_per_site), model.people_per_site)
    level = w.node_level
    out["resources_subdistrict"] = float(model.held[level == SUBDISTRICT_LEVEL].sum())
    out["resources_zone"] = float(model.held[level == ZONE_LEVEL].sum())
    out["resources_site"] = float(model.held[level == SITE_LEVEL].sum())
    out["resources_inflow"] = model.week["inflow"]
    out["resources_spent"] = model.week["spent"]
    out["resources_lost"] = model.week["lost"]
    return out
