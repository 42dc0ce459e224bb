"""One run: build the model from a validated config, step it, return its outcome table."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sim.config import RunConfig
from sim.model import VerticalCommunityModel


def population(run_cfg: RunConfig) -> dict[str, int]:
    """People of each kind the scenario holds (fixed for a run: turnover replaces staff one for
    one), so that a sweep can turn a group's participation rate into participants."""
    buildings = [b for s in run_cfg.scenario.subdistricts.values() for z in s.zones for b in z.buildings]
    areas = [a for s in run_cfg.scenario.subdistricts.values() for z in s.zones for a in z.residential_areas]
    return {
        "people_member": sum(b.members for b in buildings),
        "people_worker": sum(b.workers for b in buildings),
        "people_resident": sum(a.residents for a in areas),
    }


def key_parameters(run_cfg: RunConfig) -> dict[str, object]:
    return {
        "scenario": run_cfg.scenario.name,
        "governance": run_cfg.governance.name,
        "sinking": run_cfg.sinking.policy,
        "structure": run_cfg.structure.name,
        "intervention": run_cfg.intervention.kind if run_cfg.intervention else "none",
        "share": run_cfg.sinking.share,
        "depth": run_cfg.sinking.depth,
        "seed": run_cfg.seed,
        "steps": run_cfg.steps,
        **population(run_cfg),
    }


def snapshot(model: VerticalCommunityModel) -> dict[str, pd.DataFrame]:
    """Per-person and per-enterprise state now, one row each (for outputs.agent_snapshots)."""
    p, f = model.people, model.firms
    people = pd.DataFrame(
        {
            "step": model.steps,
            "kind": p.kind,
            "site": p.site,
            "firm": p.firm,
            "threshold": p.threshold,
            "active": p.active,
            "last_active": p.last_active,
            "demand": p.demand,
            "served": p.served,
            "belonging": p.belonging,
            "attached": p.attached,
        }
    )
    firms = pd.DataFrame(
        {
            "step": model.steps,
            "site": f.site,
            "workers": f.workers,
            "members": f.members,
            "org": f.org,
            "strategy": f.strategy,
            "payoff": f.payoff,
            "satisfaction": f.satisfaction,
        }
    )
    return {"people": people.rename_axis("id").reset_index(), "firms": firms.rename_axis("id").reset_index()}


def run(
    run_cfg: RunConfig,
    on_snapshot: Callable[[int, dict[str, pd.DataFrame]], None] | None = None,
) -> tuple[VerticalCommunityModel, pd.DataFrame]:
    """Run the model for ``run_cfg.steps`` weeks; one row per step (0 is the initial state).

    Per-agent state is collected only at the steps in ``outputs.agent_snapshots`` and handed to
    ``on_snapshot`` one step at a time, so a million-person run never holds more than one.
    """
    model = VerticalCommunityModel(config=run_cfg, agent_views="none")
    wanted = set(run_cfg.outputs.agent_snapshots)
    for step in range(run_cfg.steps + 1):
        if step:
            model.step()
        if step in wanted and on_snapshot is not None:
            on_snapshot(step, snapshot(model))
    table = model.datacollector.get_model_vars_dataframe().reset_index(names="step")
    for key, value in key_parameters(run_cfg).items():
        table[key] = value
    return model, table
