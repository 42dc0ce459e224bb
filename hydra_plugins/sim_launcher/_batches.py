"""Batches of a sweep's jobs as Ray tasks (see :mod:`hydra_plugins.sim_launcher.ray_launcher`)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ray
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, run_job, setup_globals
from hydra_plugins.hydra_ray_launcher._launcher_util import start_ray
from omegaconf import OmegaConf, open_dict

log = logging.getLogger(__name__)
MAX_BATCH = 16  # jobs per task: enough to spread the per-task cost, small enough to balance the load


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
    size = batch_size(len(jobs), ray.cluster_resources().get("CPU", 1))
    log.info(f"Ray: {len(jobs)} jobs in tasks of {size}, sweep output dir: {config.hydra.sweep.dir}")
    refs = [task.remote(shared, jobs[i : i + size]) for i in range(0, len(jobs), size)]
    return [job for batch in ray.get(refs) for job in batch]


def batch_size(jobs: int, cpus: float) -> int:
    """Jobs per task: at least two tasks per CPU, so that the cluster stays busy to the end."""
    return max(1, min(MAX_BATCH, math.ceil(jobs / (2 * max(cpus, 1)))))


def run_batch(shared: tuple, jobs: list[tuple[int, list[str]]]) -> list[JobReturn]:
    """Run a batch of jobs on a Ray worker, each as Hydra's Ray launcher runs one."""
    hydra_context, config, task_function, singleton_state = shared
    setup_globals()
    Singleton.set_state(singleton_state)
    returns = []
    for idx, overrides in jobs:
        sweep_config = hydra_context.config_loader.load_sweep_config(config, overrides)
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = f"job_id_for_{idx}"
            sweep_config.hydra.job.num = idx
        HydraConfig.instance().set_config(sweep_config)
        ret = run_job(
            hydra_context=hydra_context,
            task_function=task_function,
            config=sweep_config,
            job_dir_key="hydra.sweep.dir",
            job_subdir_key="hydra.sweep.subdir",
        )
        ret.cfg = ret.hydra_cfg = None  # the launching process needs a job's status, not its configs
        returns.append(ret)
    return returns
