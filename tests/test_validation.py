"""Validation: the schema module stands alone, every number is finite and within its documented
limit, a run that would exceed the machine is refused before it starts, and a user's governance
parameter wins over the article's mode."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim import limits
from sim.config import LIMITS, ConfigError, config_hash
from sim.validate import compose, validate

REPO = Path(__file__).resolve().parent.parent


def test_schema_module_imports_nothing_from_sim():
    tree = ast.parse((REPO / "sim" / "config.py").read_text(encoding="utf-8"))
    imported = []
    for node in ast.walk(tree):  # function-local imports too: they were how the old cycle was hidden
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported.append("." * node.level + (node.module or ""))
    assert imported and not [m for m in imported if m == "sim" or m.startswith(("sim.", "."))], imported


def test_schema_module_loads_without_the_package():
    """Loaded by file path alone, sim/config.py pulls in no module of the sim package."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('schema', {str(REPO / 'sim' / 'config.py')!r})\n"
        "module = sys.modules['schema'] = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        "module.check_tree(module.RunConfig())\n"
        "print(sorted(m for m in sys.modules if m == 'sim' or m.startswith('sim.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "override, key, allowed",
    [
        ("budget.per_person_per_step=inf", "budget.per_person_per_step", "finite"),
        ("budget.per_person_per_step=nan", "budget.per_person_per_step", "finite"),
        ("budget.per_person_per_step=1e308", "budget.per_person_per_step", "Limits"),
        ("world.cell_size_m=inf", "world.cell_size_m", "finite"),
        ("world.access_overhead_min=inf", "world.access_overhead_min", "finite"),
        ("behaviour.coproduction.cost=inf", "behaviour.coproduction.cost", "finite"),
        ("budget.service_unit_cost=1e-320", "budget.service_unit_cost", "Limits"),
        ("behaviour.coproduction.group_size=100000000", "behaviour.coproduction.group_size", "Limits"),
        ("behaviour.participation.threshold_mean.member=nan", "threshold_mean.member", "finite"),
        ("seed=99999999999999999999", "seed", "Limits"),
        ("steps=1000000000", "steps", "Limits"),
        ("world.cell_size_m=0.001", "world.cell_size_m", "Limits"),
        ("governance.params.committee_reward=-inf", "committee_reward", "finite"),
    ],
)
def test_non_finite_and_extreme_values_are_refused(override, key, allowed):
    with pytest.raises(ConfigError) as err:
        compose(["scenario=small", override])
    message = str(err.value)
    assert "\n" not in message and message.split(": got")[0].endswith(key) and allowed in message, message


def test_every_limit_names_a_schema_key():
    """A typo in LIMITS would silently bound nothing: every entry must reach a value of a run's config
    or of a study's block (a list's entries by "*")."""
    from sim.calibrate.study import KIND as CALIBRATION
    from sim.config import to_dict
    from sim.explore.exploration import KIND as EXPLORATION
    from sim.history.study import KIND as HISTORY
    from sim.policy.search import KIND as POLICY_SEARCH
    from sim.study.load import schema_keys

    flat = {}

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, f"{path}.{k}" if path else k)
        else:
            flat[path] = node

    run = compose(["scenario=small"])
    walk(to_dict(run), "")
    for kind in (CALIBRATION, EXPLORATION, POLICY_SEARCH, HISTORY):
        flat.update(schema_keys(kind.schema, f"{kind.section}."))
    design = ("design.", "limits.max_memory_gb", "intervention.")
    missing = [key for key in LIMITS if key.removesuffix(".*") not in flat and not key.startswith(design)]
    assert missing == []


def test_limits_at_their_bounds_are_accepted():
    run = compose(
        [
            "scenario=small",
            "budget.per_person_per_step=1e6",
            "budget.service_unit_cost=1e-6",
            "behaviour.coproduction.group_size=1000",
            "steps=0",
        ]
    )
    assert run.behaviour.coproduction.group_size == 1000


def test_python_api_refuses_infinity():
    from sim import VerticalCommunityModel

    with pytest.raises(ConfigError, match=r"budget\.per_person_per_step.*finite"):
        VerticalCommunityModel("small", budget__per_person_per_step=float("inf"))


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
@pytest.mark.parametrize("args", [["budget.per_person_per_step=inf"], ["scenario=huangpu", "steps=1000000"]])
def test_cli_refuses_in_one_line_and_writes_nothing(tmp_path, args):
    out = _cli("scenario=small", *args, f"hydra.run.dir={tmp_path}/run", cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("config error:"), out.stderr
    assert not (tmp_path / "run").exists()


# --------------------------------------------------------------------------- resource bounds


def _district(tmp_path: Path, body: str) -> str:
    path = tmp_path / "district.yaml"
    path.write_text(body, encoding="utf-8")
    return str(path)


BIG = (
    "subdistricts:\n  s: {buildings: 10, workers_per_building: 30000000, members: 0, residential_areas: 0}\n"
)


def test_a_district_beyond_memory_is_refused_with_the_estimate_and_the_option(tmp_path):
    file = _district(tmp_path, BIG)
    with pytest.raises(ConfigError) as err:
        compose([f"scenario.file={file}", "limits.max_memory_gb=16"])
    message = str(err.value)
    assert message.startswith("scenario: estimated ") and "300,000,000" in message
    assert "limit 16 GB" in message and "limits.max_memory_gb=" in message


def test_the_memory_limit_can_be_raised(tmp_path):
    file = _district(tmp_path, BIG)
    run = compose([f"scenario.file={file}", "limits.max_memory_gb=1000"])
    assert limits.counts(run).people == 300_000_000


def test_the_default_memory_limit_is_a_share_of_physical_memory(monkeypatch):
    monkeypatch.setattr(limits, "physical_memory_gb", lambda: 0.2)
    with pytest.raises(ConfigError, match=r"exceeds the limit 0\.16 GB"):
        compose(["scenario=small"])  # ~0.2 GB estimated, 0.8 x 0.2 GB allowed


def test_a_run_beyond_the_time_limit_is_refused_and_the_limit_can_be_raised():
    with pytest.raises(ConfigError, match=r"^steps: estimated .* h for 1,000,000 weeks .*limits\.max_hours="):
        compose(["scenario=huangpu", "steps=1000000"])
    assert compose(["scenario=huangpu", "steps=1000000", "limits.max_hours=1000"]).steps == 1_000_000


def test_a_huge_grid_is_refused_before_it_is_built():
    with pytest.raises(ConfigError, match=r"grid cells exceeds the limit"):
        compose(["scenario=huangpu", "world.cell_size_m=1"])


@pytest.mark.parametrize("preset", ["small", "nanjing_east", "xiaodongmen", "bund", "huaihai", "huangpu"])
def test_every_preset_passes_the_default_limits(preset):
    run = compose([f"scenario={preset}"])
    c = limits.counts(run)
    assert limits.estimate_memory_gb(run, c) < 1.0 and limits.estimate_hours(run, c) < 0.01


def test_limits_do_not_change_the_config_hash():
    raised = compose(["limits.max_hours=100", "limits.max_memory_gb=64"])
    assert config_hash(compose([])) == config_hash(raised)


# --------------------------------------------------------------------------- governance=article


ARTICLE_15 = ["scenario=xiaodongmen", "governance=article", "governance.params.service_circle_min=15"]


def test_a_users_parameter_equal_to_the_default_wins_over_the_articles_mode():
    assert compose(["scenario=xiaodongmen", "governance=article"]).governance.params.service_circle_min == 10
    assert compose(ARTICLE_15).governance.params.service_circle_min == 15


def test_a_users_parameter_wins_through_the_python_api():
    from sim import VerticalCommunityModel

    model = VerticalCommunityModel(
        "xiaodongmen", "article", agent_views="none", governance__params__service_circle_min=15
    )
    assert model.config.governance.params.service_circle_min == 15 and model.levers.circle_min == 15


def test_a_users_parameter_wins_inside_a_hydra_job():
    """The command line validates Hydra's composed config; the job's overrides say what the user set."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.hydra_config import HydraConfig
    from omegaconf import OmegaConf

    from sim.config import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = hydra_compose("config", overrides=ARTICLE_15, return_hydra_config=True)
    HydraConfig.instance().set_config(cfg)
    job_cfg = OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"])  # what @hydra.main passes
    try:
        assert validate(job_cfg).governance.params.service_circle_min == 15
    finally:
        HydraConfig.instance().cfg = None


def test_a_whole_params_override_counts_as_set_by_the_user():
    run = compose(
        [
            "scenario=xiaodongmen",
            "governance=article",
            "governance.params={service_circle_min:15,committee_reward:2}",
        ]
    )
    assert (run.governance.params.service_circle_min, run.governance.params.committee_reward) == (15, 2)


@pytest.mark.parametrize(
    "overrides",
    [
        ["scenario=small"],
        ["scenario=huangpu", "governance=article", "sinking=performance", "structure=peer_additive"],
        ["scenario=shanghai", "intervention=participation", "staff.zone_hours=40"],
        [
            "scenario=bund",
            "governance=collaborative",
            "behaviour.participation.threshold_distribution=normal_quantiles",
        ],
        [
            "+design.method=lhs",
            "+design.parameters=[{name: sinking.share, low: 0, high: 1}]",
            "+design.sample=3",
        ],
        [
            "limits.max_memory_gb=2",
            "report.outcomes=[demand_met]",
            "outputs.agent_snapshots=[0,2]",
            "steps=2",
        ],
    ],
)
def test_a_config_is_built_as_omegaconf_builds_it(overrides):
    """The fast path of validation (sim.config.built) makes the very RunConfig OmegaConf's structured
    merge makes, and leaves to the merge whatever it would have to convert."""
    from omegaconf import OmegaConf

    from sim.compose import compose as compose_config
    from sim.config import RunConfig, built, to_dict

    data = OmegaConf.to_container(compose_config(overrides), resolve=True)
    data["scenario"]["subdistricts"] = {}  # as sim.validate hands it over, the district parsed apart
    if (data["governance"] or {}).get("name") == "article":
        data["governance"]["name"] = "brand"
    fast = built(RunConfig, data)
    slow = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(RunConfig), data))
    assert fast is not None and fast == slow
    # value for value and type for type (3 == 3.0, but a run's hash and files would differ)
    assert json.dumps(to_dict(fast), sort_keys=True) == json.dumps(to_dict(slow), sort_keys=True)
    assert built(RunConfig, {**data, "steps": "52"}) is None  # a text for a number: OmegaConf converts it
    assert built(RunConfig, {**data, "nope": 1}) is None  # and names an unknown key
