"""A calibration's config block (校准设定), ``calibration:``: its keys, defaults and checks. Data only:
imports nothing of the package but the schema machinery (:mod:`sim.config`, :mod:`sim.study.schema`);
the checks that need the model or the target file are in :func:`sim.calibrate.plan.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from sim.config import distinct_seeds, ensure
from sim.study.schema import check_directory, check_launcher, check_model, check_not_set, resumable_identity

SECTION = "calibration"
PRIORS = ("uniform", "loguniform")
DISTANCES = ("max", "euclidean")


@dataclass
class Parameter:
    """A calibrated parameter: a dotted config key of a number and its prior over [low, high]."""

    name: str = MISSING  # e.g. behaviour.participation.availability
    prior: str = "uniform"
    low: float = MISSING
    high: float = MISSING


@dataclass
class CalibrationConfig:
    name: str | None = None  # None: the name of the chosen config (+calibration=NAME)
    targets: str = MISSING  # a target set of configs/targets/ or the path of a target YAML file
    parameters: list[Parameter] = field(default_factory=list)
    distance: str = "max"
    population: int = 40
    batch: int = 80
    generations: int = 4
    max_batches: int = 4
    quantile: float = 0.5
    min_epsilon: float = 1.0
    seeds: list[int] = field(default_factory=lambda: [0])
    sampler_seed: int = 0
    posterior_draws: int = 20
    ppc_seeds: list[int] = field(default_factory=lambda: [100])
    overrides: list[str] = field(default_factory=list)  # model overrides of every evaluation
    launcher: list[str] = field(default_factory=list)
    output: str | None = None  # None: results/calibrations/NAME

    def check(self) -> None:
        p = SECTION
        if self.name:
            ensure(
                self.name.replace("_", "").replace("-", "").isalnum(),
                f"{p}.name",
                "a name of letters, digits, _ and -",
                self.name,
            )
        ensure(
            bool(self.targets),
            f"{p}.targets",
            "the name of a target set or the path of a target YAML file",
            "",
        )
        ensure(
            len(self.parameters) > 0, f"{p}.parameters", "a list of at least one {name, prior, low, high}", []
        )
        for i, par in enumerate(self.parameters):
            key = f"{p}.parameters.{i}"
            ensure(bool(par.name), f"{key}.name", "a dotted config key", par.name)
            ensure(par.prior in PRIORS, f"{key}.prior", f"one of {list(PRIORS)}", par.prior)
            ensure(
                par.low < par.high,
                f"{key}.high",
                f"a number > low = {par.low:g} (the prior's support must not be empty)",
                par.high,
            )
            if par.prior == "loguniform":
                ensure(par.low > 0, f"{key}.low", "a number > 0 for a loguniform prior", par.low)
        names = [par.name for par in self.parameters]
        ensure(len(set(names)) == len(names), f"{p}.parameters", "each parameter at most once", names)
        ensure(self.distance in DISTANCES, f"{p}.distance", f"one of {list(DISTANCES)}", self.distance)
        distinct_seeds(f"{p}.seeds", self.seeds)
        distinct_seeds(f"{p}.ppc_seeds", self.ppc_seeds)
        check_model(self.overrides, f"{p}.overrides", f"{p}.launcher")
        check_evaluation_overrides(self.overrides, f"{p}.overrides")
        check_launcher(self.launcher, f"{p}.launcher")
        check_directory(self.output, f"{p}.output")

    def identity(self) -> dict:
        return resumable_identity(self)


def check_evaluation_overrides(overrides: list[str], key: str) -> None:
    """The targets name each evaluation's scenario and ``seeds`` its seeds: overrides set neither."""
    check_not_set(
        overrides,
        key,
        ("scenario", "seed"),
        "a model override other than scenario and seed (targets name the scenario, "
        "calibration.seeds the seeds; launcher overrides go in calibration.launcher)",
    )
