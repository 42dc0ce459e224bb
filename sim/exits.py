"""Exit statuses of every command (退出状态), and the one place that refuses bad input.

0: done. 1: something ran and failed (a run, or some of a sweep's or a study's evaluations; they are
recorded). 2: bad input, refused in one line before anything is written (``config error: KEY: got
X, allowed: Y``), or a command-line argument that is not what the command takes (``error: ...``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from sim.config import ConfigError

EXIT_DONE = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2
CONFIG_ERROR = "config error"  # leads the line of every refusal of a config, a file or an override
ARGUMENT_ERROR = "error"  # leads the line of a refused command-line argument (argparse's word)


def refuse(message: str, kind: str = CONFIG_ERROR) -> NoReturn:
    """Print ``kind: message`` as one line on stderr and exit with status 2."""
    _end_bars()
    print(f"{kind}: {message}", file=sys.stderr, flush=True)
    sys.exit(EXIT_CONFIG)


def failed(message: str, what: str) -> NoReturn:
    """Print ``what failed: message`` on stderr and exit with status 1."""
    _end_bars()
    print(f"{what} failed: {message}", file=sys.stderr, flush=True)
    sys.exit(EXIT_FAILED)


def _end_bars() -> None:
    """Close a sweep's live progress bar, whose line is open on a terminal, so the message has its own
    line (a refusal can come after the bar is drawn, e.g. from a launcher)."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
        bar.close()


def tool_parser(prog: str, description: str, examples: Sequence[tuple[str, str]]) -> argparse.ArgumentParser:
    """The argument parser of a command-line tool: its usage, what it does and examples (``--help``);
    argparse refuses an argument it does not take with its usage and exit status 2."""
    lines = "\n".join(f"  $ {command}\n      {what}" for command, what in examples)
    return argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=f"Examples:\n{lines}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def run_command(command: Callable[[list[str]], int], argv: Sequence[str] | None = None) -> NoReturn:
    """Run ``command`` on the command line (default ``sys.argv[1:]``) and exit with the status it
    returns; a :class:`ConfigError` it raises is refused in one line (exit 2)."""
    try:
        status = command(list(sys.argv[1:] if argv is None else argv))
    except ConfigError as err:
        refuse(str(err))
    sys.exit(status)
