"""The app's Chinese web font: every character of its Chinese words, a fraction of the font's size,
served by Solara from the app's own origin, and named by the charts (the browser test,
tests/test_viz_browser.py, shows it drawn without a system CJK font)."""

from __future__ import annotations

import hashlib
import io
from urllib.parse import parse_qs, urlsplit

import altair as alt
import pytest
from fontTools.ttLib import TTFont

from sim import outcomes
from sim.fonts import cjk_path
from sim.i18n import LANGUAGES, term
from sim.viz import webfont
from sim.viz.vega import to_spec


@pytest.fixture(scope="module")
def served():
    """The font's url, and the file Solara serves there (cut down once per test process)."""
    from solara.server import server

    url = webfont.url()
    files = [d / webfont.FILE for d in server.asset_directories() if (d / webfont.FILE).exists()]
    assert len(files) == 1
    return url, files[0]


def test_the_cut_down_font_draws_every_chinese_character_of_the_app(served):
    chars = webfont.characters()
    for word in (term("app.title", "zh"), outcomes.label("demand_met", "zh"), LANGUAGES["zh"], "（）：、"):
        assert set(word) <= set(chars), word
    assert not set("Roboto 0.5 RU") & set(chars)  # Latin stays in the page's own font
    data = served[1].read_bytes()
    font = TTFont(io.BytesIO(data))
    cmap, glyphs = font.getBestCmap(), font.getGlyphSet()
    assert [c for c in chars if cmap.get(ord(c), ".notdef") != ".notdef"] == chars
    assert [c for c in chars if glyphs[cmap[ord(c)]].width > 0] == chars
    assert len(data) < 0.02 * cjk_path().stat().st_size  # about 70 KB of 16 MB


def test_unicode_range_joins_consecutive_code_points():
    assert webfont.unicode_range(["、", "。", "中", "丠", "丢"]) == "U+3001-3002, U+4E2D, U+4E20, U+4E22"


def test_solara_serves_the_font_from_the_app_s_own_assets(served):
    url, file = served
    path, query = urlsplit(url).path, parse_qs(urlsplit(url).query)
    assert path == f"static/assets/{webfont.FILE}"  # relative: the page's own origin and prefix
    assert query["v"] == [hashlib.md5(file.read_bytes(), usedforsecurity=False).hexdigest()]
    css = webfont.css()
    assert css.count("@font-face") == len(webfont.WEIGHTS) and css.count(url) == len(webfont.WEIGHTS)
    assert f"font-family: {webfont.FAMILY};" in css


def test_charts_set_their_text_in_the_page_s_family():
    spec = to_spec(alt.Chart(alt.Data(values=[{"x": 1}])).mark_point().encode(x="x:Q"))
    assert spec["config"]["font"] == webfont.CHART_FONT
    assert webfont.CHART_FONT.startswith(webfont.FAMILY)
