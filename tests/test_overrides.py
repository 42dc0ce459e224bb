"""One override parser (sim.overrides, on Hydra's grammar) for the preflight, group checks and sweep
tables."""

from __future__ import annotations

import pytest
import yaml

from sim import overrides
from sim.config import ConfigError
from sim.sweep.aggregate import swept_values
from sim.validate import check_group_choices


def one(item: str):
    return overrides.parse([item])[0]


@pytest.mark.parametrize(
    "item, expected",
    [
        ("seed=3", ["3"]),
        ("sinking=none,need", ["none", "need"]),
        ("sinking=choice(none,'need')", ["none", "need"]),
        ("seed=range(0,3)", ["0", "1", "2"]),
        ("sinking.share=interval(0.2,0.8)", ["0.2"]),
        ("sinking=glob(n*)", ["need", "none"]),
        ("~seed", []),
    ],
)
def test_points_are_the_values_hydra_sweeps(item, expected):
    assert list(overrides.points(one(item), ["equal", "need", "none"])) == expected


def test_values_are_typed_and_unquoted():
    assert overrides.values(one("x='a,b'")) == ["a,b"]
    assert overrides.values(one("x='a',2,1e-3,null,[1,2]")) == ["a", 2, 0.001, None, [1, 2]]


def test_first_point_replaces_each_sweep_by_its_first_value():
    parsed = overrides.parse(
        [
            "+experiment=mode_comparison",
            "seed=range(5,9)",
            "sinking=glob(*)",
            "steps=range(0,0)",
            "governance=zone,brand",
            "~design",
        ]
    )
    point = overrides.first_point(parsed, lambda group: ["equal", "need"] if group == "sinking" else [])
    assert point == ["+experiment=mode_comparison", "seed=5", "sinking=equal", "governance=zone", "~design"]


@pytest.mark.parametrize(
    "items, multirun, problem",
    [
        (["seed=1", "sinking=none,need"], False, "sinking: got 'none,need', allowed: one value"),
        (["seed=range(0,3)"], False, "-m/--multirun"),
        (["hydra.mode=MULTIRUN", "seed=range(0,3)"], False, None),
        (["seed=range(0,3)"], True, None),
        (["seed=range(3,3)"], True, "at least one value"),
        (["sinking=glob(zz*)"], True, "at least one value"),
        (["sinking.share=interval(0,1)"], True, "cannot sample an interval"),
        (["hydra/sweeper=optuna", "sinking.share=interval(0,1)"], True, None),
    ],
)
def test_sweep_problems_are_named(items, multirun, problem):
    found = overrides.sweep_problem(overrides.parse(items), multirun, lambda group: ["need", "none"])
    assert found is None if problem is None else problem in found


@pytest.mark.parametrize(
    "items, bad",
    [
        (["sinking=choice(none,'trickle')"], "'trickle'"),
        (["+experiment=nope"], "'nope'"),
        (["scenario=range(0,2)"], "got 0"),
        (["governance=zone,brand,anarchy"], "'anarchy'"),
    ],
)
def test_every_group_choice_is_checked(items, bad):
    with pytest.raises(ConfigError) as err:
        check_group_choices(items)
    assert bad in str(err.value) and "allowed: one of" in str(err.value)


def test_group_checks_accept_sweeps_globs_and_other_keys():
    check_group_choices(
        [
            "sinking=glob(*,exclude=none)",
            "scenario='small'",
            "governance=choice(zone,brand)",
            "seed=range(0,4)",
            "~sinking",
        ]
    )


def test_a_syntax_error_names_the_key():
    with pytest.raises(ConfigError, match=r"^sinking\.share: got '\[1,'"):
        check_group_choices(["sinking.share=[1,"])


def test_swept_values_are_read_as_hydra_gave_them(tmp_path):
    (tmp_path / ".hydra").mkdir()
    written = [
        "+experiment=budget_response",
        "hydra.job.chdir=false",
        "budget.per_person_per_step=1e-3",
        "sinking='need'",
        "seed=3",
        "governance.mechanisms=[zone_pooling]",
        "+outputs.note=a\\ b",
    ]
    (tmp_path / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(written))
    assert swept_values(tmp_path) == {
        "budget.per_person_per_step": 0.001,
        "sinking": "need",
        "seed": 3,
        "governance.mechanisms": ["zone_pooling"],
        "outputs.note": "a b",
    }
