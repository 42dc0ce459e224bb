"""Who took part when (覆盖人群): running counts of the people reached in the last year and ever, in
all and by employer, kept as people take part and as firms' staff are replaced, so that no weekly
pass over the whole population is needed to count them.

A person is *reached in the last year* at week t when their last week of taking part is later than
t - 52 (``last_active > t - window``, as docs/ODD.md 7.16 defines ``reach_52w``). The ledger keeps
the people who took part in each of the last ``window`` weeks; at the start of week t those of
week t - window whose last week is still that one drop out.
"""

from __future__ import annotations

import numpy as np


class ReachLedger:
    def __init__(self, firm: np.ndarray, n_firms: int, window: int):
        self.window = window
        self.firm = firm  # employer of each person; -1 for residents
        self.n_firms = n_firms
        self.recent = 0  # people reached in the last ``window`` weeks
        self.ever = 0  # people who ever took part
        self.firm_recent = np.zeros(n_firms, dtype=np.int64)  # each firm's staff reached recently
        self.by_week: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * window

    def expire(self, week: int, last_active: np.ndarray) -> None:
        """At the start of ``week``: forget those whose last week of taking part is ``week - window``."""
        slot = week % self.window
        gone = self.by_week[slot]
        gone = gone[last_active[gone] == week - self.window]
        self._drop(gone)
        self.by_week[slot] = np.zeros(0, dtype=np.int64)

    def record(self, week: int, active: np.ndarray, previous: np.ndarray) -> None:
        """The people ``active`` took part in ``week``; ``previous`` is their last week before it."""
        fresh = active[(previous < 0) | (previous <= week - self.window)]
        self.recent += len(fresh)
        self.ever += int((previous < 0).sum())
        self._count_firms(fresh, +1)
        self.by_week[week % self.window] = active

    def forget(self, people: np.ndarray, last_active: np.ndarray, week: int) -> None:
        """These people are replaced (new staff, never reached): drop what they counted for."""
        self.ever -= int((last_active[people] >= 0).sum())
        self._drop(people[(last_active[people] >= 0) & (last_active[people] > week - self.window)])

    def _drop(self, people: np.ndarray) -> None:
        self.recent -= len(people)
        self._count_firms(people, -1)

    def _count_firms(self, people: np.ndarray, sign: int) -> None:
        firm = self.firm[people]
        self.firm_recent += sign * np.bincount(firm[firm >= 0], minlength=self.n_firms)
