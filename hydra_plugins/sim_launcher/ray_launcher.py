"""Hydra's Ray launcher, sending a sweep's jobs to the cluster in batches.

Hydra's Ray launcher composes every job's config in the launching process and sends each job as a
Ray task with its own copy of the shared state, and keeps every job's configs in memory when they
return: at 10,000 runs, minutes of serial work in one process and gigabytes of configs. Here the
shared state is put in Ray's object store once and each task runs a batch of jobs
(:mod:`hydra_plugins.sim_launcher._jobs`).

Ray is imported only when a sweep launches (:mod:`._ray`): Hydra imports this module at every start.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher

try:
    from hydra_plugins.hydra_ray_launcher.ray_launcher import RayLauncher as HydraRayLauncher
except ImportError:  # no cluster extra: Hydra imports this module at every start, so no warning then
    HydraRayLauncher = None


if HydraRayLauncher is None:

    class RayLauncher(Launcher):
        """Asked for without the cluster extra: one line saying what to install, exit status 2."""

        def __init__(self, **_: object) -> None:
            from sim.exits import refuse

            refuse("hydra/launcher: got 'ray', which needs the cluster extra (pip install -e '.[cluster]')")

        def setup(self, **_: object) -> None: ...

        def launch(self, *_: object) -> Sequence[JobReturn]: ...

else:

    class RayLauncher(HydraRayLauncher):
        def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
            from hydra_plugins.sim_launcher import _ray

            return _ray.launch(self, job_overrides, initial_job_idx)
