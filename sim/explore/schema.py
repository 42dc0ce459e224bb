"""An exploration's config block (探索性建模设定), ``exploration:``: its keys, defaults and checks. Data
only: imports nothing of the package but the schema machinery (:mod:`sim.config`,
:mod:`sim.study.schema`); the checks that need the model are in :func:`sim.explore.exploration.plan`.
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

SECTION = "exploration"
DIRECTIONS = ("above", "below")


@dataclass
class ArmsConfig:
    """What is compared: the policy arm's model overrides and, if given, the baseline's."""

    policy: list[str] | None = None
    baseline: list[str] | None = None


@dataclass
class TargetConfig:
    """A point is of interest when its (paired) value of ``outcome`` is >= ``above`` or <= ``below``."""

    outcome: str = MISSING
    above: float | None = None
    below: float | None = None

    @property
    def direction(self) -> str:
        return "above" if self.above is not None else "below"

    @property
    def value(self) -> float:
        return self.above if self.above is not None else self.below


@dataclass
class PrimConfig:
    """The EMA Workbench's PRIM: minimum density of a chosen box, share peeled per step, smallest box,
    most boxes found in turn."""

    threshold: float = 0.8
    peel_alpha: float = 0.05
    mass_min: float = 0.05
    boxes: int = 1


@dataclass
class ExplorationConfig:
    question: str | None = None
    dir: str | None = None
    model: list[str] = field(default_factory=list)  # model overrides of every evaluation
    launcher: list[str] = field(default_factory=list)
    arms: ArmsConfig = field(default_factory=ArmsConfig)
    seeds: list[int] = field(default_factory=lambda: [0])  # common random numbers: each point, each arm
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    uncertainties: list[FactorConfig] = field(default_factory=list)
    draws: DrawsConfig | None = None
    levers: list[FactorConfig] = field(default_factory=list)
    stat: str = "late_mean"
    outcomes: list[str] | None = None  # None: the target's outcome
    target: TargetConfig = field(default_factory=TargetConfig)
    prim: PrimConfig = field(default_factory=PrimConfig)
    feature_seed: int = 0

    def check(self) -> None:
        p = SECTION
        check_directory(self.dir, f"{p}.dir")
        check_model(self.model, f"{p}.model", f"{p}.launcher")
        check_launcher(self.launcher, f"{p}.launcher")
        ensure(
            self.arms.policy is not None,
            f"{p}.arms.policy",
            "a list of model overrides (the policy arm; a baseline arm is optional)",
            None,
        )
        for arm in ("policy", "baseline"):
            check_model(getattr(self.arms, arm) or [], f"{p}.arms.{arm}", f"{p}.launcher")
        distinct_seeds(f"{p}.seeds", self.seeds)
        check_sampler(self.sampler, f"{p}.sampler")
        check_stat(self.stat, f"{p}.stat")
        ensure(
            (self.target.above is None) != (self.target.below is None),
            f"{p}.target",
            "{outcome: NAME, above: X} or {outcome: NAME, below: X}",
            {k: v for k, v in vars(self.target).items() if v is not None},
        )
        if self.outcomes is not None:
            ensure(len(self.outcomes) > 0, f"{p}.outcomes", "a non-empty list of outcomes", [])
