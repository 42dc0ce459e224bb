"""A policy search's config block (政策搜索设定), ``policy_search:``: its keys, defaults and checks. Data
only: imports nothing of the package but the schema machinery (:mod:`sim.config`,
:mod:`sim.study.schema`); the checks that need the model are in :func:`sim.policy.search.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from sim.config import distinct_seeds, ensure
from sim.study.schema import (
    DrawsConfig,
    FactorConfig,
    SamplerConfig,
    check_directory,
    check_launcher,
    check_model,
    check_sampler,
    check_stat,
)

SECTION = "policy_search"
DIRECTIONS = ("maximize", "minimize")
MEASURES = ("mean", "percentile")


@dataclass
class ObjectiveConfig:
    outcome: str = MISSING
    direction: str = "maximize"


@dataclass
class RobustnessConfig:
    """Over the uncertainty scenarios: the mean, or the ``q``-th percentile on the unfavourable side."""

    measure: str = "mean"
    q: float = 10.0


@dataclass
class SearchConfig:
    """NSGA-II: candidates per generation, generations, the sampler's seed."""

    population: int = 8
    generations: int = 4
    seed: int = 0


@dataclass
class PolicySearchConfig:
    question: str | None = None
    dir: str | None = None
    model: list[str] = field(default_factory=list)  # model overrides of every evaluation
    launcher: list[str] = field(default_factory=list)
    levers: list[FactorConfig] = field(default_factory=list)
    uncertainties: list[FactorConfig] = field(default_factory=list)
    scenarios: SamplerConfig = field(default_factory=lambda: SamplerConfig(n=1))  # fixed for every candidate
    draws: DrawsConfig | None = None
    seeds: list[int] = field(default_factory=lambda: [0])
    stat: str = "late_mean"
    robustness: RobustnessConfig = field(default_factory=RobustnessConfig)
    objectives: list[ObjectiveConfig] = field(default_factory=list)
    search: SearchConfig = field(default_factory=SearchConfig)

    def check(self) -> None:
        p = SECTION
        check_directory(self.dir, f"{p}.dir")
        check_model(self.model, f"{p}.model", f"{p}.launcher")
        check_launcher(self.launcher, f"{p}.launcher")
        ensure(len(self.levers) > 0, f"{p}.levers", "at least one lever", [])
        check_sampler(self.scenarios, f"{p}.scenarios")
        distinct_seeds(f"{p}.seeds", self.seeds)
        check_stat(self.stat, f"{p}.stat")
        measure = self.robustness.measure
        ensure(measure in MEASURES, f"{p}.robustness.measure", f"one of {list(MEASURES)}", measure)
        ensure(len(self.objectives) > 0, f"{p}.objectives", "a list of {outcome, direction}", [])
        seen = []
        for i, objective in enumerate(self.objectives):
            key = f"{p}.objectives.{i}"
            ensure(
                objective.direction in DIRECTIONS,
                f"{key}.direction",
                f"one of {list(DIRECTIONS)}",
                objective.direction,
            )
            ensure(objective.outcome not in seen, f"{key}.outcome", "each outcome once", objective.outcome)
            seen.append(objective.outcome)
