"""A sweep's jobs as joblib tasks, a batch each (see :mod:`hydra_plugins.sim_launcher.joblib_launcher`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, setup_globals
from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
from joblib import Parallel, delayed, effective_n_jobs

from hydra_plugins.sim_launcher._jobs import batches, run_batch

log = logging.getLogger(__name__)


def launch(launcher: Any, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> list[JobReturn]:
    config = launcher.config
    setup_globals()
    configure_log(config.hydra.hydra_logging, config.hydra.verbose)
    Path(str(config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
    joblib_cfg = {**launcher.joblib, "backend": "loky"}  # as Hydra's: its threads cannot run Hydra jobs
    process_joblib_cfg(joblib_cfg)
    shared = (launcher.hydra_context, config, launcher.task_function, Singleton.get_state())
    jobs = [(initial_job_idx + i, list(o)) for i, o in enumerate(job_overrides)]
    plan = batches(jobs, effective_n_jobs(joblib_cfg.get("n_jobs")))
    log.info(f"joblib: {len(jobs)} jobs in {len(plan)} tasks, sweep output dir: {config.hydra.sweep.dir}")
    done = Parallel(**joblib_cfg)(delayed(run_batch)(shared, batch) for batch in plan)
    return [job for batch in done for job in batch]
