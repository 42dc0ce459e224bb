"""Structured run configuration: the schema (dataclasses), range checks and the per-key limits, and
the machinery every config block is checked with (a run's, and a study's: :func:`check_block`).

The YAML files in ``configs/`` hold the values; these dataclasses hold the schema and the defaults.
This module imports nothing from the rest of ``sim`` (the registries import it): checks that need a
registry, the district parser or the resource estimate are in :mod:`sim.validate`, which composes
and validates a run. Every problem is one :class:`ConfigError` line that names the key and what is
allowed: types by OmegaConf's structured merge, then :func:`check_tree` (finite numbers, the bounds
of :data:`LIMITS`, each dataclass's ``check()`` for what relates its fields).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

import numpy as np

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
# configs/hydra/launcher/{basic,joblib,ray}.yaml extend Hydra's launcher schemas of the same names on
# purpose (to name the project's launchers, hydra_plugins/sim_launcher); Hydra would warn about that
# at every composition, in every process that composes (this module is imported before any does)
warnings.filterwarnings(
    "ignore", message=r"\s*'hydra/launcher/(basic|joblib|ray)' is validated against ConfigStore schema"
)
PERSON_KINDS = ("member", "worker", "resident")
STRATEGIES = ("cooperate", "defect", "loner")  # enterprises' co-production strategies, in code order
DEPTHS = ("subdistrict", "zone", "site")
# Structural alternatives (docs/ODD.md 9.1): each key's options, the default first.
STRUCTURE_OPTIONS = {
    "peer_aggregation": ("max", "additive", "weighted_mean"),
    "online_reach": ("buildings", "everyone"),
    "need_signal": ("access_gap", "shortfall", "unmet"),
    "huff_attraction": ("capacity", "equal", "held"),
    "outreach_envelope": ("firms", "everywhere"),
    "institution_funding": ("firm_contributions", "service_envelope", "separate_budget"),
    "overload_effect": ("delivery", "none"),
    "access_supply": ("weekly", "held"),
}
INTERVENTION_KINDS = ("coverage", "participation")


class Open(float):
    """A bound that is not itself allowed: ``(Open(0.0), 1.0)`` is the interval (0, 1]."""


# The one bounds table of every config block: a run's keys, whose size would break a run (overflow to
# inf, a huge loop, an integer that numpy or Parquet cannot hold), and a study's (sim/study); the
# docs' Limits table (docs/running.md) is written from it. Inclusive unless Open. Every float anywhere
# in a config must also be finite. "*" matches any entry of a mapping or a list.
LIMITS: dict[str, tuple[float, float]] = {
    "seed": (0, 2**63 - 1),
    "steps": (0, 1_000_000),
    "world.cell_size_m": (1.0, 10_000.0),
    "world.walk_speed_m_per_min": (1.0, 10_000.0),
    "world.detour_factor": (1.0, 100.0),
    "world.access_overhead_min": (0.0, 10_000.0),
    "world.outreach_decay_min": (1e-3, 10_000.0),
    "world.reference_circle_min": (Open(0.0), 10_000.0),
    "budget.per_person_per_step": (0.0, 1e6),
    "budget.service_unit_cost": (1e-6, 1e6),
    "budget.min_active": (0.0, 1e9),
    "budget.outreach_cost": (1e-6, 1e6),
    "budget.activity_cost": (0.0, 1e6),
    "behaviour.participation.threshold_sd": (0.0, 1e3),
    "behaviour.participation.temperature": (0.0, 1e3),
    "behaviour.participation.weight_site": (0.0, 1e6),
    "behaviour.participation.weight_zone": (0.0, 1e6),
    "behaviour.participation.weight_online": (0.0, 1e6),
    "behaviour.coproduction.group_size": (2, 1000),
    "behaviour.coproduction.multiplication": (Open(0.0), 1e6),
    "behaviour.coproduction.cost": (0.0, 1e6),
    "behaviour.coproduction.loner_payoff": (0.0, 1e6),
    "behaviour.coproduction.contribution_ru": (0.0, 1e6),
    "behaviour.outreach.own_branch_min_members": (1, 1_000_000),
    "governance.params.service_circle_min": (Open(0.0), 10_000.0),
    "governance.params.committee_reward": (0.0, 1e6),
    "governance.params.committee_sanction": (0.0, 1e6),
    "staff.subdistrict_hours": (0.0, 1e9),
    "staff.zone_hours": (0.0, 1e9),
    "staff.site_hours": (0.0, 1e9),
    "staff.hours_per_attendance": (0.0, 1e6),
    "staff.hours_per_request": (0.0, 1e6),
    "staff.hours_per_visit": (0.0, 1e6),
    "staff.hours_per_mechanism": (0.0, 1e6),
    "behaviour.outreach.building_org_lapse_weeks": (1, 1_000_000),
    "intervention.week": (1, 1_000_000),
    "intervention.weeks": (1, 1_000_000),
    "design.n": (1, 1_000_000),
    "design.levels": (2, 1000),
    "design.seed": (0, 2**32 - 1),
    "design.chunk": (0, 1_000_000),
    "design.chunk_size": (1, 1_000_000),
    "design.parameters.*.low": (-1e12, 1e12),
    "design.parameters.*.high": (-1e12, 1e12),
    "limits.max_memory_gb": (1e-3, 1e6),
    "limits.max_hours": (1e-6, 1e6),
    # study blocks (docs/ODD.md 10, 11)
    "calibration.population": (2, 1_000_000),
    "calibration.batch": (1, 1_000_000),
    "calibration.generations": (1, 1000),
    "calibration.max_batches": (1, 1000),
    "calibration.quantile": (Open(0.0), 1.0),
    "calibration.min_epsilon": (0.0, 1e12),
    "calibration.seeds.*": (0, 2**63 - 1),
    "calibration.sampler_seed": (0, 2**32 - 1),
    "calibration.posterior_draws": (1, 1_000_000),
    "calibration.ppc_seeds.*": (0, 2**63 - 1),
    "exploration.seeds.*": (0, 2**63 - 1),
    "exploration.sampler.n": (1, 1_000_000),
    "exploration.sampler.seed": (0, 2**32 - 1),
    "exploration.prim.threshold": (Open(0.0), 1.0),
    "exploration.prim.peel_alpha": (Open(0.0), 0.5),
    "exploration.prim.mass_min": (Open(0.0), 1.0),
    "exploration.prim.boxes": (1, 10),
    "exploration.feature_seed": (0, 2**32 - 1),
    "policy_search.seeds.*": (0, 2**63 - 1),
    "policy_search.scenarios.n": (1, 1_000_000),
    "policy_search.scenarios.seed": (0, 2**32 - 1),
    "policy_search.robustness.q": (0.0, 100.0),
    "policy_search.search.population": (2, 2**31 - 1),
    "policy_search.search.generations": (1, 2**31 - 1),
    "policy_search.search.seed": (0, 2**31 - 1),
    "history.seeds.*": (0, 2**63 - 1),
    "history.points": (2, 1_000_000),
    "history.waves": (1, 100),
    "history.cutoff": (Open(0.0), 1e3),
    "history.shrink": (0.0, 1.0),
    "history.steps": (1, 1_000_000),
    "history.window": (1, 1_000_000),
    "history.sample": (1, 10_000_000),
    "history.sampler_seed": (0, 2**32 - 1),
    "history.posterior_draws": (1, 1_000_000),
}


T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong type or out of range."""


def ensure(ok: bool, key: str, allowed: str, value: Any) -> None:
    """Refuse ``value`` of ``key`` unless ``ok``: the one form of every refusal of a config value."""
    if not ok:
        raise ConfigError(f"{key}: got {value!r}, allowed: {allowed}")


_check = ensure  # the name this module's own checks use


def distinct_seeds(key: str, seeds: list[int]) -> None:
    """A list of seeds (common random numbers): at least one, each once (their range is in LIMITS)."""
    ensure(len(seeds) > 0 and len(set(seeds)) == len(seeds), key, "a non-empty list of distinct seeds", seeds)


def _unit(key: str, value: float) -> None:
    _check(0.0 <= value <= 1.0, key, "a number in [0, 1]", value)


def _nonneg(key: str, value: float) -> None:
    _check(value >= 0, key, "a number >= 0", value)


def _per_kind(key: str, mapping: dict[str, float], check) -> None:
    _check(set(mapping) == set(PERSON_KINDS), key, f"exactly the keys {list(PERSON_KINDS)}", sorted(mapping))
    for kind, value in mapping.items():
        check(f"{key}.{kind}", value)


# --------------------------------------------------------------------------- world and budget


@dataclass
class WorldConfig:
    cell_size_m: float = 100.0
    walk_speed_m_per_min: float = 80.0
    detour_factor: float = 1.3
    access_overhead_min: float = 3.0
    outreach_decay_min: float = 10.0
    remoteness_per_level: float = 0.25
    # the yardstick of access and coverage outcomes, the same for every mode: the article's
    # 15-minute circle (a mode's own circle is its service rule, governance.params)
    reference_circle_min: float = 15.0

    def check(self) -> None:
        _unit("world.remoteness_per_level", self.remoteness_per_level)


@dataclass
class BudgetConfig:
    per_person_per_step: float = 0.04
    service_unit_cost: float = 1.0
    min_active: float = 5.0
    outreach_cost: float = 5.0
    outreach_share: float = 0.2
    activity_share: float = 0.3
    activity_cost: float = 0.1

    def check(self) -> None:
        _unit("budget.outreach_share", self.outreach_share)
        _unit("budget.activity_share", self.activity_share)
        _check(
            self.outreach_share + self.activity_share <= 1,
            "budget.activity_share",
            f"at most 1 - outreach_share = {1 - self.outreach_share:g}",
            self.activity_share,
        )


# --------------------------------------------------------------------------- behaviour


THRESHOLD_DISTRIBUTIONS = ("normal", "normal_quantiles", "file")


def read_thresholds(path: str) -> np.ndarray:
    """Thresholds listed in a text file, one number (share of peers) per line or separated by
    commas or spaces; lines starting with # are comments."""
    text = Path(path).read_text(encoding="utf-8")
    lines = [ln.split("#", 1)[0] for ln in text.splitlines()]
    return np.array([float(v) for ln in lines for v in ln.replace(",", " ").split()], dtype=float)


def _check_threshold_file(key: str, path: str | None) -> None:
    _check(path is not None and Path(path).is_file(), key, "a path to a file of thresholds", path)
    try:
        values = read_thresholds(path)
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise ConfigError(f"{key}: {path} is not a list of numbers ({err.__class__.__name__})") from None
    _check(
        len(values) > 0 and bool(np.all((values >= 0) & (values <= 1))),
        key,
        "a file of at least one threshold, each a number in [0, 1]",
        path,
    )


@dataclass
class ParticipationConfig:
    threshold_mean: dict[str, float] = field(
        default_factory=lambda: {"member": 0.20, "worker": 0.30, "resident": 0.30}
    )
    threshold_sd: float = 0.2
    threshold_distribution: str = "normal"
    threshold_file: str | None = None
    availability: float = 0.4
    temperature: float = 0.05
    weight_site: float = 1.0
    weight_zone: float = 0.5
    weight_online: float = 0.5
    belonging_effect: float = 0.2
    served_effect: float = 0.1
    reputation_effect: float = 0.15
    loner_firm_penalty: float = 0.1
    organised_effect: float = 0.05  # threshold lowered for staff of a firm with a Party organisation

    def check(self) -> None:
        p = "behaviour.participation"
        _per_kind(f"{p}.threshold_mean", self.threshold_mean, _unit)
        _check(
            self.threshold_distribution in THRESHOLD_DISTRIBUTIONS,
            f"{p}.threshold_distribution",
            f"one of {list(THRESHOLD_DISTRIBUTIONS)}",
            self.threshold_distribution,
        )
        if self.threshold_distribution == "file":
            _check_threshold_file(f"{p}.threshold_file", self.threshold_file)
        for name in (
            "availability",
            "belonging_effect",
            "served_effect",
            "reputation_effect",
            "loner_firm_penalty",
            "organised_effect",
        ):
            _unit(f"{p}.{name}", getattr(self, name))


@dataclass
class DemandConfig:
    rate: dict[str, float] = field(default_factory=lambda: {"member": 0.05, "worker": 0.05, "resident": 0.10})

    def check(self) -> None:
        _per_kind("behaviour.demand.rate", self.rate, _unit)


@dataclass
class CoproductionConfig:
    group_size: int = 5
    multiplication: float = 3.0
    cost: float = 1.0
    loner_payoff: float = 1.0
    revision_rate: float = 0.1
    exploration: float = 0.001
    initial_shares: dict[str, float] = field(
        default_factory=lambda: {"cooperate": 0.2, "defect": 0.3, "loner": 0.5}
    )
    contribution_ru: float = 2.0

    def check(self) -> None:
        p = "behaviour.coproduction"
        _unit(f"{p}.revision_rate", self.revision_rate)
        _unit(f"{p}.exploration", self.exploration)
        _check(
            sorted(self.initial_shares) == sorted(STRATEGIES),
            f"{p}.initial_shares",
            f"exactly the keys {list(STRATEGIES)}",
            sorted(self.initial_shares),
        )
        for k, v in self.initial_shares.items():
            _unit(f"{p}.initial_shares.{k}", v)
        total = sum(self.initial_shares.values())
        _check(abs(total - 1) < 1e-9, f"{p}.initial_shares", "shares summing to 1", total)


@dataclass
class BelongingConfig:
    initial_mean: float = 0.3
    initial_sd: float = 0.1
    learning_rate: float = 0.1
    extinction_rate: float = 0.02

    def check(self) -> None:
        for name in ("initial_mean", "initial_sd", "learning_rate", "extinction_rate"):
            _unit(f"behaviour.belonging.{name}", getattr(self, name))


@dataclass
class AttachmentConfig:
    initial_attached: float = 0.5
    attach_rate: float = 0.05
    detach_rate: float = 0.01

    def check(self) -> None:
        for name in ("initial_attached", "attach_rate", "detach_rate"):
            _unit(f"behaviour.attachment.{name}", getattr(self, name))


@dataclass
class OutreachConfig:
    join_probability: float = 0.3
    own_branch_min_members: int = 3
    initial_work_coverage: float = 0.8
    engagement_effect: float = 1.0  # join probability raised by the share of a firm's staff reached
    building_org_lapse_weeks: int = 13  # weeks a building organisation outlasts a closed station

    def check(self) -> None:
        _unit("behaviour.outreach.join_probability", self.join_probability)
        _nonneg("behaviour.outreach.engagement_effect", self.engagement_effect)
        _unit("behaviour.outreach.initial_work_coverage", self.initial_work_coverage)


@dataclass
class TurnoverConfig:
    firm_exit_rate: float = 0.004

    def check(self) -> None:
        _unit("behaviour.turnover.firm_exit_rate", self.firm_exit_rate)


@dataclass
class SatisfactionConfig:
    initial: float = 0.5
    adjustment_rate: float = 0.1

    def check(self) -> None:
        _unit("behaviour.satisfaction.initial", self.initial)
        _unit("behaviour.satisfaction.adjustment_rate", self.adjustment_rate)


@dataclass
class BehaviourConfig:
    participation: ParticipationConfig = field(default_factory=ParticipationConfig)
    demand: DemandConfig = field(default_factory=DemandConfig)
    coproduction: CoproductionConfig = field(default_factory=CoproductionConfig)
    belonging: BelongingConfig = field(default_factory=BelongingConfig)
    attachment: AttachmentConfig = field(default_factory=AttachmentConfig)
    outreach: OutreachConfig = field(default_factory=OutreachConfig)
    satisfaction: SatisfactionConfig = field(default_factory=SatisfactionConfig)
    turnover: TurnoverConfig = field(default_factory=TurnoverConfig)


# --------------------------------------------------------------------------- governance, sinking


@dataclass
class GovernanceParams:
    """Parameters the mechanisms read; a mechanism that is off ignores its parameters."""

    service_circle_min: float = 15.0
    pooling_cost_saving: float = 0.2
    base_match: float = 0.6
    service_list_match: float = 0.85
    feedback_match_bonus: float = 0.1
    feedback_satisfaction_bonus: float = 0.1
    reputation_rate: float = 0.1
    online_share: float = 0.3
    committee_reward: float = 0.0
    committee_sanction: float = 0.0
    sanction_effort: float = 0.5
    institution_ru_per_payoff: float = 2.0
    association_min_active_factor: float = 0.5  # a promotion association opens on this share of min_active
    association_closeness: float = 0.8  # and reaches its building's people this much less closely

    def check(self) -> None:
        p = "governance.params"
        _check(
            0 <= self.pooling_cost_saving < 1,
            f"{p}.pooling_cost_saving",
            "a number in [0, 1)",
            self.pooling_cost_saving,
        )
        for name in (
            "base_match",
            "service_list_match",
            "feedback_match_bonus",
            "feedback_satisfaction_bonus",
            "reputation_rate",
            "online_share",
            "association_min_active_factor",
            "association_closeness",
        ):
            _unit(f"{p}.{name}", getattr(self, name))
        _nonneg(f"{p}.sanction_effort", self.sanction_effort)
        _nonneg(f"{p}.institution_ru_per_payoff", self.institution_ru_per_payoff)


@dataclass
class GovernanceConfig:
    """Mechanism names are checked against the registry in sim.validate."""

    name: str = "fragmented"
    mechanisms: list[str] = field(default_factory=list)
    params: GovernanceParams = field(default_factory=GovernanceParams)

    def check(self) -> None:
        _check(
            len(set(self.mechanisms)) == len(self.mechanisms),
            "governance.mechanisms",
            "each mechanism at most once",
            self.mechanisms,
        )


@dataclass
class SinkingConfig:
    """The policy name is checked against the registry in sim.validate."""

    policy: str = "need"
    share: float = 0.5
    depth: str = "site"
    loss: float = 0.05

    def check(self) -> None:
        _unit("sinking.share", self.share)
        _check(self.depth in DEPTHS, "sinking.depth", f"one of {list(DEPTHS)}", self.depth)
        _unit("sinking.loss", self.loss)


@dataclass
class StructureConfig:
    """Modelling choices that could change a conclusion, each a named, switchable alternative
    (docs/ODD.md 9.1 gives the sources and which conclusions survive each)."""

    name: str = "default"
    peer_aggregation: str = "max"
    online_reach: str = "buildings"
    need_signal: str = "access_gap"
    huff_attraction: str = "capacity"
    outreach_envelope: str = "firms"
    lapse_rate: float = 0.0769  # ~1/13: a quarter
    institution_funding: str = "firm_contributions"
    zone_budget_share: float = 0.0  # share of the budget zone committees hold of their own
    overload_effect: str = "delivery"
    access_supply: str = "weekly"  # what the access outcomes count as a point's capacity

    def check(self) -> None:
        for key, options in STRUCTURE_OPTIONS.items():
            _check(
                getattr(self, key) in options,
                f"structure.{key}",
                f"one of {list(options)}",
                getattr(self, key),
            )
        _unit("structure.lapse_rate", self.lapse_rate)
        _unit("structure.zone_budget_share", self.zone_budget_share)


@dataclass
class StaffConfig:
    """Committees' staff time (人力) and what each use of it costs in hours: a committee whose week's
    work exceeds its hours is overloaded, and its activities deliver less (docs/ODD.md 7.18)."""

    subdistrict_hours: float = 300.0
    zone_hours: float = 60.0
    site_hours: float = 30.0
    hours_per_attendance: float = 0.2
    hours_per_request: float = 0.5
    hours_per_visit: float = 4.0
    hours_per_mechanism: float = 2.0  # every field's bounds are in LIMITS


@dataclass
class InterventionConfig:
    """An exogenous push for the reinforcement experiment (docs/ODD.md 7.19): from ``week`` on, for
    ``weeks`` weeks, ``size`` of the uncovered firms get a Party organisation (``coverage``), or
    ``size`` of all people take part in a campaign (``participation``)."""

    kind: str = "coverage"
    week: int = 105
    weeks: int = 1
    size: float = 0.5

    def check(self) -> None:
        _check(
            self.kind in INTERVENTION_KINDS,
            "intervention.kind",
            f"one of {list(INTERVENTION_KINDS)}",
            self.kind,
        )
        _unit("intervention.size", self.size)


# --------------------------------------------------------------------------- scenario


@dataclass
class ScenarioConfig:
    """A district: subdistricts by name, each a count-form or an explicit spec. sim.validate reads
    ``file`` and parses the specs (sim.world.spec) into SubdistrictSpec values."""

    name: str = "custom"
    file: str | None = None
    subdistricts: dict[str, Any] = field(default_factory=dict)


@dataclass
class DesignParameter:
    name: str = ""
    low: float = 0.0
    high: float = 1.0


DESIGN_METHODS = ("lhs", "morris", "sobol", "file")


@dataclass
class DesignConfig:
    """A sampling design: a SALib sample for sensitivity analysis (``lhs``, ``morris``, ``sobol``) over
    ``parameters``, or the rows of a Parquet ``file`` whose columns are dotted config keys (written by
    calibration, exploration and policy search); a sweep runs ``sample`` over its rows."""

    method: str = "morris"
    parameters: list[DesignParameter] = field(default_factory=list)
    n: int = 10  # trajectories (morris), base samples (sobol) or points (lhs)
    levels: int = 4  # grid levels (morris)
    seed: int = 0  # seed of the design itself, not of the runs
    sample: int | None = None
    file: str | None = None  # method file: a Parquet file, one row per design point
    # a sweep's job may run a chunk of rows instead of one: [chunk * chunk_size, (chunk + 1) * chunk_size)
    chunk: int | None = None
    chunk_size: int | None = None

    def check(self) -> None:
        _check(self.method in DESIGN_METHODS, "design.method", f"one of {list(DESIGN_METHODS)}", self.method)
        if self.chunk is not None:
            _check(self.chunk_size is not None, "design.chunk_size", "the rows of a chunk", None)
            _check(self.sample is None, "design.sample", "null with design.chunk", self.sample)
        if self.method == "file":
            _check(bool(self.file), "design.file", "the path of a Parquet file of design rows", self.file)
            return
        _check(
            len(self.parameters) > 0, "design.parameters", "at least one {name, low, high}", self.parameters
        )
        for i, par in enumerate(self.parameters):
            _check(par.low < par.high, f"design.parameters[{i}]", "low < high", (par.low, par.high))


@dataclass
class OutputsConfig:
    agent_snapshots: list[int] = field(default_factory=list)


@dataclass
class LimitsConfig:
    """Resource ceilings a run is checked against before anything is built (sim.limits).

    Not model parameters: they are left out of the config hash."""

    max_memory_gb: float | None = None  # None: MEMORY_SHARE of this machine's physical memory
    max_hours: float = 6.0


@dataclass
class ReportConfig:
    """How results are presented (报告): the language of the printed table and of sweep reports, and
    the outcomes a sweep report shows (None: the headline set of ``sim.outcomes``). Languages and
    outcome names are checked in ``sim.validate`` (against ``sim.i18n`` and ``sim.outcomes``). Not
    model parameters: they are left out of the config hash."""

    lang: str = "en"
    outcomes: list[str] | None = None

    def check(self) -> None:
        if self.outcomes is not None:
            _check(len(self.outcomes) > 0, "report.outcomes", "a non-empty list of outcome names", [])


@dataclass
class RunConfig:
    seed: int = 0
    steps: int = 52
    scenario: ScenarioConfig = field(default_factory=ScenarioConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    sinking: SinkingConfig = field(default_factory=SinkingConfig)
    world: WorldConfig = field(default_factory=WorldConfig)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    behaviour: BehaviourConfig = field(default_factory=BehaviourConfig)
    structure: StructureConfig = field(default_factory=StructureConfig)
    staff: StaffConfig = field(default_factory=StaffConfig)
    intervention: InterventionConfig | None = None
    outputs: OutputsConfig = field(default_factory=OutputsConfig)
    design: DesignConfig | None = None
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    report: ReportConfig = field(default_factory=ReportConfig)

    def check(self) -> None:
        for s in self.outputs.agent_snapshots:
            _check(0 <= s <= self.steps, "outputs.agent_snapshots", f"steps in [0, {self.steps}]", s)


# --------------------------------------------------------------------------- checks


def check_tree(node: Any, path: str = "") -> None:
    """Finite numbers, the bounds of LIMITS and each dataclass's own checks, parents before children
    (OmegaConf builds defaults without running any check): ``check()``, which names its keys in
    full, or ``check_at(where)`` for a block that sits at more than one place (``where``: its key)."""
    if not hasattr(node, "__dataclass_fields__"):
        return
    for f in fields(node):
        _check_finite(f"{path}{f.name}", getattr(node, f.name))
    for f in fields(node):
        _check_limit(f"{path}{f.name}", getattr(node, f.name))
    if hasattr(node, "check"):
        node.check()
    if hasattr(node, "check_at"):
        node.check_at(path.removesuffix("."))
    for f in fields(node):
        value = getattr(node, f.name)
        if isinstance(value, list):
            for i, item in enumerate(value):
                check_tree(item, f"{path}{f.name}.{i}.")
        check_tree(value, f"{path}{f.name}.")


def _check_finite(key: str, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _check_finite(f"{key}.{k}", v)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(f"{key}.{i}", v)
    elif isinstance(value, float):
        _check(math.isfinite(value), key, "a finite number", value)


def _check_limit(key: str, value: Any) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_limit(f"{key}.{i}", item)
        return
    bounds = LIMITS.get(key) or LIMITS.get(_wildcard(key))
    if bounds is None or not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    low, high = bounds
    above = value > low if isinstance(low, Open) else value >= low
    kind = "an integer" if isinstance(value, int) else "a number"
    _check(above and value <= high, key, f"{kind} in {interval(low, high)} (README, Limits)", value)


def interval(low: float, high: float) -> str:
    """The bounds of LIMITS as a refusal states them, ``[0, 1]`` or ``(0, 1]`` for an Open low."""
    return f"{'(' if isinstance(low, Open) else '['}{_fmt(low)}, {_fmt(high)}]"


def _fmt(bound: float) -> str:
    return f"{bound:,}" if isinstance(bound, int) else f"{bound:g}"


def _wildcard(key: str) -> str:
    parts = key.split(".")
    return ".".join("*" if part.isdigit() else part for part in parts)


WRONG = object()  # a value whose type is not exactly its field's


def built(schema: type[T], data: dict) -> T | None:
    """``data`` (plain dicts, lists and scalars) as an instance of the dataclass ``schema`` when every
    key is the schema's and every value has exactly its field's type (an int where a float is due is
    made a float); None otherwise. Then it is the instance OmegaConf's structured merge would make,
    without building a node for every value (the merge is most of a validation's time); for anything
    else that merge converts the value or names the problem."""
    hints = _hints(schema)
    if not isinstance(data, dict) or not set(data) <= set(hints):
        return None
    values = {key: _typed(hints[key], value) for key, value in data.items()}
    return None if any(v is WRONG for v in values.values()) else schema(**values)


def _typed(hint: Any, value: Any) -> Any:
    kind, optional = _unwrapped(hint)
    if value is None:
        return None if optional else WRONG
    if is_dataclass(kind):
        return (built(kind, value) if isinstance(value, dict) else None) or WRONG
    origin, args = get_origin(kind), get_args(kind)
    if origin is list and isinstance(value, list):
        items = [_typed(args[0], v) for v in value]
        return WRONG if any(v is WRONG for v in items) else items
    if origin is dict and isinstance(value, dict) and all(isinstance(k, str) for k in value):
        items = {k: _typed(args[1], v) for k, v in value.items()}
        return WRONG if any(v is WRONG for v in items.values()) else items
    if kind is Any:
        return value
    if kind is float and type(value) in (int, float):
        return float(value)
    return value if type(value) is kind and kind in (int, str, bool) else WRONG


@cache
def _hints(schema: type) -> dict[str, Any]:
    return get_type_hints(schema)


def check_block(schema: type[T], data: Any, where: str) -> T:
    """A config block (a mapping, e.g. a study's ``calibration:``) as an instance of its dataclass
    ``schema``, checked as a run's config is: its keys and their types (OmegaConf's structured merge;
    a null value leaves the default of a key that may not be null), then :func:`check_tree`. Every
    problem is one ConfigError line naming the key, ``where`` first, and what is allowed."""
    from omegaconf import OmegaConf
    from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

    data = _prepared(schema, data, where)
    try:
        block = OmegaConf.to_object(OmegaConf.merge(OmegaConf.structured(schema), data))
    except MissingMandatoryValue as err:
        key = _dotted(err.full_key)
        raise ConfigError(f"{where}.{key}: got nothing, allowed: {_kind_of(schema, key)}") from None
    except OmegaConfBaseException as err:
        key = _dotted(err.full_key)
        got = _value_at(data, key)
        raise ConfigError(f"{where}.{key}: got {got!r}, allowed: {_kind_of(schema, key)}") from None
    check_tree(block, f"{where}.")
    return block


def _prepared(schema: type, data: Any, where: str) -> dict:
    """``data`` without the nulls of keys that may not be null, after refusing a key ``schema`` does
    not have (naming the keys it has), in every nested block."""
    hints = get_type_hints(schema)
    ensure(isinstance(data, dict), where, f"a mapping of the keys {sorted(hints)}", data)
    out = {}
    for key, value in data.items():
        if key not in hints:
            hint = did_you_mean(key, hints)
            raise ConfigError(f"{where}.{key}: got an unknown key, allowed: one of {sorted(hints)}{hint}")
        kind, optional = _unwrapped(hints[key])
        if value is None and not optional:
            continue
        nested = get_args(kind)[0] if get_origin(kind) is list else kind
        if is_dataclass(nested) and get_origin(kind) is list and isinstance(value, list):
            value = [_prepared(nested, v, f"{where}.{key}.{i}") for i, v in enumerate(value)]
        elif is_dataclass(nested) and get_origin(kind) is not list and value is not None:
            value = _prepared(nested, value, f"{where}.{key}")
        out[key] = value
    return out


def _unwrapped(hint: Any) -> tuple[Any, bool]:
    """A type hint without its ``| None``, and whether it had one."""
    args = get_args(hint)
    if type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0] if len(rest) == 1 else hint, True
    return hint, False


KIND_NAMES = {int: "an integer", float: "a number", str: "a text", bool: "true or false", dict: "a mapping"}
PLURALS = {int: "integers", float: "numbers", str: "texts"}


def _kind_of(schema: type, key: str) -> str:
    """What the key of ``schema`` at the dotted ``key`` holds, in words."""
    hint: Any = schema
    for part in key.split("."):
        if is_dataclass(hint) and part in get_type_hints(hint):
            hint = _unwrapped(get_type_hints(hint)[part])[0]
        elif get_origin(hint) is list and part.isdigit():
            hint = get_args(hint)[0]
    if is_dataclass(hint):
        return f"a mapping of the keys {sorted(get_type_hints(hint))}"
    if get_origin(hint) is list:
        return f"a list of {PLURALS.get(get_args(hint)[0], 'values')}"
    return KIND_NAMES.get(get_origin(hint) or hint, "a value")


def _dotted(key: Any) -> str:
    """OmegaConf's ``a[0].b`` as ``a.0.b``, the form an override and LIMITS use."""
    return str(key or "").replace("[", ".").replace("]", "")


def _value_at(data: Any, key: str) -> Any:
    for part in key.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
    return data


def did_you_mean(got: str, known: Iterable[str], cutoff: float = 0.6) -> str:
    """`` (did you mean X?)`` for the nearest of ``known`` (difflib), or an empty string."""
    close = difflib.get_close_matches(str(got), [str(k) for k in known], n=2, cutoff=cutoff)
    return f" (did you mean {' or '.join(close)}?)" if close else ""


def reject_targets(node: Any, path: str = "") -> None:
    # Configs are data: nothing in them may name code to import.
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            _check(
                key != "_target_", where, "no _target_ keys (modes and policies are chosen by name)", value
            )
            reject_targets(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            reject_targets(value, f"{path}[{i}]")


def group_options(group: str) -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


NOT_HASHED = ("limits", "report")


def config_hash(run: RunConfig) -> str:
    """Stable hash of a resolved configuration: equal configs give equal hashes. The resource
    limits and the report's presentation are not part of what a run computes, so they are left out."""
    data = {k: v for k, v in to_dict(run).items() if k not in NOT_HASHED}
    blob = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def to_dict(run: Any) -> Any:
    if hasattr(run, "__dataclass_fields__"):
        return {f.name: to_dict(getattr(run, f.name)) for f in fields(run)}
    if isinstance(run, dict):
        return {k: to_dict(v) for k, v in run.items()}
    if isinstance(run, (list, tuple)):
        return [to_dict(v) for v in run]
    return run
