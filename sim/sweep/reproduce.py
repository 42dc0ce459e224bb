"""Re-run one run from its Hydra snapshot and confirm that it reproduces the stored output exactly.

python -m sim.sweep.reproduce RUN_DIR      # exit 0: identical; 1: different; 2: bad input
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from sim.config import ConfigError
from sim.exits import ARGUMENT_ERROR, EXIT_DONE, EXIT_FAILED, refuse, tool_parser
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
    parser = tool_parser(
        "python -m sim.sweep.reproduce",
        "Re-run a run directory from its .hydra snapshot and compare: exit 0 identical, 1 different.",
        [("python -m sim.sweep.reproduce results/sweeps/DIR/seed=3", "one run of a sweep, again")],
    )
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args()
    for needed in (".hydra/config.yaml", "timeseries.parquet"):
        if not (args.run_dir / needed).exists():
            refuse(
                f"run_dir: {args.run_dir / needed} is missing (a completed run directory is needed)",
                ARGUMENT_ERROR,
            )
    try:
        same, message = reproduce(args.run_dir)
    except ConfigError as err:
        refuse(str(err))
    except CorruptRun as err:
        refuse(f"run_dir: {err}", ARGUMENT_ERROR)
    print(message)
    sys.exit(EXIT_DONE if same else EXIT_FAILED)


if __name__ == "__main__":
    main()
