"""Party members' belonging (归属感) and the attachment of their organisational relationship
(组织关系) to the building.

Belonging is learnt with the Bush-Mosteller linear operator (Bush & Mosteller 1955, Stochastic
Models for Learning): a week of taking part reinforces it, b <- b + alpha q (1 - b), where q in
[0, 1] is what the activity delivered (1, the original operator, unless its committee was
overloaded); a week without extinguishes it, b <- b - beta b. A "pocket" member (口袋党员)
whose firm is covered moves their relationship into the building with probability
attach_rate * b per week; an attached member moves it away with probability detach_rate * (1 - b).
"""

from __future__ import annotations

import numpy as np


def bush_mosteller(
    belonging: np.ndarray,
    reinforced: np.ndarray,
    alpha: float,
    beta: float,
    delivered: np.ndarray | float = 1.0,
) -> np.ndarray:
    return np.where(
        reinforced, belonging + alpha * delivered * (1.0 - belonging), belonging - beta * belonging
    )


def update_attachment(
    attached: np.ndarray,
    belonging: np.ndarray,
    firm_covered: np.ndarray,
    attach_rate: float,
    detach_rate: float,
    draws: np.ndarray,
) -> np.ndarray:
    attach = ~attached & firm_covered & (draws < attach_rate * belonging)
    detach = attached & (draws < detach_rate * (1.0 - belonging))
    return (attached | attach) & ~detach
