"""Resource sinking (资源下沉): how the budget moves down the committee tree each week.

Each week every committee above ``depth`` passes ``share`` of what it holds to its children, split
by the policy's weights; ``loss`` of every transfer is lost on the way. A policy is a small
function from per-node statistics to weights, looked up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.config import DEPTHS, SinkingConfig


@dataclass
class NodeStats:
    """Last week's statistics, summed over the people and firms under each committee node."""

    people: np.ndarray
    firms: np.ndarray
    unmet: np.ndarray  # requests not met that count as need (structure.need_signal)
    uncovered: np.ndarray  # firms without a Party organisation
    participants: np.ndarray


def equal(stats: NodeStats) -> np.ndarray:
    return np.ones_like(stats.people, dtype=float)


def size(stats: NodeStats) -> np.ndarray:
    return stats.people + stats.firms


def need(stats: NodeStats) -> np.ndarray:
    return stats.unmet + stats.uncovered


def performance(stats: NodeStats) -> np.ndarray:
    return stats.participants


def none(stats: NodeStats) -> None:
    return None


SINKING_POLICIES: dict[str, Callable[[NodeStats], np.ndarray | None]] = {
    f.__name__: f for f in (none, equal, size, need, performance)
}


@dataclass
class Tree:
    """The committee tree resources sink down, level by level: for each level below the top, its
    nodes (children), their parents, the parents that give, and each child's number of siblings.
    Fixed for a run, so a week's sinking is a few bincounts."""

    n: int
    levels: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]

    @classmethod
    def of(cls, parent: np.ndarray, level: np.ndarray) -> Tree:
        n, levels = len(parent), []
        for lvl in range(len(DEPTHS) - 1):
            children = np.flatnonzero(level == lvl + 1)
            parents = parent[children]
            levels.append((children, parents, np.unique(parents), np.bincount(parents, minlength=n)[parents]))
        return cls(n, levels)


def sink(held: np.ndarray, tree: Tree, stats: NodeStats, cfg: SinkingConfig) -> float:
    """Move resources down in place, level by level; return what was lost on the way.

    Children whose siblings all have zero weight share equally, so a transfer is never stranded.
    A node of level -1 takes no part (a zone without a committee: its sites' parent is then the
    subdistrict, and a transfer crosses to them in one hop, losing ``loss`` once).
    """
    weights = SINKING_POLICIES[cfg.policy](stats)
    if weights is None or cfg.share == 0:
        return 0.0
    weights = np.asarray(weights, dtype=float)
    lost = 0.0
    for children, parents, givers, count in tree.levels[: DEPTHS.index(cfg.depth)]:
        transfer = np.zeros(tree.n)
        transfer[givers] = cfg.share * held[givers]
        held[givers] -= transfer[givers]
        w = weights[children]
        total = np.bincount(parents, weights=w, minlength=tree.n)[parents]
        split = np.where(total > 0, np.divide(w, total, out=np.zeros_like(w), where=total > 0), 1.0 / count)
        held[children] += transfer[parents] * split * (1.0 - cfg.loss)
        lost += transfer[givers].sum() * cfg.loss
    return float(lost)
