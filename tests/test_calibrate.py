"""Calibration (sim.calibrate): the spec's checks, the batch ABC-SMC on a stand-in simulator, the
posterior's identifiability verdicts, the variance decomposition, and the command's bad-input lines."""

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.calibrate import abc, posterior, uncertainty
from sim.calibrate.schema import CalibrationConfig, Parameter
from sim.calibrate.study import KIND
from sim.config import ConfigError, check_block
from sim.study.command import main
from sim.targets import Target

TARGETS = [
    Target("late_org_coverage", "small", 0.3, 0.05, "t"),
    Target("late_reach_52w", "small", 0.6, 0.05, "t"),
]
SPEC = CalibrationConfig(
    name="toy",
    targets="unused",
    parameters=[
        Parameter("a", "uniform", 0.0, 1.0),
        Parameter("b", "uniform", 0.0, 1.0),
        Parameter("c", "uniform", 0.0, 1.0),
    ],
    population=100,
    batch=200,
    generations=6,
    max_batches=4,
    quantile=0.2,
)


def _toy(thetas, seeds, targets, spec, directory):
    """Stand-in for the model: statistic 1 is a, statistic 2 is b; c has no effect (not identifiable),
    except that runs with c > 0.98 fail."""
    stats = thetas[["a", "b"]].to_numpy()[:, None, :].repeat(len(seeds), axis=1).copy()
    failed = (thetas["c"] > 0.98).to_numpy()
    stats[failed] = np.nan
    return stats, pd.Series(np.where(failed, "small: RuntimeError: boom", ""))


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(abc, "simulate", _toy)
        return abc.run_abc(SPEC, TARGETS, tmp_path_factory.mktemp("toy"), progress=lambda line: None)


@pytest.mark.slow  # pyabc alone takes seconds to import
def test_abc_smc_shrinks_epsilon_and_stops_at_the_tolerance(toy):
    eps = [g.epsilon for g in toy.generations]
    assert all(later < earlier for earlier, later in zip(eps, eps[1:]))
    assert eps[-1] == 1.0 and toy.stopped.startswith("epsilon reached min_epsilon")
    post = toy.posterior
    assert len(post) == SPEC.population and post["weight"].sum() == pytest.approx(1)
    assert (post["distance"] <= 1.0).all()  # every target within its tolerance
    # weights after generation 0 are importance weights, not all equal
    assert post["weight"].std() > 0
    # failed evaluations are recorded with their error and never accepted; the search goes on
    evaluations = pd.concat(toy.evaluations)
    failed = evaluations[evaluations["error"] != ""]
    assert len(failed) > 0 and np.isinf(failed["distance"]).all() and not failed["passed"].any()


@pytest.mark.slow  # pyabc alone takes seconds to import
def test_the_posterior_pins_what_the_targets_see_and_reports_the_rest_as_flat(toy):
    table = posterior.summary(SPEC, toy.posterior).set_index("parameter")
    # a and b are fixed to +-0.05 around 0.3 and 0.6 (a uniform on +-0.05 has sd 0.029 = 1/10 of the prior's)
    for name, truth in (("a", 0.3), ("b", 0.6)):
        assert table.loc[name, "q05"] <= truth <= table.loc[name, "q95"]
        assert table.loc[name, "contraction"] > 0.9 and table.loc[name, "verdict"] == "identified"
    assert table.loc["c", "contraction"] < 0.2
    assert table.loc["c", "verdict"].startswith("not identified")


@pytest.mark.slow  # pyabc alone takes seconds to import
def test_abc_smc_is_reproducible_from_its_seed(monkeypatch, tmp_path, toy):
    monkeypatch.setattr(abc, "simulate", _toy)
    again = abc.run_abc(SPEC, TARGETS, tmp_path / "again", progress=lambda line: None)
    pd.testing.assert_frame_equal(again.posterior, toy.posterior)


def test_distance_is_the_max_or_the_root_sum_of_squares_in_tolerance_units():
    stats = np.array([[0.35, 0.6], [0.3, 0.75], [np.nan, 0.6]])
    assert abc.distance(stats, TARGETS, "max").tolist() == pytest.approx([1.0, 3.0, np.inf])
    assert abc.distance(stats, TARGETS, "euclidean")[:2] == pytest.approx([1.0, 3.0])
    stats = np.array([[0.35, 0.65]])
    assert abc.distance(stats, TARGETS, "euclidean") == pytest.approx([np.sqrt(2)])


def test_posterior_draws_follow_the_weights_and_ridges_are_named():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 400)
    post = pd.DataFrame({"a": x, "b": x + rng.normal(0, 0.02, 400), "c": rng.uniform(0, 1, 400)})
    post["weight"] = np.where(post["a"] > 0.5, 1.0, 0.0)
    spec = CalibrationConfig(**{**SPEC.__dict__, "posterior_draws": 200})
    draws = posterior.draws(spec, post)
    assert list(draws.columns) == ["a", "b", "c"] and len(draws) == 200
    assert (draws["a"] > 0.5).all()  # zero-weight particles are never drawn
    assert [(a, b) for a, b, _ in posterior.ridges(spec, post)] == [("a", "b")]


def test_variance_components_recover_parameter_and_seed_variance():
    rng = np.random.default_rng(1)
    d, s = 200, 200
    grid = rng.normal(0, 0.3, (d, 1)) + rng.normal(0, 0.1, (1, s)) + rng.normal(0, 0.05, (d, s))
    parts = uncertainty.components(grid)
    # method-of-moments estimates; with 200 draws and seeds each is within 25% of its true value
    assert parts["var_parameter"] == pytest.approx(0.09, rel=0.25)
    assert parts["var_seed"] == pytest.approx(0.01, rel=0.25)
    assert parts["var_interaction"] == pytest.approx(0.0025, rel=0.05)
    assert parts["share_parameter"] == pytest.approx(0.09 / 0.1025, abs=0.05)


BLOCK = {"name": "x", "targets": "shanghai_buildings", "parameters": [{"name": "a", "low": 0.0, "high": 1.0}]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"parameters": [{"name": "a", "low": 0.5, "high": 0.5}]},
            r"parameters\.0\.high: got 0.5, allowed: a number > low",
        ),
        (
            {"parameters": [{"name": "a", "prior": "beta", "low": 0, "high": 1}]},
            r"parameters\.0\.prior: got 'beta'",
        ),
        (
            {"parameters": [{"name": "a", "prior": "loguniform", "low": 0, "high": 1}]},
            r"parameters\.0\.low: got 0.0",
        ),
        ({"parameters": [{"name": "a", "low": 0}]}, r"parameters\.0\.high: got nothing, allowed: a number"),
        ({"parameters": [{"name": "a", "lo": 0}]}, r"parameters\.0\.lo: got an unknown key, allowed: one of"),
        ({"parameters": []}, "calibration.parameters: got .*, allowed: a list of at least one"),
        ({"populaton": 3}, r"calibration.populaton: got an unknown key, .*\(did you mean population\?\)"),
        ({"population": True}, "calibration.population: got True, allowed: an integer"),
        ({"population": 1}, r"calibration.population: got 1, allowed: an integer in \[2, 1,000,000\]"),
        ({"quantile": 0}, r"calibration.quantile: got 0.0, allowed: a number in \(0, 1\]"),
        ({"min_epsilon": float("nan")}, "calibration.min_epsilon: got nan, allowed: a finite number"),
        ({"seeds": [1, 1]}, "calibration.seeds: got .*, allowed: a non-empty list of distinct seeds"),
        ({"seeds": [-1]}, r"calibration.seeds.0: got -1, allowed: an integer in \[0,"),
        ({"distance": "l1"}, "calibration.distance: got 'l1', allowed: one of"),
        ({"overrides": ["scenario=bund"]}, r"calibration.overrides\.0: got 'scenario=bund'"),
        ({"launcher": ["steps=3"]}, r"calibration.launcher\.0: got 'steps=3'"),
        ({"output": ""}, r"calibration.output: got '', allowed: a directory path"),
    ],
)
def test_a_bad_spec_is_one_line_naming_its_key(change, message):
    with pytest.raises(ConfigError, match=message) as err:
        check_block(CalibrationConfig, {**BLOCK, **change}, "calibration")
    assert "\n" not in str(err.value)


def _bad_targets(tmp_path, **change):
    row = {
        "statistic": "late_org_coverage",
        "scenario": "small",
        "value": 0.9,
        "tolerance": 0.05,
        "source": "s",
    }
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump({"targets": [{**row, **change}]}))
    return f"calibration.targets={path}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "config error: calibration: missing, allowed: +calibration=NAME"),
        (
            ["+calibration=nope"],
            "config error: calibration: got 'nope', allowed: one of ['shanghai_buildings'",
        ),
        (["TARGETS:statistic=reach"], "targets.0.statistic: got 'reach', allowed: a statistic"),
        pytest.param(
            ["TARGETS:scenario=pudong"],
            "targets.0.scenario: got 'pudong', allowed: one of",
            marks=pytest.mark.slow,
        ),
        (
            ["calibration.parameters.0.high=0.01"],
            "parameters.0.high: got 0.01, allowed: a number > low = 0.05",
        ),
        (["calibration.populaton=4"], "calibration.populaton: got an unknown key, allowed: one of ["),
        (["calibration.output=''"], "calibration.output: got '', allowed: a directory path"),
        pytest.param(
            ["calibration.parameters=[{name:behaviour.participation.nope,low:0,high:1}]"],
            "parameters.0.name: got 'behaviour.participation.nope', allowed: the dotted key of a number",
            marks=pytest.mark.slow,
        ),
        (
            ["calibration.parameters=[{name:behaviour.participation.availability,low:0.5,high:2}]"],
            "at the high end of its prior and scenario=nanjing_east: "
            "behaviour.participation.availability: got 2.0",
        ),
        pytest.param(
            ["calibration.parameters=[{name:behaviour.coproduction.group_size,low:2,high:9}]"],
            "parameters.0.name: got 'behaviour.coproduction.group_size', allowed: a real-valued key",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["sinking.share=3"],
            "sinking.share: got 3.0, allowed: a number in [0, 1]",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["hydra/launcher=nosuch"],
            "hydra/launcher: got 'nosuch', allowed: one of ['basic', 'joblib'",
            marks=pytest.mark.slow,
        ),
    ],
)
def test_bad_input_to_the_command_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    given = []
    for arg in argv:
        if arg.startswith("TARGETS:"):
            key, value = arg[len("TARGETS:") :].split("=")
            arg = _bad_targets(tmp_path, **{key: value})
        given.append(arg)
    if given and not given[0].startswith("+calibration="):
        given_output = any(a.startswith("calibration.output=") for a in given)
        where = [] if given_output else [f"calibration.output={out}"]
        given = ["+calibration=shanghai_buildings", *given, *where]
    with pytest.raises(SystemExit) as exit_:
        main(KIND, given)
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) in ([], ["targets.yaml"])


def test_the_decomposition_is_per_condition_and_leaves_out_draws_with_a_failed_run():
    rng = np.random.default_rng(2)
    rows = [
        {"governance": g, "design.sample": d, "seed": s, "status": "completed", "late_mean_org_coverage": v}
        for g, shift in (("fragmented", 0.0), ("brand", 0.1))
        for d, draw_effect in enumerate(np.linspace(-0.075, 0.075, 6))
        for s in range(4)
        for v in [0.5 + shift + draw_effect + rng.normal(0, 0.01)]
    ]
    runs = pd.DataFrame(rows)
    runs.loc[
        (runs["governance"] == "brand") & (runs["design.sample"] == 5) & (runs["seed"] == 0), "status"
    ] = "failed"
    table = uncertainty.decompose(runs, ["governance"], ["org_coverage"], "late_mean").set_index("governance")
    assert table.loc["fragmented", "draws"] == 6 and table.loc["brand", "draws"] == 5
    assert table.loc["brand", "mean"] - table.loc["fragmented", "mean"] == pytest.approx(0.1, abs=0.05)
    # draws differ with variance 0.00315 (brand's five left: 0.00225), seeds with 0.0001
    assert (table["share_parameter"] > 0.9).all()
    assert table.loc["fragmented", "var_parameter"] == pytest.approx(0.00315, rel=0.15)
    assert table.loc["brand", "var_parameter"] == pytest.approx(0.00225, rel=0.15)
