"""Hydra's basic sweeper, validating a few jobs instead of every job, and handing its launcher a
config loader that composes each distinct set of group choices once
(:mod:`hydra_plugins.sim_sweeper.compose`).

Before launching, Hydra composes every job's config in the main process to catch composition
errors early; for a 1,250-run grid that is over a minute of serial work, which also caps the
parallel speed-up of a sweep. Composition errors come from single overrides: a group option that
does not exist, or a key that does not; the value given to a key matters only by its shape (a
mapping cannot replace a number). So composing one job for each distinct group choice or hydra
override, and for each distinct key and shape of value, catches them all; each job still composes
and validates its own config when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cache

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
        is_group = cache(self.hydra_context.config_loader.repository.group_exists)
        seen: set[tuple[str, str]] = set()
        sample = []
        for overrides in batch:
            kinds = {_kind(line, is_group) for line in overrides}
            if not kinds <= seen:
                sample.append(overrides)
                seen |= kinds
        super().validate_batch_is_legal(sample)


def _kind(line: str, is_group: Callable[[str], bool]) -> tuple[str, str]:
    """What composing an override line can depend on: the whole line for a group choice, a hydra or a
    delete override; the key (with its ``+``: adding a key composes unlike setting one) and the shape
    of the value for a value override, so the rows of a design (``+design.sample=N``) are one kind."""
    key, _, value = line.partition("=")
    name = key.lstrip("+")
    if name.startswith(("hydra", "~")) or "@" in key or is_group(name):
        return line, ""
    return key, value[:1] if value[:1] in ("[", "{") else "scalar"
