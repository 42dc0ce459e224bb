"""Configs compose, validate, and fail in one clear line naming the key and what is allowed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import ConfigError, RunConfig, config_hash, group_options, to_dict
from sim.governance import MECHANISMS
from sim.sinking import SINKING_POLICIES
from sim.validate import compose

REPO = Path(__file__).resolve().parent.parent


def test_registries_match_config_groups():
    assert set(group_options("governance")) == {
        "fragmented",
        "zone",
        "brand",
        "fusion",
        "collaborative",
        "article",
    }
    assert (
        set(group_options("sinking"))
        == set(SINKING_POLICIES)
        == {"none", "equal", "size", "need", "performance"}
    )
    assert {"small", "huaihai", "nanjing_east", "xiaodongmen", "bund", "huangpu"} <= set(
        group_options("scenario")
    )
    for mode in set(group_options("governance")) - {"article"}:
        assert set(compose([f"governance={mode}"]).governance.mechanisms) <= set(MECHANISMS)


def test_yaml_defaults_equal_schema_defaults():
    """configs/config.yaml and the dataclass defaults are one set of values, not two."""
    composed, schema = compose([]), RunConfig()
    for section in ("world", "budget", "behaviour"):
        assert to_dict(getattr(composed, section)) == to_dict(getattr(schema, section)), section
    assert to_dict(compose(["governance=fragmented"]).governance.params) == to_dict(schema.governance.params)


def test_default_run_config():
    cfg = compose([])
    assert (cfg.scenario.name, cfg.governance.name, cfg.sinking.policy, cfg.steps, cfg.seed) == (
        "nanjing_east",
        "brand",
        "need",
        52,
        0,
    )


@pytest.mark.parametrize(
    "override, key, allowed",
    [
        (["steps=-1"], "steps", "an integer in [0, 1,000,000]"),
        (["steps=abc"], "steps", "Integer"),
        (["sinking.share=1.5"], "sinking.share", "[0, 1]"),
        (["sinking.depth=basement"], "sinking.depth", "subdistrict"),
        (["behaviour.participation.availability=2"], "behaviour.participation.availability", "[0, 1]"),
        (["budget.per_person_per_step=-3"], "budget.per_person_per_step", "a number in [0, 1e+06]"),
        (["behaviour.coproduction.multiplication=0"], "multiplication", "a number in (0, 1e+06]"),
        (["governance.params.service_circle_min=0"], "service_circle_min", "a number in (0, 10000]"),
        (["scenario=atlantis"], "scenario", "nanjing_east"),
        (["governance=anarchy"], "governance", "collaborative"),
        (["sinking=trickle"], "sinking", "performance"),
        (["governance.mechanisms=[zone_pooling,teleport]"], "governance.mechanisms", "zone_pooling"),
        (["scenario.file=/no/such/district.yaml"], "scenario.file", "existing"),
        (["scenario.subdistricts.nanjing_east.buildings=-4"], "buildings", ">= 0"),
        (
            ["behaviour.coproduction.initial_shares={cooperate:0.5,defect:0.5,loner:0.5}"],
            "initial_shares",
            "summing to 1",
        ),
    ],
)
def test_bad_values_name_key_and_allowed(override, key, allowed):
    with pytest.raises(ConfigError) as err:
        compose(override)
    message = str(err.value)
    assert "\n" not in message and key in message and allowed in message


@pytest.mark.parametrize(
    "scenario, mode",
    [("huaihai", "zone"), ("nanjing_east", "brand"), ("xiaodongmen", "fusion"), ("bund", "collaborative")],
)
def test_article_mode_follows_the_scenario(scenario, mode):
    cfg, direct = (
        compose([f"scenario={scenario}", "governance=article"]),
        compose([f"scenario={scenario}", f"governance={mode}"]),
    )
    assert to_dict(cfg.governance) == to_dict(direct.governance)


def test_article_mode_keeps_the_users_parameters_and_refuses_mechanisms():
    cfg = compose(["scenario=bund", "governance=article", "governance.params.committee_reward=1"])
    assert cfg.governance.params.committee_reward == 1 and cfg.governance.params.committee_sanction == 0.5
    with pytest.raises(ConfigError, match="governance.mechanisms"):
        compose(["scenario=bund", "governance=article", "governance.mechanisms=[zone_pooling]"])


def test_article_mode_reads_a_district_file(tmp_path):
    district = tmp_path / "d.yaml"
    district.write_text(
        "subdistricts:\n  s: {mode_in_article: fusion, zones: 1, buildings: 2, residential_areas: 1}\n"
    )
    assert compose([f"scenario.file={district}", "governance=article"]).governance.name == "fusion"


def test_article_mode_needs_one_mode():
    with pytest.raises(ConfigError, match="governance.*mode_in_article"):
        compose(["scenario=huangpu", "governance=article"])


def test_configs_cannot_name_code():
    with pytest.raises(ConfigError, match="_target_"):
        compose(["+governance.params._target_=os.system"])


def test_validated_config_round_trips():
    """A resolved config written out as plain data (explicit district form) validates to itself."""
    from sim.validate import validate

    cfg = compose(["scenario=xiaodongmen", "governance=fusion"])
    again = validate(to_dict(cfg))
    assert to_dict(again) == to_dict(cfg) and config_hash(again) == config_hash(cfg)


def test_hash_is_stable_and_sensitive():
    assert config_hash(compose([])) == config_hash(compose([]))
    assert config_hash(compose([])) != config_hash(compose(["seed=1"]))


def test_custom_district_file(tmp_path):
    district = tmp_path / "my_district.yaml"
    district.write_text(
        "name: riverside\n"
        "subdistricts:\n"
        "  riverside:\n"
        "    area_km2: 0.8\n"
        "    zones:\n"
        "      - name: north\n"
        "        buildings:\n"
        "          - {name: Tower A, enterprises: 40, workers: 900, members: 30, party_orgs: 2, key: true}\n"
        "          - {name: Tower B, enterprises: 25, workers: 400, members: 6}\n"
        "        residential_areas:\n"
        "          - {name: Lane 1, residents: 1500}\n"
        "  old_town: {zones: 2, buildings: 3, residential_areas: 2, residents_per_area: 800}\n"
    )
    cfg = compose([f"scenario.file={district}", "steps=3"])
    assert cfg.scenario.name == "riverside"
    tower_a = cfg.scenario.subdistricts["riverside"].zones[0].buildings[0]
    assert (tower_a.enterprises, tower_a.workers, tower_a.members, tower_a.key) == (40, 900, 30, True)
    from sim.run import run

    model, table = run(cfg)
    assert len(model.firms) == 65 + 3 * 60 and len(table) == 4


def test_bad_district_file(tmp_path):
    district = tmp_path / "bad.yaml"
    district.write_text(
        "subdistricts:\n  s:\n    zones:\n      - name: z\n"
        "        buildings:\n          - {enterprises: -2}\n"
    )
    with pytest.raises(ConfigError, match=r"buildings\[0\]\.enterprises"):
        compose([f"scenario.file={district}"])


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [["scenario=atlantis"], ["nokey=1"]]
    + [  # ~2 s each: the rest in the slow tier
        pytest.param(args, marks=pytest.mark.slow)
        for args in (["steps=-1"], ["sinking.share=2"], ["seed=x"], ["scenario.file=missing.yaml"])
    ],
)
def test_cli_rejects_bad_input_in_one_line_and_writes_nothing(tmp_path, args):
    out = _cli(*args, f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("config error:"), out.stderr
    assert not (tmp_path / "run").exists()


def test_compose_inside_a_running_hydra_app_keeps_its_state():
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from sim.config import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        before = GlobalHydra.instance().hydra
        assert compose(["scenario=small"]).scenario.name == "small"
        assert GlobalHydra.instance().hydra is before


@pytest.mark.parametrize(
    "override, key",
    [
        (["scenario=small", "scenario.subdistricts.small.enterprises=5"], "enterprises"),
        (["governance.params.pooling_cost_saving=1.0"], "pooling_cost_saving"),
    ],
)
def test_count_and_cost_checks(override, key):
    with pytest.raises(ConfigError, match=key):
        compose(override)
