"""The live map's data, place names, the Play pacing, the app's terms and the CJK font fallback."""

from __future__ import annotations

import io
import threading
import warnings

import numpy as np
import pytest
from matplotlib.figure import Figure

from sim import i18n
from sim.fonts import cjk_rc
from sim.viz import controls, district_map, live_map, names
from sim.viz.model import VizModel
from sim.viz.vega import Pacer


@pytest.fixture(scope="module")
def model():
    return VizModel("small", rng=1)


def test_the_spec_holds_one_row_per_committee_and_sampled_person(model):
    spec = live_map.map_spec(model, "zh", "org")
    nodes, people = spec["datasets"]["nodes"], spec["datasets"]["people"]
    assert [r["i"] for r in nodes] == list(range(len(model.world.node_level)))
    assert [r["i"] for r in people] == [v.index for v in model.views["people"]]
    assert {r["level"] for r in nodes} <= {i18n.term(f"app.level.{k}", "zh") for k in range(4)}
    assert "$schema" not in spec  # vega-lite 5 in the browser would warn about Altair's v6 schema


def test_week_zero_shows_nothing_closed_or_uncovered_and_a_step_shows_the_model_state():
    model = VizModel("small", rng=2)
    state = live_map.node_state(model, "participation")
    assert not any(r["closed"] or r["uncovered"] for r in state)
    assert live_map.active_people(model) == []
    model.step()
    state = live_map.node_state(model, "participation")
    w = model.world
    assert [r["closed"] for r in state] == list(~model.open_nodes)
    sites = [r["uncovered"] for r, site in zip(state, w.node_site) if site >= 0]
    assert sites == list(~model.site_covered)
    active = {r["i"] for r in live_map.active_people(model)}
    assert active == {v.index for v in model.views["people"] if model.people.active[v.index]}
    upper = live_map.circle_rows(model, "upper")
    assert len(upper) == int((model.open_nodes & (w.node_level < 2)).sum())
    assert live_map.circle_rows(model, "off") == []


def test_the_scale_bar_is_a_round_length_under_a_fifth_of_the_map(model):
    metres = district_map.scale_bar_m(model)
    width_m = model.grid.width * model.config.world.cell_size_m
    assert metres <= width_m / 5 < 2.5 * metres
    assert metres / 10 ** np.floor(np.log10(metres)) in (1, 2, 5)


def test_generated_place_names_are_translated_and_given_names_kept(model):
    w = model.world
    assert names.zone_label(w, 0, "en") == "Zone 1" and names.zone_label(w, 0, "zh") == "片区 1"
    site = int(np.flatnonzero(w.site_kind == 0)[0])
    assert names.site_label(w, site, "zh").startswith("片区") and "楼宇" in names.site_label(w, site, "zh")
    w2 = type(w)(**{**w.__dict__, "zone_names": ["small/Bund Centre", *w.zone_names[1:]]})
    assert names.zone_label(w2, 0, "zh") == "Bund Centre"


def test_play_waits_for_the_page_and_gives_up_after_the_timeout():
    pacer = Pacer()
    assert not pacer.wait(["map", "plot"], 3, timeout=0.05)
    threading.Timer(0.05, lambda: [pacer.listener(n)("3") for n in ("map", "plot")]).start()
    assert pacer.wait(["map", "plot"], 3, timeout=5)
    pacer.rendered("map", "1")  # a late frame does not take the view back
    assert pacer.wait(["map"], 2, timeout=0)


def test_every_app_term_exists_in_both_languages_with_the_same_fields():
    import string

    keys = [k for k in i18n.TERMS if k.startswith("app.")]
    assert len(keys) > 50
    for key in keys:
        en, zh = i18n.TERMS[key]
        assert en and zh and en != zh, key
        fields = [{f for _, f, _, _ in string.Formatter().parse(text) if f} for text in (en, zh)]
        assert fields[0] == fields[1], key
    for p in controls.NUMERIC:
        assert f"app.param.{p.term}" in i18n.TERMS and f"app.tip.{p.term}" in i18n.TERMS


def test_saved_figures_fall_back_to_the_declared_cjk_font():
    with cjk_rc(), warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        fig = Figure()
        fig.add_subplot().set_title("参与率 Participation")
        fig.savefig(io.BytesIO(), format="png")
