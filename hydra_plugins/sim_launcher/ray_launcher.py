"""Hydra's Ray launcher, sending a sweep's jobs to the cluster in batches.

Hydra's Ray launcher composes every job's config in the launching process and sends each job as a
Ray task with its own copy of the Hydra context, the config and Hydra's global state (~50 ms of
pickling a job, done one job after another), and keeps every job's configs in memory when they
return. At 10,000 runs that is minutes of serial work in one process and gigabytes of configs.
Here the shared state is put in Ray's object store once, each task runs a batch of jobs and composes
their configs on the worker (through the sweeper's caching loader), and a job returns only its
status, overrides and return value; the run directories are exactly Hydra's.

Ray is imported only when a sweep launches (:mod:`._batches`): Hydra imports this module at every start.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_ray_launcher.ray_launcher import RayLauncher as HydraRayLauncher


class RayLauncher(HydraRayLauncher):
    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from hydra_plugins.sim_launcher import _batches

        return _batches.launch(self, job_overrides, initial_job_idx)
