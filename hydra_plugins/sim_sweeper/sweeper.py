"""Hydra's basic sweeper, validating one job per distinct override instead of every job, and handing
its launcher a config loader that composes each distinct set of group choices once
(:mod:`hydra_plugins.sim_sweeper.compose`).

Before launching, Hydra composes every job's config in the main process to catch composition
errors early; for a 1,250-run grid that is over a minute of serial work, which also caps the
parallel speed-up of a sweep. Composition errors come from single overrides (a bad key, group
option or value), so composing one job for each distinct override catches them all; each job
still composes and validates its own config when it runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper as HydraBasicSweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig

from hydra_plugins.sim_sweeper.compose import CachingConfigLoader


class BasicSweeper(HydraBasicSweeper):
    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        loader = CachingConfigLoader(hydra_context.config_loader)
        super().setup(
            hydra_context=replace(hydra_context, config_loader=loader),
            task_function=task_function,
            config=config,
        )

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        seen: set[str] = set()
        sample = []
        for overrides in batch:
            new = set(overrides) - seen
            if new:
                sample.append(overrides)
                seen |= new
        super().validate_batch_is_legal(sample)
