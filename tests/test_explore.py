"""Scenario discovery (sim.explore): factors checked against the model's own validation, seeded
samples, exact override strings, bad input in one line with nothing written, PRIM on a known box, and
an end-to-end exploration through the batch launcher with failures recorded and resume."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.config import ConfigError
from sim.explore.exploration import KIND
from sim.study import factors as fx
from sim.study.load import compose_base, load
from sim.study.schema import FactorConfig, SamplerConfig
from sim.validate import compose

BASE_MODEL = ["scenario=small", "steps=4"]


@pytest.fixture(scope="module")
def base():
    return compose_base("exploration.model", BASE_MODEL)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "sinking.share", "low": 0.2, "high": 1.5},
            r"levers\.0\.high: got 1\.5 for sinking\.share, allowed: a number in \[0, 1\]",
        ),
        (
            {"name": "budget.per_person_per_step", "low": -0.1, "high": 0.1},
            r"levers\.0\.low: got -0\.1 for budget\.per_person_per_step, allowed: a number in \[0, 1e\+06\]",
        ),
        (
            {"name": "sinking.policy", "values": ["need", "by_mood"]},
            r"levers\.0\.values\.1: got 'by_mood' for sinking\.policy, allowed: one of \['equal'",
        ),
        (
            {"name": "governance.mechanisms", "values": ["zone_pooling", "magic"]},
            r"values\.1: got 'magic' for governance\.mechanisms, allowed: names from \['brand_reputation'",
        ),
        (
            {"name": "sinking.depth", "values": ["site", "street"]},
            r"got 'street' for sinking\.depth, allowed: one of \['subdistrict', 'zone', 'site'\]",
        ),
        (
            {"name": "sinking.share", "low": 0.6, "high": 0.2},
            r"levers\.0\.high: got 0\.2, allowed: a number > low",
        ),
        (
            {"name": "behaviour.nope", "low": 0, "high": 1},
            r"levers\.0\.name: got 'behaviour\.nope', allowed",
        ),
        ({"name": "sinking", "values": ["need"]}, r"levers\.0\.name: got 'sinking', allowed: a dotted key"),
        ({"name": "seed", "values": [1, 2]}, r"seeds and steps are set apart"),
        (
            {"name": "sinking.policy", "low": 0, "high": 1},
            r"sinking\.policy holds 'need', allowed: low and high",
        ),
    ],
)
def test_a_factor_the_model_would_refuse_is_named_with_what_is_allowed(base, entry, message):
    with pytest.raises(ConfigError, match=message):
        fx.parse([FactorConfig(**entry)], "exploration.levers", base, BASE_MODEL)


def test_factors_in_range_are_parsed_by_kind(base):
    entries = [
        {"name": "sinking.share", "low": 0.1, "high": 0.9},
        {"name": "sinking.policy", "values": ["none", "need"]},
        {"name": "governance.mechanisms", "values": ["zone_committees", "online_channel"]},
    ]
    entries = [FactorConfig(**e) for e in entries]
    kinds = [f.kind for f in fx.parse(entries, "x", base, BASE_MODEL)]
    assert kinds == ["real", "categorical", "subset"]
    with pytest.raises(ConfigError, match=r"x\.1\.name: got 'sinking\.share', allowed: each key once"):
        fx.parse([entries[0], entries[0]], "x", base, BASE_MODEL)


def test_latin_hypercube_samples_are_stratified_seeded_and_decoded():
    factors = [
        fx.Factor("sinking.share", "real", low=0.2, high=0.6),
        fx.Factor("sinking.policy", "categorical", values=("none", "equal", "need", "size")),
        fx.Factor("governance.mechanisms", "subset", values=("a", "b")),
    ]
    spec = SamplerConfig("lhs", 40, 3)
    rows = fx.sample(factors, spec)
    share = rows["sinking.share"].to_numpy()
    # a Latin hypercube puts exactly one point in each of the n equal slices of every range
    assert sorted(np.floor((share - 0.2) / 0.4 * 40).astype(int)) == list(range(40))
    # ... so each of 4 categories gets exactly n/4 points, and each member of a subset is on in half
    assert rows["sinking.policy"].value_counts().to_dict() == {
        "none": 10,
        "equal": 10,
        "need": 10,
        "size": 10,
    }
    assert sum("a" in m for m in rows["governance.mechanisms"]) == 20
    pd.testing.assert_frame_equal(rows, fx.sample(factors, spec))
    assert not rows.equals(fx.sample(factors, SamplerConfig("lhs", 40, 4)))
    table = fx.analysis_table(factors, rows)
    assert list(table.columns) == [
        "sinking.share",
        "sinking.policy",
        "governance.mechanisms:a",
        "governance.mechanisms:b",
    ]
    sobol = fx.sample(factors, SamplerConfig("sobol", 16, 0))
    assert sobol["sinking.share"].between(0.2, 0.6).all() and len(sobol) == 16


def test_override_strings_set_exactly_the_sampled_values():
    values = {
        "sinking.share": 0.1 + 0.2,  # 0.30000000000000004: the very double must come back
        "governance.mechanisms": ["zone_committees", "online_channel"],
        "sinking.policy": "none",
        "budget.per_person_per_step": 0.0437829365123,
    }
    run = compose(["scenario=small", *(fx.override(k, v) for k, v in values.items())])
    assert run.sinking.share == values["sinking.share"]
    assert run.governance.mechanisms == values["governance.mechanisms"]
    assert run.sinking.policy == "none"
    assert run.budget.per_person_per_step == values["budget.per_person_per_step"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], r"exploration: missing, allowed: \+exploration=NAME \(one of \['demo'"),
        (
            ["+exploration=demo", "exploration.outcomes=[participation]"],
            r"outcomes\.0: got 'participation'",
        ),
        pytest.param(
            ["+exploration=demo", "exploration.target.outcome=nope"],
            r"target\.outcome: got 'nope', allowed: one of",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["+exploration=demo", "exploration.stat=median"],
            r"exploration\.stat: got 'median'",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            ["+exploration=demo", "scenario=atlantis"], r"scenario: got 'atlantis'", marks=pytest.mark.slow
        ),
        pytest.param(
            ["+exploration=demo", "exploration.arms.policy=['governance=chaos']"],
            r"governance: got 'chaos'",
            marks=pytest.mark.slow,
        ),
        pytest.param(["+exploration=demo", "stepz=3"], r"stepz: got an unknown key", marks=pytest.mark.slow),
        pytest.param(
            ["+exploration=demo", "exploration.sampler.n=0"], r"sampler\.n: got 0", marks=pytest.mark.slow
        ),
    ],
)
def test_bad_exploration_input_is_one_line_and_writes_nothing(tmp_path, argv, message):
    from sim.explore import exploration

    target = tmp_path / "out"
    where = [f"exploration.dir={target}"] if argv else []
    with pytest.raises(ConfigError, match=message) as err:
        exploration.plan(load(KIND, [*argv, *where]))
    assert "\n" not in str(err.value)
    assert not target.exists()


@pytest.mark.slow
def test_the_command_exits_2_with_one_line_and_no_directory(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.explore",
            "+exploration=demo",
            "exploration.levers=[{name: sinking.share, low: 0.5, high: 2}]",
            f"exploration.dir={tmp_path / 'x'}",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "config error: exploration.levers.0.high: got 2.0 for sinking.share, allowed: a number in [0, 1]"
    ]
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_prim_finds_a_known_box_and_feature_scores_rank_its_dimensions():
    from sim.explore.discovery import feature_scores, prim_boxes

    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.random(400), "b": rng.random(400), "c": rng.choice(["p", "q", "r"], 400)})
    y = ((x["a"] > 0.6) & (x["c"] != "r")).to_numpy()
    box = prim_boxes(x, y, threshold=0.95, peel_alpha=0.05, mass_min=0.05, boxes=2)[0]
    limits = box.limits.set_index("dimension")["limits"]
    assert set(limits.index) == {"a", "c"}  # b does not matter, and is left unrestricted
    assert limits["c"] == "{p, q}"
    lower = float(limits["a"].strip("[]").split(",")[0])
    # the chosen box is the widest with density >= 0.95: a from 0.4 / 0.95 below 1, i.e. 0.579, up to
    # the true edge 0.6 plus a peel's worth of sampling noise
    assert 0.57 <= lower <= 0.65
    assert box.coverage >= 0.9 and box.density >= 0.95
    scores = feature_scores(x, {"y": x["a"].to_numpy() * 2 + rng.normal(0, 0.1, 400)}, seed=0)["y"]
    assert scores.idxmax() == "a" and scores["a"] > 0.5


@pytest.mark.slow
def test_an_exploration_runs_through_the_batch_records_failures_and_resumes(tmp_path):
    """A small exploration where half of the space is outside what the model allows (outreach and
    activity shares summing above 1): those points fail, are recorded with their error and
    excluded; the others are analysed; running again reads every batch back without running it."""
    out = tmp_path / "e"
    argv = [
        sys.executable,
        "-m",
        "sim.explore",
        "+exploration=demo",
        f"exploration.dir={out}",
        "exploration.launcher=[]",
        "exploration.sampler.n=6",
        "exploration.seeds=[0]",
        "exploration.levers=[{name: budget.outreach_share, low: 0.3, high: 0.7}, "
        "{name: budget.activity_share, low: 0.3, high: 0.7}]",
        "steps=5",
    ]
    first = subprocess.run(argv, capture_output=True, text=True)
    assert first.returncode == 1, first.stderr  # some evaluations failed; the exploration went on
    points = pd.read_parquet(out / "points.parquet")
    over = points["budget.outreach_share"] + points["budget.activity_share"] > 1
    assert over.any() and (~over).any()
    assert points["failed"].tolist() == over.tolist()
    runs = pd.read_parquet(out / "runs_policy.parquet")
    assert (
        runs.loc[runs["point"].isin(points.index[over]), "error"].str.contains("budget.activity_share").all()
    )
    assert points.loc[~over, "value:participation_rate"].notna().all()
    assert (out / "report.md").read_text().count("points failed and are excluded") == 1
    summaries = sorted((out / "arms").glob("*/sweep/*/summary.json"))
    stamps = [p.stat().st_mtime_ns for p in summaries]
    again = subprocess.run(argv, capture_output=True, text=True)
    assert again.returncode == 1
    assert [p.stat().st_mtime_ns for p in summaries] == stamps  # nothing ran again
    pd.testing.assert_frame_equal(pd.read_parquet(out / "points.parquet"), points)
    other = subprocess.run([*argv[:-1], "steps=6"], capture_output=True, text=True)
    assert other.returncode == 2 and "holds another study's study.json" in other.stderr


@pytest.mark.slow
def test_uncertainties_can_come_from_a_file_of_draws(tmp_path):
    """E.g. a calibration's posterior: its first n rows are the points' uncertainty values, beside the
    sampled levers; a draw outside what the model allows is refused like any factor."""
    from sim.explore import exploration

    draws = pd.DataFrame({"behaviour.participation.threshold_sd": np.linspace(0.1, 0.3, 10)})
    draws.to_parquet(tmp_path / "draws.parquet")
    argv = [
        "+exploration=demo",
        f"exploration.dir={tmp_path / 'out'}",
        "exploration.uncertainties=[]",
        f"+exploration.draws.file={tmp_path / 'draws.parquet'}",
        "exploration.sampler.n=6",
    ]
    p = exploration.plan(load(KIND, argv))
    points = exploration.points(p)
    assert points["behaviour.participation.threshold_sd"].tolist() == draws.iloc[:6, 0].tolist()
    assert list(points.columns[1:]) == ["sinking.policy", "sinking.share"]
    draws.assign(**{"behaviour.participation.threshold_sd": -draws.iloc[:, 0]}).to_parquet(
        tmp_path / "bad.parquet"
    )
    with pytest.raises(
        ConfigError,
        match=r"draws\.0\.values\.0: got -0\.21\d* for behaviour\.participation\.threshold_sd, "
        r"allowed: a number in \[0, 1000\]",
    ):
        exploration.plan(
            load(KIND, [*argv[:3], f"+exploration.draws.file={tmp_path / 'bad.parquet'}", argv[4]])
        )
    with pytest.raises(ConfigError, match=r"draws\.file: 10 draws, allowed: at least the 20 points sampled"):
        exploration.plan(load(KIND, [*argv[:4], "exploration.sampler.n=20"]))
