"""What the studies' config blocks share (研究配置): factors (uncertainties and levers), samplers, files of
draws and the statistic of a run they read. Data only: imports nothing of the package but the schema
machinery of :mod:`sim.config`; the checks that need the model are in each study's ``plan``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from omegaconf import MISSING

from sim.config import ensure

STATS = ("late_mean", "year1", "final")  # a run's outcome: mean of the last 26 weeks, of weeks 1-52, last
SAMPLERS = ("lhs", "sobol")
# how a study runs and where it writes, not what it computes: a study resumes on another launcher or
# after its directory moved
RELOCATABLE = ("launcher", "output")


def resumable_identity(block: Any) -> dict:
    """What a study block computes, so what its directory records (all but RELOCATABLE)."""
    return {k: v for k, v in asdict(block).items() if k not in RELOCATABLE}


def check_not_set(overrides: list[str], key: str, set_by_block: tuple[str, ...], allowed: str) -> None:
    """Model overrides may not set what the study's block sets for every evaluation."""
    for i, item in enumerate(overrides):
        ensure(item.split("=")[0].lstrip("+~") not in set_by_block, f"{key}.{i}", allowed, item)


@dataclass
class FactorConfig:
    """An uncertainty or lever: a dotted config key with a range (``low``, ``high``: a real number) or
    ``values`` (one of them; for a key holding a list, any subset)."""

    name: str = ""
    low: float | None = None
    high: float | None = None
    values: list[Any] | None = None


@dataclass
class SamplerConfig:
    """A seeded design over the unit cube: a Latin hypercube or a scrambled Sobol' sequence of ``n``."""

    method: str = "lhs"
    n: int = MISSING
    seed: int = 0


@dataclass
class DrawsConfig:
    """Uncertainty values from a Parquet file of draws (a calibration's posterior, say)."""

    file: str = ""


def check_sampler(sampler: SamplerConfig, key: str) -> None:
    ensure(sampler.method in SAMPLERS, f"{key}.method", f"one of {list(SAMPLERS)}", sampler.method)


def check_stat(stat: str, key: str) -> None:
    ensure(stat in STATS, key, f"one of {list(STATS)} (late_mean: the mean of the last 26 weeks)", stat)


def check_model(overrides: list[str], key: str, launcher_key: str) -> None:
    """Model overrides for every evaluation: not Hydra's own, which go to the launcher."""
    for i, item in enumerate(overrides):
        ensure(
            not item.lstrip("+~").startswith("hydra"),
            f"{key}.{i}",
            f"a model override (launcher overrides go in {launcher_key})",
            item,
        )


def check_launcher(overrides: list[str], key: str) -> None:
    for i, item in enumerate(overrides):
        ensure(
            item.lstrip("+~").startswith(("hydra/", "hydra.")),
            f"{key}.{i}",
            "a Hydra launcher override (hydra/launcher=... or hydra.launcher.*)",
            item,
        )


def check_directory(path: str | None, key: str) -> None:
    ensure(path is None or bool(path.strip()), key, "a directory path", path)
