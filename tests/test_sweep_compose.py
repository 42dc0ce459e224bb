"""A job's config composed from the per-process cache equals, key for key, the config Hydra composes
from scratch (hydra_plugins/sim_sweeper/compose.py)."""

from __future__ import annotations

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import ConfigCompositionException
from hydra.types import RunMode
from omegaconf import OmegaConf

from hydra_plugins.sim_sweeper import compose
from sim.config import CONFIG_DIR

JOBS = [
    ["seed=3"],
    ["seed=4"],  # same group choices as the job before: served from the cache
    ["scenario=small", "seed=1", "sinking.share=0.25"],
    ["governance=zone", "scenario=small", "seed=1", "sinking.share=0.5"],
    ["governance.mechanisms=[zone_pooling,online_channel]", "steps=3"],
    ["+experiment=sensitivity", "design.sample=7"],
    ["++budget.activity_cost=0.2", "~outputs.agent_snapshots", "hydra.job.chdir=false"],
    ["behaviour.participation.threshold_mean={member: 0.1, worker: 0.2, resident: 0.3}", "seed=2"],
]


@pytest.fixture(scope="module")
def hydra_loader():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        master = loader.load_configuration(
            "config", ["hydra.sweep.dir=/tmp/compose-test"], run_mode=RunMode.MULTIRUN
        )
        yield loader, master
    GlobalHydra.instance().clear()


@pytest.mark.parametrize("overrides", JOBS, ids=" ".join)
def test_cached_composition_equals_hydras(hydra_loader, overrides):
    loader, master = hydra_loader
    ours = compose.CachingConfigLoader(loader).load_sweep_config(master, overrides)
    theirs = loader.load_sweep_config(master, overrides)
    assert OmegaConf.to_container(ours) == OmegaConf.to_container(theirs)
    assert ours.hydra.job.override_dirname == theirs.hydra.job.override_dirname
    assert OmegaConf.is_struct(ours) and OmegaConf.is_struct(theirs)


def test_the_cache_composes_each_set_of_group_choices_once(hydra_loader, monkeypatch):
    loader, master = hydra_loader
    monkeypatch.setattr(compose, "_BASES", type(compose._BASES)())
    calls = []
    real = loader.load_configuration
    monkeypatch.setattr(loader, "load_configuration", lambda **kw: calls.append(kw) or real(**kw))
    caching = compose.CachingConfigLoader(loader)
    for seed in range(5):
        for mode in ("zone", "brand"):
            cfg = caching.load_sweep_config(master, [f"governance={mode}", f"seed={seed}"])
            assert cfg.seed == seed and cfg.governance.name == mode
    assert len(calls) == 2


def test_a_bad_value_override_fails_as_in_hydra(hydra_loader):
    loader, master = hydra_loader
    for composer in (loader, compose.CachingConfigLoader(loader)):
        with pytest.raises(ConfigCompositionException, match="no_such_key"):
            composer.load_sweep_config(master, ["no_such_key=1"])


@pytest.mark.parametrize(
    "overrides",
    [
        ["scenario=small", "+design.method=file", "+design.file=/x.parquet", "+design.sample=3"],
        [
            "governance=collaborative",
            "report.outcomes=[demand_met]",
            "+note='1.5'",
            "+flag='yes'",
            "+none=null",
        ],
    ],
)
def test_a_chunk_rows_snapshot_is_the_yaml_hydra_writes(overrides):
    """A row of a chunked sweep saves its config as Hydra saves a job's (OmegaConf.to_yaml), text for
    text, through libyaml."""
    from sim.cli import as_yaml
    from sim.compose import compose as compose_config

    cfg = compose_config(overrides)
    assert as_yaml(OmegaConf.to_container(cfg)) == OmegaConf.to_yaml(cfg)
    assert as_yaml(overrides) == OmegaConf.to_yaml(OmegaConf.create(overrides))
