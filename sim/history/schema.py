"""A history match's config block (历史匹配设定), ``history:``: its keys, defaults and checks. Data only:
imports nothing of the package but the schema machinery (:mod:`sim.config`, :mod:`sim.study.schema`)
and the calibrated parameter's schema it shares with :mod:`sim.calibrate`; the checks that need the
model or the target file are in :func:`sim.history.study.plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from omegaconf import MISSING

from sim.calibrate.schema import PRIORS, Parameter
from sim.config import distinct_seeds, ensure
from sim.study.schema import check_directory, check_launcher, check_model, check_not_set, resumable_identity

SECTION = "history"
MEASURES = ("max", "second")  # implausibility over targets: the largest, or the second largest
SET_BY_THE_BLOCK = ("scenario", "seed", "steps")  # each evaluation's: from the targets, seeds, steps


@dataclass
class HistoryConfig:
    name: str | None = None  # None: the name of the chosen config (+history=NAME)
    targets: str = MISSING  # a target set of configs/targets/ or the path of a target YAML file
    parameters: list[Parameter] = field(default_factory=list)
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])  # every point runs at each
    points: int = 80  # design points per wave
    waves: int = 5  # at most
    cutoff: float = 3.0  # a point is implausible where the measure exceeds it (Pukelsheim's 3 sigma)
    measure: str = "max"
    shrink: float = 0.1  # stop once a wave (from the 2nd) shrinks the NROY share by less than this fraction
    steps: int = 520  # weeks of every run
    window: int = 26  # weeks: a late_<rate> statistic is the mean of the run's last `window` weeks
    sample: int = 50_000  # uniform draws that estimate the NROY share and propose the next design
    sampler_seed: int = 0  # seed of the designs, samples and posterior draws
    posterior_draws: int = 200
    overrides: list[str] = field(default_factory=list)  # model overrides of every evaluation
    launcher: list[str] = field(default_factory=list)
    output: str | None = None  # None: results/history/NAME

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
            bool(self.targets), f"{p}.targets", "the name of a target set or the path of a target file", ""
        )
        ensure(
            len(self.parameters) > 0, f"{p}.parameters", "a list of at least one {name, prior, low, high}", []
        )
        for i, par in enumerate(self.parameters):
            key = f"{p}.parameters.{i}"
            ensure(bool(par.name), f"{key}.name", "a dotted config key", par.name)
            ensure(par.prior in PRIORS, f"{key}.prior", f"one of {list(PRIORS)}", par.prior)
            ensure(par.low < par.high, f"{key}.high", f"a number > low = {par.low:g}", par.high)
            if par.prior == "loguniform":
                ensure(par.low > 0, f"{key}.low", "a number > 0 for a loguniform prior", par.low)
        names = [par.name for par in self.parameters]
        ensure(len(set(names)) == len(names), f"{p}.parameters", "each parameter at most once", names)
        distinct_seeds(f"{p}.seeds", self.seeds)
        ensure(
            len(self.seeds) >= 2,
            f"{p}.seeds",
            "at least two distinct seeds (the seed variance is emulated from them; 3 or more advised)",
            self.seeds,
        )
        ensure(self.measure in MEASURES, f"{p}.measure", f"one of {list(MEASURES)}", self.measure)
        ensure(self.window <= self.steps, f"{p}.window", f"at most steps = {self.steps}", self.window)
        ensure(
            self.points > len(self.parameters),
            f"{p}.points",
            f"more than the {len(self.parameters)} parameters (an emulator needs them to fit)",
            self.points,
        )
        ensure(self.sample >= self.points, f"{p}.sample", f"at least points = {self.points}", self.sample)
        check_model(self.overrides, f"{p}.overrides", f"{p}.launcher")
        check_evaluation_overrides(self.overrides, f"{p}.overrides")
        check_launcher(self.launcher, f"{p}.launcher")
        check_directory(self.output, f"{p}.output")

    def identity(self) -> dict:
        return resumable_identity(self)


def check_evaluation_overrides(overrides: list[str], key: str) -> None:
    """The targets name each evaluation's scenario, ``seeds`` its seeds and ``steps`` its length."""
    check_not_set(
        overrides,
        key,
        SET_BY_THE_BLOCK,
        "a model override other than scenario, seed and steps (targets name the scenario; "
        f"{SECTION}.seeds and {SECTION}.steps set the others)",
    )
