"""Governance modes (治理模式) as named mechanisms.

A mode is data: a list of mechanism names and their parameters (configs/governance/*.yaml). Each
mechanism is a small function that sets the levers the model reads; the registry maps names to
functions, so a config can combine mechanisms into a hybrid mode but can never name code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.config import GovernanceConfig, GovernanceParams

SITE_POOL, ZONE_POOL, SUBDISTRICT_POOL = 0, 1, 2


@dataclass
class Levers:
    """What the model reads; the fragmented baseline is the default of every field."""

    circle_min: float = 15.0
    zone_committees: bool = False  # zone joint committees hold, pass down and serve resources
    coproduction_pool: int = SITE_POOL  # where firms meet to co-produce: building, zone or hub
    zone_peers: bool = False  # participation is also influenced by the zone
    zone_access: bool = False  # people may use stations of same-kind sites in the zone
    fused: bool = False  # buildings and residential areas share points and peers
    multilevel: bool = False  # upper committees serve at every site's point
    online_share: float = 0.0  # share of uses carried online; > 0 also adds online peers
    cost_factor: float = 1.0  # service unit cost multiplier
    base_match: float = 0.6  # share of requests the offered services fit
    match_bonus: float = 0.0
    satisfaction_bonus: float = 0.0  # added to the satisfaction firms move towards (voice)
    reputation_rate: float = 0.0  # brand reputation learning rate; 0 = no brand
    reward: float = 0.0  # pool institution: reward to contributors
    sanction: float = 0.0  # pool institution: sanction on free riders
    sanction_effort: float = 0.0  # enforcement cost per unit of sanction, in payoff units
    ru_per_payoff: float = 2.0  # RU the committee pays per payoff unit of reward or effort
    building_forms: bool = False  # key buildings: joint committees; others: promotion associations
    association_min_active_factor: float = 1.0  # share of min_active an association opens on
    association_closeness: float = 1.0  # closeness multiplier of an association's point
    mechanisms: int = 0  # mechanisms switched on: each is a programme every open committee runs

    @property
    def match(self) -> float:
        return min(1.0, self.base_match + self.match_bonus)


def zone_committees(lv: Levers, p: GovernanceParams) -> None:
    """片区联合党委: a committee level between the subdistrict and the sites. Resources sink
    through it and its service point serves the zone's sites. The fragmented baseline has none:
    each building is handled separately from the subdistrict."""
    lv.zone_committees = True


def zone_pooling(lv: Levers, p: GovernanceParams) -> None:
    """片区: zone joint committees pool activities, service points and outreach in a zone, and
    pooling saves on the unit costs of services and activities (pooling needs the committees)."""
    lv.zone_committees = True
    lv.coproduction_pool = max(lv.coproduction_pool, ZONE_POOL)
    lv.zone_peers = True
    lv.zone_access = True
    lv.cost_factor *= 1.0 - p.pooling_cost_saving


def feedback_channel(lv: Levers, p: GovernanceParams) -> None:
    """Online needs-and-suggestions platform: firms' needs reach government, services fit better."""
    lv.match_bonus += p.feedback_match_bonus
    lv.satisfaction_bonus += p.feedback_satisfaction_bonus


def brand_reputation(lv: Levers, p: GovernanceParams) -> None:
    """品牌: a station's branded projects gain reputation with use, and reputation draws people in."""
    lv.reputation_rate = p.reputation_rate


def service_list(lv: Levers, p: GovernanceParams) -> None:
    """双向开放 resource list: offered resources are matched to listed needs."""
    lv.base_match = max(lv.base_match, p.service_list_match)


def fusion_grids(lv: Levers, p: GovernanceParams) -> None:
    """三建融合: buildings and residential areas of a zone form one grid with shared points and
    peers, run by the grid's committee (the zone node)."""
    lv.zone_committees = True
    lv.fused = True
    lv.zone_access = True
    lv.zone_peers = True


def multilevel_points(lv: Levers, p: GovernanceParams) -> None:
    """Four-level service system: upper committees deliver at each site's own service point."""
    lv.multilevel = True


def online_channel(lv: Levers, p: GovernanceParams) -> None:
    """互联网党建: part of the services and influence travel online, at no distance; the article's
    channel (WeChat groups, micro Party school) links firms, members and white-collar workers in
    the buildings, so by default it reaches buildings, not residential areas."""
    lv.online_share = max(lv.online_share, p.online_share)


def building_forms(lv: Levers, p: GovernanceParams) -> None:
    """标志性楼宇建立楼宇联合党委, 其他楼宇建立楼宇党建促进会 (Huaihai): a key building's committee is a
    building joint committee, as every building's is without this mechanism; any other building's
    is a promotion association, cheaper to keep open and reaching its people less closely."""
    lv.building_forms = True
    lv.association_min_active_factor = p.association_min_active_factor
    lv.association_closeness = p.association_closeness


def hub_coproduction(lv: Levers, p: GovernanceParams) -> None:
    """枢纽: firms co-produce across the subdistrict; the committee rewards contributors and
    sanctions free riders, paid as structure.institution_funding says (7.9)."""
    lv.coproduction_pool = SUBDISTRICT_POOL
    lv.reward = p.committee_reward
    lv.sanction = p.committee_sanction
    lv.sanction_effort = p.sanction_effort
    lv.ru_per_payoff = p.institution_ru_per_payoff


MECHANISMS: dict[str, Callable[[Levers, GovernanceParams], None]] = {
    f.__name__: f
    for f in (
        zone_committees,
        zone_pooling,
        feedback_channel,
        brand_reputation,
        service_list,
        fusion_grids,
        multilevel_points,
        online_channel,
        building_forms,
        hub_coproduction,
    )
}


def levers_for(governance: GovernanceConfig) -> Levers:
    lv = Levers(
        circle_min=governance.params.service_circle_min,
        base_match=governance.params.base_match,
        mechanisms=len(governance.mechanisms),
    )
    for name in governance.mechanisms:
        MECHANISMS[name](lv, governance.params)
    return lv
