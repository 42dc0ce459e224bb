"""Scenario presets carry the article's counts; the grid turns distance into walking minutes."""

from __future__ import annotations

import numpy as np
import pytest

from sim.validate import compose
from sim.world import AREA, BUILDING, build_populations, build_world
from sim.world.population import JOINT, OWN_BRANCH, UNCOVERED, _initial_organisations


def totals(scenario: str) -> dict:
    cfg = compose([f"scenario={scenario}"])
    out = {
        "subdistricts": len(cfg.scenario.subdistricts),
        "zones": 0,
        "buildings": 0,
        "key": 0,
        "firms": 0,
        "members": 0,
        "organised": 0,
        "orgs": 0,
        "areas": 0,
        "workers": 0,
        "residents": 0,
    }
    for spec in cfg.scenario.subdistricts.values():
        members = sum(b.members for z in spec.zones for b in z.buildings)
        out["organised"] += round((spec.attached_share or 0) * members)
        for z in spec.zones:
            out["zones"] += 1
            out["buildings"] += len(z.buildings)
            out["areas"] += len(z.residential_areas)
            out["key"] += sum(b.key for b in z.buildings)
            out["firms"] += sum(b.enterprises for b in z.buildings)
            out["members"] += sum(b.members for b in z.buildings)
            out["orgs"] += sum(b.party_orgs for b in z.buildings)
            out["workers"] += sum(b.workers for b in z.buildings)
            out["residents"] += sum(a.residents for a in z.residential_areas)
    return out


@pytest.mark.parametrize(
    "scenario, expected",
    [
        (
            "nanjing_east",
            {
                "zones": 8,
                "buildings": 63,
                "key": 16,
                "firms": 8000,
                "organised": 1800,
                "orgs": 133,
                "areas": 19,
            },
        ),
        ("xiaodongmen", {"zones": 4, "buildings": 16, "key": 8, "organised": 1048, "orgs": 20}),
        ("bund", {"buildings": 42, "organised": 2790, "orgs": 224}),
        ("huaihai", {"zones": 3, "buildings": 45, "key": 31}),
    ],
)
def test_article_counts(scenario, expected):
    """The article's counts; its member counts are the members organised in the buildings, set
    against all members at 6% of the workforce (EVIDENCE.md)."""
    got = totals(scenario)
    assert {k: got[k] for k in expected} == expected
    assert got["members"] == round(0.06 * got["workers"])


def test_huaihai_middle_zone_holds_the_31_xintiandi_buildings():
    zones = compose(["scenario=huaihai"]).scenario.subdistricts["huaihai"].zones
    assert [len(z.buildings) for z in zones] == [7, 31, 7]
    assert all(b.key for b in zones[1].buildings)
    assert sum(b.workers for b in zones[1].buildings) >= 70_000


def test_huangpu_district_counts():
    got = totals("huangpu")
    assert got["subdistricts"] == 10
    assert got["buildings"] == 200 and got["key"] == 98
    assert 600_000 <= got["residents"] <= 700_000
    assert 900_000 <= got["residents"] + got["workers"] + got["members"] <= 1_200_000


def test_layout_places_every_site_inside_the_grid_and_its_zone():
    cfg = compose(["scenario=huangpu"])
    world = build_world(cfg, np.random.default_rng(0))
    assert world.n_subdistricts == 10 and world.n_sites == 200 + 190
    assert (world.site_xy >= 0).all() and (world.site_xy[:, 0] < world.width).all()
    assert (world.site_xy[:, 1] < world.height).all()
    # a site's zone committee is its parent, and the zone's subdistrict committee the grandparent
    site_nodes = world.site_node(np.arange(world.n_sites))
    assert (world.node_parent[site_nodes] == world.zone_node(world.site_zone)).all()
    assert (world.node_parent[world.node_parent[site_nodes]] == world.site_subdistrict).all()


def test_walking_minutes_follow_the_documented_formula():
    cfg = compose(
        [
            "world.cell_size_m=100",
            "world.walk_speed_m_per_min=80",
            "world.detour_factor=1.5",
            "world.access_overhead_min=2",
        ]
    )
    world = build_world(cfg, np.random.default_rng(0))
    a, b = np.array([[0, 0]]), np.array([[3, 4], [0, 0]])  # 5 cells = 500 m apart, and the same cell
    np.testing.assert_allclose(world.travel_minutes(cfg, a, b), [[2 + 1.5 * 500 / 80, 2]])


def test_populations_match_the_specs():
    cfg = compose(["scenario=nanjing_east"])
    world = build_world(cfg, np.random.default_rng(0))
    people, firms = build_populations(cfg, world, np.random.default_rng(0))
    t = totals("nanjing_east")
    kinds = np.bincount(people.kind, minlength=3)
    assert tuple(kinds) == (t["members"], t["workers"], t["residents"])
    assert len(firms) == t["firms"] and firms.members.sum() == t["members"]
    assert (world.site_kind[firms.site] == BUILDING).all()
    assert (world.site_kind[people.site[people.kind == 2]] == AREA).all()
    # people work where their firm is
    staff = people.firm >= 0
    assert (firms.site[people.firm[staff]] == people.site[staff]).all()


def test_count_form_gives_every_building_a_firm_and_keeps_every_member():
    from sim.world.spec import parse_subdistrict

    spec = parse_subdistrict(
        "s",
        {
            "zones": 1,
            "buildings": 10,
            "key_buildings": 1,
            "key_size_factor": 100,
            "enterprises": 12,
            "workers_per_building": 0,
            "members": 7,
        },
    )
    buildings = spec.zones[0].buildings
    assert min(b.enterprises for b in buildings) >= 1 and sum(b.enterprises for b in buildings) == 12
    assert sum(b.members for b in buildings) == 7  # no workers to weigh by: members spread evenly


def test_initial_organisations_follow_the_three_member_rule():
    members = np.array([5, 0, 3, 2, 1, 1, 0, 4])
    attached = np.array([4, 0, 3, 2, 1, 0, 0, 2])
    rng = np.random.default_rng(0)
    org = _initial_organisations(members, attached, False, 3, 0.8, rng)
    # without a building organisation only firms with three attached members have a branch
    assert list(np.flatnonzero(org == OWN_BRANCH)) == [0, 2]
    assert (org[[1, 3, 4, 5, 6, 7]] == UNCOVERED).all()
    org = _initial_organisations(members, attached, True, 3, 0.0, rng)
    # with one, every other firm with members joins a joint branch; without work coverage the
    # firms without members stay uncovered
    assert list(np.flatnonzero(org == JOINT)) == [3, 4, 5, 7]
    assert list(np.flatnonzero(org == UNCOVERED)) == [1, 6]
    org = _initial_organisations(members, attached, True, 3, 1.0, rng)
    assert (org != UNCOVERED).all()


def test_initial_conditions_match_the_evidence():
    """Nanjing East at the start: ~90% of firms covered, organised members 1,800 of 6% of the
    workforce, and own branches plus building organisations near the article's 133."""
    from sim import VerticalCommunityModel

    m = VerticalCommunityModel("nanjing_east", "fragmented", "none", rng=0, agent_views="none")
    members = m.people.kind == 0
    assert 0.85 <= m.outcomes["org_coverage"] <= 0.95
    assert abs(int(m.people.attached[members].sum()) - 1800) < 100
    assert 100 <= int((m.firms.org == OWN_BRANCH).sum()) + 63 <= 200


def test_normal_quantile_thresholds_are_the_expected_distribution_per_kind():
    """threshold_distribution=normal_quantiles gives each kind the normal's quantiles at
    (rank + 1/2) / n, clipped to [0, 1], in random order across people."""
    from scipy.special import ndtri

    cfg = compose(["scenario=small", "behaviour.participation.threshold_distribution=normal_quantiles"])
    world = build_world(cfg, np.random.default_rng(0))
    people, _ = build_populations(cfg, world, np.random.default_rng(0))
    p = cfg.behaviour.participation
    for k, name in enumerate(("member", "worker", "resident")):
        got = np.sort(people.threshold[people.kind == k])
        q = (np.arange(len(got)) + 0.5) / len(got)
        np.testing.assert_allclose(got, np.clip(p.threshold_mean[name] + p.threshold_sd * ndtri(q), 0, 1))


@pytest.mark.parametrize(
    "content, ok", [("0.1\n0.5 0.9\n# comment\n", True), ("0.1, 1.5\n", False), ("abc\n", False), ("", False)]
)
def test_threshold_file_is_checked_and_read(tmp_path, content, ok):
    from sim.config import ConfigError

    listed = tmp_path / "t.txt"
    listed.write_text(content)
    overrides = [
        "scenario=small",
        "behaviour.participation.threshold_distribution=file",
        f"behaviour.participation.threshold_file={listed}",
    ]
    if not ok:
        with pytest.raises(ConfigError, match="behaviour.participation.threshold_file"):
            compose(overrides)
        return
    cfg = compose(overrides)
    people, _ = build_populations(cfg, build_world(cfg, np.random.default_rng(0)), np.random.default_rng(0))
    assert set(np.unique(people.threshold)) <= {0.1, 0.5, 0.9}


def test_key_buildings_without_an_organisation_get_no_party_orgs():
    """organised_key_buildings: that many key buildings have a building organisation; the rest of
    the key buildings get no party_orgs, and the total goes to the organised buildings by size."""
    from sim.world.spec import parse_subdistrict

    counts = {"zones": 2, "buildings": 10, "key_buildings": 4, "party_orgs": 13}
    spec = parse_subdistrict("s", {**counts, "organised_key_buildings": 3})
    buildings = [b for z in spec.zones for b in z.buildings]
    key = [b for b in buildings if b.key]
    assert sum(b.party_orgs > 0 for b in key) == 3 and len(key) == 4
    assert all(b.party_orgs >= 1 for b in buildings if not b.key)
    assert sum(b.party_orgs for b in buildings) == 13
    # the organised key buildings are spread over the zones, as the key buildings are
    assert [sum(b.key and b.party_orgs > 0 for b in z.buildings) for z in spec.zones] == [2, 1]
    # given as all of them, it is the default: the spec is unchanged
    assert parse_subdistrict("s", {**counts, "organised_key_buildings": 4}) == parse_subdistrict("s", counts)


@pytest.mark.parametrize(
    "fields, message",
    [
        (
            {"key_buildings": 2, "organised_key_buildings": 3},
            r"s\.organised_key_buildings: got 3, allowed: at most the 2",
        ),
        (
            {"key_buildings": 4, "organised_key_buildings": 0, "party_orgs": 2},
            r"s\.party_orgs: got 2, allowed: 0 when no building has an organisation",
        ),
    ],
)
def test_organised_key_buildings_are_checked(fields, message):
    from sim.config import ConfigError
    from sim.world.spec import parse_subdistrict

    with pytest.raises(ConfigError, match=message):
        parse_subdistrict("s", {"zones": 1, "buildings": 4, **fields})


def test_a_key_building_without_an_organisation_starts_without_joint_branches():
    cfg = compose(["scenario=small", "+scenario.subdistricts.small.organised_key_buildings=0"])
    world = build_world(cfg, np.random.default_rng(0))
    _, firms = build_populations(cfg, world, np.random.default_rng(0))
    buildings = [b for z in cfg.scenario.subdistricts["small"].zones for b in z.buildings]
    building_of = np.flatnonzero(world.site_kind == BUILDING)
    for site, b in zip(building_of, buildings):
        org = firms.org[firms.site == site]
        assert (JOINT in org) == (not b.key), b  # joint branches only where the building is organised
