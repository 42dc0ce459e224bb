"""Progress of a sweep: every finished run appends one line to ``progress.jsonl`` in the sweep
directory (appends of a short line are atomic, so parallel workers do not interleave), and the line
printed after it counts what is done against the total recorded at the sweep's start.

Each sweep session has an id (set by the sweep's callback in the environment its jobs inherit);
a session's lines count only its own entries, so two sweeps into one directory keep separate counts.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

SWEEP_FILE = "sweep.json"
PROGRESS_FILE = "progress.jsonl"
SESSION_ENV = "SIM_SWEEP_SESSION"


def session_id() -> str | None:
    return os.environ.get(SESSION_ENV)


def record(sweep_dir: Path, run_dir: Path, status: str, resumed: bool, error: str | None = None) -> str:
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
    message = status_line(sweep_dir)
    print(message, file=sys.stderr, flush=True)
    return message


def entries(sweep_dir: Path, session: str | None, since: float = 0.0) -> list[dict]:
    """The progress entries of one session."""
    path = sweep_dir / PROGRESS_FILE
    lines = path.read_text().splitlines() if path.exists() else []
    found = [json.loads(x) for x in lines if x.strip()]
    own = [e for e in found if session is not None and e.get("session") == session]
    # a launcher whose jobs do not inherit the environment leaves no ids: count by time instead
    return own or [e for e in found if e["time"] >= since]


def _session_info(sweep_dir: Path, session: str | None) -> dict:
    sweep = json.loads((sweep_dir / SWEEP_FILE).read_text()) if (sweep_dir / SWEEP_FILE).exists() else {}
    own = [s for s in sweep.get("sessions", []) if session is not None and s.get("id") == session]
    return own[-1] if own else sweep


def status_line(sweep_dir: Path) -> str:
    session = session_id()
    info = _session_info(sweep_dir, session)
    total, started = info.get("total_runs"), info.get("started_unix", time.time())
    mine = entries(sweep_dir, session, started)
    done = len({e["run"] for e in mine})
    failed = sum(e["status"] != "completed" for e in mine)
    resumed = sum(e["resumed"] for e in mine)
    fresh = done - resumed
    elapsed = time.time() - started
    text = f"[sweep] {done}/{total or '?'} runs done, {failed} failed, {resumed} already complete"
    if total and fresh and done < total:
        text += f", ~{elapsed / fresh * (total - done):.0f} s left"
    return text + f" ({elapsed:.0f} s elapsed)"
