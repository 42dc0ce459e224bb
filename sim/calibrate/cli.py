"""The calibration command: compose and check everything first (one line, exit 2, nothing written),
then run or resume the ABC-SMC in its output directory and write the posterior, the check and the
report.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from sim.calibrate import abc, posterior, report
from sim.calibrate.spec import Spec, check_overrides, parse, targets_of
from sim.config import CONFIG_DIR, ConfigError, group_options
from sim.results import now, package_versions, write_json, write_parquet, write_text
from sim.sweep.batch import BatchError
from sim.sweep.claims import LOCK_FILE, claim
from sim.version import REPO_ROOT, code_version, label

EXIT_CONFIG = 2
EXIT_FAILED = 1
STATE_FILE = "calibration.json"
OWN_KEYS = ("calibration", "experiment")


def _key(override: str) -> str:
    return override.split("=", 1)[0].lstrip("+~")


def split(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The command line's calibration overrides (composed), launcher overrides and model overrides."""
    own = [a for a in argv if _key(a).split(".")[0] in OWN_KEYS]
    launcher = [a for a in argv if _key(a).startswith("hydra")]
    model = [a for a in argv if a not in own and a not in launcher]
    return own, launcher, model


def _compose(overrides: list[str]) -> DictConfig:
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.validate import check_group_choices

    for o in overrides:
        if _key(o) == "calibration" and "=" in o:
            choice, options = o.split("=", 1)[1], group_options("calibration")
            if choice not in options:
                raise ConfigError(f"calibration: got {choice!r}, allowed: one of {options}")
    check_group_choices(overrides)
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return compose("config", overrides=overrides)
    except Exception as err:
        raise ConfigError(f"calibration: {str(err).splitlines()[0]}") from None
    finally:
        GlobalHydra.instance().clear()


def load(argv: list[str]) -> tuple[Spec, list]:
    """The checked spec and targets of a command line; ConfigError (one line) on any problem."""
    own, launcher, model = split(argv)
    cfg = _compose(own)
    block = cfg.get("calibration")
    if not isinstance(block, DictConfig):
        raise ConfigError(
            "calibration: missing, allowed: +calibration=NAME with NAME one of "
            f"{group_options('calibration')}, or +experiment=calibration_NAME"
        )
    chosen = next((o.split("=", 1)[1] for o in own if _key(o) == "calibration" and "=" in o), "calibration")
    spec = parse(OmegaConf.to_container(block, resolve=True), chosen)
    spec = replace(spec, overrides=(*spec.overrides, *model), launcher=(*spec.launcher, *launcher))
    check_overrides(spec)  # the command line's, too
    targets = targets_of(spec)
    check_model(spec, cfg, [t.scenario for t in targets])
    return spec, targets


def check_model(spec: Spec, cfg: DictConfig, scenarios: list[str]) -> None:
    """Every parameter is a real-valued config key, and each target scenario's config is valid with
    every parameter at the low and at the high end of its prior."""
    from sim.validate import compose

    missing = object()
    for i, p in enumerate(spec.parameters):
        current = OmegaConf.select(cfg, p.name, default=missing)
        if current is missing or isinstance(current, (DictConfig, bool, str)) or current is None:
            raise ConfigError(
                f"calibration.parameters[{i}].name: got {p.name!r}, allowed: the dotted key of a number in "
                "the config (e.g. behaviour.participation.availability)"
            )
        if isinstance(current, int):
            raise ConfigError(
                f"calibration.parameters[{i}].name: got {p.name!r}, allowed: a real-valued key "
                "(an integer key cannot take a continuous prior's draws)"
            )
    for scenario in dict.fromkeys(scenarios):
        for side in ("low", "high"):
            values = [f"{p.name}={getattr(p, side)!r}" for p in spec.parameters]
            try:
                compose([*spec.overrides, f"scenario={scenario}", *values])
            except ConfigError as err:
                raise ConfigError(
                    f"calibration: with every parameter at the {side} end of its prior and "
                    f"scenario={scenario}: {err} (narrow the prior or fix calibration.overrides)"
                ) from None


def prepare_output(spec: Spec, targets: list) -> Path:
    """The output directory: new, empty, or this very calibration's, same spec and same target rows
    (then it is resumed); anything else is refused before anything is written."""
    out = Path(spec.output).expanduser().resolve()
    allowed = "a new or empty directory, or one this calibration wrote"
    for protected in (Path.cwd().resolve(), REPO_ROOT):
        if out == protected or out in protected.parents:
            raise ConfigError(f"calibration.output: got {spec.output!r}, allowed: {allowed}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"calibration.output: got {spec.output!r} (a file), allowed: {allowed}")
    # a lock file alone is what a run killed before its first write leaves
    if out.is_dir() and any(p.name != LOCK_FILE for p in out.iterdir()):
        try:
            state = json.loads((out / STATE_FILE).read_text())
        except (OSError, ValueError):
            raise ConfigError(
                f"calibration.output: got {spec.output!r} (it holds files but no {STATE_FILE}), "
                f"allowed: {allowed}"
            ) from None
        if state.get("digest") != spec.digest():
            raise ConfigError(
                f"calibration.output: got {spec.output!r}, which holds calibration {state.get('name')!r} "
                f"with another spec (digest {state.get('digest')} vs {spec.digest()}), allowed: {allowed}"
            )
        if state.get("targets") != [asdict(t) for t in targets]:
            raise ConfigError(
                f"calibration.output: got {spec.output!r}, which holds calibration {state.get('name')!r} "
                f"against other target rows (edited since), allowed: {allowed}"
            )
    return out


def _record_session(out: Path, spec: Spec, targets: list) -> dict:
    path = out / STATE_FILE
    state = json.loads(path.read_text()) if path.exists() else {}
    session = {"command": sys.argv, "started": now(), "code": code_version(), "packages": package_versions()}
    state.update(
        name=spec.name,
        digest=spec.digest(),
        spec={**asdict(spec), "parameters": [asdict(p) for p in spec.parameters]},
        targets=[asdict(t) for t in targets],
        sessions=[*state.get("sessions", []), session],
    )
    write_json(path, state)
    return session


def run(spec: Spec, targets: list, out: Path) -> dict:
    """Run or resume the calibration into ``out`` and write every result; return the posterior summary."""
    out.mkdir(parents=True, exist_ok=True)
    with claim(out):
        session = _record_session(out, spec, targets)
        result = abc.run_abc(spec, targets, out)
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
                for g in result.generations
            ]
        )
        post = result.posterior
        table = posterior.summary(spec, post)
        sample = posterior.draws(spec, post)
        ppc_runs, check = posterior.predictive_check(spec, targets, sample, out / "ppc")
        provenance = f"Code {label(session['code'])}, spec digest {spec.digest()}"
        write_parquet(out / "evaluations.parquet", pd.concat(result.evaluations, ignore_index=True))
        write_parquet(
            out / "populations.parquet",
            pd.concat([g.population.assign(generation=g.t) for g in result.generations], ignore_index=True),
        )
        write_parquet(out / "posterior.parquet", post)
        write_parquet(out / "posterior_draws.parquet", sample)
        write_parquet(out / "ppc.parquet", ppc_runs)
        write_text(out / "generations.csv", gens.to_csv(index=False))
        write_text(out / "posterior_summary.csv", table.to_csv(index=False))
        write_text(out / "ppc_summary.csv", check.to_csv(index=False))
        config = posterior.calibrated_config(spec, table, provenance)
        write_text(out / "calibrated.yaml", config)
        (out / "configs" / "calibrated").mkdir(parents=True, exist_ok=True)
        write_text(out / "configs" / "calibrated" / f"{spec.name}.yaml", config)
        ridges = posterior.ridges(spec, post)
        text = report.write(spec, out, gens, post, table, ridges, check, ppc_runs, result.stopped, provenance)
        write_text(out / "report.md", text)
    return {"generations": gens, "summary": table, "check": check, "stopped": result.stopped}


def _ess(w) -> float:
    from pyabc.weighted_statistics import effective_sample_size

    return float(effective_sample_size(w / w.sum()))


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    try:
        spec, targets = load(argv)
        out = prepare_output(spec, targets)
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        sys.exit(EXIT_CONFIG)
    try:
        done = run(spec, targets, out)
    except (BatchError, RuntimeError) as err:
        print(f"calibration failed: {err}", file=sys.stderr)
        sys.exit(EXIT_FAILED)
    cols = ["parameter", "mean", "q05", "q95", "contraction", "verdict"]
    print(done["summary"][cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"stopped: {done['stopped']}")
    print(f"results: {out}")
