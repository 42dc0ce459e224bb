"""A policy search's outputs (政策搜索报告): the Pareto set (pareto.parquet, pareto.csv and one YAML file
per member with its overrides, exact commands and run directories), a Pareto-front figure and
report.md.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt
import pandas as pd
import yaml

from sim import outcomes as outcome_table
from sim.results import atomic_write, write_parquet, write_text
from sim.study.factors import override
from sim.study.points import code_versions, command
from sim.sweep.figures import save

if TYPE_CHECKING:
    from sim.policy.search import Search

PARETO_FILE = "pareto.parquet"


def _levers(row: pd.Series, s: Search) -> dict:
    return {f.name: _plain(row[f"lever:{f.name}"]) for f in s.levers}


def _plain(value):
    if hasattr(value, "tolist"):  # numpy scalars and arrays (Parquet's lists) as plain Python
        return value.tolist()
    return value


def member_files(s: Search, front: pd.DataFrame, directory: Path) -> list[dict]:
    """One YAML file per Pareto member: lever values, overrides, objectives, every evaluation's command
    (scenario x seed) and run directory (for python -m sim.sweep.reproduce)."""
    members = []
    (directory / "pareto").mkdir(exist_ok=True)
    for _, row in front.iterrows():
        levers = _levers(row, s)
        commands = [
            command(s.study.model, {**levers, **{k: _plain(v) for k, v in scenario.items()}}, seed)
            for scenario in s.scenarios.to_dict("records")
            for seed in s.seeds
        ]
        member = {
            "trial": int(row["trial"]),
            "batch": int(row["batch"]),
            "levers": levers,
            "overrides": [override(k, v) for k, v in levers.items()],
            "objectives": {o: float(row[f"objective:{o}"]) for o in s.outcomes},
            "commands": commands,
            "runs": [str(r) for r in row["runs"]],
        }
        text = yaml.safe_dump(member, sort_keys=False, allow_unicode=True, width=1000)
        write_text(directory / "pareto" / f"trial_{member['trial']:04d}.yaml", text)
        members.append(member)
    return members


def figure_front(s: Search, table: pd.DataFrame, front: pd.DataFrame, out: Path) -> list[str]:
    """Every pair of objectives: all completed candidates, the Pareto set highlighted."""
    done = table[table["status"] == "completed"]
    pairs = list(combinations(s.outcomes, 2)) or [(s.outcomes[0], s.outcomes[0])]
    cols = min(3, len(pairs))
    rows = -(-len(pairs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.6 * rows), squeeze=False)
    for ax, (a, b) in zip(axes.flat, pairs):
        ax.scatter(
            done[f"objective:{a}"], done[f"objective:{b}"], s=12, color="lightgrey", label="candidates"
        )
        ax.scatter(
            front[f"objective:{a}"], front[f"objective:{b}"], s=22, color="tab:red", label="Pareto set"
        )
        ax.set(xlabel=_axis(s, a), ylabel=_axis(s, b))
    for ax in list(axes.flat)[len(pairs) :]:
        ax.set_visible(False)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        f"Pareto front ({s.measure} over {len(s.scenarios)} scenarios x {len(s.seeds)} seeds)", y=1.02
    )
    fig.tight_layout()
    return save(fig, out, "pareto_front")


def _cell(value):
    """A table cell: a subset (a list, or an array read back from Parquet) by its members."""
    if hasattr(value, "__len__") and not isinstance(value, str):
        return ", ".join(map(str, value)) or "none"
    return value


def _axis(s: Search, outcome: str) -> str:
    direction = dict(s.objectives)[outcome]
    return f"{outcome_table.label(outcome, unit=True)} ({'max' if direction == 'maximize' else 'min'})"


def write(
    s: Search, table: pd.DataFrame, front: pd.DataFrame, runs: pd.DataFrame, directory: Path
) -> tuple[str, list[dict]]:
    write_parquet(directory / PARETO_FILE, front)
    atomic_write(directory / "pareto.csv", lambda tmp: front.drop(columns="runs").to_csv(tmp, index=False))
    members = member_files(s, front, directory)
    out = directory / "figures"
    out.mkdir(exist_ok=True)
    figures = figure_front(s, table, front, out)
    failed = table[table["status"] != "completed"]
    measure = "mean" if s.measure == "mean" else f"{s.q:g}th percentile on the unfavourable side"
    lines = [
        f"# Policy search: {directory.name}\n",
        f"\n**Question.** {s.study.block.question or '(none given)'}\n",
        f"\nNSGA-II (Optuna NSGAIISampler, seed {s.seed}): {s.generations} generations of {s.population} "
        f"candidates = {len(table)} candidates, each over {len(s.scenarios)} uncertainty scenarios x "
        f"{len(s.seeds)} seeds {s.seeds} = {len(table) * len(s.scenarios) * len(s.seeds)} runs. "
        f"{len(failed)} candidates failed and were excluded.\n",
        f"\nCode that made the completed runs: {code_versions(runs)}.\n",
        f"\nModel overrides: `{' '.join(s.study.model)}`; launcher: "
        f"`{' '.join(s.study.launcher) or 'basic (serial)'}`. Levers: {', '.join(f.name for f in s.levers)}. "
        f"Uncertainties: {', '.join(f.name for f in s.uncertainties) or 'none'}.\n",
        f"\nObjectives ({s.stat} per run, mean over seeds per scenario, then the {measure} over scenarios): "
        + ", ".join(f"{d} {o}" for o, d in s.objectives)
        + ".\n",
        f"\n## Pareto set ({len(front)} members)\n\n",
    ]
    shown = front[["trial", *[f"lever:{f.name}" for f in s.levers], *[f"objective:{o}" for o in s.outcomes]]]
    shown = shown.map(_cell)
    lines.append(shown.to_markdown(index=False, floatfmt=".4f") + "\n")
    lines.append(
        "\nEach member's file `pareto/trial_NNNN.yaml` lists its overrides, the command of every evaluation "
        "(scenario x seed) and its run directories; `python -m sim.sweep.reproduce DIR/<run>` re-runs one "
        "and confirms it is identical. The first evaluation of each member:\n\n"
    )
    for member in members:
        lines.append(f"- trial {member['trial']}: `{member['commands'][0]}`\n")
    if len(failed):
        lines.append(
            "\n## Failed candidates\n\n" + failed[["trial", "batch", "error"]].to_markdown(index=False) + "\n"
        )
    lines.append(
        "\n## Figures\n\n" + "".join(f"![{Path(f).stem}]({f})\n" for f in figures if f.endswith(".png"))
    )
    lines.append("\nSVG versions sit beside each PNG in `figures/`. All candidates: `trials.parquet`.\n")
    path = directory / "report.md"
    write_text(path, "".join(lines))
    return str(path), members
