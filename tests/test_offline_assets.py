"""Tests for sim.viz.offline_assets, which fills Solara's CDN proxy cache from npm."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# the project need not be pip-installed; plain `pytest` must still import `sim`
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sim.viz import offline_assets  # noqa: E402


def solara_text(*parts: str) -> str:
    return offline_assets.solara_root().joinpath(*parts).read_text(encoding="utf-8")


# Where solara spells each package's cdn url; read here with a plain search rather than the
# module's regex, so a wrong regex cannot agree with itself.
WHERE_REQUESTED = {
    "@widgetti/solara-vuetify-app": ("server", "templates", "solara.html.j2"),
    "requirejs": ("server", "templates", "solara.html.j2"),
    "font-awesome": ("server", "settings.py"),
    "vega": ("widgets", "vue", "vegalite.vue"),
    "vega-lite": ("widgets", "vue", "vegalite.vue"),
    "vega-embed": ("widgets", "vue", "vegalite.vue"),
    "@widgetti/vue-grid-layout": ("widgets", "vue", "gridlayout.vue"),
}


def test_discovers_a_version_for_every_required_package():
    versions = offline_assets.discover_versions()
    assert sorted(versions) == sorted(offline_assets.PACKAGES) == sorted(WHERE_REQUESTED)
    for name, found in versions.items():
        assert found and all(re.fullmatch(r"\d[\w.+-]*", v) for v in found), (name, found)


@pytest.mark.parametrize("name", sorted(WHERE_REQUESTED))
def test_discovered_versions_are_the_ones_solara_requests(name):
    text = solara_text(*WHERE_REQUESTED[name])
    in_source = set(re.findall(r"/" + re.escape(name) + r"@([^/\s]+)/", text))
    assert in_source, f"{name} is no longer requested in {WHERE_REQUESTED[name]}"
    assert in_source <= set(offline_assets.discover_versions()[name])


def test_scanner_tells_similar_names_and_ranges_apart(tmp_path):
    (tmp_path / "page.html.j2").write_text(
        '<link href="{{cdn}}/@widgetti/solara-vuetify-app@10.1.1/dist/main{{v}}.css">\n'
        '<script src="{{cdn}}/requirejs@2.3.6/require.js"></script>\n'
        "# prose: (@widgetti/solara-vuetify-app@10.1.1/..., requirejs@2.3.6/...)\n"
        '"/font-awesome@4.5.0/css/font-awesome.min.css"\n'
    )
    (tmp_path / "w.vue").write_text(
        "`${this.getCdn()}/vega@5/build/vega.min.js`, "
        "`${this.getCdn()}/vega-lite@5.2/build/vega-lite.min.js`,\n"
        "`${this.getCdn()}/vega-embed@6/build/vega-embed.min.js`, `${cdn}/other-vega@1/x.js`,\n"
        "`${this.getCdn()}/@widgetti/vue-grid-layout@2.3.13-alpha.2/dist/vue-grid-layout.umd.js`\n"
    )
    refs = offline_assets.find_references(tmp_path)
    assert refs == {
        "@widgetti/solara-vuetify-app@10.1.1": {"dist/main{{v}}.css"},
        "requirejs@2.3.6": {"require.js"},
        "font-awesome@4.5.0": {"css/font-awesome.min.css"},
        "vega@5": {"build/vega.min.js"},
        "vega-lite@5.2": {"build/vega-lite.min.js"},
        "vega-embed@6": {"build/vega-embed.min.js"},
        "@widgetti/vue-grid-layout@2.3.13-alpha.2": {"dist/vue-grid-layout.umd.js"},
    }


def test_a_package_solara_no_longer_requests_is_a_clear_error(tmp_path):
    (tmp_path / "t.html").write_text('<script src="{{cdn}}/requirejs@2.3.6/require.js"></script>')
    with pytest.raises(offline_assets.OfflineAssetsError, match="font-awesome"):
        offline_assets.find_references(tmp_path)


def test_missing_npm_fails_with_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert offline_assets.main(["--cache-dir", str(tmp_path / "cache")]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "npm" in err, err


# ---------------------------------------------------------------------------- npm, slow


@pytest.fixture(scope="module")
def filled_cache(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("solara-cache")
    proc = subprocess.run(
        [sys.executable, "-m", "sim.viz.offline_assets", "--cache-dir", str(cache)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"export SOLARA_ASSETS_PROXY_CACHE_DIR={cache}" in proc.stdout
    assert "warning" not in proc.stdout, proc.stdout
    return cache


def page_requests() -> list[str]:
    """Cdn paths the page and the vega/grid widgets request, as rendered for this install."""
    import ipywidgets

    v = {name: found[0] for name, found in offline_assets.discover_versions().items()}
    major = ipywidgets.__version__.split(".")[0]  # solara.html.j2's ipywidget_major_version
    app = f"@widgetti/solara-vuetify-app@{v['@widgetti/solara-vuetify-app']}/dist"
    return [
        f"{app}/main{major}.css",
        f"{app}/fonts.css",
        f"{app}/solara-vuetify-app{major}.js",
        f"{app}/solara-vuetify-app{major}.min.js",
        f"requirejs@{v['requirejs']}/require.js",
        f"requirejs@{v['requirejs']}/require.min.js",
        f"font-awesome@{v['font-awesome']}/css/font-awesome.min.css",
        f"vega@{v['vega']}/build/vega.min.js",
        f"vega-lite@{v['vega-lite']}/build/vega-lite.min.js",
        f"vega-embed@{v['vega-embed']}/build/vega-embed.min.js",
        f"@widgetti/vue-grid-layout@{v['@widgetti/vue-grid-layout']}/dist/vue-grid-layout.umd.js",
    ]


@pytest.mark.slow
def test_solara_serves_the_page_assets_from_the_cache(filled_cache, monkeypatch):
    from solara.server import cdn_helper

    def cache_miss(url):
        raise AssertionError(f"not in the cache; solara would fetch {url}")

    monkeypatch.setattr(cdn_helper, "fetch_from_cdn", cache_miss)
    for path in page_requests():
        served = cdn_helper.get_path(filled_cache, path)
        assert served.is_file() and served.stat().st_size > 0, path


@pytest.mark.slow
def test_fonts_the_stylesheets_point_at_are_cached(filled_cache):
    css_files = [p for p in page_requests() if p.endswith(".css")]
    assert len(css_files) == 3
    for css in css_files:
        urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", (filled_cache / css).read_text(encoding="utf-8"))
        local = {u.split("?")[0].split("#")[0] for u in urls if not u.startswith("data:")}
        missing = [u for u in local if not ((filled_cache / css).parent / u).is_file()]
        assert not missing, (css, missing)


@pytest.mark.slow
def test_rerun_keeps_the_cache(filled_cache, capsys):
    app_js = next(filled_cache.glob("@widgetti/solara-vuetify-app@*/dist/fonts.css"))
    before = app_js.stat().st_mtime_ns
    assert offline_assets.main(["--cache-dir", str(filled_cache)]) == 0
    out = capsys.readouterr().out
    assert "fetched" not in out and out.count("already present") == len(offline_assets.find_references())
    assert app_js.stat().st_mtime_ns == before
