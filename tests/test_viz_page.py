"""The app page without a browser: solara.render builds the widget tree in-process, and clicking a
button widget runs the same Python handler a browser click would."""

from __future__ import annotations

import io

import ipyvuetify as v
import pandas as pd
import pytest
import solara
import solara.widgets

from sim.viz import controls, page
from sim.viz.vega import Opaque


def html(rc, class_: str) -> str:
    """The inner HTML of the solara.HTML element with this class."""
    return next(
        w.unsafe_innerHTML
        for w in rc.find(solara.widgets.HTML).widgets
        if class_ in w.attributes.get("class", "")
    )


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def texts(rc, contains: str) -> list[str]:
    return [
        c
        for finder in (rc.find(v.Html, tag="span"), rc.find(v.Alert))  # solara.Text; Info, Warning
        for w in finder.widgets
        for c in w.children
        if isinstance(c, str) and contains in c
    ]


@pytest.fixture
def rendered():
    contexts = []

    def render(element):
        _box, rc = solara.render(solara.AppLayout(children=[element]), handle_error=False)
        contexts.append(rc)
        return rc

    yield render
    for rc in contexts:
        rc.close()
    page.lang.set("en")


@pytest.fixture
def session():
    settings = solara.Reactive(controls.defaults())
    return page.Session(settings.value), settings


@pytest.mark.slow
def test_the_page_starts_at_week_zero_steps_and_shows_monitors(rendered, session):
    sess, settings = session
    rc = rendered(page.Dashboard(sess, settings))
    assert '<td data-name="week">0</td>' in html(rc, "vcs-monitors")
    assert texts(rc, "Week 0: nothing has happened yet")
    for _ in range(3):
        click(rc, "Step")
    model = sess.model.value
    assert model.steps == 3
    shown = html(rc, "vcs-monitors")
    assert '<td data-name="week">3</td>' in shown
    assert f'<td data-name="participation_rate">{model.outcomes["participation_rate"]:.1%}</td>' in shown
    assert "<th>Participation</th>" in shown and "<th>Held at sites (RU)</th>" in shown
    assert not texts(rc, "Week 0: nothing has happened yet")
    assert "week 3" in texts(rc, "Brand governance")[0]


@pytest.mark.slow
def test_changed_parameters_are_marked_pending_until_reset_rebuilds_with_them(rendered, session):
    sess, settings = session
    first = sess.model.value
    rc = rendered(page.Dashboard(sess, settings))
    click(rc, "Step")
    rc.find(v.Select, label="Governance mode").widget.v_model = "fusion"
    rc.find(v.Slider, label="Random seed").widget.v_model = 7
    assert sess.model.value is first, "a control alone must not rebuild the model"
    assert texts(rc, "2 change(s) pending: press Reset to apply")
    marked = rc.find(v.Select, label="Governance mode ● pending").widget
    assert marked.v_model == "fusion"

    click(rc, "Reset")
    built = sess.model.value
    assert built is not first and built.steps == 0
    assert (built.config.governance.name, built.config.seed) == ("fusion", 7)
    assert not texts(rc, "pending")
    assert rc.find(v.Select, label="Governance mode").widget.v_model == "fusion"


@pytest.mark.slow
def test_the_language_switch_relabels_controls_monitors_and_plots(rendered, session):
    sess, settings = session
    rc = rendered(page.Dashboard(sess, settings))
    plot_titles = [w.spec.payload["title"] for w in _views(rc)[1:]]
    assert plot_titles == [p.title("en") for p in page.PLOTS]
    page.lang.set("zh")
    for label in ("重置", "运行", "单步"):
        rc.find(v.Btn, children=[label]).assert_single()
    assert "<th>参与率</th>" in html(rc, "vcs-monitors")
    assert rc.find(v.Select, label="治理模式").widget.items[0] == {
        "text": "分散治理（基线）",
        "value": "fragmented",
    }
    assert [w.spec.payload["title"] for w in _views(rc)[1:]] == [p.title("zh") for p in page.PLOTS]
    legend_titles = {
        layer["encoding"]["shape"]["title"]
        for layer in _views(rc)[0].spec.payload["layer"]
        if "shape" in layer.get("encoding", {})
    }
    assert legend_titles == {"党组织"}


def _views(rc):
    return sorted(
        (w for w in rc.find(v.VuetifyTemplate).widgets if isinstance(getattr(w, "spec", None), Opaque)),
        key=lambda w: ["map", *(p.key for p in page.PLOTS)].index(w.name),
    )


@pytest.mark.slow
def test_a_click_on_the_map_opens_the_inspector(rendered, session):
    sess, settings = session
    rc = rendered(page.Dashboard(sess, settings))
    click(rc, "Step")
    model = sess.model.value
    site_node = model.world.site_node(0)
    sess.picked.set(f"node:{site_node}")  # what the view's click handler sends
    table = html(rc, "vcs-inspect-table")
    assert "<th>Resources held (RU)</th>" in table and f"<td>{model.held[site_node]:,.1f}</td>" in table
    person = model.views["people"][0].index
    sess.picked.set(f"person:{person}")
    table = html(rc, "vcs-inspect-table")
    took_part = "yes" if model.people.active[person] else "no"
    assert f"<th>Took part this week</th><td>{took_part}</td>" in table


@pytest.mark.slow
def test_downloads_hold_the_run_table_and_the_figures(session):
    sess, _ = session
    for _ in range(2):
        sess.step()
    model = sess.model.value
    table = pd.read_csv(io.StringIO(page.run_table(model).to_csv()), index_col="week")
    assert list(table.index) == [0, 1, 2]
    assert table.loc[2, "participation_rate"] == pytest.approx(model.outcomes["participation_rate"])
    assert page.figure_bytes(lambda: page.plot_figure(model, page.PLOTS[0], "zh"), "png").startswith(
        b"\x89PNG"
    )
    svg = page.figure_bytes(lambda: page.map_figure(model, "org", "upper", "zh"), "svg")
    assert b"<svg" in svg


def test_every_control_starts_at_its_config_default_and_pending_compares_values():
    values = controls.defaults()
    model = page.VizModel(**values, people_per_site=1)
    for p in controls.NUMERIC:
        config_value = model.config
        for part in p.key.split("."):
            config_value = getattr(config_value, part)
        assert values[p.name] == pytest.approx(config_value), p.key
    assert controls.pending(values, dict(values)) == []
    changed = {**values, "governance": "zone", "sinking__share": values["sinking__share"] + 0.05}
    assert controls.pending(changed, values) == ["governance", "sinking__share"]
    assert controls.options("governance") == ["fragmented", "zone", "brand", "fusion", "collaborative"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [*controls.SELECTS, "rng", *(p.name for p in controls.NUMERIC)])
def test_every_value_a_control_offers_builds_a_model(name):
    """A Reset that fails would leave the page broken, so no offered value may fail (each value
    with the other controls at their defaults; numbers at both ends of their range)."""
    values = controls.defaults()
    if name in controls.SELECTS:
        offered = controls.options(name)
    elif name == "rng":
        offered = list(controls.SEED_RANGE)
    else:
        p = next(p for p in controls.NUMERIC if p.name == name)
        offered = [p.lo, p.hi]
    for value in offered:
        page.VizModel(**{**values, name: value}, people_per_site=1)
