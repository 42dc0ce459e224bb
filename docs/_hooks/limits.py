"""MkDocs hook: the Limits table of docs/running.md, written from ``sim.config.LIMITS`` when the site
is built (in place of the ``<!-- LIMITS: ... -->`` comment), so the documented bounds are the ones
the checks use, worded as their error messages word them."""

from __future__ import annotations

import re

from sim.config import LIMITS, interval

MARKER = re.compile(r"<!-- LIMITS:.*?-->")
# Why a bound is where it is, and the value's unit; keys must be keys of LIMITS.
WHY = {
    "seed": "stored as a 64-bit integer (Parquet)",
    "steps": "weeks; also bounded by the time estimate (resource bounds, below)",
    "world.cell_size_m": "metres; the grid has (district side / cell size)² cells",
    "world.walk_speed_m_per_min": "metres a minute",
    "world.access_overhead_min": "minutes",
    "world.outreach_decay_min": "minutes",
    "budget.per_person_per_step": "RU; held resources must not overflow to inf",
    "budget.service_unit_cost": "RU; a smaller cost makes capacities overflow",
    "budget.outreach_cost": "RU; a smaller cost makes capacities overflow",
    "budget.activity_cost": "RU",
    "budget.min_active": "RU",
    "behaviour.coproduction.group_size": "the payoffs sum a binomial over the group",
    "governance.params.service_circle_min": "minutes",
    "design.seed": "SALib seeds numpy's legacy generator",
    "limits.max_memory_gb": "GB (resource bounds, below)",
    "limits.max_hours": "hours (resource bounds, below)",
}


def table() -> str:
    """Every key of LIMITS with what it allows and why, in LIMITS' order."""
    stale = sorted(set(WHY) - set(LIMITS))
    if stale:
        raise ValueError(f"docs/_hooks/limits.py: WHY names keys that LIMITS no longer has: {stale}")
    rows = ["| key | allowed | why |", "| --- | --- | --- |"]
    for key, (low, high) in LIMITS.items():
        kind = "an integer" if isinstance(low, int) and isinstance(high, int) else "a number"
        rows.append(f"| `{key}` | {kind} in {interval(low, high)} | {WHY.get(key, '')} |")
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown, page, config, files):
    return MARKER.sub(lambda _: table(), markdown)
