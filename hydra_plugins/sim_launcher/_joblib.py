"""A sweep's jobs as joblib tasks, a batch each (see :mod:`hydra_plugins.sim_launcher.joblib_launcher`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
from joblib import Parallel, delayed, effective_n_jobs

from hydra_plugins.sim_launcher._jobs import batches, prepare, run_batch

log = logging.getLogger(__name__)


def launch(launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[JobReturn]:
    shared, jobs = prepare(launcher, job_overrides, initial_job_idx)
    joblib_cfg = {**launcher.joblib, "backend": "loky"}  # as Hydra's: its threads cannot run Hydra jobs
    process_joblib_cfg(joblib_cfg)
    plan = batches(jobs, effective_n_jobs(joblib_cfg.get("n_jobs")))
    log.info(
        f"joblib: {len(jobs)} jobs in {len(plan)} tasks, sweep output dir: {launcher.config.hydra.sweep.dir}"
    )
    done = Parallel(**joblib_cfg)(delayed(run_batch)(shared, batch) for batch in plan)
    return [job for batch in done for job in batch]
