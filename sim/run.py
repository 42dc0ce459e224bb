"""One run: build the model from a validated config, step it, return its outcome table."""

from __future__ import annotations

import pandas as pd

from sim.config import RunConfig
from sim.model import VerticalCommunityModel

KEY_PARAMETERS = ("scenario", "governance", "sinking", "share", "depth", "seed", "steps")


def key_parameters(run_cfg: RunConfig) -> dict[str, object]:
    return {
        "scenario": run_cfg.scenario.name,
        "governance": run_cfg.governance.name,
        "sinking": run_cfg.sinking.policy,
        "share": run_cfg.sinking.share,
        "depth": run_cfg.sinking.depth,
        "seed": run_cfg.seed,
        "steps": run_cfg.steps,
    }


def run(run_cfg: RunConfig) -> tuple[VerticalCommunityModel, pd.DataFrame]:
    """Run the model for ``run_cfg.steps`` weeks; one row per step (0 is the initial state)."""
    model = VerticalCommunityModel(config=run_cfg, agent_views="none")
    model.run()
    table = model.datacollector.get_model_vars_dataframe().reset_index(names="step")
    for key, value in key_parameters(run_cfg).items():
        table[key] = value
    return model, table
