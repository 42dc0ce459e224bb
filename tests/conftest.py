from __future__ import annotations

import pytest

from sim import VerticalCommunityModel
from sim.validate import compose


def single_site_config(tmp_path, *, enterprises=1, workers=0, members=0, residents=0, overrides=()):
    """A district of one building (or one residential area) for docking a rule in the full model."""
    district = tmp_path / "one_site.yaml"
    zone = {"name": "z", "buildings": [], "residential_areas": []}
    if residents:
        zone["residential_areas"].append({"name": "area", "residents": residents})
    else:
        zone["buildings"].append(
            {"name": "tower", "enterprises": enterprises, "workers": workers, "members": members}
        )
    import yaml

    district.write_text(yaml.safe_dump({"subdistricts": {"s": {"area_km2": 0.1, "zones": [zone]}}}))
    # docking runs the original models: no firm turnover, which the originals do not have
    return compose(
        [
            f"scenario.file={district}",
            "governance=fragmented",
            "sinking=none",
            "behaviour.turnover.firm_exit_rate=0",
            *overrides,
        ]
    )


@pytest.fixture
def small_model():
    def make(governance="brand", sinking="need", seed=0, **overrides):
        return VerticalCommunityModel("small", governance, sinking, rng=seed, agent_views="none", **overrides)

    return make


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The serial run of test_sweep.GRID, once per module, that launcher tests compare against."""
    from test_sweep import GRID, sweep

    out = tmp_path_factory.mktemp("serial")
    result = sweep(out, *GRID)
    assert result.returncode == 0, result.stderr
    return out
