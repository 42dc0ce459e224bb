"""Paired differences against a baseline (配对比较), with common random numbers: every condition
runs the same seeds, so a condition's effect is estimated from the per-seed differences
condition - baseline, which cancel most of the seed noise both share.

    python -m sim.sweep.paired SWEEP_DIR [--against governance=fragmented]
        [--stat late_mean|year1|year3|final] [--outcomes a,b,...] [--split]

The interval is the t interval of the mean paired difference over seeds (differences of shares
are not bounded to [0, 1], so a t interval is appropriate). A difference's *sign* is + or - when
the interval excludes 0, and 0 otherwise.

A steady-state difference (``late_mean``) is *steady* when it no longer moves: the mean over
pairs of the two runs' two-year trends (``trend_*`` in the runs table, sim.steady) changes the
difference by less than ``sim.steady.TOLERANCE`` a year. Averaging over seeds keeps a drift that
every seed shares and cancels the slow wandering of single runs, which is seed noise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim import outcomes
from sim.exits import ARGUMENT_ERROR, refuse, tool_parser
from sim.results import write_parquet, write_text
from sim.steady import STATS, TOLERANCE

KEY_OUTCOMES = outcomes.HEADLINE
PAIRED_FILE = (
    "paired_{stat}.parquet"  # one file per statistic: the commands for each do not clobber each other
)
SPLIT_FILE = "split_{stat}.parquet"
GROUPS = ("member", "worker", "resident")
ROBUSTNESS_FILE = "robustness.md"


def paired_differences(
    runs: pd.DataFrame,
    factor: str,
    baseline: str,
    outcomes=KEY_OUTCOMES,
    stat: str = "late_mean",
    by: tuple[str, ...] = (),
    level: float = 0.95,
) -> pd.DataFrame:
    """One row per (by..., condition of ``factor`` other than ``baseline``, outcome): the mean
    paired difference over seeds, its t interval, the number of pairs, the sign, and for
    ``late_mean`` the difference's mean trend a year and whether it is steady."""
    done = runs[runs["status"] == "completed"]
    columns = {o: f"{stat}_{o}" if stat and f"{stat}_{o}" in done.columns else o for o in outcomes}
    keys = [*by, "seed"]
    base = done[done[factor].astype(str) == str(baseline)].set_index(keys)
    rows = []
    for condition, group in done[done[factor].astype(str) != str(baseline)].groupby(factor, sort=False):
        group = group.set_index(keys)
        common = group.index.intersection(base.index)
        for outcome, col in columns.items():
            diff = group.loc[common, col].astype(float) - base.loc[common, col].astype(float)
            trend_col = f"trend_{outcome}"
            trend = (
                group.loc[common, trend_col].astype(float) - base.loc[common, trend_col].astype(float)
                if stat == "late_mean" and trend_col in done.columns
                else pd.Series(np.nan, index=diff.index)
            )
            for where, d in diff.groupby(level=list(by)) if by else [((), diff)]:
                t = trend.loc[d.index].mean()
                rows.append(
                    {
                        **dict(zip(by, where if isinstance(where, tuple) else (where,))),
                        factor: condition,
                        "outcome": outcome,
                        **_interval(d.dropna().to_numpy(), level),
                        "trend_per_year": t,
                        "steady": bool(abs(t) < TOLERANCE) if np.isfinite(t) else None,
                    }
                )
    return pd.DataFrame(rows)


def participation_split(
    runs: pd.DataFrame, factor: str, baseline: str, stat: str = "late_mean", by: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Who carries a participation effect: per (by..., condition), the mean over seeds of the
    participants each group (members, workers, residents) adds against the baseline, a group's
    rate difference times its size (``people_<group>``), their total, and each group's share of
    the total."""
    done = runs[runs["status"] == "completed"].copy()
    for g in GROUPS:
        done[f"added_{g}"] = done[f"{stat}_{g}_participation"].astype(float) * done[f"people_{g}"]
    added = tuple(f"added_{g}" for g in GROUPS)
    table = paired_differences(done, factor, baseline, added, stat="", by=by)
    wide = table.pivot_table(index=[*by, factor], columns="outcome", values="diff").reset_index()
    wide["added_total"] = wide[list(added)].sum(axis=1)
    for g in GROUPS:
        wide[f"share_{g}"] = wide[f"added_{g}"] / wide["added_total"]
    return wide


def _interval(d: np.ndarray, level: float) -> dict:
    n = len(d)
    mean = float(d.mean()) if n else np.nan
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    sign = "+" if mean - half > 0 else "-" if mean + half < 0 else "0"
    return {
        "diff": mean,
        "ci_low": mean - half,
        "ci_high": mean + half,
        "pairs": n,
        "sign": sign if n > 1 else "?",
    }


def robustness(
    runs: pd.DataFrame,
    factor: str = "governance",
    baseline: str = "fragmented",
    alternative: str = "structure",
    default: str = "default",
    outcomes=KEY_OUTCOMES,
    stat: str = "late_mean",
) -> pd.DataFrame:
    """Which conclusions keep their sign across structural alternatives: for every condition and
    outcome, the sign of its paired difference against the baseline under the default structure
    and under each alternative, and the alternatives under which the sign differs."""
    table = paired_differences(runs, factor, baseline, outcomes, stat, by=(alternative,))
    signs = table.pivot_table(index=[factor, "outcome"], columns=alternative, values="sign", aggfunc="first")
    others = [c for c in signs.columns if c != default]
    signs["changes_under"] = [
        ", ".join(c for c in others if row[c] != row[default]) for _, row in signs.iterrows()
    ]
    signs["keeps_sign"] = signs["changes_under"] == ""
    return signs.reset_index()


def robustness_markdown(signs: pd.DataFrame, factor: str = "governance", default: str = "default") -> str:
    lines = [
        "# Structural robustness",
        "",
        f"Sign of each {factor}'s paired difference against the baseline (late means, t interval over "
        "seeds: + or - when the 95% interval excludes 0, otherwise 0), under the default structure and "
        "under each structural alternative (docs/ODD.md 9.1).",
        "",
    ]
    kept = int(signs["keeps_sign"].sum())
    lines += [f"{kept} of {len(signs)} conclusions keep their sign under every alternative.", ""]
    cols = [factor, "outcome", default, "changes_under"]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + " --- |" * len(cols))
    for _, row in signs.iterrows():
        lines.append("| " + " | ".join(str(row[c]) or "none" for c in cols) + " |")
    return "\n".join(lines) + "\n"


def _against(text: str) -> tuple[str, str]:
    """``FACTOR=BASELINE`` as the runs table writes the condition: the value parsed as Hydra parses the
    sweep's own override, so a list-valued baseline (``governance.mechanisms=[a,b]``) matches."""
    from hydra.errors import OverrideParseException

    from sim.overrides import parse, parse_error_message

    try:
        override = parse([text])[0]
    except OverrideParseException as err:
        refuse(f"--against: {parse_error_message(err)}", ARGUMENT_ERROR)
    if override.value_type is None or override.is_sweep_override():
        refuse(
            f"--against: got {text!r}, allowed: FACTOR=BASELINE, one value of a swept factor", ARGUMENT_ERROR
        )
    return override.key_or_group, str(override.value())


def main() -> None:
    from sim.sweep.aggregate import RUNS_FILE, check_sweep_dir

    parser = tool_parser(
        "python -m sim.sweep.paired",
        __doc__.splitlines()[0],
        [
            ("python -m sim.sweep.paired SWEEP_DIR", "each mode against the fragmented baseline"),
            (
                "python -m sim.sweep.paired SWEEP_DIR --against sinking=none --stat year1",
                "each sinking policy against none, on the first year's means",
            ),
        ],
    )
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument(
        "--against", default="governance=fragmented", help="FACTOR=BASELINE (default: %(default)s)"
    )
    parser.add_argument("--stat", default="late_mean", choices=list(STATS))
    parser.add_argument(
        "--outcomes",
        default=",".join(KEY_OUTCOMES),
        help="comma-separated outcomes of sim/outcomes.py (default: the headline set, %(default)s)",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="also split each participation effect by group: participants added by members, workers "
        "and residents (writes split_STAT.parquet)",
    )
    args = parser.parse_args()
    chosen = tuple(o for o in args.outcomes.split(",") if o)
    unknown = outcomes.unknown(chosen)
    if unknown or not chosen:
        refuse(
            f"--outcomes: got {unknown[0] if unknown else args.outcomes!r}, "
            f"allowed: outcomes of sim/outcomes.py ({', '.join(outcomes.OUTCOMES)})",
            ARGUMENT_ERROR,
        )
    sweep_dir = check_sweep_dir(args.sweep_dir)
    factor, baseline = _against(args.against)
    runs = pd.read_parquet(sweep_dir / RUNS_FILE)
    if factor not in runs.columns or str(baseline) not in set(runs[factor].astype(str)):
        refuse(f"--against: {factor}={baseline} is not a swept condition of {sweep_dir}", ARGUMENT_ERROR)
    by = tuple(
        c
        for c in ("scenario", "governance", "structure", "sinking", "intervention")
        if c in runs.columns and c != factor and runs[c].nunique() > 1
    )
    table = paired_differences(runs, factor, baseline, chosen, stat=args.stat, by=by)
    write_parquet(sweep_dir / PAIRED_FILE.format(stat=args.stat), table)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    if args.split:
        split = participation_split(runs, factor, baseline, args.stat, by)
        write_parquet(sweep_dir / SPLIT_FILE.format(stat=args.stat), split)
        print(split.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if (
        "structure" in runs.columns
        and runs["structure"].nunique() > 1
        and "default" in set(runs["structure"])
    ):
        signs = robustness(runs, factor, baseline, outcomes=chosen)
        write_text(sweep_dir / ROBUSTNESS_FILE, robustness_markdown(signs))
        print(f"robustness: {sweep_dir / ROBUSTNESS_FILE}")


if __name__ == "__main__":
    main()
