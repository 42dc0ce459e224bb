"""Fill Solara's CDN proxy cache from the npm registry, so the app also works offline.

Solara's page loads its browser code from ``/_solara/cdn/<package>@<version>/<file>``. The
server answers from ``$SOLARA_ASSETS_PROXY_CACHE_DIR/<package>@<version>/<file>`` and only
goes to the CDN (jsdelivr) when that file is missing, so without internet access the page
stays blank. jsdelivr serves npm tarballs file by file, so unpacking the same tarballs with
``npm pack`` (which uses npm's own registry, proxy and auth configuration) fills the cache
with what the CDN would have returned.

    python -m sim.viz.offline_assets [--cache-dir DIR]
    export SOLARA_ASSETS_PROXY_CACHE_DIR=DIR
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGES = (
    "@widgetti/solara-vuetify-app",
    "requirejs",
    "font-awesome",
    "vega",
    "vega-lite",
    "vega-embed",
    "@widgetti/vue-grid-layout",
)
APP_DIR = Path(__file__).resolve().parent
REPO_ROOT = APP_DIR.parents[1]
DEFAULT_CACHE_DIR = REPO_ROOT / "results" / ".solara-cache"

# How Solara's templates, settings and .vue files spell a proxied url after the cdn prefix,
# e.g. "{{cdn}}/requirejs@2.3.6/require.js" or "${this.getCdn()}/vega@5/build/vega.min.js".
# The version may be a semver range ("vega@5"); the cache then uses that same directory name.
_CDN_REF = re.compile(r"(?<![\w.-])((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.+-]*)/([\w./{}-]*)")
_SOURCE_SUFFIXES = {".py", ".j2", ".html", ".vue", ".js"}
# Every npm tarball has one; Solara's online proxy caches only the files a browser asked for,
# so a directory without it is a partial cache and gets replaced.
_COMPLETE_MARKER = "package.json"


class OfflineAssetsError(RuntimeError):
    pass


def solara_root() -> Path:
    # find_spec rather than import: importing solara.server reads settings and creates directories
    spec = importlib.util.find_spec("solara")
    if spec is None or spec.origin is None:
        raise OfflineAssetsError("the solara package is not installed")
    return Path(spec.origin).parent


def find_references(root: Path | None = None) -> dict[str, set[str]]:
    """Map each ``<package>@<version>`` of PACKAGES that solara (and the app's own .vue files, which
    load vega through the same proxy) requests to the files it asks for."""
    roots = [root] if root else [solara_root(), APP_DIR]
    refs: dict[str, set[str]] = {}
    for path in sorted(p for r in roots for p in r.rglob("*")):
        if path.suffix not in _SOURCE_SUFFIXES or not path.is_file():
            continue
        for name, version, file in _CDN_REF.findall(path.read_text(encoding="utf-8", errors="replace")):
            if name in PACKAGES:
                files = refs.setdefault(f"{name}@{version}", set())
                if re.search(r"[^./]\.\w+$", file):  # a file, not prose such as "...@10.1.1/...,"
                    files.add(file)
    missing = [name for name in PACKAGES if not any(spec.rpartition("@")[0] == name for spec in refs)]
    if missing:
        raise OfflineAssetsError(
            f"could not find the version of {', '.join(missing)} in the installed solara ({roots[0]}); "
            f"solara may no longer load it from the CDN: update PACKAGES in {__name__}"
        )
    return refs


def discover_versions(root: Path | None = None) -> dict[str, list[str]]:
    """The version(s) of each of PACKAGES that the installed solara requests."""
    versions: dict[str, list[str]] = {name: [] for name in PACKAGES}
    for spec in find_references(root):
        name, _, version = spec.rpartition("@")
        versions[name].append(version)
    return {name: sorted(found) for name, found in versions.items()}


def npm_pack(spec: str, dest: Path) -> tuple[Path, str]:
    """Download the tarball of ``spec`` into ``dest``; returns it and the exact version npm chose."""
    npm = shutil.which("npm")
    if npm is None:
        raise OfflineAssetsError(
            "npm not found on PATH; install Node.js/npm to fetch Solara's browser assets"
        )
    # --ignore-scripts: we want the published files only, never to run package code;
    # cwd=dest: so npm never treats the repo as an npm project
    proc = subprocess.run(
        [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(dest)],
        cwd=dest,
        capture_output=True,
        text=True,
    )
    try:
        info = json.loads(proc.stdout)
    except json.JSONDecodeError:
        info = None
    if proc.returncode != 0 or not isinstance(info, list) or not info:
        reason = info.get("error", {}).get("summary") if isinstance(info, dict) else None
        stderr = [line for line in proc.stderr.splitlines() if line.strip()]
        reason = reason or (stderr[-1] if stderr else f"exit code {proc.returncode}")
        raise OfflineAssetsError(f"npm pack {spec} failed: {reason}")
    return dest / info[0]["filename"], info[0]["version"]


def unpack(tarball: Path, dest: Path, workdir: Path) -> None:
    """Unpack an npm tarball so its files sit directly in ``dest``, as the CDN serves them."""
    out = workdir / "unpacked"
    with tarfile.open(tarball) as tar:
        # "data" refuses absolute paths, links leaving the tree and device files
        tar.extractall(out, filter="data")
    tops = list(out.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():  # npm tarballs hold one directory, usually package/
        raise OfflineAssetsError(f"unexpected layout in {tarball.name}: {[t.name for t in tops]}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        shutil.rmtree(dest)
    # workdir is inside the cache dir, so this is a rename: Solara never sees a half-unpacked package
    os.replace(tops[0], dest)


def add_minified_aliases(pkg_dir: Path, files: set[str]) -> None:
    # jsdelivr minifies on the fly, so solara asks for files some packages do not ship
    # (requirejs@2.3.6/require.min.js); the unminified file does the same job
    for file in files:
        target = pkg_dir / file
        source = target.with_name(target.name.replace(".min.", ".", 1))
        if ".min." in target.name and not target.exists() and source.is_file():
            shutil.copyfile(source, target)


def missing_files(pkg_dir: Path, files: set[str]) -> list[str]:
    # a template variable such as {{ipywidget_major_version}} may take any value
    return sorted(f for f in files if not any(pkg_dir.glob(re.sub(r"\{\{.*?\}\}", "*", f))))


def fill_cache(cache_dir: Path, log=print) -> None:
    """Make sure every package solara requests from the CDN is unpacked in ``cache_dir``."""
    refs = find_references()
    cache_dir.mkdir(parents=True, exist_ok=True)
    for spec, files in sorted(refs.items()):
        pkg_dir = cache_dir / spec
        if (pkg_dir / _COMPLETE_MARKER).is_file():
            status = "already present"
        else:
            with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".fetch-") as tmp:
                tarball, version = npm_pack(spec, Path(tmp))
                unpack(tarball, pkg_dir, Path(tmp))
            status = f"fetched {spec.rpartition('@')[0]}@{version}"
        add_minified_aliases(pkg_dir, files)
        log(f"{spec:45} {status}")
        for file in missing_files(pkg_dir, files):
            log(f"  warning: solara requests {spec}/{file}, which the package does not contain")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sim.viz.offline_assets", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=DEFAULT_CACHE_DIR,
        help=f"Solara's proxy cache directory to fill (default: {DEFAULT_CACHE_DIR})",
    )
    args = parser.parse_args(argv)
    cache_dir = args.cache_dir.resolve()  # the export line must work from any directory
    try:
        fill_cache(cache_dir)
    except (OfflineAssetsError, OSError, tarfile.TarError) as e:
        print("error: " + " ".join(str(e).split()), file=sys.stderr)
        return 1
    print(f"Solara asset cache: {cache_dir}")
    print(f"export SOLARA_ASSETS_PROXY_CACHE_DIR={shlex.quote(str(cache_dir))}")
    # solara turns its proxy off by itself in a VS Code terminal (VSCODE_PID set) and then
    # loads straight from the CDN, ignoring this cache
    print("export SOLARA_ASSETS_PROXY=true")
    return 0


if __name__ == "__main__":
    sys.exit(main())
