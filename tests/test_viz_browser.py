"""The app end to end: ``python -m sim.viz`` serving, Debian's Chromium driving the page, offline.

The server runs as a subprocess on a free port of 127.0.0.1 with Solara's asset cache, and with a
dead proxy for anything it might fetch from the internet; the page may load nothing but the app's
own origin. So the test also proves the app works without internet access.

    pytest -m browser            # SAVE_SCREENSHOT=docs/img/app.png to keep the screenshot
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is absent (Debian: apt-get install chromium); this test never downloads a browser",
        allow_module_level=True,
    )

from playwright.sync_api import sync_playwright  # noqa: E402

from sim.viz import offline_assets  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SERVER_START_S = 90  # solara imports, the first model and the first page
PAGE_TIMEOUT_MS = 60_000
STEP_TIMEOUT_MS = 30_000
IMAGES = ".vcs-map img, .vcs-plot img"  # the map and the four plots (classes set in sim.viz)


@pytest.fixture(scope="session")
def asset_cache() -> Path:
    """Solara's CDN cache, filled once (from npm) if it is empty or incomplete."""
    cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or offline_assets.DEFAULT_CACHE_DIR)
    try:
        offline_assets.fill_cache(cache, log=lambda line: None)  # no network if already complete
    except offline_assets.OfflineAssetsError as e:
        pytest.fail(f"cannot fill Solara's asset cache {cache}: {e}")
    return cache


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(asset_cache, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    dead_proxy = f"http://127.0.0.1:{free_port()}"  # nothing listens there: any internet fetch fails
    env = {
        **os.environ,
        "SOLARA_ASSETS_PROXY_CACHE_DIR": str(asset_cache),
        "SOLARA_ASSETS_PROXY": "true",
        "HTTP_PROXY": dead_proxy,
        "HTTPS_PROXY": dead_proxy,
        "http_proxy": dead_proxy,
        "https_proxy": dead_proxy,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        # own session: the whole process group can be stopped, whatever solara starts
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim.viz", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(proc, url, log_path)
        yield url, log_path
    finally:
        stop(proc)


def wait_until_serving(proc: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # straight to 127.0.0.1
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with opener.open(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"the server did not answer {url} within {SERVER_START_S} s:\n{log_path.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@pytest.fixture
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=PAGE_TIMEOUT_MS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def wait_for_images(page, n: int) -> None:
    page.wait_for_function(
        """([selector, n]) => {
             const imgs = [...document.querySelectorAll(selector)];
             return imgs.length >= n && imgs.every(i => i.complete && i.naturalWidth > 0);
           }""",
        arg=[IMAGES, n],
        timeout=PAGE_TIMEOUT_MS,
    )


def wait_for_change(locator, before: bytes, timeout_s: float = STEP_TIMEOUT_MS / 1000) -> bytes:
    # the step counter and the plots arrive as separate widget updates; poll for the picture
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = locator.screenshot()
        if now != before:
            return now
        time.sleep(0.3)
    pytest.fail("the plot did not change after stepping")


def save(page, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, "the screenshot is (nearly) empty"


def test_the_app_steps_plots_and_rebuilds_in_chromium(server, browser, tmp_path):
    url, log_path = server
    page = browser.new_page(viewport={"width": 1600, "height": 1450})  # tall enough for all the plots
    page.set_default_timeout(STEP_TIMEOUT_MS)
    outside, failed, errors = [], [], []

    def only_the_app(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    try:
        page.goto(url, timeout=PAGE_TIMEOUT_MS)
        step, caption = page.get_by_role("button", name="Step"), page.locator(".vcs-caption")
        step.wait_for(timeout=PAGE_TIMEOUT_MS)
        wait_for_images(page, 5)
        page.get_by_text("Step: 0", exact=True).wait_for()
        coverage_plot = page.locator(".vcs-plot img").nth(1)
        before = coverage_plot.screenshot()

        for week in (1, 2, 3):
            step.click()
            page.get_by_text(f"Step: {week}", exact=True).wait_for()
        caption.filter(has_text="week 3").wait_for()
        wait_for_change(coverage_plot, before)
        wait_for_images(page, 5)
        save(page, tmp_path / "after_steps.png")
        if os.environ.get("SAVE_SCREENSHOT"):
            keep = Path(os.environ["SAVE_SCREENSHOT"])
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(tmp_path / "after_steps.png", keep)

        page.locator(".v-select").filter(has_text="governance mode").locator(".v-select__slot").click()
        page.get_by_role("option", name="fusion", exact=True).click()
        assert "brand governance" in caption.inner_text(), "choosing a mode alone must not rebuild the model"
        page.get_by_role("button", name="Reset").click()
        caption.filter(has_text="fusion governance").wait_for()
        page.get_by_text("Step: 0", exact=True).wait_for()
        assert "10-min circle" in caption.inner_text()  # the fusion preset's circle
        step.click()
        page.get_by_text("Step: 1", exact=True).wait_for()
        wait_for_images(page, 5)
        save(page, tmp_path / "after_reset.png")
    except Exception as e:  # a timeout alone would not say why: add what the page and server saw
        raise AssertionError(
            f"{e}\nrequests outside the app: {outside}\nfailed requests: {failed}\n"
            f"page errors: {errors}\nserver log:\n{log_path.read_text()[-3000:]}"
        ) from e

    assert not outside, f"the page asked for something other than the app: {outside}"
    assert not failed, f"failed requests: {failed}"
    assert not errors, f"errors in the page: {errors}"
    assert "Could not load URL" not in log_path.read_text(), "the server went to the CDN"
