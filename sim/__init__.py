"""Vertical-community governance simulation (立体社区治理仿真).

Public API: :class:`VerticalCommunityModel` (a standard Mesa model), :func:`run` (one run from a
validated config), :func:`run_sweep` and :func:`load_sweep` (sweeps, :mod:`sim.sweep.api`).

Both are imported on first use (PEP 562), so that light modules such as ``sim.sweep.progress``
do not load Mesa, pandas and scipy with the package.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.model import VerticalCommunityModel
    from sim.run import run
    from sim.sweep.api import load_sweep, run_sweep

__all__ = ["VerticalCommunityModel", "load_sweep", "run", "run_sweep"]

_PUBLIC = {
    "VerticalCommunityModel": "sim.model",
    "run": "sim.run",
    "load_sweep": "sim.sweep.api",
    "run_sweep": "sim.sweep.api",
}


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(import_module(_PUBLIC[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_PUBLIC])


class _Package(ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # importing the submodule sim.run binds it to the package as ``run``, which would hide the
        # function of that name; the package keeps the function, as an eager import did
        if name in _PUBLIC and isinstance(value, ModuleType) and value.__name__ == _PUBLIC[name]:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
