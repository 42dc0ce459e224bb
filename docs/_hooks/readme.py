"""MkDocs hook: the READMEs become site pages, README.md the getting-started page (guide.md) and
README.zh.md the Chinese introduction (zh/index.md), with their links to docs/ and to each other
made the site's, so each README stays the one source of its text."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.structure.files import File

REPO = Path(__file__).resolve().parents[2]
PAGES = {"README.md": "guide.md", "README.zh.md": "zh/index.md"}


def site_text(readme: str, page: str) -> str:
    """``readme``'s text as the site page ``page``."""
    here = posixpath.dirname(page) or "."
    text = (REPO / readme).read_text(encoding="utf-8")
    text = re.sub(r"\]\(docs/", "](" + "../" * page.count("/"), text)
    for other, target in PAGES.items():
        text = text.replace(f"]({other})", f"]({posixpath.relpath(target, here)})")
    return text


def on_files(files, config):
    for readme, page in PAGES.items():
        files.append(File.generated(config, page, content=site_text(readme, page)))
    return files
