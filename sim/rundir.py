"""The directory a command writes into, checked before Hydra writes anything there.

Refused in one line (exit 2): an empty path, the current directory, the repository or an ancestor of
either; for a single run, a directory that already holds files (a run never writes beside files it
did not make); for a sweep, a directory holding files but no sweep; a directory that cannot be made
or written. The directory is made here, so this invocation knows what it created: after a config
error inside the job, ``remove_own_files`` removes only that (Hydra's ``.hydra/`` and job log, and
the directories made here once they are empty).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from sim.exits import refuse
from sim.version import REPO_ROOT

# Hydra flags that print something and run no job
NO_JOB_FLAGS = (
    "-h",
    "--help",
    "--hydra-help",
    "--version",
    "-c",
    "--cfg",
    "-i",
    "--info",
    "-sc",
    "--shell-completion",
)
SWEEP_MARKERS = ("sweep.json", "multirun.yaml", "progress.jsonl")

# resolved run directory -> the topmost directory this invocation created for it (None: it existed)
_MADE: dict[Path, Path | None] = {}


class DirError(Exception):
    pass


def prepare(argv: list[str]) -> list[str]:
    """Check and make the run (or sweep) directory of a command line; return the command line with the
    directory pinned when it depends on the time or on the current directory, so Hydra (and every
    worker of a cluster) uses the very directory checked here."""
    if any(a.split("=")[0] in NO_JOB_FLAGS for a in argv):
        return argv
    multirun = "-m" in argv or "--multirun" in argv
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    resolved = _resolve(argv, key)
    if resolved is None:
        return argv
    raw, value = resolved
    try:
        path = check(value, multirun)
        _MADE[path] = make(path)
    except DirError as err:
        refuse(f"{key}: {err}")
    if "${" not in raw and Path(raw).is_absolute():
        return argv
    # pinned as an absolute path also when relative: a cluster's workers resolve it elsewhere
    return [a for a in argv if not a.startswith(f"{key}=")] + [f"{key}='{path}'"]


def _resolve(argv: list[str], key: str) -> tuple[str, str] | None:
    """(as written, resolved) value of ``key`` for this command line; None if it does not compose
    (the config check reports that)."""
    from sim.compose import compose

    try:
        given = [a for a in argv if "=" in a and not a.startswith("-")]
        parsed = OverridesParser.create().parse_overrides(given)
        literal = [str(o.value()) for o in parsed if o.key_or_group == key and not o.is_sweep_override()]
        if literal and "${" not in literal[-1] and Path(literal[-1]).is_absolute():
            return literal[-1], literal[-1]  # nothing to resolve: the command line's value is final
        cfg = compose([o.input_line for o in parsed if not o.is_sweep_override()], hydra=True)
        node, leaf = key.rsplit(".", 1)
        raw = OmegaConf.to_container(OmegaConf.select(cfg, node), resolve=False)[leaf]
        return str(raw), str(OmegaConf.select(cfg, key))
    except Exception:
        return None


def check(value: str, multirun: bool) -> Path:
    path = target(value)
    entries = sorted(p.name for p in path.iterdir()) if path.is_dir() else []
    if entries and not multirun:
        raise DirError(
            f"got {value!r}, allowed: a new or empty directory ({path} holds {some(entries)}; "
            "a run never writes beside files it did not make)"
        )
    if entries and multirun and not any(m in entries for m in SWEEP_MARKERS):
        raise DirError(
            f"got {value!r}, allowed: a new or empty directory or an earlier sweep's "
            f"({path} holds {some(entries)} and no sweep.json)"
        )
    return path


def target(value: str) -> Path:
    """The absolute directory ``value`` names, if a command may write there at all: not empty, not the
    current directory, the repository or an ancestor of either, not a file."""
    allowed = "a directory other than the current one, the repository or an ancestor of either"
    if not value.strip():
        raise DirError(f"got '', allowed: {allowed}")
    path = Path(value).expanduser().resolve()
    for protected in (Path.cwd().resolve(), REPO_ROOT):
        if path == protected or path in protected.parents:
            raise DirError(f"got {value!r} ({path}), allowed: {allowed}")
    if path.exists() and not path.is_dir():
        raise DirError(f"got {value!r}, allowed: a directory ({path} is a file)")
    return path


def some(entries: list[str]) -> str:
    return ", ".join(entries[:3]) + (f" and {len(entries) - 3} more" if len(entries) > 3 else "")


def make(path: Path) -> Path | None:
    """Make ``path`` and check it can be written; return the topmost directory made (None if it existed)."""
    top = next((p for p in reversed([path, *path.parents]) if not p.exists()), None)
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        if top is not None:
            _remove_empty(path, top)
        raise DirError(f"cannot write to {path}: {err.strerror or err}") from None
    return top


def remove_own_files(run_dir: Path, job_name: str | None) -> None:
    """Remove what this invocation wrote in ``run_dir`` before a config error stopped the job: Hydra's
    snapshot and job log, then the directories made by ``prepare`` once empty. A directory this
    invocation did not prepare is left as it is."""
    path = run_dir.resolve()
    if path not in _MADE:
        return
    shutil.rmtree(path / ".hydra", ignore_errors=True)
    if job_name:
        (path / f"{job_name}.log").unlink(missing_ok=True)
    if _MADE[path] is not None:
        _remove_empty(path, _MADE[path])


def _remove_empty(path: Path, top: Path) -> None:
    for d in [path, *path.parents]:
        try:
            d.rmdir()
        except OSError:  # not empty (or gone): stop, never remove anything else
            return
        if d == top:
            return
