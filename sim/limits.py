"""Resource bounds: estimate a run's peak memory and time from its counts, before anything is built.

The coefficients were measured on a 2-core, 23 GB Linux machine with fresh processes
(``agent_views="none"``, the batched schedule; docs/running.md, Limits): the baseline of an interpreter with
Mesa, pandas and the model loaded; bytes per person, per enterprise, per grid cell and per
(site, committee) pair of the service network's matrices; seconds per step for each of those. A
run whose estimate exceeds ``limits.max_memory_gb`` (default: MEMORY_SHARE of physical memory) or
``limits.max_hours`` is refused with one line that gives the estimate and the option to raise it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from sim.config import ConfigError, RunConfig
from sim.world.layout import grid_shape

MEMORY_SHARE = 0.8
FALLBACK_MEMORY_GB = 16.0  # where the physical memory cannot be read
GB = 1024**3

BASELINE_BYTES = 200 * 1024**2
BYTES = {"person": 110, "firm": 150, "cell": 1300, "pair": 60}
SNAPSHOT_BYTES_PER_AGENT = 200  # one step's per-agent tables while they are written
STEP_SECONDS = {"base": 1.5e-3, "person": 7.5e-8, "firm": 2.0e-7, "pair": 2.0e-8, "fresh_page_person": 1.8e-7}
# glibc maps an allocation above its largest mmap threshold (32 MiB) afresh each time and the kernel
# faults its pages in again: past FRESH_PAGE_PEOPLE people, a float64 array over the population is
# that large, and every step pays system time for it, more than the rules' own work at shanghai
# (1.1 s against 0.8 s a week: docs/VALIDATION.md 11; benchmarks/bench_shanghai.py)
FRESH_PAGE_PEOPLE = 32 * 1024**2 // 8
BUILD_SECONDS = {"base": 1.0, "person": 5e-7, "firm": 5e-7, "cell": 1.4e-5, "pair": 2.2e-7}


@dataclass(frozen=True)
class Counts:
    people: int
    firms: int
    sites: int
    nodes: int
    cells: int

    @property
    def pairs(self) -> int:
        return self.sites * self.nodes


def counts(run: RunConfig) -> Counts:
    specs = run.scenario.subdistricts.values()
    zones = [z for spec in specs for z in spec.zones]
    buildings = [b for z in zones for b in z.buildings]
    areas = [a for z in zones for a in z.residential_areas]
    sides, cell, cols, rows = grid_shape(run)
    return Counts(
        people=sum(b.workers + b.members for b in buildings) + sum(a.residents for a in areas),
        firms=sum(b.enterprises for b in buildings),
        sites=len(buildings) + len(areas),
        nodes=len(run.scenario.subdistricts) + len(zones) + len(buildings) + len(areas),
        cells=cols * cell * rows * cell,
    )


def estimate_memory_gb(run: RunConfig, c: Counts) -> float:
    agents = c.people + c.firms
    total = (
        BASELINE_BYTES
        + BYTES["person"] * c.people
        + BYTES["firm"] * c.firms
        + BYTES["cell"] * c.cells
        + BYTES["pair"] * c.pairs
    )
    if run.outputs.agent_snapshots:
        total += SNAPSHOT_BYTES_PER_AGENT * agents
    return total / GB


def estimate_hours(run: RunConfig, c: Counts) -> float:
    per_step = (
        STEP_SECONDS["base"]
        + STEP_SECONDS["person"] * c.people
        + STEP_SECONDS["firm"] * c.firms
        + STEP_SECONDS["pair"] * c.pairs
        + STEP_SECONDS["fresh_page_person"] * c.people * (c.people > FRESH_PAGE_PEOPLE)
    )
    build = (
        BUILD_SECONDS["base"]
        + BUILD_SECONDS["person"] * c.people
        + BUILD_SECONDS["firm"] * c.firms
        + BUILD_SECONDS["cell"] * c.cells
        + BUILD_SECONDS["pair"] * c.pairs
    )
    return (build + run.steps * per_step) / 3600


def physical_memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GB
    except (ValueError, OSError, AttributeError):
        return FALLBACK_MEMORY_GB


def memory_limit_gb(run: RunConfig) -> float:
    given = run.limits.max_memory_gb
    return given if given is not None else round(MEMORY_SHARE * physical_memory_gb(), 2)


def check_resources(run: RunConfig) -> None:
    """Refuse, in one line, a run whose estimated memory or time exceeds the limits."""
    c = counts(run)
    what = f"{c.people:,} people, {c.firms:,} enterprises, {c.sites:,} sites and {c.cells:,} grid cells"
    memory, limit = estimate_memory_gb(run, c), memory_limit_gb(run)
    if memory > limit:
        raise ConfigError(
            f"scenario: estimated {memory:,.1f} GB of memory for {what} exceeds the limit "
            f"{limit:g} GB (set limits.max_memory_gb={math.ceil(memory * 1.2)} to allow it)"
        )
    hours, max_hours = estimate_hours(run, c), run.limits.max_hours
    if hours > max_hours:
        raise ConfigError(
            f"steps: estimated {hours:,.1f} h for {run.steps:,} weeks of {what} exceeds the "
            f"limit {max_hours:g} h (set limits.max_hours={math.ceil(hours * 1.2)} to allow "
            "it)"
        )
