"""A run directory: timeseries.parquet, manifest.json and, written last, summary.json.

Files are written to a temporary name and renamed into place, so a file that exists is complete;
summary.json with ``status: completed`` is what marks a finished run, and it records the SHA-256
of every other file the run wrote so a kept result can be checked before it is trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import secrets
import socket
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from sim.version import code_version

PACKAGES = (
    "vertical-community-sim",
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "hydra-core",
    "omegaconf",
    "seaborn",
)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def write_json(path: Path, data: Any) -> str:
    """Write JSON atomically; return the file's SHA-256."""
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_parquet(path: Path, table: pd.DataFrame) -> str:
    """Write Parquet atomically; return the file's SHA-256."""
    return atomic_write(path, lambda tmp: table.to_parquet(tmp, index=False))


def write_text(path: Path, text: str) -> str:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def atomic_write(path: Path, write: Callable[[Path], Any]) -> str:
    """Call ``write`` on a temporary path beside ``path``, then rename it into place; return its SHA-256."""
    # a name of its own per writer (pid and a random part), so parallel writers of one file never share
    # a temporary; removed on any failure (a full disk must leave no partial file behind)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        write(tmp)
        digest = sha256(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return digest


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_files(run_dir: Path, summary: dict, read_back: bool = True) -> str | None:
    """Why a completed run's files cannot be trusted (None if they can): each file summary.json lists
    must exist with the recorded SHA-256, and timeseries.parquet must read back (``read_back=False``
    leaves that to a caller that reads it anyway). (Summaries written before checksums were recorded
    get the read-back check only; resume re-runs them anyway, since they record no code version.)"""
    for name, expected in sorted((summary.get("files") or {}).items()):
        try:
            if sha256(run_dir / name) != expected:
                return f"{name}: checksum differs from the one in summary.json"
        except OSError as err:
            return f"{name}: cannot be read ({err.strerror or err})"
    if read_back:
        try:
            pd.read_parquet(run_dir / "timeseries.parquet")
        except Exception as err:
            return unreadable("timeseries.parquet", err)
    return None


def unreadable(name: str, err: Exception) -> str:
    return f"{name}: cannot be read ({type(err).__name__}: {err})"


@cache
def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine() -> dict[str, Any]:
    return {"hostname": socket.gethostname(), "platform": platform.platform(), "cpus": os.cpu_count()}


def manifest(seed: int, config_hash: str, started: str) -> dict[str, Any]:
    return {
        "seed": seed,
        "config_hash": config_hash,
        "git": {key: code_version()[key] for key in ("commit", "dirty")},  # as summary.json's code
        "packages": package_versions(),
        "machine": machine(),
        "command": sys.argv,
        "started": started,
        "finished": now(),
    }
