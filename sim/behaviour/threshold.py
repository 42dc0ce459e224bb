"""Participation with social influence: the threshold model of collective behaviour (参与).

Granovetter, M. (1978). Threshold models of collective behavior. American Journal of Sociology
83(6):1420-1443. A person takes part when the share of their peers who took part last week is at
least their threshold. Here the step is softened by a logistic with ``temperature``; at
temperature 0 it is Granovetter's deterministic rule.
"""

from __future__ import annotations

import numpy as np


def participation_probability(
    peer_share: np.ndarray, threshold: np.ndarray, temperature: float
) -> np.ndarray:
    """P(take part) = 1 / (1 + exp(-(F - theta) / T)); the step F >= theta when T = 0."""
    if temperature == 0:
        return (np.asarray(peer_share) >= threshold).astype(float)
    # float32 halves the cost of exp over a whole population; a z beyond float32's range (a tiny
    # temperature) becomes inf in the cast, and exp overflowing to inf gives 0: both as intended
    with np.errstate(over="ignore"):
        z = np.asarray((threshold - np.asarray(peer_share)) / temperature, dtype=np.float32)
        return 1.0 / (1.0 + np.exp(z))


def decide(
    peer_share: np.ndarray, threshold: np.ndarray, temperature: float, draws: np.ndarray
) -> np.ndarray:
    """Who takes part, given uniform draws in [0, 1) (one per person)."""
    return draws < participation_probability(peer_share, threshold, temperature)


def peer_share(groups: list[tuple[float | np.ndarray, np.ndarray]], aggregation: str = "max") -> np.ndarray:
    """What a person's peer groups (site, zone, online: pairs of channel weight and participating
    share; a weight may be 0 where a channel does not reach) amount to:

    - ``max``: the strongest channel, max_g w_g s_g: a multiplex cascade with the OR rule
      (Brummitt, Lee & Goh 2012, Phys. Rev. E 85:045102; Yagan & Gligor 2012, Phys. Rev. E
      86:036103): a channel can add reach, never dilute it;
    - ``additive``: exposures add up, sum_g w_g s_g (capped at 1 by ``pull``);
    - ``weighted_mean``: sum_g w_g s_g / sum_g w_g, where an extra channel with a lower share
      dilutes the local one (version 0.1's rule).
    """
    weighted = [w * s for w, s in groups]
    if aggregation == "max":
        return np.maximum.reduce(weighted)
    total = sum(weighted)
    if aggregation == "additive":
        return total
    weight = sum(np.broadcast_to(w, s.shape) for w, s in groups)
    return np.divide(total, weight, out=np.zeros_like(total, dtype=float), where=weight > 0)


def pull(
    peer_share: np.ndarray, availability: float, reputation: np.ndarray, reputation_effect: float
) -> np.ndarray:
    """What draws a person in: the share of their peers who took part, judged against those who
    could have come (over availability, at most 1), plus the brand reputation of their site."""
    return np.minimum(1.0, peer_share / max(availability, 1e-12)) + reputation_effect * reputation


def effective_threshold(
    threshold: np.ndarray,
    belonging: np.ndarray,
    served: np.ndarray,
    loner_firm: np.ndarray,
    organised: np.ndarray,
    belonging_effect: float,
    served_effect: float,
    loner_firm_penalty: float,
    organised_effect: float,
) -> np.ndarray:
    """A threshold lowered by belonging, by this week's service and for staff of a firm with a
    Party organisation (organisation mobilises: the organisation -> participation side of the
    article's 组织化 <-> 社会化; recruitment through workplaces, Verba, Schlozman & Brady 1995, Voice
    and Equality), raised for workers whose firm stays out of co-production."""
    return (
        threshold
        - belonging_effect * belonging
        - served_effect * served
        - organised_effect * organised
        + loner_firm_penalty * loner_firm
    )


def willing(
    pull: np.ndarray, effective: np.ndarray, temperature: float, draws: np.ndarray, free: np.ndarray
) -> np.ndarray:
    """Willing to attend this week: free (availability x uptake of the site's service points) and
    drawn in by the threshold rule; one uniform draw decides both."""
    return draws < free * participation_probability(pull, effective, temperature)
