"""The app end to end: ``python -m sim.viz`` serving, Debian's Chromium driving the page, offline.

The server runs as a subprocess on a free port of 127.0.0.1 with Solara's asset cache, and with a
dead proxy for anything it might fetch from the internet; the page may load nothing but the app's
own origin. So the tests also prove the app works without internet access.

    pytest -m browser tests/test_viz_browser.py      # SAVE_SCREENSHOT=docs/img to keep the pictures
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pytest

from sim.viz import harness

if not harness.CHROMIUM.exists():
    pytest.skip(
        f"{harness.CHROMIUM} is absent (Debian: apt-get install chromium); these tests never download one",
        allow_module_level=True,
    )

from playwright.sync_api import sync_playwright

from sim.viz import offline_assets, webfont

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE_TIMEOUT_MS = 60_000
LATIN_FONTS = Path("/usr/share/fonts/truetype/dejavu")  # Debian's fonts-dejavu-core, which chromium needs
STEP_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    try:
        cache = harness.asset_cache()
    except offline_assets.OfflineAssetsError as e:
        pytest.fail(f"cannot fill Solara's asset cache: {e}")
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with harness.serving(cache, log_path) as url:
        yield url, log_path


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright):
    chromium = playwright.chromium.launch(
        executable_path=str(harness.CHROMIUM), args=harness.CHROMIUM_ARGS, timeout=PAGE_TIMEOUT_MS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def browser_without_cjk(playwright, tmp_path_factory):
    """Chromium that sees the DejaVu fonts only (a fontconfig of its own): as on a machine with no
    Chinese font installed, whatever .ci/run installed."""
    folder = tmp_path_factory.mktemp("fontconfig")
    (folder / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><dir>{LATIN_FONTS}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n"
    )
    chromium = playwright.chromium.launch(
        executable_path=str(harness.CHROMIUM),
        args=harness.CHROMIUM_ARGS,
        env={**os.environ, "FONTCONFIG_FILE": str(folder / "fonts.conf")},
        timeout=PAGE_TIMEOUT_MS,
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def app(server, browser):
    """A fresh page (a new session: its own model) that may load nothing but the app."""
    url, log_path = server
    page = browser.new_page(viewport={"width": 1700, "height": 1500}, accept_downloads=True)
    page.set_default_timeout(STEP_TIMEOUT_MS)
    seen = {"outside": [], "failed": [], "errors": []}

    def only_the_app(route):
        if route.request.url.startswith(url):
            route.continue_()
        else:
            seen["outside"].append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    page.on("requestfailed", lambda r: seen["failed"].append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: seen["failed"].append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(harness.ALL_DRAWN, arg=0, timeout=PAGE_TIMEOUT_MS)
    yield page
    page.close()
    log = log_path.read_text()
    assert not seen["outside"], f"the page asked for something other than the app: {seen['outside']}"
    assert not seen["failed"], f"failed requests: {seen['failed']}"
    assert not seen["errors"], f"errors in the page: {seen['errors']}"
    assert "Could not load URL" not in log, "the server went to the CDN"
    assert "Traceback" not in log, log[-3000:]


def monitor(page, name: str) -> str:
    return page.locator(f'.vcs-monitors td[data-name="{name}"]').inner_text()


def step(page) -> None:
    page.evaluate(harness.TIMED_STEP)


def rows(page, view: str, dataset: str) -> list[dict]:
    return page.evaluate(
        "([view, name]) => document.querySelector(`.vcs-vega[data-name=${view}]`).__vcsView.data(name)",
        [view, dataset],
    )


def keep_screenshot(page, name: str) -> None:
    target = os.environ.get("SAVE_SCREENSHOT")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(target) / name), full_page=True)


def test_week_zero_steps_play_and_a_reset_that_applies_the_pending_changes(app):
    page = app
    assert page.title() == "Vertical community governance"
    page.locator(".vcs-week0").filter(has_text="Week 0: nothing has happened yet").wait_for()
    assert monitor(page, "week") == "0"

    for _ in range(3):
        step(page)
    assert monitor(page, "week") == "3"
    assert page.locator(".vcs-week0").count() == 0
    series = rows(page, "participation", "series")
    assert sorted({r["week"] for r in series}) == [0, 1, 2, 3] and len(series) == 5 * 4
    keep_screenshot(page, "app.png")

    harness.choose(page, "Governance mode", "Fusion governance")
    page.locator(".vcs-pending").filter(has_text="1 change(s) pending").wait_for()
    assert "Governance mode ● pending" in page.locator(".vcs-params").inner_text()
    caption = page.locator(".vcs-caption")
    assert "Brand governance" in caption.inner_text(), "choosing a mode alone must not rebuild the model"

    page.locator("button.vcs-reset").click()
    page.wait_for_function(harness.ALL_DRAWN, arg=4)
    assert "Fusion governance" in caption.inner_text() and monitor(page, "week") == "0"
    assert page.locator(".vcs-pending").count() == 0
    assert "10-min service circle" in page.locator(".vcs-map").inner_text()  # the fusion preset's circle

    page.locator("button.vcs-play").click()
    page.wait_for_function(
        "() => Number(document.querySelector('.vcs-monitors td[data-name=week]').innerText) >= 3"
    )
    page.locator("button.vcs-play").filter(has_text="Pause").click()
    page.locator("button.vcs-play").filter(has_text="Play").wait_for()
    # the plots have every week up to the one Play stopped at, which the monitors show
    page.wait_for_function(
        """() => {
            const week = Number(document.querySelector('.vcs-monitors td[data-name=week]').innerText);
            const plot = document.querySelector('.vcs-vega[data-name=participation]');
            const rows = plot.__vcsView.data('series');
            return week >= 3 && rows.length === 5 * (week + 1) && Math.max(...rows.map(r => r.week)) === week;
        }"""
    )


def test_a_click_on_a_committee_shows_its_state(app):
    page = app
    step(page)
    node = page.evaluate(
        """() => {
            const el = document.querySelector('.vcs-vega[data-name=map]');
            const view = el.__vcsView;
            const node = view.data('nodes').find(d => d.level === 'Building station');
            const box = el.querySelector('canvas').getBoundingClientRect();
            const [ox, oy] = view.origin();
            const x = box.left + ox + view.scale('x')(node.x), y = box.top + oy + view.scale('y')(node.y);
            return {name: node.name, x, y};
        }"""
    )
    page.mouse.click(node["x"], node["y"])
    table = page.locator(".vcs-inspect-table")
    table.wait_for()
    text = table.inner_text()
    assert node["name"] in text and "Resources held (RU)" in text and "Service point open" in text


def test_the_language_switch_relabels_the_page_and_the_charts(app):
    page = app
    step(page)
    page.get_by_role("button", name="中文").click()
    page.get_by_role("button", name="单步").wait_for()
    page.wait_for_function("() => document.title === '立体社区协同治理'")
    assert page.locator(".vcs-monitors th").first.inner_text() == "周"
    map_level = "() => document.querySelector('.vcs-vega[data-name=map]').__vcsView.data('nodes')[0].level"
    page.wait_for_function(f"() => ({map_level})() === '街道党工委'")  # the map's spec, re-embedded
    assert "参与率" in page.locator(".vcs-map").inner_text()  # the colour toggle
    step(page)
    assert monitor(page, "week") == "2"
    keep_screenshot(page, "app_zh.png")
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Step").wait_for()


def test_downloads_of_the_run_table_and_a_figure(app):
    page = app
    for _ in range(2):
        step(page)
    button = page.locator(".vcs-downloads .solara-file-download-container")
    with page.expect_download() as got:
        button.click()
    assert got.value.suggested_filename == "nanjing_east_brand_need_seed0.csv"
    table = pd.read_csv(got.value.path(), index_col="week")
    assert list(table.index) == [0, 1, 2] and "participation_rate" in table.columns
    assert f"{table.loc[2, 'participation_rate']:.1%}" == monitor(page, "participation_rate")

    harness.choose(page, "File", "District map (PNG)")
    with page.expect_download() as got:
        button.click()
    assert got.value.suggested_filename.endswith("_map.png")
    assert Path(got.value.path()).read_bytes().startswith(b"\x89PNG")

    harness.choose(page, "File", "Run table (Parquet)")
    with page.expect_download() as got:
        button.click()
    parquet = pd.read_parquet(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert len(parquet) == 3


# Each character drawn alone on a canvas in ``font`` (as the charts draw their text), as a PNG data url.
DRAW_ON_CANVAS = """async ([font, chars]) => {
    await document.fonts.load(font, chars.join(''));
    return chars.map((c) => {
        const canvas = document.createElement('canvas');
        canvas.width = canvas.height = 48;
        const context = canvas.getContext('2d');
        context.font = font;
        context.fillText(c, 4, 38);
        return canvas.toDataURL();
    });
}"""
# Each character as a label of its own in the page (in the page's fonts, or in ``family``), in a box of
# its own at a whole-pixel place over everything else, so that two boxes differ only by the glyph.
ADD_LABELS = """([chars, family, row]) => chars.map((c, i) => {
    const label = document.createElement('div');
    label.className = `vcs-glyph-${row}-${i}`;
    label.textContent = c;
    Object.assign(label.style, {position: 'fixed', left: `${60 * i}px`, top: `${60 * row}px`,
        width: '48px', height: '48px', lineHeight: '48px', fontSize: '32px', background: '#fff',
        color: '#000', zIndex: 10000});
    if (family) label.style.fontFamily = family;
    document.querySelector('.v-application').appendChild(label);
})"""


def test_chinese_is_drawn_in_the_app_s_own_font_where_the_system_has_none(server, browser_without_cjk):
    """Without a system CJK font, two different Chinese characters in a font the page does not
    serve are the same empty box; in the page's family (labels, and canvas text as the charts draw
    it) they are two different glyphs, from the font the app served from its own origin."""
    url, _ = server
    page = browser_without_cjk.new_page(viewport={"width": 1700, "height": 1500})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    outside, fonts = [], []
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(url)
            else (outside.append(route.request.url), route.abort())
        ),
    )
    page.on("response", lambda r: fonts.append((r.url, r.status)) if webfont.FILE in r.url else None)
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    page.wait_for_function(harness.ALL_DRAWN, arg=0, timeout=PAGE_TIMEOUT_MS)
    page.get_by_role("button", name="中文").click()
    page.get_by_role("button", name="单步").wait_for()
    chars = ["参", "与"]  # of 参与率, an outcome's label
    boxes = page.evaluate(DRAW_ON_CANVAS, ["24px monospace", chars])
    assert boxes[0] == boxes[1], "the system has a CJK font: this test would prove nothing"
    glyphs = page.evaluate(DRAW_ON_CANVAS, [f"24px {webfont.CHART_FONT}", chars])
    blank = page.evaluate(DRAW_ON_CANVAS, [f"24px {webfont.CHART_FONT}", [" "]])[0]
    assert glyphs[0] != glyphs[1] and blank not in glyphs
    page.evaluate(ADD_LABELS, [chars, None, 0])
    page.evaluate(ADD_LABELS, [chars, "monospace", 1])
    shot = lambda row, i: page.locator(f".vcs-glyph-{row}-{i}").screenshot()
    assert shot(1, 0) == shot(1, 1)  # boxes
    assert shot(0, 0) != shot(0, 1)
    assert fonts and all(u.startswith(url) and status in (200, 304) for u, status in fonts), fonts
    loaded = page.evaluate(
        "() => [...document.fonts].filter(f => f.unicodeRange.includes('U+53C2')).map(f => f.status)"
    )
    assert "loaded" in loaded  # 参 is U+53C2
    assert not outside
    page.close()
