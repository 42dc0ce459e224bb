"""The app page without a browser: solara.render builds the widget tree in-process, and clicking a
button widget runs the same Python handler a browser click would."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

from sim.viz import page as viz_page
from sim.viz.model import VizModel


def texts(rc, contains: str) -> list[str]:
    """Every text span (solara.Text) on the page that contains ``contains``."""
    return [
        c
        for w in rc.find(v.Html, tag="span").widgets
        for c in w.children
        if isinstance(c, str) and contains in c
    ]


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


@pytest.fixture
def rendered():
    """Render an element inside an AppLayout (the sidebar with the controls needs one)."""
    contexts = []

    def render(element):
        _box, rc = solara.render(solara.AppLayout(children=[element]), handle_error=False)
        contexts.append(rc)
        return rc

    yield render
    for rc in contexts:
        rc.close()


@pytest.mark.slow
def test_the_app_page_starts_at_step_zero_and_steps(rendered):
    rc = rendered(viz_page.Page())
    assert texts(rc, "Step: ") == ["Step: 0"]
    caption = texts(rc, "governance")[0]
    assert caption.startswith(f"{viz_page.DEFAULT_SCENARIO} · brand governance") and "week 0" in caption
    for _ in range(3):
        click(rc, "Step")
    assert texts(rc, "Step: ") == ["Step: 3"]
    assert "week 3" in texts(rc, "governance")[0]


@pytest.mark.slow
def test_reset_rebuilds_the_model_with_the_changed_controls(rendered):
    params = viz_page.model_params()
    model = solara.Reactive(VizModel(**viz_page.initial_values(params)))
    first = model.value
    rc = rendered(viz_page.Dashboard(model, params))
    click(rc, "Step")
    assert first.steps == 1

    rc.find(v.Select, label="scenario").widget.v_model = "small"
    rc.find(v.Select, label="governance mode").widget.v_model = "fusion"
    rc.find(v.Select, label="sinking policy").widget.v_model = "equal"
    rc.find(v.Slider, label="seed").widget.v_model = 7
    rc.find(v.Slider, label="budget RU/person/week").widget.v_model = 0.1
    rc.find(v.Slider, label="share sunk per week").widget.v_model = 0.3
    rc.find(v.Slider, label="participation temp.").widget.v_model = 0.2
    assert model.value is first, "a control alone must not rebuild the model"

    click(rc, "Reset")
    built = model.value
    assert built is not first and built.steps == 0
    c = built.config
    assert (c.scenario.name, c.governance.name, c.sinking.policy, c.seed) == ("small", "fusion", "equal", 7)
    assert c.budget.per_person_per_step == pytest.approx(0.1)
    assert c.sinking.share == pytest.approx(0.3)
    assert c.behaviour.participation.temperature == pytest.approx(0.2)
    assert texts(rc, "Step: ") == ["Step: 0"]
    assert texts(rc, "governance")[0].startswith("small · fusion governance · equal sinking · seed 7")

    click(rc, "Step")
    assert built.steps == 1 and texts(rc, "Step: ") == ["Step: 1"]


def test_every_control_is_a_model_argument_with_its_config_default():
    params = viz_page.model_params()
    model = VizModel(**viz_page.initial_values(params))
    for _label, key, *_ in viz_page.NUMERIC:
        value = model.config
        for part in key.split("."):
            value = getattr(value, part)
        assert params[key.replace(".", "__")]["value"] == pytest.approx(value), key
    assert "huangpu" not in params["scenario"]["values"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        "scenario",
        "governance",
        "sinking",
        "rng",
        *(key.replace(".", "__") for _, key, *_ in viz_page.NUMERIC),
    ],
)
def test_every_value_a_control_offers_builds_a_model(name):
    """A Reset that fails replaces the page by a traceback, so no offered value may fail (each
    value with the other controls at their defaults; numbers at both ends of their range)."""
    params = viz_page.model_params()
    spec = params[name]
    values = spec["values"] if spec["type"] == "Select" else [spec["min"], spec["max"]]
    for value in values:
        VizModel(**{**viz_page.initial_values(params), name: value}, people_per_site=1)


@pytest.mark.slow
def test_the_map_colour_toggle_redraws_without_a_reset(rendered):
    viz_page.colour_by.set("zone")
    rc = rendered(viz_page.Page())
    before = _map_png(rc)
    try:
        # a click on a toggle button is handled in the browser; here set what it would set
        colour_toggle = rc.find(v.Sheet, class_="d-flex ma-0 vcs-map").find(v.BtnToggle).widgets[0]
        colour_toggle.v_model = 1  # the second button, "org coverage"
        assert viz_page.colour_by.value == "org"
        assert _map_png(rc) != before
    finally:
        viz_page.colour_by.set("zone")
    assert texts(rc, "Step: ") == ["Step: 0"]


def _map_png(rc) -> bytes:
    import ipywidgets

    card = rc.find(v.Sheet, class_="d-flex ma-0 vcs-map").widget
    images = [c for c in card.children if isinstance(c, ipywidgets.Image)]
    assert len(images) == 1
    return bytes(images[0].value)
