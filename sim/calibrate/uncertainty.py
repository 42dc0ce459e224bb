"""Seed noise against parameter uncertainty (随机噪声与参数不确定性) in a sweep run over parameter draws.

An experiment carries the posterior (or any parameter sample) into its conditions by sweeping a file
design of draws (``+design.method=file +design.file=posterior_draws.parquet design.sample=range(0,D)``)
times common seeds (``seed=range(0,S)``). For each condition and outcome, the D x S grid is split by
a two-way random-effects analysis of variance without replication: parameter uncertainty (between
draws), seed noise (between the common seeds, shared by every draw) and their interaction (the
residual: how a seed's effect differs between draws). Components are the usual method-of-moments
estimates, truncated at 0.

    python -m sim.calibrate.uncertainty SWEEP_DIR [--stat late_mean|final|year1] [--outcomes a b ...]

Writes ``uncertainty.parquet`` and ``uncertainty.md`` in the sweep directory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.exits import ARGUMENT_ERROR, refuse, tool_parser
from sim.outcomes import HEADLINE, OUTCOMES, label
from sim.results import write_parquet, write_text
from sim.sweep.aggregate import RUNS_FILE, check_sweep_dir, run_dirs, swept_values

DRAW = "design.sample"
SEED = "seed"
STATS = ("late_mean", "final", "year1")


def components(grid: np.ndarray) -> dict[str, float]:
    """Variance components of a draws x seeds grid (rows: parameter draws, columns: seeds)."""
    d, s = grid.shape
    m = grid.mean()
    draw_means, seed_means = grid.mean(axis=1), grid.mean(axis=0)
    resid = grid - draw_means[:, None] - seed_means[None, :] + m
    ms_draw = s * ((draw_means - m) ** 2).sum() / (d - 1)
    ms_seed = d * ((seed_means - m) ** 2).sum() / (s - 1)
    ms_res = (resid**2).sum() / ((d - 1) * (s - 1))
    parts = {
        "parameter": max(0.0, (ms_draw - ms_res) / s),
        "seed": max(0.0, (ms_seed - ms_res) / d),
        "interaction": ms_res,
    }
    total = sum(parts.values())
    return {
        "mean": float(m),
        "draws": d,
        "seeds": s,
        **{f"var_{k}": float(v) for k, v in parts.items()},
        **{f"share_{k}": float(v / total) if total > 0 else float("nan") for k, v in parts.items()},
    }


def decompose(runs: pd.DataFrame, conditions: list[str], outcomes: list[str], stat: str) -> pd.DataFrame:
    """One row per condition and outcome. Draws with a failed run are left out (the grid must be full)."""
    done = runs[runs["status"] == "completed"]
    rows = []
    groups = done.groupby(conditions, dropna=False) if conditions else [((), done)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for outcome in outcomes:
            column = outcome if stat == "final" else f"{stat}_{outcome}"
            grid = group.pivot_table(index=DRAW, columns=SEED, values=column, aggfunc="first")
            grid = grid.dropna(axis=0, how="any")
            if grid.shape[0] < 2 or grid.shape[1] < 2:
                continue
            rows.append(
                {**dict(zip(conditions, key)), "outcome": outcome, **components(grid.to_numpy(float))}
            )
    return pd.DataFrame(rows)


def conditions_of(sweep_dir: Path) -> list[str]:
    dirs = run_dirs(sweep_dir)
    return [k for k in swept_values(dirs[0]) if k != SEED and not k.startswith("design.")] if dirs else []


def main() -> None:
    parser = tool_parser(
        "python -m sim.calibrate.uncertainty",
        "Separate seed noise from parameter uncertainty in a sweep over parameter draws and seeds.",
        [
            (
                "python -m sim -m +experiment=mode_comparison +design.method=file "
                "+design.file=OUT/posterior_draws.parquet 'design.sample=range(0,20)' 'seed=range(0,5)'",
                "an experiment over 20 posterior draws x 5 seeds",
            ),
            ("python -m sim.calibrate.uncertainty SWEEP_DIR --stat late_mean", "its variance components"),
        ],
    )
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--stat", choices=STATS, default="late_mean")
    parser.add_argument("--outcomes", nargs="+", default=list(HEADLINE))
    args = parser.parse_args()
    unknown = [o for o in args.outcomes if o not in OUTCOMES]
    if unknown:
        refuse(f"--outcomes: got {unknown[0]!r}, allowed: outcomes of docs/ODD.md 7.16", ARGUMENT_ERROR)
    sweep_dir = check_sweep_dir(args.sweep_dir)
    runs = pd.read_parquet(sweep_dir / RUNS_FILE)
    missing = [c for c in (DRAW, SEED) if c not in runs.columns]
    if missing:
        refuse(
            f"sweep_dir: {sweep_dir} sweeps no {missing[0]!r}, allowed: a sweep over a file design of "
            "parameter draws (design.sample) and seeds",
            ARGUMENT_ERROR,
        )
    conditions = conditions_of(sweep_dir)
    table = decompose(runs, conditions, args.outcomes, args.stat)
    if table.empty:
        refuse(f"sweep_dir: {sweep_dir} has no condition with 2+ complete draws and 2+ seeds", ARGUMENT_ERROR)
    write_parquet(sweep_dir / "uncertainty.parquet", table)
    shown = table.assign(outcome=[label(o) for o in table["outcome"]])
    text = "\n".join(
        [
            "# Seed noise and parameter uncertainty (随机噪声与参数不确定性)",
            "",
            f"`{args.stat}` of each outcome over a grid of parameter draws (`{DRAW}`) x common seeds "
            "(`seed`), per condition; variance components of a two-way random-effects ANOVA: `parameter` "
            "(between draws), `seed` (between seeds, shared by the draws) and `interaction` (residual).",
            "",
            shown.to_markdown(index=False, floatfmt=".4g"),
            "",
        ]
    )
    write_text(sweep_dir / "uncertainty.md", text)
    print(text)


if __name__ == "__main__":
    main()
