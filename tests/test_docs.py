"""The tutorial notebook runs top to bottom, the documentation site builds with warnings as errors,
without fetching anything, and its Limits table is the one the checks use."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import LIMITS, Open

REPO = Path(__file__).resolve().parent.parent


def limits_hook():
    spec = importlib.util.spec_from_file_location("limits_hook", REPO / "docs" / "_hooks" / "limits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_limits_table_has_a_row_for_every_bound_the_checks_use():
    hook = limits_hook()
    page = (REPO / "docs" / "running.md").read_text(encoding="utf-8")
    assert len(hook.MARKER.findall(page)) == 1
    rows = [
        line for line in hook.on_page_markdown(page, None, None, None).splitlines() if line.startswith("| `")
    ]
    for key, (low, high) in LIMITS.items():
        row = [r for r in rows if r.startswith((f"| `{key}` | a number in", f"| `{key}` | an integer in"))]
        assert len(row) == 1, key
        opening = "(" if isinstance(low, Open) else "["  # an open bound is not itself allowed
        assert f"in {opening}{low:,}, {high:,}]" in row[0] or f"in {opening}{low:g}, {high:g}]" in row[0], row


@pytest.mark.slow
def test_the_tutorial_notebook_runs(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(REPO / "docs" / "tutorial.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")  # stored clean
    os.environ.setdefault("PYTHONPATH", str(REPO))  # the kernel imports this checkout's sim
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    ).execute()
    text = "\n".join(
        str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert "0 9 runs; 117 rows of weekly outcomes" in text  # 3 modes x 3 seeds x (12 + 1) weeks
    assert "fusion" in text and "# 实验报告" in text
    images = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "image/png" in o.get("data", {})
    ]
    assert len(images) >= 3  # the model's plot and the two report figures


@pytest.mark.slow
def test_the_documentation_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    site = tmp_path / "site"
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    assert (site / "index.html").exists() and (site / "tutorial.ipynb").exists()
    guide = (site / "guide" / "index.html").read_text()
    assert "Quick start" in guide and 'href="../ODD/"' in guide  # the README, its links made the site's
    chinese = (site / "zh" / "index.html").read_text()
    assert "快速开始" in chinese and 'href="../running/#limits"' in chinese  # README.zh.md
    running = (site / "running" / "index.html").read_text()
    assert "LIMITS:" not in running and all(f"<code>{key}</code>" in running for key in LIMITS)
    for page in ("sweeps", "clusters", "studies", "python", "development"):
        assert (site / page / "index.html").exists(), page
    api = (site / "api" / "index.html").read_text()
    assert "run_sweep" in api and "VerticalCommunityModel" in api and "load_sweep" in api
    index = " ".join(
        doc["text"] for doc in json.loads((site / "search" / "search_index.json").read_text())["docs"]
    )
    assert "片区治理" in index and "Organisational coverage" in index  # searchable in both languages
    for page in site.rglob("*.html"):  # offline: no web fonts or scripts from another host
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in html and "cdn.jsdelivr.net" not in html, page
