"""Reduced studies on the `small` district and the tables they write, for checking that a change to the
study layer leaves every table the studies write as it was (tests/test_study_tables.py).

Each study (calibration, exploration, policy search) runs as its command, ``python -m sim.calibrate``,
``sim.explore`` or ``sim.policy``, reduced to a few evaluations of a few weeks, some of which fail (the
model refuses outreach and activity shares summing above 1), so that failures are compared too. The
tables are the study's own Parquet and CSV files and each run's ``timeseries.parquet``; the column
naming the code version that made a run is provenance and left out.

The reference in tests/data/studies/ is made by the code of a given commit, run from an exported copy
of it with this environment's Python:

    python tests/study_tables.py --write            # from HEAD
    python tests/study_tables.py --write fd5334f    # from another commit (the code before the layer)

Write it again when a change is meant to change what the model computes (and bump MODEL_VERSION).
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parent.parent
REFERENCE = Path(__file__).resolve().parent / "data" / "studies"
PROVENANCE = ("code_version",)
STEPS = "steps=8"
# outreach and activity shares summing above 1 are refused by the model: those evaluations fail
SHARES = (
    "{name: budget.outreach_share, low: 0.2, high: 0.6}, {name: budget.activity_share, low: 0.3, high: 0.7}"
)
TARGETS = {
    "targets": [
        {
            "statistic": "late_participation_rate",
            "scenario": "small",
            "value": 0.1,
            "tolerance": 0.02,
            "source": "t",
        },
        {
            "statistic": "final_org_coverage",
            "scenario": "small",
            "value": 0.85,
            "tolerance": 0.05,
            "source": "t",
        },
    ]
}


def commands(out: Path) -> dict[str, list[str]]:
    """The three reduced studies' command lines, writing into ``out``/NAME."""
    targets = out / "targets.yaml"
    return {
        "calibration": [
            "sim.calibrate",
            "+calibration=shanghai_buildings",
            f"calibration.targets={targets}",
            "calibration.parameters=[{name: behaviour.participation.availability, low: 0.1, high: 0.8}, "
            "{name: behaviour.outreach.join_probability, low: 0.05, high: 0.95}]",
            "calibration.population=3",
            "calibration.batch=6",
            "calibration.generations=2",
            "calibration.max_batches=1",
            "calibration.min_epsilon=0",  # both generations run, whatever the first one's distances
            "calibration.posterior_draws=3",
            f"calibration.overrides=['{STEPS}']",
            "calibration.launcher=[]",
            f"calibration.output={out / 'calibration'}",
        ],
        "exploration": [
            "sim.explore",
            "+exploration=demo",
            f"exploration.dir={out / 'exploration'}",
            "exploration.launcher=[]",
            "exploration.sampler.n=8",
            "exploration.seeds=[0]",
            f"exploration.levers=[{{name: sinking.share, low: 0.1, high: 0.9}}, {SHARES}]",
            STEPS,
        ],
        "policy": [
            "sim.policy",
            "+policy_search=demo",
            f"policy_search.dir={out / 'policy'}",
            "policy_search.launcher=[]",
            "policy_search.search.generations=2",
            "policy_search.search.population=4",
            "policy_search.scenarios.n=1",
            f"policy_search.levers=[{{name: sinking.share, low: 0.0, high: 1.0}}, {SHARES}, "
            "{name: governance.mechanisms, values: [zone_committees, online_channel]}]",
            STEPS,
        ],
    }


def run_studies(out: Path, code: Path = REPO) -> None:
    """Run the three reduced studies with the code in ``code`` (its ``sim`` and ``configs``)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "targets.yaml").write_text(yaml.safe_dump(TARGETS))
    for name, argv in commands(out).items():
        done = subprocess.run([sys.executable, "-m", *argv], cwd=code, capture_output=True, text=True)
        if done.returncode not in (0, 1):  # 1: some evaluations failed, as intended
            raise RuntimeError(f"{name} exited {done.returncode}: {done.stderr[-2000:]}")


def tables(out: Path) -> dict[str, pd.DataFrame]:
    """Every table the studies wrote under ``out``, by path; runs' tables by their design row."""
    found = {}
    for path in sorted([*out.rglob("*.parquet"), *out.rglob("*.csv")]):
        rel = path.relative_to(out)
        if rel.name != "timeseries.parquet" and any(p == "sweep" for p in rel.parts):
            continue  # a batch sweep's own tables, not the study's
        if rel.name == "timeseries.parquet" and rel.parent.name == "sweep":
            continue
        if path.suffix == ".parquet":
            table = pd.read_parquet(path)
        elif path.read_text().strip():
            table = pd.read_csv(path)
        else:  # a table of no rows and no columns (no PRIM box found), as pandas writes it
            table = pd.DataFrame(columns=[])
        found[str(rel)] = table.drop(columns=[c for c in PROVENANCE if c in table.columns])
    return found


def export(commit: str, into: Path) -> Path:
    """The files of ``commit`` (``git archive``), to run its code without touching this checkout."""
    blob = subprocess.run(["git", "archive", commit], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(into, filter="data")
    return into


def write_reference(commit: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        code = export(commit, Path(tmp) / "code")
        out = Path(tmp) / "out"
        run_studies(out, code)
        found = tables(out)
        for old in REFERENCE.rglob("*.parquet"):
            old.unlink()
        for rel, table in found.items():
            path = REFERENCE / (rel.replace("/", "__") + ".parquet")
            path.parent.mkdir(parents=True, exist_ok=True)
            table.to_parquet(path, index=False)
    print(f"{len(found)} tables from {commit} in {REFERENCE}")


def reference() -> dict[str, pd.DataFrame]:
    return {
        p.name.removesuffix(".parquet").replace("__", "/"): pd.read_parquet(p) for p in REFERENCE.glob("*")
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--write", nargs="?", const="HEAD", metavar="COMMIT", required=True)
    write_reference(parser.parse_args().write)
