"""Outreach that creates or extends Party organisations (组织覆盖).

A committee visits uncovered enterprises in its remit as far as its outreach budget goes. A
visited firm joins with probability join_probability x satisfaction x closeness (closeness is the
service uptake at the firm's building: visits from far away persuade less) x (1 + engagement_effect x
engaged), where engaged is the share of the firm's staff who took part in the last year: a firm
whose people already take part is more open to organising (the participation -> organisation
side of the article's 组织化 <-> 社会化; mobilisation through social networks, Rosenstone & Hansen
1993, Mobilization, Participation, and Democracy in America), at most 1. A firm that joins sets
up its own branch if it has at least ``own_branch_min_members`` Party members (the Party
constitution's three), otherwise it joins a joint branch (联合支部) or the building's joint
committee.
"""

from __future__ import annotations

import numpy as np

from sim.world.population import JOINT, OWN_BRANCH


def join_probability(
    base: float,
    satisfaction: np.ndarray,
    closeness: np.ndarray,
    engaged: np.ndarray | float = 0.0,
    engagement_effect: float = 0.0,
) -> np.ndarray:
    return np.minimum(1.0, base * satisfaction * closeness * (1.0 + engagement_effect * engaged))


def organisation_formed(members: np.ndarray, own_branch_min_members: int) -> np.ndarray:
    return np.where(members >= own_branch_min_members, OWN_BRANCH, JOINT).astype(np.int8)
