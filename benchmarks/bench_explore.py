"""Overhead of a study's evaluations beyond the model runs (issue 19): calibration, exploration and
policy search, each run by this checkout's code and by the code of a base commit (the value before the
change), interleaved, on the same machine in the same run.

Each study is reduced to about N evaluations of the `small` district (26 weeks, seed 0, the serial
launcher, so that no parallelism hides a cost):

- exploration: the `demo` exploration, its policy arm only, N points (one batch);
- calibration: two parameters against two targets on `small`, 2 generations of batches of N/2
  proposals, and 10 posterior draws for the predictive check (three batches);
- policy search: the `demo` search, 4 generations of N/4 candidates in one scenario (four batches).

Per evaluation in a batch: the time spent evaluating batches (each ``evaluate`` call: writing the design,
the sweep with its runs, reading the results back) minus the runs' own model time (``runtime_s``: build
and steps), over the evaluations. Per evaluation of the whole study: the study's wall time minus the
model time, over the evaluations (its start-up, checks, analysis and report included). Medians over the
repeats; the ratio is before / after.

    python benchmarks/bench_explore.py [--evaluations 100] [--repeats 3] [--base 4be8e44]
                                       [--studies exploration calibration policy] [--steps 26]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
TARGET = 0.1  # s per evaluation in a batch, beyond the model run (issue 19)
# Runs a study command in this process and records the wall time and each batch's time: the batch
# function is wrapped wherever the study's modules bound it (sim.study.batch here, sim.sweep.batch in
# older code).
TIMED = """
import importlib, json, runpy, sys, time
record, module, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
batch = None
for name in ("sim.study.batch", "sim.sweep.batch"):
    try:
        batch = importlib.import_module(name)
        break
    except ImportError:
        pass
for name in ("sim.calibrate.study", "sim.calibrate.cli", "sim.explore.exploration", "sim.study.points",
             "sim.explore.evaluate", "sim.policy.search"):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
original, spans = batch.evaluate, []
def timed(*args, **kwargs):
    started = time.perf_counter()
    try:
        return original(*args, **kwargs)
    finally:
        spans.append(time.perf_counter() - started)
for loaded in list(sys.modules.values()):
    if getattr(loaded, "evaluate", None) is original:
        loaded.evaluate = timed
started, status = time.perf_counter(), 0
sys.argv = [module, *argv]
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
except SystemExit as stop:
    status = stop.code
json.dump({"wall": time.perf_counter() - started, "batches": spans, "status": status}, open(record, "w"))
"""
TARGETS = {
    "targets": [
        {
            "statistic": "late_participation_rate",
            "scenario": "small",
            "value": 0.1,
            "tolerance": 0.02,
            "source": "-",
        },
        {
            "statistic": "final_org_coverage",
            "scenario": "small",
            "value": 0.85,
            "tolerance": 0.05,
            "source": "-",
        },
    ]
}


def commands(out: Path, n: int, steps: int) -> dict[str, tuple[list[str], int]]:
    """Each study's command line and its number of evaluations."""
    batch, draws = max(4, n // 2), 10
    candidates = max(2, n // 4)
    return {
        "exploration": (
            [
                "sim.explore",
                "+exploration=demo",
                "~exploration.arms.baseline",
                f"exploration.dir={out / 'exploration'}",
                f"exploration.sampler.n={n}",
                "exploration.seeds=[0]",
                "exploration.launcher=[]",
                f"steps={steps}",
            ],
            n,
        ),
        "calibration": (
            [
                "sim.calibrate",
                "+calibration=shanghai_buildings",
                f"calibration.targets={out / 'targets.yaml'}",
                "calibration.parameters=[{name: behaviour.participation.availability, low: 0.1, high: 0.8}, "
                "{name: behaviour.outreach.join_probability, low: 0.05, high: 0.95}]",
                f"calibration.population={batch // 2}",
                f"calibration.batch={batch}",
                "calibration.generations=2",
                "calibration.max_batches=1",
                f"calibration.posterior_draws={draws}",
                f"calibration.overrides=['steps={steps}']",
                "calibration.launcher=[]",
                f"calibration.output={out / 'calibration'}",
            ],
            2 * batch + draws,
        ),
        "policy": (
            [
                "sim.policy",
                "+policy_search=demo",
                f"policy_search.dir={out / 'policy'}",
                "policy_search.launcher=[]",
                "policy_search.search.generations=4",
                f"policy_search.search.population={candidates}",
                "policy_search.scenarios.n=1",
                f"steps={steps}",
            ],
            4 * candidates,
        ),
    }


def export(commit: str, into: Path) -> Path:
    """The files of ``commit``, to run its code beside this checkout's."""
    blob = subprocess.run(["git", "archive", commit], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into


def measure(study: str, code: Path, out: Path, n: int, steps: int) -> dict:
    """One run of a study with the code in ``code``: seconds per evaluation in batches and overall,
    beyond the model time."""
    out.mkdir(parents=True)
    (out / "targets.yaml").write_text(yaml.safe_dump(TARGETS))
    argv, evaluations = commands(out, n, steps)[study]
    record = out / "timing.json"
    done = subprocess.run(
        [sys.executable, "-c", TIMED, str(record), *argv], cwd=code, capture_output=True, text=True
    )
    timing = json.loads(record.read_text()) if record.exists() else {}
    if timing.get("status") not in (0, 1):
        raise SystemExit(f"{study} ({code}) failed: {done.stderr[-2000:]}")
    model = sum(json.loads(p.read_text()).get("runtime_s", 0.0) for p in out.rglob("summary.json"))
    batches = sum(timing["batches"])
    return {
        "batch": (batches - model) / evaluations,
        "study": (timing["wall"] - model) / evaluations,
        "model": model / evaluations,
        "batches": len(timing["batches"]),
        "evaluations": evaluations,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--evaluations", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--steps", type=int, default=26)
    parser.add_argument("--base", default="4be8e44", help="the commit whose code gives the value before")
    parser.add_argument("--studies", nargs="+", default=["exploration", "calibration", "policy"])
    args = parser.parse_args()
    results: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        codes = {"before": export(args.base, tmp / "base"), "after": REPO}
        for repeat in range(args.repeats):
            for study in args.studies:
                for when, code in codes.items():
                    got = measure(study, code, tmp / f"{study}-{when}-{repeat}", args.evaluations, args.steps)
                    results.setdefault((study, when), []).append(got)
                    print(
                        f"  {study} {when} #{repeat + 1}: {got['batch']:.3f} s a batch evaluation", flush=True
                    )
    median = lambda study, when, key: statistics.median(r[key] for r in results[(study, when)])
    print(
        f"\nOverhead per evaluation beyond the model run (small, {args.steps} weeks, serial launcher; "
        f"medians of {args.repeats}; before: {args.base})"
    )
    print(
        f"{'study':<13}{'evals':>6}{'batches':>8}{'model/run':>11}   {'in a batch: before':>18}{'after':>9}"
        f"{'ratio':>8}{'target':>9}   {'whole study: before':>19}{'after':>9}"
    )
    for study in args.studies:
        first = results[(study, "after")][0]
        before, after = median(study, "before", "batch"), median(study, "after", "batch")
        model = median(study, "after", "model")
        print(
            f"{study:<13}{first['evaluations']:>6}{first['batches']:>8}{model:>9.3f} s"
            f"   {before:>16.3f} s{after:>7.3f} s{before / after:>7.1f}x{'<= ' + str(TARGET):>9} s"
            f"   {median(study, 'before', 'study'):>17.3f} s{median(study, 'after', 'study'):>7.3f} s"
        )


if __name__ == "__main__":
    main()
