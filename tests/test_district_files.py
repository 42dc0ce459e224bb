"""District files are untrusted input: loaded safely, checked for consistency, and every error is
one line naming the file and the place within it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import ConfigError
from sim.district_file import MAX_FILE_BYTES
from sim.validate import compose


def district(tmp_path: Path, body: str | bytes, name: str = "my.yaml") -> str:
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return str(path)


def refused(file: str, *overrides: str) -> str:
    with pytest.raises(ConfigError) as err:
        compose([f"scenario.file={file}", *overrides])
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"scenario.file: {file}: "), message
    return message[len(f"scenario.file: {file}: ") :]


def first_building(file: str):
    return compose([f"scenario.file={file}"]).scenario.subdistricts["riverside"].zones[0].buildings[0]


def explicit(building: str = "{enterprises: 2, workers: 10}", area: str = "{residents: 5}") -> str:
    return (
        "subdistricts:\n  riverside:\n    zones:\n      - name: north\n"
        f"        buildings:\n          - {building}\n"
        f"        residential_areas:\n          - {area}\n"
    )


# --------------------------------------------------------------------------- safe loading


def test_an_alias_bomb_is_refused_before_it_expands(tmp_path):
    levels = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):  # 9^9 = 387 million strings once expanded, from a few hundred bytes
        levels.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    file = district(tmp_path, "\n".join(levels) + "\nsubdistricts: {s: {buildings: 1}}\n")
    assert "aliases (*a0) are not allowed" in refused(file)


def test_any_alias_is_refused(tmp_path):
    file = district(tmp_path, "x: &tower {enterprises: 2}\n" + explicit(building="*tower"))
    assert "line 7: YAML aliases (*tower)" in refused(file)


@pytest.mark.parametrize(
    "body, where",
    [
        (
            "subdistricts:\n  s: {buildings: 1}\n  s: {buildings: 2}\n",
            "subdistricts.s: duplicate key (line 3)",
        ),
        (
            explicit(building="{enterprises: 2, workers: 10, workers: 20}"),
            "subdistricts.riverside.zones[0].buildings[0].workers: duplicate key",
        ),
        ("name: a\nname: b\nsubdistricts: {s: {buildings: 1}}\n", "name: duplicate key (line 2)"),
    ],
)
def test_duplicate_keys_are_refused_naming_the_path(tmp_path, body, where):
    assert refused(district(tmp_path, body)).startswith(where)


@pytest.mark.parametrize("value", ['"no"', "yes", "no", "on", "1"])
def test_booleans_are_strict(tmp_path, value):
    file = district(tmp_path, explicit(building=f"{{enterprises: 2, key: {value}}}"))
    message = refused(file)
    assert message.startswith("subdistricts.riverside.zones[0].buildings[0].key: got ")
    assert "true or false" in message


def test_true_and_false_are_booleans(tmp_path):
    file = district(tmp_path, explicit(building="{enterprises: 2, key: true}"))
    assert first_building(file).key is True


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("subdistricts: {s: {buildings: 1}}\n" + "#" * MAX_FILE_BYTES, encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"^scenario\.file: got .*big\.yaml.*bytes\), allowed: a district file"
    ):
        compose([f"scenario.file={path}"])


def test_a_file_that_is_not_utf8_is_one_clear_line(tmp_path):
    file = district(tmp_path, b'subdistricts:\n  s: {buildings: 1, name_zh: "' + b'\xb6\xab"}\n')
    assert refused(file).startswith("not UTF-8 text (byte 0xb6 at offset 44)")


def test_invalid_yaml_names_the_line(tmp_path):
    message = refused(district(tmp_path, "subdistricts:\n  s: {buildings: 1\n"))
    assert message.startswith("line 3, column 1: not valid")


def test_python_tags_are_refused(tmp_path):
    file = district(tmp_path, "subdistricts: !!python/object/apply:os.system [echo hi]\n")
    assert "not valid YAML" in refused(file)


def test_unknown_top_level_keys_are_refused(tmp_path):
    assert refused(district(tmp_path, "subdistrict: {}\nsubdistricts: {s: {buildings: 1}}\n")).startswith(
        "subdistrict: got {}, allowed: keys from ['name', 'subdistricts']"
    )


# --------------------------------------------------------------------------- values named by path


@pytest.mark.parametrize(
    "fields, where, allowed",
    [
        ("area_km2: .nan", "subdistricts.s.area_km2: got nan", "(0, 10000]"),
        ("area_km2: .inf", "subdistricts.s.area_km2: got inf", "(0, 10000]"),
        ("key_size_factor: abc", "subdistricts.s.key_size_factor: got 'abc'", "a number in [1, 1000]"),
        ("buildings_per_zone: 5", "subdistricts.s.buildings_per_zone: got 5", "a list of 2 building counts"),
        ("buildings_per_zone: [1, x]", "subdistricts.s.buildings_per_zone[1]: got 'x'", "an integer"),
        ("member_share_of_workers: .nan", "subdistricts.s.member_share_of_workers: got nan", "[0, 1]"),
        ("workers_per_building: 1.5", "subdistricts.s.workers_per_building: got 1.5", "an integer"),
        ("mode_in_article: [zone]", "subdistricts.s.mode_in_article: got ['zone']", "a name"),
    ],
)
def test_count_form_errors_name_the_file_and_path(tmp_path, fields, where, allowed):
    message = refused(district(tmp_path, f"subdistricts:\n  s: {{buildings: 4, {fields}}}\n"))
    assert message.startswith(where) and allowed in message


def test_explicit_form_errors_name_the_file_and_path(tmp_path):
    message = refused(district(tmp_path, explicit(building="{enterprises: 2, workers: abc}")))
    assert message.startswith("subdistricts.riverside.zones[0].buildings[0].workers: got 'abc'")


def test_a_count_that_would_make_a_billion_objects_is_refused_before_expanding(tmp_path):
    message = refused(district(tmp_path, "subdistricts:\n  s: {buildings: 999999999}\n"))
    assert message.startswith("subdistricts.s.buildings: got 999999999") and "1,000,000" in message


@pytest.mark.slow
def test_zones_and_sites_are_capped_over_the_whole_scenario(tmp_path):
    body = "subdistricts:\n" + "".join(
        f"  s{i}: {{buildings: 400000, residential_areas: 0}}\n" for i in range(3)
    )
    message = refused(district(tmp_path, body))
    assert message.startswith("subdistricts.s2: got ") and "in a scenario" in message


# --------------------------------------------------------------------------- consistency


@pytest.mark.parametrize(
    "building, where, allowed",
    [
        (
            "{enterprises: 2, workers: 10, members: 11}",
            "buildings[0].members: got 11",
            "at most the building's 10 workers",
        ),
        (
            "{enterprises: 2, workers: 10, party_orgs: 3}",
            "buildings[0].party_orgs: got 3",
            "at most the building's 2",
        ),
    ],
)
def test_explicit_building_counts_must_be_consistent(tmp_path, building, where, allowed):
    message = refused(district(tmp_path, explicit(building=building)))
    assert message.startswith(f"subdistricts.riverside.zones[0].{where}") and allowed in message


def test_a_building_of_members_only_is_allowed(tmp_path):
    """workers: 0 with members is how a rule is docked in the full model (tests/conftest.py)."""
    file = district(tmp_path, explicit(building="{enterprises: 1, members: 100}"))
    assert first_building(file).members == 100


@pytest.mark.parametrize(
    "fields, where, allowed",
    [
        ("workers_per_building: 10, members: 50", "members: got 50", "at most the 40 workers"),
        ("enterprises: 8, party_orgs: 9", "party_orgs: got 9", "at most the 8 enterprises"),
        (
            "key_size_factor: 10, key_buildings: 1, enterprises: 4, party_orgs: 4",
            "party_orgs: got 4",
            "building b",
        ),
    ],
)
def test_count_form_totals_must_be_consistent(tmp_path, fields, where, allowed):
    message = refused(district(tmp_path, f"subdistricts:\n  s: {{zones: 1, buildings: 4, {fields}}}\n"))
    assert message.startswith(f"subdistricts.s.{where}") and allowed in message


@pytest.mark.parametrize(
    "body",
    [
        "subdistricts:\n  s: {buildings: 0, residential_areas: 0}\n",
        "subdistricts:\n  s:\n    zones:\n      - {name: z, buildings: [], residential_areas: []}\n",
    ],
)
def test_a_subdistrict_needs_a_building_or_a_residential_area(tmp_path, body):
    assert "allowed: at least one building or residential area" in refused(district(tmp_path, body))


@pytest.mark.parametrize(
    "body, where, name",
    [
        (
            "subdistricts:\n  s:\n    zones:\n      - {name: z, buildings: [{enterprises: 1}]}\n"
            "      - {name: z, buildings: [{enterprises: 1}]}\n",
            "subdistricts.s.zones",
            "z",
        ),
        (
            explicit(building="{name: A, enterprises: 1}\n          - {name: A, enterprises: 1}"),
            "subdistricts.riverside.zones[0].buildings and residential_areas",
            "A",
        ),
        (
            explicit(building="{name: Lane, enterprises: 1}", area="{name: Lane, residents: 5}"),
            "subdistricts.riverside.zones[0].buildings and residential_areas",
            "Lane",
        ),
    ],
)
def test_names_are_unique_within_their_parent(tmp_path, body, where, name):
    assert refused(district(tmp_path, body)).startswith(f"{where}: got {name!r}, allowed: names unique")


def test_the_presets_default_party_orgs_stay_within_each_building():
    """The derived default (133/63 per building) is capped at a building's enterprises."""
    from sim.world.spec import parse_subdistrict

    spec = parse_subdistrict("s", {"zones": 1, "buildings": 10, "enterprises": 12, "residential_areas": 0})
    assert all(b.party_orgs <= b.enterprises for b in spec.zones[0].buildings)


# --------------------------------------------------------------------------- one loader everywhere


def test_governance_article_reads_the_file_through_the_same_loader(tmp_path):
    file = district(
        tmp_path,
        "subdistricts:\n  s: {mode_in_article: fusion, buildings: 1}\n"
        "  s: {mode_in_article: zone, buildings: 1}\n",
    )
    assert refused(file, "governance=article").startswith("subdistricts.s: duplicate key")


@pytest.mark.slow
def test_the_command_line_gives_one_line_and_writes_nothing(tmp_path):
    file = district(tmp_path, "subdistricts:\n  s: {buildings: 4, key_size_factor: abc}\n")
    out = subprocess.run(
        [sys.executable, "-m", "sim", f"scenario.file={file}", f"hydra.run.dir={tmp_path}/run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1, out.stderr
    assert lines[0] == (
        f"config error: scenario.file: {file}: subdistricts.s.key_size_factor: got 'abc', "
        "allowed: a number in [1, 1000]"
    )
    assert not (tmp_path / "run").exists()
