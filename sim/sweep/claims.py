"""One process at a time per run directory (and per sweep.json), so two sweeps into one directory
never run the same job twice.

A claim is an exclusive ``flock`` on a ``.lock`` file: the kernel releases it when its holder exits
or is killed, so no claim is ever left stale, and a second sweep waits for the run, then finds it
complete and keeps it. The lock file holds the holder's pid, host, session and time, for the
message printed while waiting; it is never removed, since removing a locked file would let a
third process lock a new file of the same name while the first still holds the old one.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.sweep.progress import session_id

LOCK_FILE = ".lock"


@contextmanager
def claim(
    directory: Path, quiet: bool = False, label: str = "sweep", session: str | None = None
) -> Iterator[None]:
    """Hold ``directory``'s lock for the block, waiting (with a line naming the holder) while another
    process holds it. ``session`` names this holder in that line (default: the sweep's session)."""
    fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not quiet:
                print(
                    f"[{label}] {directory.name}: held by {_holder(fd)}; waiting", file=sys.stderr, flush=True
                )
            fcntl.flock(fd, fcntl.LOCK_EX)
        _write_holder(fd, session or session_id())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _write_holder(fd: int, session: str | None) -> None:
    info = {"pid": os.getpid(), "host": socket.gethostname(), "session": session, "time": time.time()}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(info).encode(), 0)


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        info = {}
    session = f" (session {info['session']})" if info.get("session") else ""
    return f"pid {info.get('pid', '?')} on {info.get('host', '?')}{session}"
