"""The batched path against the straightforward per-agent reference path (docs/VALIDATION.md).

Batching changes the order of events: in the reference path each agent, in random order, applies
the same rule functions to the state as it is at its turn (earlier agents this week have acted);
in the batched path everyone acts at once. Over 30 seeds on the `small` preset (brand, need, 52
weeks; each run's outcome is its mean over weeks 27-52), no rate outcome's two-sample
Kolmogorov-Smirnov test may reject equality at a family-wise alpha of 0.01 (Bonferroni over the
rates tested), and every mean must differ by less than 0.1. The exception is the one documented
effect of the update order: asynchronous updating lets a cascade advance within a week, so the
per-agent path reaches more distinct people over a year (VALIDATION 10, measured since version 1:
+0.039 with version 2, +0.047 with version 3); for the two reach rates the test asserts that
direction and the 0.1 bound instead of equality.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest
from scipy import stats

from sim import VerticalCommunityModel, metrics

SEEDS = range(30)
UPDATE_ORDER_EFFECT = ("reach_52w", "cumulative_reach")  # higher with asynchronous updating
EQUAL_IN_DISTRIBUTION = tuple(r for r in metrics.RATES if r not in UPDATE_ORDER_EFFECT)
ALPHA = 0.01 / len(EQUAL_IN_DISTRIBUTION)  # family-wise 0.01 over all the rates tested together


def late_means(args: tuple[str, int]) -> pd.Series:
    schedule, seed = args
    model = VerticalCommunityModel("small", "brand", "need", rng=seed, schedule=schedule, agent_views="none")
    model.run(52)
    return model.datacollector.get_model_vars_dataframe()[list(metrics.RATES)].iloc[27:].mean()


@pytest.mark.slow
def test_batched_and_per_agent_paths_agree_in_distribution():
    jobs = [(schedule, seed) for schedule in ("batched", "agents") for seed in SEEDS]
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(late_means, jobs))
    batched = pd.DataFrame(results[: len(SEEDS)])
    agents = pd.DataFrame(results[len(SEEDS) :])
    for outcome in EQUAL_IN_DISTRIBUTION:
        a, b = batched[outcome], agents[outcome]
        assert abs(a.mean() - b.mean()) < 0.1, outcome
        if a.nunique() > 1 or b.nunique() > 1:
            assert stats.ks_2samp(a.dropna(), b.dropna()).pvalue >= ALPHA, outcome
    for outcome in UPDATE_ORDER_EFFECT:
        assert 0 < agents[outcome].mean() - batched[outcome].mean() < 0.1, outcome


def test_per_agent_path_uses_mesa_agents():
    model = VerticalCommunityModel("small", "brand", "need", rng=0, schedule="agents")
    model.run(2)
    assert len(model.agents) == len(model.people) + len(model.firms) + len(model.world.node_level)
    assert model.site_active.sum() == model.people.active.sum()
    with pytest.raises(ValueError, match="schedule"):
        VerticalCommunityModel("small", schedule="sequential")
