"""Which code made a result: the git commit, the package version and MODEL_VERSION.

Bump MODEL_VERSION in the commit that changes what a run computes for a given config (a rule, a
default, an output column): a sweep resumed by the new code then treats older results as stale.
The commit alone cannot say that, since most commits change no result; resume compares all three.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

MODEL_VERSION = 5
PACKAGE = "vertical-community-sim"
COMPARED = ("commit", "model_version", "package_version")
REPO_ROOT = Path(__file__).resolve().parent.parent


def git_state() -> dict[str, Any]:
    """The checkout's commit and whether tracked files differ from it (None outside a git checkout)."""

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


@lru_cache(maxsize=1)
def code_version() -> dict[str, Any]:
    try:
        package = metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        package = None
    return {**git_state(), "model_version": MODEL_VERSION, "package_version": package}


def same_code(recorded: dict[str, Any] | None) -> bool:
    """Whether a result recorded as made by ``recorded`` was made by this code."""
    return recorded is not None and all(recorded.get(k) == code_version()[k] for k in COMPARED)


def label(code: dict[str, Any] | None) -> str | None:
    """Short text naming a code version, e.g. ``2cb46fb model 1 (0.1.0)``; None if unrecorded."""
    if not code:
        return None
    commit = (code.get("commit") or "no-git")[:7] + ("-dirty" if code.get("dirty") else "")
    return f"{commit} model {code.get('model_version')} ({code.get('package_version')})"
