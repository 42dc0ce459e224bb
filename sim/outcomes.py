"""Outcome metadata (结果指标元数据): one table naming every outcome the model reports, with its
label in English and Chinese, its unit and its bounds. Reports, figures, the app, the CLI's table and
the paired comparison all take labels, units and default selections from here; definitions are in
docs/ODD.md 7.16.

A schema module: it imports nothing from the rest of the package. The model's columns
(``sim.metrics.RATES``, ``RESOURCES``) are read from this table, in its order.
"""

from __future__ import annotations

from dataclasses import dataclass

SHARE = "share"
RU = "RU"


@dataclass(frozen=True)
class Outcome:
    name: str
    en: str  # the label in each language of sim.i18n.LANGUAGES
    zh: str
    unit: str  # SHARE (a proportion in [0, 1]) or RU (resource units per week or held)
    headline: bool = False  # in the default selection of reports and paired tables
    sensitivity: bool = False  # in the default selection of sensitivity analyses
    higher_is_better: bool | None = True  # None: neither (a stock or flow of resources)

    @property
    def bounds(self) -> tuple[float, float | None]:
        return (0.0, 1.0) if self.unit == SHARE else (0.0, None)

    def label(self, lang: str = "en", unit: bool = False) -> str:
        text = self.zh if lang == "zh" else self.en
        if unit and self.unit == RU:
            text += " (RU)"
        return text


_TABLE = (
    Outcome("participation_rate", "Participation", "参与率", SHARE, headline=True, sensitivity=True),
    Outcome("member_participation", "Member participation", "党员参与率", SHARE, sensitivity=True),
    Outcome("worker_participation", "White-collar participation", "白领参与率", SHARE),
    Outcome("resident_participation", "Resident participation", "居民参与率", SHARE),
    Outcome("enterprise_participation", "Firms engaged", "企业参与率", SHARE),
    Outcome("enterprise_contribution", "Firms co-producing", "企业共建率", SHARE, sensitivity=True),
    Outcome("reach_52w", "Reach in a year", "年度覆盖人群", SHARE, headline=True, sensitivity=True),
    Outcome("cumulative_reach", "Cumulative reach", "累计覆盖人群", SHARE),
    Outcome("org_coverage", "Organisational coverage", "组织覆盖率", SHARE, headline=True, sensitivity=True),
    Outcome("member_attachment", "Members attached", "党员组织关系落地率", SHARE, sensitivity=True),
    Outcome("service_coverage", "Near a point that can serve", "有效服务圈覆盖率", SHARE),
    Outcome("service_access", "Service access (2SFCA)", "服务可及性", SHARE, headline=True, sensitivity=True),
    Outcome("service_access_own", "Service access, mode's own circle", "服务可及性（本模式服务圈）", SHARE),
    Outcome("demand_met", "Demand met", "需求满足率", SHARE, headline=True, sensitivity=True),
    Outcome(
        "unmet_shortfall", "Unmet: capacity shortfall", "未满足：能力不足", SHARE, higher_is_better=False
    ),
    Outcome("unmet_misfit", "Unmet: misfit", "未满足：供需错配", SHARE, higher_is_better=False),
    Outcome("satisfaction", "Firm satisfaction", "企业满意度", SHARE),
    Outcome("party_building_score", "Party-building score", "党建指数", SHARE),
    Outcome("governance_score", "Governance score", "治理指数", SHARE),
    Outcome("coupling_structural", "Structural coupling", "结构耦合度", SHARE),
    Outcome("coupling_functional", "Functional coupling", "功能耦合度", SHARE),
    Outcome("coupling_mechanism", "Mechanism coupling", "机制耦合度", SHARE),
    Outcome("coupling_coordination", "Coupling coordination", "耦合协调度", SHARE, headline=True),
    Outcome("equity_index", "Equity across sites", "站点间均衡度", SHARE),
    Outcome("building_coverage", "Buildings with a Party organisation", "楼宇党组织覆盖率", SHARE),
    Outcome(
        "key_building_coverage",
        "Key buildings with a Party organisation",
        "重点楼宇党组织覆盖率",
        SHARE,
        headline=True,
        sensitivity=True,
    ),
    Outcome("committee_overload", "Committees overloaded", "党组织超负荷比例", SHARE, higher_is_better=False),
    Outcome(
        "sites_below_minimum", "Stations below their minimum", "阵地弱化比例", SHARE, higher_is_better=False
    ),
    Outcome("resources_subdistrict", "Held by the subdistrict", "街道持有资源", RU, higher_is_better=None),
    Outcome("resources_zone", "Held by zones", "片区持有资源", RU, higher_is_better=None),
    Outcome("resources_site", "Held at sites", "站点持有资源", RU, higher_is_better=None),
    Outcome("resources_inflow", "Inflow", "资源流入", RU, higher_is_better=None),
    Outcome("resources_spent", "Spent", "资源支出", RU, higher_is_better=None),
    Outcome("resources_lost", "Lost in sinking", "下沉损耗", RU, higher_is_better=False),
    Outcome("resources_lapsed", "Lapsed (returned)", "结余收回", RU, higher_is_better=None),
)
OUTCOMES: dict[str, Outcome] = {o.name: o for o in _TABLE}
HEADLINE = tuple(o.name for o in _TABLE if o.headline)
# people's weekly participation, in all and by group (not firms'): the app's monitors, the targets' swings
PARTICIPATION = (
    "participation_rate",
    "member_participation",
    "worker_participation",
    "resident_participation",
)
SENSITIVITY = tuple(o.name for o in _TABLE if o.sensitivity)


def label(name: str, lang: str = "en", unit: bool = False) -> str:
    """An outcome's label; a name that is not an outcome (a swept key, a column) is returned as is."""
    outcome = OUTCOMES.get(name)
    return outcome.label(lang, unit) if outcome else name


def unknown(names: list[str] | tuple[str, ...]) -> list[str]:
    return [n for n in names if n not in OUTCOMES]
