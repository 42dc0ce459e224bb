"""Start the app: ``python -m sim.viz [--host H] [--port P] [--open] [--auto-restart]``.

A thin wrapper round ``solara run sim/viz/app.py`` that serves on 127.0.0.1 (warning that the app
has no authentication when asked to serve on any other interface) and never needs the internet:
it points Solara at the asset cache filled by ``python -m sim.viz.offline_assets`` (when that
exists and SOLARA_ASSETS_PROXY_CACHE_DIR is not set already), skips Solara's version check
against PyPI and turns its usage telemetry off.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from pathlib import Path

from sim.viz.offline_assets import DEFAULT_CACHE_DIR

APP = Path(__file__).resolve().with_name("app.py")


def offline_env(environ: dict) -> None:
    """Set, in ``environ``, what Solara must read before it is imported."""
    if "SOLARA_ASSETS_PROXY_CACHE_DIR" not in environ and DEFAULT_CACHE_DIR.is_dir():
        environ["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(DEFAULT_CACHE_DIR)
        # solara turns its proxy (and so the cache) off by itself in a VS Code terminal
        environ.setdefault("SOLARA_ASSETS_PROXY", "true")
    environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")


def is_loopback(host: str) -> bool:
    """Whether a host only this machine can reach: localhost, 127.0.0.0/8 or ::1."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


def exposure_warning(host: str, port: int) -> str | None:
    if is_loopback(host):
        return None
    return (
        f"warning: --host {host} serves beyond this machine, and the app has no authentication: anyone "
        f"who can reach port {port} can use it (docs/VIZ.md, 'Serving beyond this machine')"
    )


def solara_args(args: argparse.Namespace) -> list[str]:
    argv = [
        "run",
        str(APP),
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--no-check-version",
        "--open" if args.open else "--no-open",
    ]
    # production mode runs one process (no file watcher), which a test can stop by its pid
    argv.append("--auto-restart" if args.auto_restart else "--production")
    return argv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sim.viz", description="Serve the model's browser app.")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on; any but loopback serves an app without authentication "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--port", type=int, default=8765, help="port, 0 for any free one (default: %(default)s)"
    )
    parser.add_argument("--open", action="store_true", help="open a browser tab once the server is up")
    parser.add_argument(
        "--auto-restart", action="store_true", help="restart when the code changes (development)"
    )
    args = parser.parse_args(argv)
    warning = exposure_warning(args.host, args.port)
    if warning:
        print(warning, file=sys.stderr)
    offline_env(os.environ)
    from solara.__main__ import cli  # only now: solara reads its settings from the environment on import

    cli.main(args=solara_args(args), prog_name="solara")


if __name__ == "__main__":
    sys.exit(main())
