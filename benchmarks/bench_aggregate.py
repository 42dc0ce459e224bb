"""End-of-sweep tables and report at 1,000 and 10,000 runs: wall time and peak memory of the process.

The run directories are synthesised: one real run of the `small` scenario (52 weeks, so 53 rows like
any one-year run) is copied (hard links) under N names with their own overrides, which costs the
aggregation exactly what N real runs cost. Each step runs in a fresh process, as at the end of a sweep
or from the command line: `python -m sim.sweep.aggregate DIR`, then `python -m sim.sweep.report DIR`.

    python benchmarks/bench_aggregate.py [--runs 1000 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from omegaconf import OmegaConf

REPO = Path(__file__).resolve().parent.parent


def template_run(root: Path) -> Path:
    import sim.cli
    from sim.config import to_dict
    from sim.validate import compose

    run_dir = root / "template"
    (run_dir / ".hydra").mkdir(parents=True)
    cfg = OmegaConf.create(to_dict(compose(["scenario=small", "steps=52"])))
    OmegaConf.save(cfg, run_dir / ".hydra" / "config.yaml")
    (run_dir / ".hydra" / "overrides.yaml").write_text("[]\n")
    assert sim.cli.execute(cfg, run_dir, multirun=True)["status"] == "completed"
    return run_dir


def synthesise(template: Path, sweep_dir: Path, runs: int) -> None:
    files = [p.relative_to(template) for p in template.rglob("*") if p.is_file()]
    for i in range(runs):
        run_dir = sweep_dir / f"governance=brand,seed={i}"
        for rel in files:
            (run_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            if rel.name == "overrides.yaml":
                (run_dir / rel).write_text(yaml.safe_dump(["governance=brand", f"seed={i}"]))
            else:
                os.link(template / rel, run_dir / rel)


def measured(*cmd: str) -> tuple[float, float]:
    """Wall time (s) and peak resident memory (MB) of a command in a fresh process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--keep", type=Path, help="build the sweeps here and keep them")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_aggregate_"))
    try:
        template = template_run(root)
        row = "{:>7} {:<32} {:>9} {:>13} {:>17}".format
        print(row("runs", "step", "time (s)", "per run (ms)", "peak memory (MB)"))
        for runs in args.runs:
            sweep_dir = root / f"sweep{runs}"
            synthesise(template, sweep_dir, runs)
            for name in ("sim.sweep.aggregate", "sim.sweep.report"):
                wall, peak = measured(sys.executable, "-m", name, str(sweep_dir))
                print(
                    row(runs, f"python -m {name}", f"{wall:.1f}", f"{wall / runs * 1000:.1f}", f"{peak:.0f}")
                )
        baseline = measured(sys.executable, "-c", "import sim.sweep.aggregate, sim.sweep.report")
        print(row("", "(importing both, for reference)", f"{baseline[0]:.1f}", "", f"{baseline[1]:.0f}"))
    finally:
        if args.keep is None:
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
