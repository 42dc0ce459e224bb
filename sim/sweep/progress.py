"""Progress of a sweep: every finished run appends one line to ``progress.jsonl`` in the sweep
directory (appends of a short line are atomic, so parallel workers do not interleave), and the line
printed after it counts what is done against the total recorded at the sweep's start."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

SWEEP_FILE = "sweep.json"
PROGRESS_FILE = "progress.jsonl"


def record(sweep_dir: Path, run_dir: Path, status: str, resumed: bool) -> str:
    line = json.dumps({"run": run_dir.name, "status": status, "resumed": resumed, "time": time.time()}) + "\n"
    fd = os.open(sweep_dir / PROGRESS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    message = status_line(sweep_dir)
    print(message, file=sys.stderr, flush=True)
    return message


def status_line(sweep_dir: Path) -> str:
    sweep = json.loads((sweep_dir / SWEEP_FILE).read_text()) if (sweep_dir / SWEEP_FILE).exists() else {}
    total, started = sweep.get("total_runs"), sweep.get("started_unix", time.time())
    entries = [json.loads(x) for x in (sweep_dir / PROGRESS_FILE).read_text().splitlines() if x.strip()]
    entries = [e for e in entries if e["time"] >= started]  # this session only, when a sweep is resumed
    done = len({e["run"] for e in entries})
    failed = sum(e["status"] != "completed" for e in entries)
    resumed = sum(e["resumed"] for e in entries)
    fresh = done - resumed
    elapsed = time.time() - started
    text = f"[sweep] {done}/{total or '?'} runs done, {failed} failed, {resumed} already complete"
    if total and fresh and done < total:
        text += f", ~{elapsed / fresh * (total - done):.0f} s left"
    return text + f" ({elapsed:.0f} s elapsed)"
