"""A sweep's jobs as Ray tasks, a batch each (see :mod:`hydra_plugins.sim_launcher.ray_launcher`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ray
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, setup_globals
from hydra_plugins.hydra_ray_launcher._launcher_util import start_ray
from omegaconf import OmegaConf

from hydra_plugins.sim_launcher._jobs import batches, run_batch

log = logging.getLogger(__name__)


def launch(launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[JobReturn]:
    config = launcher.config
    setup_globals()
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    Path(str(config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
    start_ray(launcher.ray_cfg.init)
    shared = ray.put((launcher.hydra_context, config, launcher.task_function, Singleton.get_state()))
    options = OmegaConf.to_container(launcher.ray_cfg.remote, resolve=True)
    task = ray.remote(**options)(run_batch) if options else ray.remote(run_batch)
    jobs = [(initial_job_idx + i, list(o)) for i, o in enumerate(job_overrides)]
    plan = batches(jobs, ray.cluster_resources().get("CPU", 1))
    log.info(f"Ray: {len(jobs)} jobs in {len(plan)} tasks, sweep output dir: {config.hydra.sweep.dir}")
    refs = [task.remote(shared, batch) for batch in plan]
    return [job for batch in ray.get(refs) for job in batch]
