"""The outcome metadata table and the bilingual terms: complete, and schema modules."""

import ast
from pathlib import Path

import pytest

from sim import i18n, metrics, outcomes

ROOT = Path(__file__).resolve().parents[1]


def test_the_model_s_columns_are_the_table_s_shares_then_its_resource_flows_in_its_order():
    """The table lists the rates first (the model's columns are rates, then resources)."""
    assert tuple(outcomes.OUTCOMES) == metrics.COLUMNS
    assert metrics.RATES and metrics.RESOURCES and set(outcomes.PARTICIPATION) <= set(metrics.RATES)


def test_every_outcome_has_both_labels_a_unit_and_bounds():
    for o in outcomes.OUTCOMES.values():
        assert o.en and o.zh and o.en != o.zh, o.name
        assert o.unit in (outcomes.SHARE, outcomes.RU), o.name
        assert o.bounds[0] == 0.0 and (o.bounds[1] == 1.0) == (o.unit == outcomes.SHARE)
    assert outcomes.label("demand_met", "zh") == "需求满足率"
    assert outcomes.label("resources_spent", "en", unit=True) == "Spent (RU)"
    assert outcomes.label("sinking.share") == "sinking.share"  # not an outcome: unchanged


def test_default_selections_are_outcomes():
    assert outcomes.HEADLINE and not outcomes.unknown(outcomes.HEADLINE)
    assert outcomes.SENSITIVITY and not outcomes.unknown(outcomes.SENSITIVITY)
    assert outcomes.unknown(["participation_rate", "nope"]) == ["nope"]


@pytest.mark.parametrize("module", ["sim/outcomes.py", "sim/i18n.py"])
def test_schema_modules_import_nothing_from_the_package(module):
    tree = ast.parse((ROOT / module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("sim"), (module, node.module)
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("sim") for a in node.names), module


def test_every_mode_policy_and_mechanism_has_both_terms():
    from sim.governance import MECHANISMS

    names = [*MECHANISMS, *(p.name for p in (ROOT / "configs/governance").glob("*.yaml"))]
    names += [p.stem for p in (ROOT / "configs/sinking").glob("*.yaml")]
    names += [p.stem for p in (ROOT / "configs/scenario").glob("*.yaml")]
    for name in names:
        key = name.removesuffix(".yaml")
        assert key in i18n.TERMS, key
        assert i18n.term(key, "en") != i18n.term(key, "zh"), key
    assert i18n.term("my_own_scenario", "zh") == "my_own_scenario"


def test_the_languages_and_their_tables_are_written_in_sim_i18n_only():
    """The pair of languages, as a sequence or as the keys of a table, is written in sim.i18n alone:
    config checks, the report's --lang and the app's switch read ``LANGUAGES`` from there."""
    places = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = node.keys if isinstance(node, ast.Dict) else getattr(node, "elts", [])
            if {"en", "zh"} <= {item.value for item in items if isinstance(item, ast.Constant)}:
                places.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert places == ["sim/i18n.py:13"], places
