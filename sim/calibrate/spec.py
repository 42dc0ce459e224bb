"""A calibration's specification (校准设定): the ``calibration:`` block of a composed config, checked.

Every problem is one :class:`sim.config.ConfigError` line naming the key and what is allowed, raised
before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from sim.config import ConfigError
from sim.targets import Target, load_targets

PRIORS = ("uniform", "loguniform")
DISTANCES = ("max", "euclidean")
# how the batches run, not what they compute: left out of the spec's hash, so a calibration can be
# resumed on another launcher or into a moved directory
NOT_HASHED = ("launcher", "output")


@dataclass(frozen=True)
class Parameter:
    name: str  # a dotted config key, e.g. behaviour.participation.availability
    prior: str  # uniform or loguniform, over [low, high]
    low: float
    high: float


@dataclass(frozen=True)
class Spec:
    name: str
    targets: str  # a file of configs/targets/ or the path of a target YAML file
    parameters: tuple[Parameter, ...]
    distance: str = "max"
    population: int = 40
    batch: int = 80
    generations: int = 4
    max_batches: int = 4
    quantile: float = 0.5
    min_epsilon: float = 1.0
    seeds: tuple[int, ...] = (0,)
    sampler_seed: int = 0
    posterior_draws: int = 20
    ppc_seeds: tuple[int, ...] = (100,)
    overrides: tuple[str, ...] = ()
    launcher: tuple[str, ...] = ()
    output: str = ""

    def digest(self) -> str:
        data = {k: v for k, v in asdict(self).items() if k not in NOT_HASHED}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def _fail(key: str, allowed: str, value: Any) -> None:
    raise ConfigError(f"calibration.{key}: got {value!r}, allowed: {allowed}")


def _int(data: dict, key: str, low: int, high: int = 10**6) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        _fail(key, f"an integer in [{low}, {high:,}]", value)
    return value


def _float(data: dict, key: str, low: float, high: float, open_low: bool = False) -> float:
    value = data[key]
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (low < value if open_low else low <= value) or value > high:
        _fail(key, f"a number in {'(' if open_low else '['}{low:g}, {high:g}]", value)
    return float(value)


def _texts(data: dict, key: str) -> tuple[str, ...]:
    value = data[key]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        _fail(key, "a list of override strings", value)
    return tuple(value)


def _seeds(data: dict, key: str) -> tuple[int, ...]:
    value = data[key]
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 2**63 for v in value)
        or len(set(value)) != len(value)
    ):
        _fail(key, "a list of distinct seeds, integers in [0, 2^63 - 1]", value)
    return tuple(value)


def _parameter(i: int, item: Any) -> Parameter:
    key = f"parameters[{i}]"
    fields = ("name", "prior", "low", "high")
    if not isinstance(item, dict) or set(item) - set(fields) or not {"name", "low", "high"} <= set(item):
        _fail(key, "a mapping {name, prior, low, high} (prior optional: uniform)", item)
    name, prior = item["name"], item.get("prior", "uniform")
    if not isinstance(name, str) or not name:
        _fail(f"{key}.name", "a dotted config key", name)
    if prior not in PRIORS:
        _fail(f"{key}.prior", f"one of {list(PRIORS)}", prior)
    bounds = []
    for side in ("low", "high"):
        value = item[side]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            _fail(f"{key}.{side}", "a finite number", value)
        bounds.append(float(value))
    low, high = bounds
    if not low < high:
        _fail(f"{key}.high", f"a number > low = {low:g} (the prior's support must not be empty)", high)
    if prior == "loguniform" and low <= 0:
        _fail(f"{key}.low", "a number > 0 for a loguniform prior", low)
    return Parameter(name, prior, low, high)


def parse(block: dict, default_name: str) -> Spec:
    """The checked :class:`Spec` of a ``calibration:`` block (a plain dict)."""
    known = {f for f in Spec.__dataclass_fields__}
    unknown = sorted(set(block) - known, key=str)
    if unknown:
        _fail(unknown[0], f"keys from {sorted(known)}", block[unknown[0]])
    data = {**asdict(Spec("", "", ())), **{k: v for k, v in block.items() if v is not None}}
    name = data["name"] or default_name
    if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
        _fail("name", "a name of letters, digits, _ and -", name)
    if not isinstance(data["targets"], str) or not data["targets"]:
        _fail("targets", "the name of a target set or the path of a target YAML file", data["targets"])
    items = data["parameters"]
    if not isinstance(items, (list, tuple)) or not items:
        _fail("parameters", "a list of at least one {name, prior, low, high}", items)
    parameters = tuple(_parameter(i, item) for i, item in enumerate(items))
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        _fail("parameters", "each parameter at most once", names)
    if data["distance"] not in DISTANCES:
        _fail("distance", f"one of {list(DISTANCES)}", data["distance"])
    population = _int(data, "population", 2)
    spec = Spec(
        name=name,
        targets=data["targets"],
        parameters=parameters,
        distance=data["distance"],
        population=population,
        batch=_int(data, "batch", 1),
        generations=_int(data, "generations", 1, 1000),
        max_batches=_int(data, "max_batches", 1, 1000),
        quantile=_float(data, "quantile", 0.0, 1.0, open_low=True),
        min_epsilon=_float(data, "min_epsilon", 0.0, 1e12),
        seeds=_seeds(data, "seeds"),
        sampler_seed=_int(data, "sampler_seed", 0, 2**32 - 1),
        posterior_draws=_int(data, "posterior_draws", 1),
        ppc_seeds=_seeds(data, "ppc_seeds"),
        overrides=_texts(data, "overrides"),
        launcher=_texts(data, "launcher"),
        output=str(data["output"] or f"results/calibrations/{name}"),
    )
    check_overrides(spec)
    return spec


def check_overrides(spec: Spec) -> None:
    for i, override in enumerate(spec.launcher):
        if not override.startswith(("hydra/", "hydra.")):
            _fail(
                f"launcher[{i}]",
                "a Hydra launcher override (hydra/launcher=... or hydra.launcher.*)",
                override,
            )
    for i, override in enumerate(spec.overrides):
        if override.split("=")[0].lstrip("+~") in ("scenario", "seed") or override.startswith("hydra"):
            _fail(
                f"overrides[{i}]",
                "a model override other than scenario and seed (targets name the scenario, "
                "calibration.seeds the seeds; launcher overrides go in calibration.launcher)",
                override,
            )


def targets_of(spec: Spec) -> list[Target]:
    return load_targets(spec.targets, key="calibration.targets")
