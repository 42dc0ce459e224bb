"""A history match as a study of the study layer (:mod:`sim.study`): its plan (the checks that need the
model and the targets), its run (the waves, batch by batch), its analysis (per-wave and per-emulator
tables, posterior summaries) and its report (tables, posterior draws, the ready config, figures and
report.md).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sim.history.schema import SECTION, HistoryConfig, check_evaluation_overrides
from sim.results import write_parquet, write_text
from sim.study.factors import parse
from sim.study.load import Kind, Study
from sim.study.schema import FactorConfig
from sim.targets import Target, load_targets
from sim.version import code_version, label


@dataclass
class Plan:
    study: Study
    spec: HistoryConfig  # the block, named, with the command line's model and launcher overrides
    targets: list[Target]

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(identity(self), sort_keys=True).encode()).hexdigest()[:16]

    def names(self) -> list[str]:
        return [p.name for p in self.spec.parameters]

    def columns(self) -> list[str]:
        """A target's column in the tables: its statistic at its scenario."""
        return [f"{t.statistic}@{t.scenario}" for t in self.targets]


def plan(study: Study) -> Plan:
    spec = replace(
        study.block, name=study.block.name or study.name, overrides=study.model, launcher=study.launcher
    )
    check_evaluation_overrides(spec.overrides, f"{SECTION}.overrides")  # the command line's, too
    targets = load_targets(spec.targets, key=f"{SECTION}.targets")
    # each bound checked as the layer checks any factor: a real-valued key, values the model accepts
    parse(
        [FactorConfig(p.name, p.low, p.high) for p in spec.parameters],
        f"{SECTION}.parameters",
        study.base,
        spec.overrides,
    )
    return Plan(study, spec, targets)


def identity(p: Plan) -> dict:
    return {**p.spec.identity(), "targets": [asdict(t) for t in p.targets]}


def describe(p: Plan, directory: Path) -> str:
    scenarios = len({t.scenario for t in p.targets})
    evaluations = p.spec.points * len(p.spec.seeds) * scenarios
    return (
        f"[history] {p.spec.name}: {len(p.spec.parameters)} parameters, {len(p.targets)} targets on "
        f"{scenarios} scenario(s); up to {p.spec.waves} waves of {p.spec.points} points x "
        f"{len(p.spec.seeds)} seeds ({evaluations} runs of {p.spec.steps} weeks a wave) -> {directory}"
    )


def run(p: Plan, directory: Path):
    from sim.history.match import Observed, to_values
    from sim.history.runs import simulate
    from sim.history.waves import run_waves

    observed = [Observed(t.value, t.tolerance, t.discrepancy) for t in p.targets]
    model = [*p.spec.overrides, f"steps={p.spec.steps}"]

    def wave(k: int, unit: np.ndarray) -> np.ndarray:
        values = pd.DataFrame(to_values(unit, p.spec.parameters), columns=p.names())
        out = directory / f"wave_{k:02d}"
        return simulate(values, p.spec.seeds, p.targets, model, p.spec.launcher, p.spec.window, out)

    return run_waves(p.spec, observed, wave)


def analyse(p: Plan, result) -> dict:
    from sim.calibrate import posterior
    from sim.history.match import to_values

    waves = pd.DataFrame(
        [
            {
                "wave": r.wave,
                "points": len(r.design),
                "runs": int(r.runs[:, :, 0].size * len({t.scenario for t in p.targets})),
                "failed_points": int((~np.isfinite(r.runs).all(axis=(1, 2))).sum()),
                "by_rejection": r.proposed_by_rejection,
                "trained_on": r.trained_on,
                "nroy_share": r.nroy_share,
            }
            for r in result.records
        ]
    )
    emulators = pd.DataFrame(
        [
            {
                "wave": r.wave,
                "target": column,
                "trained_on": r.trained_on,
                "loo_coverage": r.loo[j],
                "validation_runs": int(np.isfinite(result.records[i + 1].runs[:, :, j]).sum())
                if i + 1 < len(result.records)
                else 0,
                "validation_coverage": r.validation[j] if r.validation else float("nan"),
            }
            for i, r in enumerate(result.records)
            for j, column in enumerate(p.columns())
        ]
    )
    targets = pd.DataFrame(
        {
            "target": p.columns(),
            "observed": [t.value for t in p.targets],
            "tolerance": [t.tolerance for t in p.targets],
            "discrepancy": [t.discrepancy for t in p.targets],
            "share_alone": result.targets_alone,
            "min_implausibility": result.min_implausibility,
        }
    )
    pairs = pd.DataFrame(result.targets_together, index=p.columns(), columns=p.columns())
    weighted = pd.DataFrame(to_values(result.nroy, p.spec.parameters), columns=p.names())
    weighted["weight"] = result.weights
    draws = pd.DataFrame(to_values(result.draws, p.spec.parameters), columns=p.names())
    summary = posterior.summary(p.spec, weighted) if len(weighted) else pd.DataFrame()
    return {
        "waves": waves,
        "emulators": emulators,
        "targets": targets,
        "pairs": pairs.rename_axis("target"),
        "posterior": weighted,
        "draws": draws,
        "summary": summary,
        "ridges": posterior.ridges(p.spec, weighted) if len(weighted) > 1 else [],
        "provenance": f"Code {label(code_version())}, spec digest {p.digest()}",
    }


def report(p: Plan, result, analysis: dict, out: Path) -> int:
    from sim.calibrate import posterior
    from sim.history import report as figures

    runs = pd.concat([_runs_table(p, r) for r in result.records], ignore_index=True)
    write_parquet(out / "runs.parquet", runs)
    write_text(out / "waves.csv", analysis["waves"].to_csv(index=False))
    write_text(out / "emulators.csv", analysis["emulators"].to_csv(index=False))
    write_text(out / "targets.csv", analysis["targets"].to_csv(index=False))
    write_text(out / "target_pairs.csv", analysis["pairs"].to_csv())
    write_parquet(out / "posterior.parquet", analysis["posterior"])
    write_parquet(out / "posterior_draws.parquet", analysis["draws"])
    table = analysis["summary"]
    if not table.empty:
        write_text(out / "posterior_summary.csv", table.to_csv(index=False))
        config = posterior.calibrated_config(p.spec, table, analysis["provenance"])
        write_text(out / "calibrated.yaml", config)
        (out / "configs" / "calibrated").mkdir(parents=True, exist_ok=True)
        write_text(out / "configs" / "calibrated" / f"{p.spec.name}.yaml", config)
    write_text(out / "report.md", figures.write(p, result, analysis, out))
    print(analysis["waves"].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if not table.empty:
        cols = ["parameter", "mean", "q05", "q95", "contraction"]
        print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"stopped: {result.stopped}")
    print(f"results: {out}")
    # 1: no posterior (NROY empty: the finding is report.md's), or failed runs (recorded, left out)
    return 0 if len(result.nroy) and not analysis["waves"]["failed_points"].any() else 1


def _runs_table(p: Plan, record) -> pd.DataFrame:
    """One row per run of a wave: wave, point, seed, the parameters' values and each target's statistic."""
    from sim.history.match import to_values

    n, s, k = record.runs.shape
    values = to_values(record.design, p.spec.parameters)
    table = pd.DataFrame(np.repeat(values, s, axis=0), columns=p.names())
    table.insert(0, "wave", record.wave)
    table.insert(1, "point", np.repeat(np.arange(n), s))
    table.insert(2, "seed", np.tile(p.spec.seeds, n))
    table[p.columns()] = record.runs.reshape(n * s, k)
    return table


KIND = Kind(
    section=SECTION,
    schema=HistoryConfig,
    command="python -m sim.history",
    experiment_prefix="history_",
    model_key="overrides",
    directory_key="output",
    default_directory=lambda block, name: f"results/history/{block.name or name}",
    plan=plan,
    identity=identity,
    describe=describe,
    run=run,
    analyse=analyse,
    report=report,
    requires=("sklearn", "pyabc"),
    examples=(
        ("python -m sim.history +history=steady", "a history-matching config"),
        ("python -m sim.history +experiment=history_steady", "the pinned study"),
        (
            "python -m sim.history +history=steady history.points=40 history.waves=2 hydra/launcher=joblib",
            "fewer points and waves, on every core",
        ),
    ),
)
