"""Progress of a sweep: every finished run appends one line to ``progress.jsonl`` in the sweep
directory (appends of a short line are atomic, so parallel workers, on one machine or many sharing
the directory, do not interleave), and the process that launched the sweep shows one live bar (runs
done, failed, ETA) drawn from those lines, read on from where it left off.

Each sweep session has an id (set by the sweep's callback in the environment its jobs inherit);
a session counts only its own entries, so two sweeps into one directory keep separate counts.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from pathlib import Path

from tqdm import tqdm

SWEEP_FILE = "sweep.json"
PROGRESS_FILE = "progress.jsonl"
SESSION_ENV = "SIM_SWEEP_SESSION"


def session_id() -> str | None:
    return os.environ.get(SESSION_ENV)


def new_session_id() -> str:
    """A new session's id: when it started, its process and a random part."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(2)}"


def record(sweep_dir: Path, run_dir: Path, status: str, resumed: bool, error: str | None = None) -> None:
    entry = {
        "run": run_dir.name,
        "status": status,
        "resumed": resumed,
        "time": time.time(),
        "session": session_id(),
    }
    if error:
        entry["error"] = error.splitlines()[0][:200]
    fd = os.open(sweep_dir / PROGRESS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(entry) + "\n").encode())
    finally:
        os.close(fd)


def _own(entry: dict, session: str | None, since: float) -> bool:
    # a launcher whose jobs do not inherit the environment (Ray's workers) leaves no ids: count by time
    return entry.get("session") == session if entry.get("session") else entry["time"] >= since


def _parsed(lines: list[bytes]) -> list[dict]:
    """The entries of complete lines; a damaged line (a writer killed on a file system without atomic
    appends) is skipped, so that it cannot stop the sweep's tables from being written."""
    found = []
    for line in filter(None, lines):
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def entries(sweep_dir: Path, session: str | None, since: float = 0.0) -> list[dict]:
    """The progress entries of one session."""
    path = sweep_dir / PROGRESS_FILE
    lines = path.read_bytes().splitlines() if path.exists() else []
    return [e for e in _parsed(lines) if _own(e, session, since)]


class LiveBar:
    """The sweep's bar in the launching process, updated from ``progress.jsonl`` by a thread that
    reads only the bytes appended since its last look (so progress costs time linear in the runs).
    On a terminal it redraws in place; in a log it writes a line at most every ``log_every`` s."""

    def __init__(self, sweep_dir: Path, session: str, total: int | None, log_every: float = 30.0) -> None:
        self.path = sweep_dir / PROGRESS_FILE
        self.session, self.started = session, time.time()
        self.offset = self.path.stat().st_size if self.path.exists() else 0  # earlier sessions' lines
        self.pending = b""
        self.runs: set[str] = set()
        self.failed = 0
        interactive = sys.stderr.isatty()
        self.bar = tqdm(
            total=total,
            desc="[sweep]",
            unit="run",
            file=sys.stderr,
            mininterval=0.5 if interactive else log_every,
            maxinterval=log_every,
            dynamic_ncols=interactive,
            postfix="0 failed",
            bar_format="{desc} {n_fmt}/{total_fmt} runs done{postfix} |{bar:20}| "
            "{elapsed} elapsed, ~{remaining} left",
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._follow, daemon=True)
        self.thread.start()

    def _follow(self) -> None:
        while not self.stop.wait(0.5):
            self.poll()

    def poll(self) -> None:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        self.offset += len(data)
        *lines, self.pending = (self.pending + data).split(b"\n")
        new, failed = 0, 0
        for entry in _parsed(lines):
            if _own(entry, self.session, self.started) and entry["run"] not in self.runs:
                self.runs.add(entry["run"])
                new += 1
                failed += entry["status"] != "completed"
        if new:
            self.failed += failed
            self.bar.set_postfix_str(f"{self.failed} failed", refresh=False)
            self.bar.update(new)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.poll()
        self.bar.close()
