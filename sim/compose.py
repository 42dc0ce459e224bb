"""The one Hydra composition of ``configs/`` (组合配置) outside a running Hydra application: a run's
config, a study's block, the run directory a command line names, the keys a suggestion lists.

Hydra's compose API needs its global state initialised for the call. Inside a running Hydra
application (a sweep's job composing a model by name) that state belongs to the application: it is
kept and put back afterwards, so the job's own config and Hydra's view of it are left as they were.
"""

from __future__ import annotations

from collections.abc import Sequence

from omegaconf import DictConfig

from sim.config import CONFIG_DIR


def compose(overrides: Sequence[str] = (), hydra: bool = False) -> DictConfig:
    """``configs/config.yaml`` composed with ``overrides`` (``hydra``: with Hydra's own node, which
    holds the launcher and the run and sweep directories). Hydra's errors are raised as they are."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    # Hydra's context restores a copy of the global instance, so the running one is looked up again
    running = GlobalHydra.instance().hydra if GlobalHydra.instance().is_initialized() else None
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            return hydra_compose("config", overrides=list(overrides), return_hydra_config=hydra)
    finally:
        GlobalHydra.instance().clear()
        if running is not None:
            GlobalHydra.instance().initialize(running)
