"""Each distinct config composed once: a job's config from a cached composition of its config-group
choices, with its value overrides applied on a copy.

Hydra composes every job from scratch (reading and merging the whole config tree, ~0.13 s), although
the jobs of a sweep mostly differ only in values (``seed=3``, ``sinking.share=0.4``). Hydra itself
applies value overrides after composing the defaults list, and a defaults list depends only on group
choices, never on values; so composing the group choices (and any ``hydra.*`` overrides) once per
process and applying a job's value overrides to a copy gives the config Hydra would, in ~0.01 s.
``tests/test_sweep_compose.py`` checks that it is identical, key for key, to Hydra's own.

The sweeper installs :class:`CachingConfigLoader` in the Hydra context it hands to the launcher, so
every launcher (basic, joblib, Ray, submitit) composes through it, in the driver or in its workers;
the cache lives in each process (a pickled loader starts with it empty and fills it there).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

MAX_CACHED = 64  # distinct group choices kept per process; a composed config is ~100 KB
_BASES: OrderedDict[tuple, DictConfig] = OrderedDict()


class CachingConfigLoader:
    """A Hydra config loader whose ``load_sweep_config`` reuses compositions; the rest is delegated."""

    def __init__(self, loader: Any) -> None:
        self._loader = loader

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_loader":  # unpickling looks these up before __dict__ is set
            raise AttributeError(name)
        return getattr(self._loader, name)

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        if master_config.hydra.searchpath:  # a group may then live in a path only Hydra's compose adds
            return self._loader.load_sweep_config(master_config, sweep_overrides)
        hydra_overrides = list(OmegaConf.to_container(master_config.hydra.overrides.hydra))
        parsed = OverridesParser.create().parse_overrides(hydra_overrides + list(sweep_overrides))
        self._loader.validate_sweep_overrides_legal(overrides=parsed, run_mode=RunMode.RUN, from_shell=True)
        values = [o for o in parsed if self._is_value(o)]
        base = self._base(
            master_config.hydra.job.config_name, [o.input_line for o in parsed if not self._is_value(o)]
        )
        cfg = copy.deepcopy(base)
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        app = [o for o in parsed if not o.is_hydra_override()]
        dirname = cfg.hydra.job.config.override_dirname
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in app]
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=app,
                kv_sep=dirname.kv_sep,
                item_sep=dirname.item_sep,
                exclude_keys=dirname.exclude_keys,
            )
        OmegaConf.copy_cache(from_config=master_config, to_config=cfg)
        return cfg

    def _is_value(self, override: Override) -> bool:
        """A value override of the task's config, applied after composition (as Hydra applies it)."""
        if override.is_hydra_override():
            return False
        return isinstance(override.value(), dict) or not self._loader.repository.group_exists(
            override.key_or_group
        )

    def _base(self, config_name: str | None, overrides: Sequence[str]) -> DictConfig:
        key = (config_name, tuple(overrides))
        if key in _BASES:
            _BASES.move_to_end(key)
        else:
            _BASES[key] = self._loader.load_configuration(
                config_name=config_name, overrides=list(overrides), run_mode=RunMode.RUN
            )
            if len(_BASES) > MAX_CACHED:
                _BASES.popitem(last=False)
        return _BASES[key]
