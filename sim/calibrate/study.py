"""A calibration as a study of the study layer (:mod:`sim.study`): its plan (the checks that need the
model and the targets), its run (the ABC-SMC and the posterior-predictive check, batch by batch), its
analysis (posterior summaries, draws, ridges) and its report (tables, the ready config, figures and
report.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.calibrate.schema import SECTION, CalibrationConfig, check_evaluation_overrides
from sim.config import ConfigError
from sim.results import write_parquet, write_text
from sim.study.load import Kind, Study
from sim.targets import Target, load_targets
from sim.version import code_version, label


@dataclass
class Plan:
    study: Study
    spec: CalibrationConfig  # the block, named, with the command line's model and launcher overrides
    targets: list[Target]

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(identity(self), sort_keys=True).encode()).hexdigest()[:16]


@dataclass
class Results:
    abc: object  # sim.calibrate.abc.Result
    sample: pd.DataFrame  # posterior draws
    ppc_runs: pd.DataFrame
    check: pd.DataFrame


def plan(study: Study) -> Plan:
    spec = replace(
        study.block, name=study.block.name or study.name, overrides=study.model, launcher=study.launcher
    )
    check_evaluation_overrides(spec.overrides, f"{SECTION}.overrides")  # the command line's, too
    targets = load_targets(spec.targets, key=f"{SECTION}.targets")
    check_parameters(spec, study.base, [t.scenario for t in targets])
    return Plan(study, spec, targets)


def identity(p: Plan) -> dict:
    return {**p.spec.identity(), "targets": [asdict(t) for t in p.targets]}


def check_parameters(spec: CalibrationConfig, base: DictConfig, scenarios: list[str]) -> None:
    """Every parameter is a real-valued config key, and each target scenario's config is valid with
    every parameter at the low and at the high end of its prior."""
    from sim.validate import compose

    for i, p in enumerate(spec.parameters):
        kind = type(OmegaConf.select(base, p.name, default=None))  # a bool is not a number here
        if kind is int:
            raise ConfigError(
                f"{SECTION}.parameters.{i}.name: got {p.name!r}, allowed: a real-valued key "
                "(an integer key cannot take a continuous prior's draws)"
            )
        if kind is not float:
            raise ConfigError(
                f"{SECTION}.parameters.{i}.name: got {p.name!r}, allowed: the dotted key of a number in "
                "the config (e.g. behaviour.participation.availability)"
            )
    for scenario in dict.fromkeys(scenarios):
        for side in ("low", "high"):
            values = [f"{p.name}={getattr(p, side)!r}" for p in spec.parameters]
            try:
                compose([*spec.overrides, f"scenario={scenario}", *values])
            except ConfigError as err:
                raise ConfigError(
                    f"{SECTION}: with every parameter at the {side} end of its prior and "
                    f"scenario={scenario}: {err} (narrow the prior or fix {SECTION}.overrides)"
                ) from None


def describe(p: Plan, directory: Path) -> str:
    scenarios = len({t.scenario for t in p.targets})
    return (
        f"[calibrate] {p.spec.name}: {len(p.spec.parameters)} parameters, {len(p.targets)} targets on "
        f"{scenarios} scenario(s); up to {p.spec.generations} generations of batches of {p.spec.batch} "
        f"x {len(p.spec.seeds)} seeds -> {directory}"
    )


def run(p: Plan, directory: Path) -> Results:
    """The ABC-SMC (resumed batch by batch) and the posterior-predictive check."""
    from sim.calibrate import abc, posterior

    result = abc.run_abc(p.spec, p.targets, directory)
    sample = posterior.draws(p.spec, result.posterior)
    ppc_runs, check = posterior.predictive_check(p.spec, p.targets, sample, directory / "ppc")
    return Results(result, sample, ppc_runs, check)


def analyse(p: Plan, results: Results) -> dict:
    from sim.calibrate import posterior

    post = results.abc.posterior
    gens = pd.DataFrame(
        [
            {
                "generation": g.t,
                "epsilon": g.epsilon,
                "evaluated": g.evaluated,
                "within_epsilon": g.passed,
                "acceptance": g.acceptance,
                "batches": g.batches,
                "population": len(g.population),
                "ess": _ess(g.population["weight"].to_numpy()),
            }
            for g in results.abc.generations
        ]
    )
    return {
        "generations": gens,
        "summary": posterior.summary(p.spec, post),
        "ridges": posterior.ridges(p.spec, post),
        "provenance": f"Code {label(code_version())}, spec digest {p.digest()}",
    }


def _ess(w) -> float:
    from pyabc.weighted_statistics import effective_sample_size

    return float(effective_sample_size(w / w.sum()))


def report(p: Plan, results: Results, analysis: dict, out: Path) -> int:
    from sim.calibrate import posterior
    from sim.calibrate import report as figures

    result, post, table = results.abc, results.abc.posterior, analysis["summary"]
    write_parquet(out / "evaluations.parquet", pd.concat(result.evaluations, ignore_index=True))
    write_parquet(
        out / "populations.parquet",
        pd.concat([g.population.assign(generation=g.t) for g in result.generations], ignore_index=True),
    )
    write_parquet(out / "posterior.parquet", post)
    write_parquet(out / "posterior_draws.parquet", results.sample)
    write_parquet(out / "ppc.parquet", results.ppc_runs)
    write_text(out / "generations.csv", analysis["generations"].to_csv(index=False))
    write_text(out / "posterior_summary.csv", table.to_csv(index=False))
    write_text(out / "ppc_summary.csv", results.check.to_csv(index=False))
    config = posterior.calibrated_config(p.spec, table, analysis["provenance"])
    write_text(out / "calibrated.yaml", config)
    (out / "configs" / "calibrated").mkdir(parents=True, exist_ok=True)
    write_text(out / "configs" / "calibrated" / f"{p.spec.name}.yaml", config)
    text = figures.write(
        p.spec,
        out,
        analysis["generations"],
        post,
        table,
        analysis["ridges"],
        results.check,
        results.ppc_runs,
        result.stopped,
        analysis["provenance"],
    )
    write_text(out / "report.md", text)
    cols = ["parameter", "mean", "q05", "q95", "contraction", "verdict"]
    print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"stopped: {result.stopped}")
    print(f"results: {out}")
    return 0


KIND = Kind(
    section=SECTION,
    schema=CalibrationConfig,
    command="python -m sim.calibrate",
    experiment_prefix="calibration_",
    model_key="overrides",
    directory_key="output",
    default_directory=lambda block, name: f"results/calibrations/{block.name or name}",
    plan=plan,
    identity=identity,
    describe=describe,
    run=run,
    analyse=analyse,
    report=report,
    requires=("pyabc",),
    examples=(
        ("python -m sim.calibrate +calibration=shanghai_buildings", "a calibration config"),
        ("python -m sim.calibrate +experiment=calibration_shanghai_buildings", "the pinned study"),
        (
            "python -m sim.calibrate +calibration=shanghai_buildings calibration.generations=5 "
            "hydra/launcher=joblib",
            "more generations, on every core",
        ),
        ("python -m sim.calibrate.uncertainty SWEEP_DIR", "seed noise against parameter uncertainty"),
    ),
)
