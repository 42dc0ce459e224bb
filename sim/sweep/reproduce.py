"""Re-run one run from its Hydra snapshot and confirm that it reproduces the stored output exactly.

python -m sim.sweep.reproduce RUN_DIR      # exit 0: identical; 1: different; 2: bad input
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from sim.config import ConfigError
from sim.run import run
from sim.sweep.design import apply_design
from sim.validate import validate


class CorruptRun(Exception):
    """A stored file of the run cannot be read."""


def reproduce(run_dir: Path) -> tuple[bool, str]:
    stored = _read(run_dir / "timeseries.parquet", pd.read_parquet)  # before the run: fail fast
    cfg = _read(run_dir / ".hydra" / "config.yaml", OmegaConf.load)
    overrides = run_dir / ".hydra" / "overrides.yaml"  # the user's, which governance=article needs
    apply_design(cfg)
    _, table = run(validate(cfg, list(OmegaConf.load(overrides)) if overrides.exists() else []))
    try:
        pd.testing.assert_frame_equal(table, stored, check_exact=True)
    except AssertionError as err:
        return False, str(err).splitlines()[0]
    return True, f"identical: {len(table)} rows x {table.shape[1]} columns"


def _read(path: Path, load):
    try:
        return load(path)
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else ""
        raise CorruptRun(
            f"{path} cannot be read ({type(err).__name__}: {reason}); the run is corrupt: "
            "re-run it (resume its sweep) before reproducing it"
        ) from None


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sim.sweep.reproduce",
        description="Re-run a run directory from its .hydra snapshot and compare.",
    )
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args()
    for needed in (".hydra/config.yaml", "timeseries.parquet"):
        if not (args.run_dir / needed).exists():
            print(
                f"error: run_dir: {args.run_dir / needed} is missing (a completed run directory is needed)",
                file=sys.stderr,
            )
            sys.exit(2)
    try:
        same, message = reproduce(args.run_dir)
    except ConfigError as err:
        print(f"config error: {err}", file=sys.stderr)
        sys.exit(2)
    except CorruptRun as err:
        print(f"error: run_dir: {err}", file=sys.stderr)
        sys.exit(2)
    print(message)
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
