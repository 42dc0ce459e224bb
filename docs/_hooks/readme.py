"""MkDocs hook: the README becomes the site's guide page (guide.md), with its links to docs/
rewritten to the site's pages, so the README stays the one source of that text."""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.structure.files import File

README = Path(__file__).resolve().parents[2] / "README.md"


def on_files(files, config):
    text = re.sub(r"\]\(docs/", "](", README.read_text(encoding="utf-8"))
    files.append(File.generated(config, "guide.md", content=text))
    return files
