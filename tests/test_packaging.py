"""Packaging: the test extra runs the versions a plain install gets, and the package imports lightly."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
# packages whose newest release the cluster extra (so the test extra) cannot take: see pyproject.toml
CAPPED = ("cloudpickle", "joblib", "python-dateutil")


def base_requirements() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}


def installed_requirements_on(name: str) -> list[tuple[str, Requirement]]:
    """Every requirement on ``name`` that an installed distribution makes (not only in an extra)."""
    found = []
    for dist in metadata.distributions():
        for text in dist.requires or []:
            req = Requirement(text)
            applies = req.marker is None or req.marker.evaluate({"extra": ""})
            if canonicalize_name(req.name) == name and applies:
                found.append((dist.metadata["Name"], req))
    return found


@pytest.mark.parametrize("name", CAPPED)
def test_the_base_declares_the_caps_and_the_installed_version_meets_them(name):
    base = base_requirements()
    assert name in base and base[name].specifier, f"pyproject.toml's dependencies must pin {name}"
    assert base[name].specifier.contains(metadata.version(name)), (name, metadata.version(name))


@pytest.mark.parametrize("name", CAPPED)
def test_no_installed_package_refuses_a_version_the_base_allows(name):
    """At each version an installed package's requirement names (its bounds), the base's pin must not
    allow what that requirement refuses, or a plain install could take a version the test extra cannot."""
    pin = base_requirements()[name].specifier
    for dependent, req in installed_requirements_on(name):
        for bound in (spec.version for spec in req.specifier):
            refused = pin.contains(bound) and not req.specifier.contains(bound)
            assert not refused, (dependent, str(req), str(pin))


def resolve(target: str, report: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--dry-run",
        "--quiet",
        "--ignore-installed",
        "--report",
        str(report),
        "-e",
        target,
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def resolved_versions(report: Path) -> dict[str, str]:
    installs = json.loads(report.read_text())["install"]
    return {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"] for i in installs}


@pytest.mark.slow
def test_plain_and_test_installs_resolve_the_same_versions(tmp_path):
    """What pip would install, from the package index (needs it, as CI's install does)."""
    jobs = {
        name: resolve(target, tmp_path / f"{name}.json")
        for name, target in (("plain", str(REPO)), ("test", f"{REPO}[test]"))
    }
    for name, job in jobs.items():
        assert job.wait(timeout=900) == 0, f"pip could not resolve the {name} install: {job.stderr.read()}"
    plain, test = (resolved_versions(tmp_path / f"{name}.json") for name in jobs)
    assert set(plain) <= set(test)
    assert {k: v for k, v in plain.items() if test[k] != v} == {}, "the test extra changes these versions"


def test_importing_a_light_module_does_not_load_the_model():
    code = (
        "import sys, sim.sweep.progress; "
        "print(sorted({'mesa', 'pandas', 'scipy'} & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[]"


def test_the_public_names_survive_importing_their_modules():
    import sim.model
    import sim.run
    from sim import VerticalCommunityModel, run

    assert run is sim.run is sys.modules["sim.run"].run  # the function, as before the init was lazy
    assert VerticalCommunityModel is sim.VerticalCommunityModel is sim.model.VerticalCommunityModel
    with pytest.raises(AttributeError):
        _ = sim.no_such_name
