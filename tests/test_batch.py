"""File designs (design.method=file) and batches of evaluations run as ordinary sweeps (sim.study.batch)."""

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from sim.config import ConfigError
from sim.run import run
from sim.study.batch import BatchError, evaluate
from sim.sweep.design import apply_design, design_size, parameter_names
from sim.validate import CONFIG_DIR, validate
from sim.validate import compose as compose_run


def _cfg(path, sample, *overrides):
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(
            "config",
            overrides=["+design.method=file", f"+design.file={path}", f"+design.sample={sample}", *overrides],
        )


@pytest.fixture
def design(tmp_path):
    path = tmp_path / "rows.parquet"
    pd.DataFrame(
        {
            "governance.mechanisms": [["zone_committees", "online_channel"], []],
            "sinking.policy": ["equal", None],
            "sinking.share": [0.25, 0.75],
        }
    ).to_parquet(path)
    return path


def test_a_row_sets_its_keys_and_null_leaves_the_configured_value(design):
    cfg = _cfg(design, 0)
    assert apply_design(cfg) == {
        "governance.mechanisms": ["zone_committees", "online_channel"],
        "sinking.policy": "equal",
        "sinking.share": 0.25,
    }
    run = validate(cfg, [])
    assert list(run.governance.mechanisms) == ["zone_committees", "online_channel"]
    assert (run.sinking.policy, run.sinking.share) == ("equal", 0.25)
    cfg = _cfg(design, 1)
    apply_design(cfg)
    assert (cfg.sinking.policy, cfg.sinking.share, list(cfg.governance.mechanisms)) == ("need", 0.75, [])
    spec = {"method": "file", "file": str(design)}
    assert design_size(spec) == 2
    assert parameter_names(spec) == ["governance.mechanisms", "sinking.policy", "sinking.share"]


@pytest.mark.parametrize(
    ("column", "message"),
    [("no.such_key", "is not a config key"), ("governance", "is a config group, allowed: its keys")],
)
def test_a_column_that_is_not_a_config_key_is_refused(tmp_path, column, message):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({column: ["x"]}).to_parquet(path)
    with pytest.raises(ConfigError, match=message):
        apply_design(_cfg(path, 0))


def test_a_missing_file_or_sample_is_refused(tmp_path, design):
    with pytest.raises(ConfigError, match="design.file: cannot read"):
        apply_design(_cfg(tmp_path / "absent.parquet", 0))
    with pytest.raises(ConfigError, match=r"design.sample: got 2, allowed: an integer in \[0, 1\]"):
        apply_design(_cfg(design, 2))


@pytest.mark.slow
def test_a_batch_runs_as_a_sweep_records_failures_resumes_and_refuses_other_rows(tmp_path):
    rows = pd.DataFrame(
        {"sinking.share": [0.2, 1.5, 0.6], "behaviour.participation.threshold_sd": [0.1, 0.2, None]}
    )
    common = ["scenario=small", "steps=6", "seed=3"]
    runs = evaluate(rows, tmp_path / "b", common)
    assert runs["status"].tolist() == ["completed", "failed", "completed"]
    assert "sinking.share: got 1.5, allowed: a number in [0, 1]" in runs.loc[1, "error"]
    assert runs.loc[[0, 2], "share"].tolist() == [0.2, 0.6]
    # the batch's runs are the runs `python -m sim` makes from the same values
    _, direct = run(compose_run(["scenario=small", "steps=6", "seed=3", "sinking.share=0.6"]))
    assert runs.loc[2, "participation_rate"] == direct["participation_rate"].iloc[-1]
    again = evaluate(rows, tmp_path / "b", common)  # resumes: same rows, same tables
    pd.testing.assert_frame_equal(again.drop(columns="runtime_s"), runs.drop(columns="runtime_s"))
    with pytest.raises(BatchError, match="holds another batch"):
        evaluate(rows.iloc[:2], tmp_path / "b", common)
