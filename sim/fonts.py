"""Fonts for Chinese text in saved figures and in the app (中文字体).

Noto Sans CJK SC comes with the ``mplfonts`` package, a declared dependency: nothing is downloaded
at run time, and matplotlib's own installation and cache are left alone (the font file is
registered with this process's font manager only). Latin text stays in matplotlib's default font;
matplotlib falls back glyph by glyph to the CJK font for Chinese characters. The browser app
serves the same font to the page (sim.viz.webfont).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

CJK_FAMILY = "Noto Sans CJK SC"
CJK_FILE = "NotoSansCJKsc-Regular.otf"
LATIN_FAMILY = "DejaVu Sans"  # matplotlib's bundled default


def cjk_path() -> Path:
    """The CJK font file (in the installed mplfonts package)."""
    return Path(str(resources.files("mplfonts") / "fonts" / CJK_FILE))


@cache
def register_cjk() -> str:
    """Make the CJK font known to matplotlib; return its family name."""
    from matplotlib import font_manager

    path = str(cjk_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def rc(lang: str) -> dict:
    """matplotlib settings (for ``plt.rc_context``) that render text in ``lang``."""
    if lang != "zh":
        return {}
    return {"font.family": [LATIN_FAMILY, register_cjk()], "axes.unicode_minus": True}


def cjk_rc():
    """An rc context in which text falls back to the CJK font for the glyphs the default lacks (the
    app's figures, which may mix both languages)."""
    import matplotlib

    return matplotlib.rc_context(rc("zh"))
