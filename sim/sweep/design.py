"""Sampling designs (抽样设计): SALib samples for sensitivity analysis (灵敏度分析: Latin hypercube,
Morris elementary effects and Sobol (Saltelli) samples over declared parameter ranges), and designs
read from a Parquet file of rows (``method: file``), which calibration, exploration and policy
search write so that their evaluations run as ordinary sweeps, through any launcher.

A design is data in the run config (``design:``); a sweep runs ``design.sample`` over its rows and
each run applies its row to the config before validation. A SALib design is regenerated from its own
seed, so every worker computes the same rows; the report analyses the outcomes with SALib. A file
design's columns are dotted config keys; a missing value (null) in a row leaves that key as
configured.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError

SALIB_METHODS = ("lhs", "morris", "sobol")


@lru_cache(maxsize=4)
def _read_rows(path: str, mtime_ns: int) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def file_rows(spec: dict) -> list[dict[str, Any]]:
    """The rows of a file design, as plain Python values (lists stay lists, null is None)."""
    path = Path(str(spec.get("file") or ""))
    try:
        return _read_rows(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError) as err:
        raise ConfigError(
            f"design.file: cannot read {str(path)!r} ({type(err).__name__}), "
            "allowed: a Parquet file of design rows"
        ) from None


def parameter_names(spec: dict | None) -> list[str]:
    """The config keys a design sets."""
    if not spec:
        return []
    if spec.get("method") == "file":
        rows = file_rows(spec)
        return list(rows[0]) if rows else []
    return [str(p.get("name", "")) for p in spec.get("parameters") or []]


def problem(spec: dict) -> dict:
    pars = spec["parameters"]
    return {
        "num_vars": len(pars),
        "names": [p["name"] for p in pars],
        "bounds": [[float(p["low"]), float(p["high"])] for p in pars],
    }


def matrix(spec: dict) -> np.ndarray:
    # SALib (and the scipy it loads) is imported here, not at the top: every run of every sweep
    # imports this module, and only design runs need SALib
    from SALib.sample import latin, sobol
    from SALib.sample import morris as morris_sample

    prob, n, seed = problem(spec), int(spec["n"]), int(spec.get("seed", 0))
    method = spec["method"]
    if method == "morris":
        return morris_sample.sample(prob, N=n, num_levels=int(spec.get("levels", 4)), seed=seed)
    if method == "sobol":
        return sobol.sample(prob, N=n, calc_second_order=False, seed=seed)
    return latin.sample(prob, N=n, seed=seed)


def design_size(spec: dict) -> int:
    if spec["method"] == "file":
        return len(file_rows(spec))
    k, n = len(spec["parameters"]), int(spec["n"])
    return {"morris": n * (k + 1), "sobol": n * (k + 2)}.get(spec["method"], n)


def apply_design(cfg: DictConfig) -> dict[str, float]:
    """Write this run's design row into the config; return the values applied."""
    spec = cfg.get("design")
    if spec is None:
        return {}
    spec = OmegaConf.to_container(spec, resolve=True)
    sample = spec.get("sample")
    size = design_size(spec)
    if not isinstance(sample, int) or not 0 <= sample < size:
        raise ConfigError(f"design.sample: got {sample!r}, allowed: an integer in [0, {size - 1}]")
    if spec["method"] == "file":
        return _apply_row(cfg, file_rows(spec)[sample])
    values = {}
    for par, value in zip(spec["parameters"], matrix(spec)[sample]):
        current = OmegaConf.select(cfg, par["name"])
        value = (
            int(round(value)) if isinstance(current, int) and not isinstance(current, bool) else float(value)
        )
        OmegaConf.update(cfg, par["name"], value, merge=False)
        values[par["name"]] = value
    return values


def _apply_row(cfg: DictConfig, row: dict[str, Any]) -> dict[str, Any]:
    missing = object()
    values = {}
    for key, value in row.items():
        current = OmegaConf.select(cfg, key, default=missing)
        if current is missing:
            raise ConfigError(
                f"design.file: column {key!r} is not a config key, allowed: dotted keys of the config"
            )
        if isinstance(current, DictConfig):
            raise ConfigError(
                f"design.file: column {key!r} is a config group, "
                f"allowed: its keys (e.g. {key}.{next(iter(current), 'name')})"
            )
        if value is None:
            continue
        OmegaConf.update(cfg, key, value, merge=False)
        values[key] = value
    return values


def analyse(spec: dict, outputs: np.ndarray) -> dict[str, Any]:
    """Sensitivity indices of one outcome: Morris mu*, sigma (with mu* CI), Sobol S1, ST (with CIs),
    or, for a Latin hypercube, Spearman rank correlations."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    prob = problem(spec)
    if spec["method"] == "morris":
        res = morris_analyze.analyze(
            prob,
            matrix(spec),
            outputs,
            num_levels=int(spec.get("levels", 4)),
            conf_level=0.95,
            seed=int(spec.get("seed", 0)),
        )
        return {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]}
    if spec["method"] == "sobol":
        res = sobol_analyze.analyze(
            prob, outputs, calc_second_order=False, conf_level=0.95, seed=int(spec.get("seed", 0))
        )
        return {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]}
    from scipy.stats import spearmanr

    x = matrix(spec)
    return {"spearman": np.array([spearmanr(x[:, i], outputs).statistic for i in range(x.shape[1])])}
