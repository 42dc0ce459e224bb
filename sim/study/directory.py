"""A study's directory (研究目录), claimed the same way by every kind of study.

A new or empty directory is made; a directory of this very study (same kind, same identity: what its
evaluations compute) is resumed; anything else is refused in one line before anything is written:
the current directory, the repository or an ancestor of either, a file, a directory that cannot be
made or written (``/proc/x``, a path under a file), a directory of other files or of another study.

The study holds the directory's lock (:mod:`sim.sweep.claims`) while it runs, so a second study into
the same directory waits, with a line naming the holder, and then resumes what the first finished.
``study.json`` records the kind, the identity and every session (command, start, code, packages).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.config import ConfigError
from sim.results import now, package_versions, write_json
from sim.rundir import DirError, make, some, target
from sim.sweep.claims import LOCK_FILE, claim
from sim.sweep.progress import new_session_id
from sim.version import code_version

STUDY_FILE = "study.json"
ALLOWED = "a new or empty directory, or one of this very study (resumed)"


@contextmanager
def claimed(section: str, key: str, given: Path, identity: dict) -> Iterator[Path]:
    """The directory ``given`` (the value of the block's ``key``) of a study of kind ``section``,
    made or resumed, its lock held for the block."""
    identity = json.loads(json.dumps(identity, default=str))  # as it reads back from study.json
    try:
        path = target(str(given))
        _check_contents(path, section, identity, str(given))
        make(path)
    except DirError as err:
        raise ConfigError(f"{key}: {err}") from None
    session = new_session_id()
    with claim(path, label=section, session=session):
        try:
            _check_contents(path, section, identity, str(given))
        except DirError as err:  # another study claimed it meanwhile
            raise ConfigError(f"{key}: {err}") from None
        record = _read(path) or {"kind": section, "identity": identity, "sessions": []}
        entry = {
            "id": session,
            "command": sys.argv,
            "started": now(),
            "code": code_version(),
            "packages": package_versions(),
        }
        write_json(path / STUDY_FILE, {**record, "sessions": [*record["sessions"], entry]})
        yield path


def _check_contents(path: Path, section: str, identity: dict, given: str) -> None:
    entries = sorted(p.name for p in path.iterdir()) if path.is_dir() else []
    if not [e for e in entries if e != LOCK_FILE]:  # a lock alone: a study killed before it wrote
        return
    if STUDY_FILE not in entries:
        raise DirError(
            f"got {given!r}, allowed: {ALLOWED} ({path} holds {some(entries)} and no {STUDY_FILE})"
        )
    record = _read(path)
    if record is None:
        raise DirError(f"got {given!r}, allowed: {ALLOWED} ({path / STUDY_FILE} cannot be read)")
    if record.get("kind") != section:
        raise DirError(f"got {given!r}, allowed: {ALLOWED} ({path} holds a {record.get('kind')} study)")
    if record.get("identity") != identity:
        raise DirError(f"got {given!r}, allowed: {ALLOWED} ({path} holds another study's {STUDY_FILE})")


def _read(path: Path) -> dict | None:
    try:
        record = json.loads((path / STUDY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) and isinstance(record.get("sessions"), list) else None
