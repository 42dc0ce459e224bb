"""The app's Chinese on a machine without a Chinese font (网页中文字体).

The page's text is set in Vuetify's "Roboto, sans-serif", which has no Chinese glyphs, so a browser
without a system CJK font draws every Chinese label as empty boxes. The app therefore serves the CJK
font the project installs for figures (Noto Sans CJK SC from ``mplfonts``, :mod:`sim.fonts`) itself:
cut down (fontTools) to the characters of the app's Chinese words (about 70 KB instead of 16 MB),
written into a directory of this server process's own that Solara serves under ``static/assets/``,
and declared as more faces of the Roboto family for those characters only (``unicode-range``). So
every label, button and chart (which :func:`sim.viz.vega.to_spec` sets in the same family) takes its
Chinese from the app's own origin, and nothing is fetched from elsewhere.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import shutil
import tempfile
import unicodedata
from functools import cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from sim.fonts import cjk_path
from sim.i18n import LANGUAGES, TERMS
from sim.outcomes import OUTCOMES

FAMILY = "Roboto"  # Vuetify's, on every element (with !important on its typography classes)
CHART_FONT = f"{FAMILY}, sans-serif"
# Roboto's weights in Solara's theme: a browser picks the faces of one weight first and only then
# looks at unicode-range, so the Chinese face is declared at each of them
WEIGHTS = (100, 300, 400, 500, 700, 900)
FILE = "NotoSansCJKsc-app.otf"


def characters() -> list[str]:
    """The wide (CJK) characters of every Chinese word the app can show: its terms, the outcomes'
    labels and the language switch."""
    words = [zh for _, zh in TERMS.values()] + [o.zh for o in OUTCOMES.values()] + list(LANGUAGES.values())
    return sorted({c for word in words for c in word if unicodedata.east_asian_width(c) in "WF"})


def subset_font(chars: list[str]) -> bytes:
    """The CJK font with the glyphs of ``chars`` only (no layout features: the app sets Chinese
    horizontally, one glyph a character)."""
    options = subset.Options()
    options.layout_features = []
    font = TTFont(cjk_path(), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def unicode_range(chars: list[str]) -> str:
    """The CSS ``unicode-range`` of ``chars`` (sorted): runs of consecutive code points as ranges."""
    runs: list[list[int]] = []
    for point in map(ord, chars):
        if runs and point == runs[-1][1] + 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in runs)


@cache
def url() -> str:
    """Write the cut-down font into a directory of this process's own (removed when it exits), add
    that to the directories Solara serves at ``static/assets/``, and return the font's url relative
    to the page, with its content hash (Solara then lets browsers keep it)."""
    from solara.server.settings import assets

    data = subset_font(characters())
    directory = Path(tempfile.mkdtemp(prefix="vcsim-webfont-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    (directory / FILE).write_bytes(data)
    assets.extra_locations.append(str(directory))
    return f"static/assets/{FILE}?v={hashlib.md5(data, usedforsecurity=False).hexdigest()}"


@cache
def css() -> str:
    """The ``@font-face`` rules of the Chinese faces, one per weight of the family."""
    chars, src = unicode_range(characters()), url()
    return "\n".join(
        f"@font-face {{ font-family: {FAMILY}; font-style: normal; font-weight: {weight}; "
        f"font-display: block; unicode-range: {chars}; src: url({src}) format('opentype'); }}"
        for weight in WEIGHTS
    )
