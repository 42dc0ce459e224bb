"""Hydra's joblib launcher, sending a sweep's jobs to its worker processes in batches
(:mod:`hydra_plugins.sim_launcher._jobs` says why).

joblib is imported only when a sweep launches (:mod:`._joblib`): Hydra imports this module at every start.
"""

from __future__ import annotations

from collections.abc import Sequence

from hydra.core.utils import JobReturn
from hydra_plugins.hydra_joblib_launcher.joblib_launcher import JoblibLauncher as HydraJoblibLauncher


class JoblibLauncher(HydraJoblibLauncher):
    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        from hydra_plugins.sim_launcher import _joblib

        return _joblib.launch(self, job_overrides, initial_job_idx)
