"""The model's parameters in the app (模型参数): what each control sets, its range, and the marker
that shows a changed value is pending until Reset rebuilds the model with it.

Every parameter takes effect on Reset: the model's state (budgets held, thresholds drawn, the
population built) follows from them at build time, so none is applied to a running model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import solara

from sim.config import group_options
from sim.i18n import TERMS, term
from sim.validate import ARTICLE_MODE, compose

DEFAULT_SCENARIO = "nanjing_east"  # ~200k people; builds in ~0.2 s and steps in ~0.02 s
# "article" stands for a different mode per scenario and is invalid for some (small); a failing
# Reset would replace the page by a traceback, so the app offers the concrete modes only
NOT_OFFERED = {"governance": {ARTICLE_MODE}}
SELECTS = ("scenario", "governance", "sinking")


@dataclass(frozen=True)
class Numeric:
    name: str  # the VizModel argument: a dotted config key with "__"
    term: str  # label "app.param.<term>", tooltip "app.tip.<term>"
    lo: float
    hi: float
    step: float

    @property
    def key(self) -> str:
        return self.name.replace("__", ".")


NUMERIC = (
    Numeric("budget__per_person_per_step", "budget", 0.0, 0.2, 0.005),
    Numeric("sinking__share", "share", 0.0, 1.0, 0.05),
    Numeric("behaviour__participation__temperature", "temperature", 0.0, 0.3, 0.01),
    Numeric("behaviour__participation__availability", "availability", 0.05, 1.0, 0.05),
    Numeric("behaviour__participation__threshold_sd", "threshold_sd", 0.0, 0.5, 0.05),
    Numeric("behaviour__coproduction__multiplication", "multiplication", 1.0, 5.0, 0.1),
    Numeric("behaviour__outreach__join_probability", "join_probability", 0.0, 1.0, 0.05),
)
SEED_RANGE = (0, 99)


def options(group: str) -> list[str]:
    """The presets of a config group in the article's order (that of sim.i18n's terms)."""
    order = list(TERMS)
    names = [n for n in group_options(group) if n not in NOT_OFFERED.get(group, ())]
    return sorted(names, key=lambda n: (order.index(n) if n in order else len(order), n))


def defaults() -> dict:
    """Every control's value in configs/ (the VizModel arguments of the default model)."""
    base = compose([f"scenario={DEFAULT_SCENARIO}"])
    values = {
        "scenario": DEFAULT_SCENARIO,
        "governance": base.governance.name,
        "sinking": base.sinking.policy,
        "rng": base.seed,
    }
    for p in NUMERIC:
        value = base
        for part in p.key.split("."):
            value = getattr(value, part)
        values[p.name] = float(value)
    return values


def pending(settings: dict, built: dict) -> list[str]:
    """The controls whose value differs from the one the running model was built with."""

    def same(a, b):
        return math.isclose(a, b, abs_tol=1e-12) if isinstance(a, float) or isinstance(b, float) else a == b

    return [name for name, value in settings.items() if not same(value, built.get(name))]


def _label(text: str, changed: bool, lang: str) -> str:
    return f"{text} ● {term('app.pending_mark', lang)}" if changed else text


def _display(name: str, value, lang: str) -> str:
    return term(value, lang) if name in SELECTS else f"{value:g}"


@solara.component
def Parameters(settings: solara.Reactive[dict], built: dict, lang: str):
    """The controls; a changed one is labelled "● pending" with a tooltip giving the value the
    running model uses, and a banner counts the pending changes."""
    changed = pending(settings.value, built)

    def set_value(name):
        return lambda value: settings.set({**settings.value, name: value})

    def tip(key: str, name: str) -> str:
        text = term(f"app.tip.{key}", lang)
        if name in changed:
            text += " — " + term("app.tip.pending", lang).format(value=_display(name, built[name], lang))
        return text

    with solara.Column(gap="0px", classes=["vcs-params"]):
        if changed:
            solara.Warning(
                term("app.pending", lang).format(n=len(changed)), dense=True, classes=["vcs-pending"]
            )
        else:
            note = {"font-size": "12px", "color": "#666", "margin-bottom": "12px"}
            solara.Text(term("app.parameters_note", lang), style=note)
        for name in SELECTS:
            with solara.Tooltip(tip(name, name)), solara.Div():
                solara.v.Select(
                    label=_label(term(f"app.param.{name}", lang), name in changed, lang),
                    items=[{"text": term(o, lang), "value": o} for o in options(name)],
                    v_model=settings.value[name],
                    on_v_model=set_value(name),
                    dense=True,
                    class_="vcs-pending-control" if name in changed else "",
                )
        with solara.Tooltip(tip("seed", "rng")), solara.Div():
            solara.SliderInt(
                _label(term("app.param.seed", lang), "rng" in changed, lang),
                value=settings.value["rng"],
                on_value=set_value("rng"),
                min=SEED_RANGE[0],
                max=SEED_RANGE[1],
            )
        for p in NUMERIC:
            with solara.Tooltip(tip(p.term, p.name)), solara.Div():
                solara.SliderFloat(
                    _label(term(f"app.param.{p.term}", lang), p.name in changed, lang),
                    value=settings.value[p.name],
                    on_value=set_value(p.name),
                    min=p.lo,
                    max=p.hi,
                    step=p.step,
                )
