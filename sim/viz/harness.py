"""The app on a free port of 127.0.0.1, offline, for the browser tests and the app benchmark.

The server runs ``python -m sim.viz`` in a session of its own (so the whole process group can be
stopped) with Solara's asset cache and a dead proxy for anything it might fetch from the internet.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from sim.viz import offline_assets

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; Playwright never downloads a browser here
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_S = 90  # solara imports, the first model and the first page


class ServerError(RuntimeError):
    pass


def asset_cache() -> Path:
    """Solara's CDN cache, filled once (from npm) if it is empty or incomplete."""
    cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or offline_assets.DEFAULT_CACHE_DIR)
    offline_assets.fill_cache(cache, log=lambda line: None)  # no network if already complete
    return cache


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(cache: Path, log_path: Path):
    """Serve the app; yields its url."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    dead_proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens there: any internet fetch fails
    env = {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache),
        "SOLARA_ASSETS_PROXY": "true",
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
        "http_proxy": dead_proxy,
        "https_proxy": dead_proxy,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.viz", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_serving(proc, url, log_path)
        yield url
    finally:
        _stop(proc)


def _wait_until_serving(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to 127.0.0.1
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServerError(f"the server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with opener.open(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise ServerError(
        f"the server did not answer {url} within {SERVER_START_S} s:\n{log_path.read_text()[-3000:]}"
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


# In the page: every live view (map and plots) has drawn frame ``id`` (the step counter) or a later one.
ALL_DRAWN = """(id) => { const views = [...document.querySelectorAll('.vcs-vega')];
    return views.length === 5 && views.every(v => Number(v.dataset.frame) >= id); }"""
CURRENT_FRAME = "() => Number(document.querySelector('.vcs-vega[data-name=map]').dataset.frame)"
# Click Step and resolve with the milliseconds until every view has drawn the next frame.
TIMED_STEP = """async () => {
    const map = document.querySelector('.vcs-vega[data-name=map]');
    const next = String(Number(map.dataset.frame) + 1);
    const button = document.querySelector('.vcs-step button, button.vcs-step');
    const t0 = performance.now();
    button.click();
    await new Promise((resolve) => {
        const check = () => [...document.querySelectorAll('.vcs-vega')].every(v => v.dataset.frame === next)
            ? resolve() : requestAnimationFrame(check);
        check();
    });
    return performance.now() - t0;
}"""


def choose(page, control_label: str, option: str) -> None:
    """Pick ``option`` in the select whose label contains ``control_label``."""
    page.locator(".v-select").filter(has_text=control_label).locator(".v-select__slot").click()
    page.get_by_role("option", name=option, exact=True).click()
