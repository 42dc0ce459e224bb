"""Evaluate a batch of parameter sets as one ordinary sweep (批量评估).

Calibration, scenario discovery and policy search hand their candidate points here. The points are
written as a file design (``design.method=file``) and run by the command ``python -m sim -m`` over
``design.sample``, so every evaluation has what a sweep run has: its config snapshot, summary,
checksums, resume, failure isolation, and whichever Hydra launcher the user chose (joblib, Ray,
SLURM) by passing the launcher overrides along.

What a sweep pays for each run is paid here once a batch where that is safe (issue 19; the figures
are in docs/VALIDATION.md, "Performance record"):

- the command runs in the study's own process (:func:`sweep`), with the command line, Hydra's global
  state, the logging set-up and the standard streams put back afterwards: a study of many batches
  starts Python, imports the model and composes the configs once, not once a batch, and a launcher's
  workers (joblib's, Ray's) serve every batch. With the serial launcher the runs share the study's
  process: a run that kills it (the machine out of memory) stops the study, which resumes where it
  stopped;
- each job of the sweep runs a chunk of ``CHUNK`` rows (``design.chunk``, :func:`sim.cli.chunk_rows`):
  every row still has its own run directory, named as its own job's would be, with its config
  snapshot, summary, checksums, lock and resume, but Hydra's work for a job (composing and copying its
  configs, saving Hydra's own, setting up a log) is done once a chunk;
- the sweep writes its runs table and no more (``outputs=runs``): the study reads that table and the
  runs' own files, never the sweep's time-series table or report.

A batch directory holds the design file and the sweep (``sweep/``). It is created by the batch; run
again with the same rows it resumes (finished runs are kept, as in any sweep); with different rows it
is refused, so a directory never mixes two batches. A design file that cannot be read (a study killed
while writing it, a damaged disk) is named in one line and written again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.config import ConfigError
from sim.exits import CONFIG_ERROR, EXIT_CONFIG
from sim.results import unreadable, write_parquet
from sim.study.load import StudyError

DESIGN_FILE = "design.parquet"
SWEEP_DIR = "sweep"  # the sweep beside its design file: a sweep directory holds only what sweeps write
COMMAND = Path(__file__).resolve().parent.parent / "__main__.py"  # python -m sim, as sys.argv[0] has it
# rows a job of the batch's sweep runs (design.chunk): enough to spread Hydra's work for a job over many
# runs, few enough that a batch of a few dozen rows still keeps two workers busy
CHUNK = 16


class BatchError(StudyError):
    """The batch could not run at all (a directory holding another batch, a launcher that failed)."""


def same_rows(path: Path, rows: pd.DataFrame) -> bool:
    """Whether the design file at ``path`` holds exactly ``rows`` (a batch to resume)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(path).equals(pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False))


def evaluate(rows: pd.DataFrame, directory: Path, overrides: Sequence[str] = ()) -> pd.DataFrame:
    """Run one model run per row of ``rows`` (columns: dotted config keys) with ``overrides`` applied
    to every run; return the sweep's runs table, one row per design point in the order of ``rows``
    (index ``design.sample``), with ``status`` "completed" or "failed" and NaN outcomes for failures.
    A refusal of the sweep (e.g. results of other code to resume) is raised as a ConfigError."""
    directory = Path(directory)
    if rows.empty:
        raise BatchError("a batch needs at least one row")
    design = directory / DESIGN_FILE
    if not _readable(design):
        directory.mkdir(parents=True, exist_ok=True)
        write_parquet(design, rows.reset_index(drop=True))
    elif not same_rows(design, rows):
        raise BatchError(f"{directory} holds another batch (its {DESIGN_FILE} differs); use a new directory")
    started = time.time()
    chunks = -(-len(rows) // CHUNK)
    status, last = sweep(
        [
            "-m",
            f"hydra.sweep.dir={directory / SWEEP_DIR}",
            "hydra.sweep.subdir=chunks/${hydra.job.num}",  # apart from the runs' own directories
            "hydra.callbacks.sweep_recorder.outputs=runs",
            "+design.method=file",
            f"+design.file={design.resolve()}",
            f"+design.chunk=range(0,{chunks})",
            f"+design.chunk_size={CHUNK}",
            *overrides,
        ]
    )
    if status == EXIT_CONFIG:
        raise ConfigError(last.removeprefix(f"{CONFIG_ERROR}: "))
    # exit 1 means some runs failed: they are recorded in the table, and the others are kept
    table = directory / SWEEP_DIR / "runs.parquet"
    if status not in (0, 1) or not table.exists() or table.stat().st_mtime < started:
        raise BatchError(f"batch in {directory} failed (exit {status}): {last}")
    runs = pd.read_parquet(table)
    runs = runs.drop_duplicates("design.sample", keep="last").set_index("design.sample").sort_index()
    return runs.reindex(range(len(rows)))


def _readable(design: Path) -> bool:
    """Whether a batch's design file is there to compare with; one that cannot be read is named, to be
    written again (what it held is re-made from the study)."""
    if not design.exists():
        return False
    try:
        import pyarrow.parquet as pq

        pq.read_metadata(design)
    except Exception as err:
        print(f"[batch] {design}: {unreadable(DESIGN_FILE, err)}; written again", file=sys.stderr, flush=True)
        return False
    return True


def sweep(argv: list[str]) -> tuple[int, str]:
    """Run ``python -m sim ARGV`` in this process as it runs in its own once its overrides are
    checked; return its exit status and the last line it wrote (its reason, when it stops). What it
    writes to the standard streams, from here or from a launcher's workers started meanwhile, is kept
    from the study's own output."""
    from hydra.core.hydra_config import HydraConfig

    from sim.cli import launch
    from sim.sweep.progress import SESSION_ENV

    command, session = sys.argv, os.environ.get(SESSION_ENV)
    handlers, level = logging.root.handlers[:], logging.root.level
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as captured:
        streams = _redirect(captured.fileno())
        try:
            sys.argv = [str(COMMAND), *argv]
            with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
                launch()  # the study checked the config every row starts from
            status = 0
        except SystemExit as stop:
            status = 0 if stop.code is None else stop.code if isinstance(stop.code, int) else 1
        except Exception as err:  # Hydra's or a launcher's own failure: the batch could not run
            status = 1
            print(f"{type(err).__name__}: {err}", file=captured)
        finally:
            _restore(streams)
            sys.argv = command
            HydraConfig.instance().cfg = None  # no Hydra job runs here now (Hydra clears its own state)
            for handler in set(logging.root.handlers) - set(handlers):
                handler.close()  # the sweep's log handlers, writing to its streams and files
            logging.root.handlers[:], logging.root.level = handlers, level
            if session is None:
                os.environ.pop(SESSION_ENV, None)
            else:
                os.environ[SESSION_ENV] = session
        captured.flush()
        captured.seek(0)
        lines = [line for line in captured.read().splitlines() if line.strip()]
    return status, lines[-1] if lines else ""


def _redirect(fd: int) -> tuple[int, int]:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    return saved


def _restore(saved: tuple[int, int]) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    for target, fd in zip((1, 2), saved):
        os.dup2(fd, target)
        os.close(fd)
