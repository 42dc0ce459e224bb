"""A sweep's jobs as Ray tasks, a batch each (see :mod:`hydra_plugins.sim_launcher.ray_launcher`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import ray
from hydra.core.utils import JobReturn
from hydra_plugins.hydra_ray_launcher._launcher_util import start_ray
from omegaconf import OmegaConf

from hydra_plugins.sim_launcher._jobs import batches, prepare, run_batch

log = logging.getLogger(__name__)


def launch(launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[JobReturn]:
    shared, jobs = prepare(launcher, job_overrides, initial_job_idx)
    start_ray(launcher.ray_cfg.init)
    shared = ray.put(shared)  # once, for every task
    options = OmegaConf.to_container(launcher.ray_cfg.remote, resolve=True)
    task = ray.remote(**options)(run_batch) if options else ray.remote(run_batch)
    plan = batches(jobs, ray.cluster_resources().get("CPU", 1))
    log.info(
        f"Ray: {len(jobs)} jobs in {len(plan)} tasks, sweep output dir: {launcher.config.hydra.sweep.dir}"
    )
    refs = [task.remote(shared, batch) for batch in plan]
    return [job for batch in ray.get(refs) for job in batch]
