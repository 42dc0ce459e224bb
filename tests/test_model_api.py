"""The model is a standard Mesa model: keyword construction, rng seeding, batch_run, agent views."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd

from sim import VerticalCommunityModel
from sim.agents import Enterprise, Member, PartyCommittee, Resident, Worker


def test_keyword_construction_and_rng_seeding():
    a = VerticalCommunityModel(scenario="small", governance="fusion", sinking="size", rng=7, steps=5)
    b = VerticalCommunityModel(scenario="small", governance="fusion", sinking="size", rng=7, steps=5)
    a.run()
    b.run()
    assert a.steps == 5 and not a.running
    pd.testing.assert_frame_equal(
        a.datacollector.get_model_vars_dataframe(), b.datacollector.get_model_vars_dataframe()
    )
    assert a.config.seed == 7 and a.config.governance.name == "fusion"


def test_dotted_overrides():
    m = VerticalCommunityModel("small", sinking__share=0.25, behaviour__participation__temperature=0.0)
    assert m.config.sinking.share == 0.25 and m.config.behaviour.participation.temperature == 0.0


def test_batch_run():
    results = mesa.batch_run(
        VerticalCommunityModel,
        parameters={"scenario": "small", "governance": ["fragmented", "zone"], "rng": [0, 1], "steps": 4},
        iterations=1,
        number_processes=1,
        data_collection_period=-1,
        display_progress=False,
    )
    table = pd.DataFrame(results)
    assert len(table) == 4 and set(table["governance"]) == {"fragmented", "zone"}
    # Mesa's batch_run reports row model.steps - 1 of the DataCollector; ours has a row per step
    # from the initial state (step 0), so that row is the state after 3 of the 4 weeks.
    assert (table["Step"] == 3).all() and table["participation_rate"].between(0, 1).all()
    again = VerticalCommunityModel("small", "zone", rng=1, steps=4)
    again.run()
    row = table[(table["governance"] == "zone") & (table["rng"] == 1)].iloc[0]
    assert row["org_coverage"] == again.datacollector.get_model_vars_dataframe()["org_coverage"].iloc[3]


def test_agent_views_read_and_write_the_arrays():
    m = VerticalCommunityModel("small", rng=0)
    m.run(3)
    kinds = {type(a) for a in m.agents}
    assert {Member, Worker, Resident, Enterprise, PartyCommittee} <= kinds
    assert len(m.agents_by_type[Member]) == int((m.people.kind == 0).sum())
    member = m.agents_by_type[Member][0]
    assert member.active == m.people.active[member.index]
    assert member.cell.coordinate == tuple(m.world.site_xy[member.site])
    member.belonging = 0.9
    assert m.people.belonging[member.index] == 0.9
    firm = m.agents_by_type[Enterprise][0]
    assert firm.strategy in ("cooperate", "defect", "loner") and firm.party_organisation in (
        "none",
        "joint",
        "own branch",
    )
    levels = {c.level_name for c in m.agents_by_type[PartyCommittee]}
    assert {
        "subdistrict work committee",
        "zone joint committee",
        "building joint committee",
        "residential-area organisation",
    } <= levels
    total = sum(c.resources for c in m.agents_by_type[PartyCommittee])
    assert np.isclose(total, m.held.sum())


def test_large_populations_get_committee_agents_only_and_views_on_demand():
    m = VerticalCommunityModel("nanjing_east", rng=0)
    assert {type(a) for a in m.agents} == {PartyCommittee}
    m.run(2)
    resident = m.person(len(m.people) - 1)
    assert isinstance(resident, Resident) and resident.active == m.people.active[-1]
    assert m.person(len(m.people) - 1) is resident
    firm = m.enterprise(5)
    assert firm.workers == m.firms.workers[5] and firm.cell.coordinate == tuple(
        m.world.site_xy[m.firms.site[5]]
    )
    m = VerticalCommunityModel("small", rng=0, agent_views="none")
    assert {type(a) for a in m.agents} == {PartyCommittee}


def test_a_config_carries_its_own_seed():
    from sim.validate import compose

    cfg = compose(["scenario=small", "seed=4"])
    assert VerticalCommunityModel(config=cfg).config.seed == 4
    import pytest

    with pytest.raises(TypeError, match="config"):
        VerticalCommunityModel(config=cfg, rng=5)


def test_without_rng_each_model_gets_a_fresh_seed_it_records():
    """Mesa's convention for rng=None: a fresh seed, so replicates differ; the seed is recorded on the
    model's config, and passing it back repeats the run exactly."""
    a, b = VerticalCommunityModel("small", steps=4), VerticalCommunityModel("small", steps=4)
    assert a.config.seed != b.config.seed
    again = VerticalCommunityModel("small", rng=a.config.seed, steps=4)
    a.run()
    again.run()
    pd.testing.assert_frame_equal(
        a.datacollector.get_model_vars_dataframe(), again.datacollector.get_model_vars_dataframe()
    )
    assert VerticalCommunityModel("small", seed=11).config.seed == 11


def test_batch_run_replicates_differ_without_a_seed():
    results = pd.DataFrame(
        mesa.batch_run(
            VerticalCommunityModel,
            parameters={"scenario": "small", "steps": 6},
            iterations=3,
            number_processes=1,
            display_progress=False,
        )
    )
    assert len(results) == 3 and results["participation_rate"].nunique() == 3


def test_rng_and_seed_together_are_refused():
    import pytest

    from sim.config import ConfigError

    with pytest.raises(ConfigError, match=r"^rng, seed: got rng=1 and seed=2, allowed: one of them"):
        VerticalCommunityModel("small", rng=1, seed=2)


def test_the_python_default_scenario_is_the_command_lines():
    from sim.validate import compose

    default = compose([])
    model = VerticalCommunityModel(rng=0, agent_views="none")
    assert model.config.scenario.name == default.scenario.name == "nanjing_east"
    assert (model.config.governance.name, model.config.sinking.policy) == (
        default.governance.name,
        default.sinking.policy,
    )


def test_agent_reporters_collect_each_week_for_the_kinds_named():
    import pytest

    from sim.config import ConfigError

    m = VerticalCommunityModel(
        "small", rng=2, steps=3, agent_reporters={"member": {"active": "active", "belonging": "belonging"}}
    )
    m.run()
    table = m.datacollector.get_agenttype_vars_dataframe(Member)
    members = int((m.people.kind == 0).sum())
    assert len(table) == 4 * members and list(table.columns) == ["active", "belonging"]
    last = table.xs(3, level="Step")["belonging"].to_numpy()
    assert np.allclose(np.sort(last), np.sort(m.people.belonging[m.people.kind == 0]))
    with pytest.raises(ConfigError, match="^agent_reporters: got 'members', allowed: kinds from"):
        VerticalCommunityModel("small", rng=0, agent_reporters={"members": {"active": "active"}})
    with pytest.raises(ConfigError, match="allowed: a kind with agents in this model"):
        VerticalCommunityModel(
            "small", rng=0, agent_views="none", agent_reporters={"worker": {"a": "active"}}
        )


def test_a_finished_model_is_freed_and_new_agents_still_get_fresh_ids():
    """Mesa 3.3 keeps every model that made an agent alive for the life of the process (its agent-id
    counters are keyed by the model); sim.agents holds them weakly. A model (people views made, so
    agents were made) is freed once dropped, and a live model's agents still get distinct ids."""
    import gc
    import weakref

    model = VerticalCommunityModel(scenario="small", seed=1, agent_views="all")
    ids = {a.unique_id for a in model.agents}
    assert len(ids) == len(model.agents) > 100
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None
    again = VerticalCommunityModel(scenario="small", seed=1, agent_views="all")
    assert sorted(a.unique_id for a in again.agents) == sorted(ids)  # counted from 1 per model, as in Mesa
