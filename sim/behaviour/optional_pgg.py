"""Enterprises' co-production of services: the optional public goods game (企业共建共享).

Hauert, C., De Monte, S., Hofbauer, J. & Sigmund, K. (2002). Volunteering as Red Queen mechanism
for cooperation in public goods games. Science 296:1129-1132; and Replicator dynamics for optional
public good games. J. Theor. Biol. 218:187-194. A firm offers resources to the shared list
(cooperate), takes the services without offering (defect), or stays out (loner, payoff sigma).
The Party committee acts as a pool institution that rewards contributors and sanctions free
riders (Sigmund, De Silva, Traulsen & Hauert 2010, Nature 466:861-863); with both at zero the game
is Hauert's.
"""

from __future__ import annotations

from math import comb

import numpy as np


def expected_payoffs(
    x, y, z, group_size: int, r: float, cost: float, sigma: float, reward: float = 0.0, sanction: float = 0.0
) -> np.ndarray:
    """Expected payoffs (cooperator, defector, loner) in groups of ``group_size`` drawn at random
    from a population with shares x, y, z; returns an array of shape (..., 3).

    A group with fewer than two participants is cancelled and its participant gets sigma.
    """
    x, y, z = (np.asarray(v, dtype=float) for v in (x, y, z))
    n = group_size - 1
    part = 1.0 - z
    coop_among = np.divide(x, part, out=np.zeros_like(x), where=part > 0)
    p_c = sigma * z**n
    p_d = sigma * z**n
    for k in range(1, n + 1):  # k other participants
        pk = comb(n, k) * part**k * z ** (n - k)
        share = r * cost / (k + 1)
        p_d = p_d + pk * share * k * coop_among
        p_c = p_c + pk * (share * (k * coop_among + 1) - cost)
    # the institution acts only on firms that took part in a game that took place
    played = 1.0 - z**n
    p_c = p_c + reward * played
    p_d = p_d - sanction * played
    return np.stack([p_c, p_d, np.full_like(p_c, sigma)], axis=-1)


def payoff_scale(r: float, cost: float, sigma: float, reward: float, sanction: float) -> float:
    """An upper bound on any payoff difference, so imitation probabilities stay in [0, 1]."""
    return r * cost + cost + sigma + reward + sanction


def imitation_probability(own: np.ndarray, other: np.ndarray, scale: float) -> np.ndarray:
    return np.clip((other - own) / scale, 0.0, 1.0)


def imitate(
    strategy: np.ndarray,
    payoff: np.ndarray,
    model: np.ndarray,
    revise: np.ndarray,
    scale: float,
    draws: np.ndarray,
) -> np.ndarray:
    """Proportional imitation (Schlag 1998): a revising firm copies a randomly met firm of its
    pool with probability max(0, payoff gap) / scale. Its mean dynamics are the replicator
    equation of Hauert et al. (2002)."""
    switch = revise & (draws < imitation_probability(payoff, payoff[model], scale))
    out = strategy.copy()
    out[switch] = strategy[model[switch]]
    return out


def replicator_rhs(
    shares: np.ndarray,
    group_size: int,
    r: float,
    cost: float,
    sigma: float,
    reward: float = 0.0,
    sanction: float = 0.0,
) -> np.ndarray:
    """d(shares)/dt of the replicator equation with these payoffs (the mean field of ``imitate``)."""
    p = expected_payoffs(shares[0], shares[1], shares[2], group_size, r, cost, sigma, reward, sanction)
    return shares * (p - shares @ p)


def interior_fixed_point(group_size: int, r: float, cost: float, sigma: float) -> np.ndarray | None:
    """The interior rest point Q of Hauert et al. (2002), or None when there is none.

    The payoff gap P_d - P_c depends on the loner share z alone, so z at Q is its root in (0, 1);
    the cooperators' share among participants, f, then makes P_d equal to sigma.
    """

    def pay(f, z):
        return expected_payoffs(f * (1 - z), (1 - f) * (1 - z), z, group_size, r, cost, sigma)

    z = _bisect(lambda z: pay(0.5, z)[1] - pay(0.5, z)[0], 1e-9, 1 - 1e-9)
    if z is None or z > 1 - 1e-6:  # for r <= 2 the only root is the all-loner corner
        return None
    f = _bisect(lambda f: pay(f, z)[1] - sigma, 0.0, 1.0)
    if f is None:
        return None
    return np.array([f * (1 - z), (1 - f) * (1 - z), z])


def _bisect(fn, lo: float, hi: float, iterations: int = 100) -> float | None:
    f_lo, f_hi = fn(lo), fn(hi)
    if np.sign(f_lo) == np.sign(f_hi):
        return None
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if np.sign(fn(mid)) == np.sign(f_lo):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2
