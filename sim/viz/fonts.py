"""Fonts for saved figures with Chinese text (中文字体): matplotlib's font fallback list, with a CJK
family after the default one wherever one is installed.

The families are those of Debian's fonts-noto-cjk ("Noto Sans CJK SC") and of the Noto Sans SC
builds on PyPI ("Noto Sans SC"); whichever is present is used, and without either the figure is
still saved (Chinese glyphs then come out as boxes, and matplotlib warns about missing glyphs).
Nothing is downloaded.
"""

from __future__ import annotations

import contextlib
import functools

import matplotlib
from matplotlib import font_manager

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC")


@functools.cache
def cjk_families() -> tuple[str, ...]:
    manager = font_manager.fontManager
    if not _present(manager):
        # matplotlib's font list is cached when it is first imported: a font installed later (apt,
        # after pip) is only found by looking at the system's font files again
        for path in font_manager.findSystemFonts():
            if any(key in path.replace("-", "").replace("_", "") for key in ("NotoSansCJK", "NotoSansSC")):
                with contextlib.suppress(OSError, RuntimeError):
                    manager.addfont(path)
    return _present(manager)


def _present(manager) -> tuple[str, ...]:
    installed = {f.name for f in manager.ttflist}
    return tuple(name for name in CJK_FAMILIES if name in installed)


def cjk_rc() -> contextlib.AbstractContextManager:
    """An rc context in which text falls back to a CJK family for the glyphs the default lacks."""
    # fallback works across the families named in font.family, not within a generic one
    default = matplotlib.rcParams["font.sans-serif"][:1]
    return matplotlib.rc_context({"font.family": [*default, *cjk_families()]})
