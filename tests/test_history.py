"""History matching with emulators (sim.history) on cheap functions of known answer, with no model:
the emulators recover a mean and a seed variance, implausibility and NROY rule out what they should
and keep the truth, the waves stop by their rule, and the posterior covers the truth; a target no
parameter set meets empties NROY and is named. Bad input to the command is one line, exit 2."""

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.schema import Parameter
from sim.config import ConfigError, check_block
from sim.history.emulator import Emulator
from sim.history.match import (
    Observed,
    Wave,
    fill,
    implausibility,
    latin_hypercube,
    likelihood_weights,
    maximin,
    measure,
    non_implausible,
    to_values,
)
from sim.history.runs import statistic
from sim.history.schema import HistoryConfig
from sim.history.study import KIND
from sim.history.waves import run_waves
from sim.study.command import main
from sim.study.load import StudyError


def mean_of(x):
    return np.sin(3 * x[:, 0]) + x[:, 1] ** 2


def sd_of(x):
    return 0.05 * (1 + 2 * x[:, 0])


def runs_of(x, seeds, rng):
    return mean_of(x)[:, None] + sd_of(x)[:, None] * rng.standard_normal((len(x), seeds))


@pytest.fixture(scope="module")
def emulated():
    rng = np.random.default_rng(1)
    x = latin_hypercube(40, 2, 1)
    return Emulator.fit(x, runs_of(x, 5, rng), seed=0), rng


def test_the_emulators_recover_the_mean_and_the_seed_variance(emulated):
    emulator, rng = emulated
    x = rng.random((300, 2))
    mean, var, seed_var = emulator.predict(x)
    # 40 points of a smooth function in 2 dimensions: the expected value to within a tenth of its range
    assert np.sqrt(np.mean((mean - mean_of(x)) ** 2)) < 0.03
    assert np.all(var >= 0)
    # the seed variance from 5 seeds a point (its log has sampling sd ~0.8): right to within a factor 2
    ratio = seed_var / sd_of(x) ** 2
    assert 0.5 < np.median(ratio) < 2
    # and it follows the trend: three times the sd at x0 = 1 as at x0 = 0, nine times the variance
    low, high = np.array([[0.05, 0.5]]), np.array([[0.95, 0.5]])
    assert emulator.predict(high)[2][0] / emulator.predict(low)[2][0] > 3


def test_run_coverage_is_near_95_per_cent_on_new_runs_and_leaving_one_out(emulated):
    emulator, rng = emulated
    x = rng.random((200, 2))
    assert 0.88 <= emulator.run_coverage(x, runs_of(x, 3, rng)) <= 1.0
    assert (
        0.85
        <= emulator.leave_one_out(latin_hypercube(40, 2, 1), runs_of(latin_hypercube(40, 2, 1), 5, rng))
        <= 1.0
    )
    # an emulator of another function covers few runs: the diagnostic can fail
    assert emulator.run_coverage(x, runs_of(x, 3, rng) + 1.0) < 0.3


class Exact:
    """An emulator that knows the function: E(x) = x0, no emulator variance, seed variance s2."""

    def __init__(self, s2=0.0):
        self.s2 = s2

    def predict(self, x):
        return x[:, 0], np.zeros(len(x)), np.full(len(x), self.s2)


def test_implausibility_adds_every_variance_and_the_measure_takes_the_max_or_the_second():
    wave = Wave([Exact(0.01), Exact(0.0)])
    targets = [Observed(0.5, 0.02, 0.01), Observed(0.9, 0.1)]
    each = implausibility(wave, targets, np.array([[0.2, 0.0]]))
    assert each[0, 0] == pytest.approx(0.3 / np.sqrt(0.01 + 0.02**2 + 0.01**2))
    assert each[0, 1] == pytest.approx(0.7 / 0.1)
    assert measure(each, "max")[0] == pytest.approx(7.0)
    assert measure(each, "second")[0] == pytest.approx(each[0, 0])


def test_nroy_is_where_no_wave_rules_a_point_out():
    targets = [Observed(0.5, 0.05)]
    x = np.linspace(0, 1, 101)[:, None]
    first = non_implausible([Wave([Exact()])], targets, x, 3.0, "max")
    # |x - 0.5| / 0.05 <= 3: inside from 0.35 to 0.65 (the ends themselves at the cutoff, up to rounding)
    assert first[36:65].all() and not first[:34].any() and not first[67:].any()
    # a second wave's emulators (here: a tighter target) cut further, never add back
    both = non_implausible([Wave([Exact()]), Wave([Exact()])], [Observed(0.5, 0.02)], x, 3.0, "max")
    assert both.sum() < first.sum() and not (both & ~first).any()


def test_maximin_spreads_the_design_and_fill_finds_points_in_a_small_nroy():
    pool = np.random.default_rng(0).random((2000, 2))
    chosen = maximin(pool, 20)
    gaps = np.sqrt(((chosen[:, None] - chosen[None]) ** 2).sum(-1))[np.triu_indices(20, 1)]
    random_gaps = np.sqrt(((pool[:20, None] - pool[None, :20]) ** 2).sum(-1))[np.triu_indices(20, 1)]
    assert gaps.min() > 2 * random_gaps.min()

    def inside(z):
        return ((z - 0.7) ** 2).sum(axis=1) < 0.03**2  # a disc of 0.3% of the square

    found = fill(np.array([[0.7, 0.7]]), 30, inside, 0)
    assert len(found) >= 30 and inside(found).all()


def test_likelihood_weights_are_the_gaussian_likelihood_normalised():
    x = np.array([[0.5], [0.6], [0.8]])
    w = likelihood_weights(Wave([Exact(0.01)]), [Observed(0.5, 0.0)], x)
    expected = np.exp(-0.5 * (x[:, 0] - 0.5) ** 2 / 0.01)
    assert w == pytest.approx(expected / expected.sum())


def test_unit_points_map_to_each_prior():
    parameters = [Parameter("a", "uniform", 1.0, 3.0), Parameter("b", "loguniform", 0.01, 1.0)]
    values = to_values(np.array([[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]), parameters)
    assert values[:, 0] == pytest.approx([1.0, 2.0, 3.0])
    assert values[:, 1] == pytest.approx([0.01, 0.1, 1.0])


TRUTH = np.array([0.3, 0.7])


def two_targets(x, seeds, rng):
    """Two statistics of two parameters, with seed noise: x0 + x1 / 4 and x1 - x0^2."""
    noise = rng.standard_normal((len(x), seeds, 2)) * 0.01
    return np.stack([x[:, 0] + x[:, 1] / 4, x[:, 1] - x[:, 0] ** 2], axis=-1)[:, None, :] + noise


def _spec(**change):
    return HistoryConfig(
        **{
            "targets": "cheap",
            "parameters": [Parameter("a", "uniform", 0.0, 1.0), Parameter("b", "uniform", 0.0, 1.0)],
            "seeds": [0, 1, 2],
            "points": 20,
            "waves": 4,
            "shrink": 0.2,
            "sample": 4000,
            "posterior_draws": 100,
            **change,
        }
    )


def _simulator(seed=0):
    rng = np.random.default_rng(seed)
    return lambda k, unit: two_targets(unit, 3, rng)


@pytest.mark.slow  # each wave fits its Gaussian processes with restarts: seconds
def test_waves_shrink_nroy_keep_the_truth_and_the_posterior_covers_it():
    z = two_targets(TRUTH[None], 1, np.random.default_rng(9))[0, 0]
    targets = [Observed(float(z[0]), 0.02), Observed(float(z[1]), 0.02)]
    result = run_waves(_spec(), targets, _simulator(), progress=lambda line: None)
    shares = [r.nroy_share for r in result.records]
    # the truth's statistics within 3 x 0.02 (plus seed noise) cut the square to a few per cent
    assert len(result.records) >= 2 and shares[0] < 0.05 and np.all(np.diff(shares) <= 0)
    assert result.stopped.startswith(("wave", "ran all"))
    assert non_implausible([r.fitted for r in result.records], targets, TRUTH[None], 3.0, "max")[0]
    draws = result.draws
    for i, truth in enumerate(TRUTH):
        low, high = np.quantile(draws[:, i], [0.05, 0.95])
        assert low <= truth <= high
        assert high - low < 0.3  # narrowed from the prior's 0.9
    # the next wave's runs validate the emulators: about 95% of runs inside their intervals
    assert all(v >= 0.8 for v in result.records[0].validation)
    assert result.ess > 10


@pytest.mark.slow
def test_a_target_no_parameter_meets_empties_nroy_and_is_named():
    targets = [Observed(0.5, 0.02), Observed(3.0, 0.02)]  # x1 - x0^2 never exceeds 1
    result = run_waves(_spec(), targets, _simulator(), progress=lambda line: None)
    assert result.stopped.startswith("NROY is empty after wave 1")
    assert len(result.nroy) == 0 and len(result.draws) == 0
    assert result.targets_alone[0] > 0.05 and result.targets_alone[1] == 0
    assert result.targets_together[0, 1] == result.targets_together[1, 0] == 0
    assert result.min_implausibility[1] > 3.0 > result.min_implausibility[0]


@pytest.mark.slow
def test_the_same_runs_give_the_same_match():
    targets = [Observed(0.5, 0.02), Observed(0.5, 0.02)]
    first = run_waves(_spec(waves=2), targets, _simulator(3), progress=lambda line: None)
    again = run_waves(_spec(waves=2), targets, _simulator(3), progress=lambda line: None)
    assert np.array_equal(first.records[-1].design, again.records[-1].design)
    assert np.array_equal(first.draws, again.draws)


def test_a_wave_whose_runs_failed_stops_the_match_in_one_line():
    def failing(k, unit):
        runs = two_targets(unit, 3, np.random.default_rng(0))
        runs[1:, 0, :] = np.nan  # every point but one lost a run
        return runs

    with pytest.raises(StudyError, match=r"^wave 1: 1 points ran at every seed .*fewer than the 4"):
        run_waves(_spec(), [Observed(0.5, 0.02), Observed(0.5, 0.02)], failing, progress=lambda line: None)


def test_a_late_statistic_is_the_mean_of_the_last_window_weeks():
    table = pd.DataFrame({"participation_rate": np.arange(61) / 100, "reach_52w": np.zeros(61)})
    summary = {"late_mean": {"participation_rate": 0.475, "reach_52w": 0.4}}
    assert statistic("late_participation_rate", table, summary, 26) == pytest.approx(
        np.mean(np.arange(35, 61)) / 100
    )
    assert statistic("late_participation_rate", table, summary, 10) == pytest.approx(0.555)
    assert statistic("late_reach_ratio", table, summary, 10) == pytest.approx(0.4 / 0.475)


BLOCK = {"targets": "steady", "parameters": [{"name": "a", "low": 0.0, "high": 1.0}]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seeds": [0]}, r"history.seeds: got \[0\], allowed: at least two distinct seeds"),
        ({"measure": "mean"}, r"history.measure: got 'mean', allowed: one of \['max', 'second'\]"),
        ({"cutoff": 0}, r"history.cutoff: got 0.0, allowed: a number in \(0, 1000\]"),
        ({"shrink": 2}, r"history.shrink: got 2.0, allowed: a number in \[0, 1\]"),
        ({"window": 600}, r"history.window: got 600, allowed: at most steps = 520"),
        ({"points": 1}, r"history.points: got 1, allowed: an integer in \[2,"),
        ({"sample": 10}, r"history.sample: got 10, allowed: at least points = 80"),
        (
            {"overrides": ["steps=30"]},
            r"history.overrides.0: got 'steps=30', allowed: a model override other",
        ),
        ({"parameters": [{"name": "a", "low": 1, "high": 0}]}, r"history.parameters.0.high: got 0.0"),
    ],
)
def test_a_bad_block_is_one_line_naming_its_key(change, message):
    with pytest.raises(ConfigError, match=message) as err:
        check_block(HistoryConfig, {**BLOCK, **change}, "history")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "history: missing, allowed: +history=NAME"),
        (["+history=steady", "history.seeds=[4]"], "history.seeds: got [4], allowed: at least two"),
        (["+history=steady", "steps=30"], "history.overrides.2: got 'steps=30', allowed: a model override"),
        (["+history=steady", "history.targets=nope"], "history.targets: got 'nope', allowed: one of ["),
    ],
)
def test_bad_input_to_the_command_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, argv, message):
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(KIND, [*argv, f"history.output={out}"] if argv else argv)
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 2
    assert message in err and len(err.splitlines()) == 1
    assert not out.exists()


def test_help_lists_every_key_of_the_block(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(KIND, ["--help"])
    text = capsys.readouterr().out
    assert exit_.value.code == 0
    for key in ("history.cutoff", "history.shrink", "history.window", "history.sample", "history_steady"):
        assert key.removeprefix("history.") in text
