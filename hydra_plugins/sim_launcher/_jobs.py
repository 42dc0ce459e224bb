"""A sweep's jobs in batches, one batch per worker task, for the project's launchers (basic, joblib, Ray).

A task of Hydra's launchers is one job and carries its own copy of the Hydra context, the config and
Hydra's global state, pickled in the launching process one job after another (~50 ms a job), and
each job returns its configs to it. With a model run of ~1 s that serial work in one process caps
the speed-up of a parallel sweep. Here a task runs a batch of jobs, composes their configs on the
worker (through the sweeper's caching loader) and returns only each job's status, overrides and
return value; the run directories are exactly Hydra's.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, run_job, setup_globals
from omegaconf import open_dict

MAX_BATCH = 16  # jobs per task: enough to spread the per-task cost, small enough to balance the load

Job = tuple[int, list[str]]


def prepare(launcher: Any, job_overrides: Sequence[Sequence[str]], first: int) -> tuple[tuple, list[Job]]:
    """What a launcher does first, as Hydra's do (globals, the sweep's logging and directory); then
    the state every job needs, to hand to :func:`run_batch`, and the jobs numbered from ``first``."""
    config = launcher.config
    setup_globals()
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    Path(str(config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
    state = (os.getpid(), Singleton.get_state())
    shared = (launcher.hydra_context, config, launcher.task_function, state)
    return shared, [(first + i, list(o)) for i, o in enumerate(job_overrides)]


def batches(jobs: Sequence[Job], workers: float) -> list[list[Job]]:
    """Guided self-scheduling (Polychronopoulos & Kuck 1987): each batch takes the remaining jobs
    over twice the workers (at most ``MAX_BATCH``), so the first batches spread the per-task cost over
    many jobs and the last ones, single jobs, let every worker finish at about the same time."""
    plan, start = [], 0
    while start < len(jobs):
        size = max(1, min(MAX_BATCH, math.ceil((len(jobs) - start) / (2 * max(workers, 1)))))
        plan.append(list(jobs[start : start + size]))
        start += size
    return plan


def run_batch(shared: tuple, jobs: list[Job]) -> list[JobReturn]:
    """Run a batch of jobs on a worker, each as Hydra's launchers run one."""
    hydra_context, config, task_function, (launching, singleton_state) = shared
    setup_globals()
    if os.getpid() != launching:  # a worker: Hydra's state as the launching process has it
        # (there, setting it again would scan the plugins anew, and lose what they have cached)
        Singleton.set_state(singleton_state)
    returns = []
    for idx, overrides in jobs:
        sweep_config = hydra_context.config_loader.load_sweep_config(config, overrides)
        with open_dict(sweep_config):
            sweep_config.hydra.job.id = f"job_id_for_{idx}"
            sweep_config.hydra.job.num = idx
        ret = run_job(  # which sets Hydra's global config for the job, as Hydra's basic launcher relies on
            hydra_context=hydra_context,
            task_function=task_function,
            config=sweep_config,
            job_dir_key="hydra.sweep.dir",
            job_subdir_key="hydra.sweep.subdir",
        )
        ret.cfg = ret.hydra_cfg = None  # the launching process needs a job's status, not its configs
        returns.append(ret)
    return returns
