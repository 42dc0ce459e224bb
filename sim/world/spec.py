"""District descriptions (区情): the subdistrict (街道) specs a scenario is built from.

A subdistrict is written either in *count form* (totals, as the article gives them, expanded here
deterministically into zones, buildings and residential areas) or in *explicit form* (every zone,
building and residential area listed with its own counts). Both end as a :class:`SubdistrictSpec`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config import ConfigError

# Defaults for counts the article does not give; sources in docs/ODD.md, table "Scenario".
COUNT_DEFAULTS: dict[str, Any] = {
    "name_zh": "",
    "mode_in_article": None,
    "area_km2": 2.0,  # Huangpu's 20.5 km2 over its 10 subdistricts
    "zones": 2,
    "buildings": None,
    "buildings_per_zone": None,
    "key_buildings": None,  # default: 49% of buildings (98 key of ~200 in Huangpu)
    "organised_key_buildings": None,  # key buildings with a building Party organisation; the rest get
    # no party_orgs (Shanghai: 90% of key buildings, EVIDENCE.md); default: every key building
    "enterprises": None,  # default: enterprises_per_building x buildings
    "enterprises_per_building": 60,
    "members": None,  # default: member_share_of_workers x workers
    "member_share_of_workers": 0.06,  # Shanghai's building workers: 65,000 members of 1.1 M (EVIDENCE.md)
    "organised_members": None,  # members whose relationship sits in the buildings at the start (the
    # article's counts); default: behaviour.attachment.initial_attached
    "party_orgs": None,  # default: 2.1 per building (Nanjing East: 133 / 63)
    "residential_areas": 19,  # Nanjing East's 19 (article)
    "workers_per_building": 2000,  # assumption: Xintiandi's high-end buildings average ~2,260
    # (70,000 / 31, article); ordinary buildings fewer
    "residents_per_area": 3500,  # Huangpu ~662,000 residents over ~190 residential areas
    "key_size_factor": 2.0,  # a key building holds this many times a normal one's workers,
    # firms and Party organisations
}
KEY_SHARE = 98 / 200
PARTY_ORGS_PER_BUILDING = 133 / 63


@dataclass(frozen=True)
class BuildingSpec:
    name: str
    enterprises: int
    workers: int
    members: int
    party_orgs: int
    key: bool


@dataclass(frozen=True)
class AreaSpec:
    name: str
    residents: int


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    buildings: tuple[BuildingSpec, ...]
    residential_areas: tuple[AreaSpec, ...]


@dataclass(frozen=True)
class SubdistrictSpec:
    name_zh: str
    mode_in_article: str | None
    area_km2: float
    zones: tuple[ZoneSpec, ...]
    attached_share: float | None = None  # organised / all members at the start, when the district gives it


# A scenario's zones plus sites (buildings and residential areas) are capped before any is
# expanded: far fewer already exceed any machine's memory (sim.limits), and a count such as
# ``buildings: 1e9`` must not make a billion objects on the way to that message.
MAX_UNITS = 1_000_000
MAX_COUNT = 10**9  # per count of people, enterprises or organisations: int64-safe totals
MAX_AREA_KM2 = 10_000.0
MAX_KEY_SIZE_FACTOR = 1000.0


def _fail(key: str, allowed: str, value: Any) -> None:
    raise ConfigError(f"{key}: got {value!r}, allowed: {allowed}")


def _int(key: str, value: Any, minimum: int = 0) -> int:
    integer = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not (integer and minimum <= value <= MAX_COUNT):
        _fail(key, f"an integer >= {minimum} and <= {MAX_COUNT:,}", value)
    return int(value)


def _number(key: str, value: Any, low: float, high: float, allowed: str) -> float:
    number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    if not (number and math.isfinite(value) and low <= value <= high):
        _fail(key, allowed, value)
    return float(value)


def _area(key: str, value: Any) -> float:
    area = _number(key, value, 0.0, MAX_AREA_KM2, f"a number in (0, {MAX_AREA_KM2:g}]")
    if area <= 0:
        _fail(key, f"a number in (0, {MAX_AREA_KM2:g}]", value)
    return area


def _label(key: str, value: Any, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        _fail(key, "a name (text)" + (" or null" if optional else ""), value)
    return str(value)


def _split(total: int, weights: np.ndarray) -> np.ndarray:
    """Largest-remainder split of an integer total in proportion to weights."""
    if total == 0 or len(weights) == 0:
        return np.zeros(len(weights), dtype=np.int64)
    if weights.sum() == 0:  # nothing to weigh by: split evenly rather than drop the total
        weights = np.ones(len(weights))
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - out), kind="stable")
    out[order[: total - out.sum()]] += 1
    return out


def parse_scenario(prefix: str, subdistricts: Any) -> dict[str, SubdistrictSpec]:
    """Parse every subdistrict; ``prefix`` starts each error's key (the file and path within it
    for a district file). The zones and sites of all subdistricts together are capped."""
    if not isinstance(subdistricts, dict) or not subdistricts:
        _fail(prefix, "a mapping of at least one subdistrict name to its spec", subdistricts)
    room, out = MAX_UNITS, {}
    for name, spec in subdistricts.items():
        key = f"{prefix}.{name}"
        _label(key, name)
        out[str(name)] = parse_subdistrict(key, spec, room)
        room -= _units(out[str(name)])
    return out


def _units(spec: SubdistrictSpec) -> int:
    return sum(1 + len(z.buildings) + len(z.residential_areas) for z in spec.zones)


def parse_subdistrict(key: str, spec: Any, room: int = MAX_UNITS) -> SubdistrictSpec:
    if isinstance(spec, SubdistrictSpec):
        return spec
    if not isinstance(spec, dict):
        _fail(key, "a mapping of subdistrict fields", spec)
    if isinstance(spec.get("zones"), list):
        parsed = _parse_explicit(key, spec)
    else:
        parsed = _expand_counts(key, spec, room)
    if _units(parsed) > room:
        _fail(
            f"{key}.zones",
            f"at most {MAX_UNITS:,} zones and sites (buildings, residential areas) in a scenario",
            _units(parsed),
        )
    if not any(z.buildings or z.residential_areas for z in parsed.zones):
        _fail(key, "at least one building or residential area", spec)
    return parsed


def _expand_counts(key: str, spec: dict, room: int) -> SubdistrictSpec:
    unknown = sorted(set(spec) - set(COUNT_DEFAULTS), key=str)
    if unknown:
        _fail(f"{key}.{unknown[0]}", f"keys from {sorted(COUNT_DEFAULTS)}", spec[unknown[0]])
    s = {**COUNT_DEFAULTS, **{k: v for k, v in spec.items() if v is not None or k == "mode_in_article"}}
    n_zones, per_zone = _zone_sizes(key, s)
    n_buildings = sum(per_zone)
    n_areas = _int(f"{key}.residential_areas", s["residential_areas"])
    if n_zones + n_buildings + n_areas > room:
        _fail(
            key,
            f"at most {MAX_UNITS:,} zones and sites (buildings, residential areas) in a scenario",
            n_zones + n_buildings + n_areas,
        )
    n_key = s["key_buildings"] if s["key_buildings"] is not None else round(KEY_SHARE * n_buildings)
    n_key = _int(f"{key}.key_buildings", n_key)
    if n_key > n_buildings:
        _fail(f"{key}.key_buildings", f"at most the {n_buildings} buildings", n_key)
    factor = _number(
        f"{key}.key_size_factor",
        s["key_size_factor"],
        1.0,
        MAX_KEY_SIZE_FACTOR,
        f"a number in [1, {MAX_KEY_SIZE_FACTOR:g}]",
    )
    area = _area(f"{key}.area_km2", s["area_km2"])

    # Key buildings are spread over zones in turn so every zone gets its share of the landmarks;
    # with explicit buildings_per_zone, the biggest zone takes them first (Xintiandi's 31).
    zone_of = np.repeat(np.arange(n_zones), per_zone)
    order = (
        np.argsort(-np.asarray(per_zone)[zone_of], kind="stable")
        if s["buildings_per_zone"]
        else _round_robin(zone_of)
    )
    key_flag = np.zeros(n_buildings, dtype=bool)
    key_flag[order[:n_key]] = True
    size = np.where(key_flag, factor, 1.0)
    n_organised_key = s["organised_key_buildings"] if s["organised_key_buildings"] is not None else n_key
    n_organised_key = _int(f"{key}.organised_key_buildings", n_organised_key)
    if n_organised_key > n_key:
        _fail(f"{key}.organised_key_buildings", f"at most the {n_key} key buildings", n_organised_key)
    # the last key buildings in key order go without, so they too are spread over the zones
    has_org = np.ones(n_buildings, dtype=bool)
    has_org[order[n_organised_key:n_key]] = False

    workers_total = _int(f"{key}.workers_per_building", s["workers_per_building"]) * n_buildings
    workers = _split(workers_total, size)
    n_firms = (
        s["enterprises"]
        if s["enterprises"] is not None
        else _int(f"{key}.enterprises_per_building", s["enterprises_per_building"]) * n_buildings
    )
    n_firms = _int(f"{key}.enterprises", n_firms)
    if n_firms < n_buildings:
        _fail(f"{key}.enterprises", f"at least one per building (>= {n_buildings})", n_firms)
    firms = 1 + _split(n_firms - n_buildings, size)  # every building has a firm; the rest by size
    share = _number(
        f"{key}.member_share_of_workers", s["member_share_of_workers"], 0.0, 1.0, "a number in [0, 1]"
    )
    n_members = s["members"] if s["members"] is not None else round(share * workers_total)
    n_members = _int(f"{key}.members", n_members)
    if workers_total and n_members > workers_total:
        _fail(
            f"{key}.members",
            f"at most the {workers_total:,} workers (workers_per_building x buildings)",
            n_members,
        )
    members = _split(n_members, workers.astype(float))
    attached_share = None
    if s["organised_members"] is not None:
        organised = _int(f"{key}.organised_members", s["organised_members"])
        if organised > n_members:
            _fail(f"{key}.organised_members", f"at most the {n_members:,} members", organised)
        attached_share = organised / n_members if n_members else None
    orgs = _party_orgs(key, s["party_orgs"], has_org, size, firms)
    areas_per_zone = _split(n_areas, np.ones(n_zones))
    residents = _int(f"{key}.residents_per_area", s["residents_per_area"])

    zones, b, a = [], 0, 0
    for z in range(n_zones):
        buildings = []
        for _ in range(per_zone[z]):
            buildings.append(
                BuildingSpec(
                    f"b{b}", int(firms[b]), int(workers[b]), int(members[b]), int(orgs[b]), bool(key_flag[b])
                )
            )
            b += 1
        areas = []
        for _ in range(areas_per_zone[z]):
            areas.append(AreaSpec(f"r{a}", residents))
            a += 1
        zones.append(ZoneSpec(f"z{z}", tuple(buildings), tuple(areas)))
    mode = _label(f"{key}.mode_in_article", s["mode_in_article"], optional=True)
    return SubdistrictSpec(_label(f"{key}.name_zh", s["name_zh"]), mode, area, tuple(zones), attached_share)


def _party_orgs(key: str, given: Any, has_org: np.ndarray, size: np.ndarray, firms: np.ndarray) -> np.ndarray:
    """Organisations per building, split by size over the buildings that ``has_org``, at most one per
    enterprise of the building. The default total is capped that way; a total the user gave that
    cannot be held is refused."""
    default = round(PARTY_ORGS_PER_BUILDING * int(has_org.sum()))
    n_orgs = _int(f"{key}.party_orgs", given if given is not None else default)
    if given is not None and n_orgs > firms.sum():
        _fail(f"{key}.party_orgs", f"at most the {int(firms.sum()):,} enterprises", n_orgs)
    if n_orgs and not has_org.any():
        _fail(f"{key}.party_orgs", "0 when no building has an organisation (organised_key_buildings)", n_orgs)
    size = np.where(has_org, size, 0.0)
    orgs = np.minimum(_split(n_orgs, size), firms)
    if given is not None and orgs.sum() < n_orgs:
        b = int(np.argmax(_split(n_orgs, size) > firms))
        _fail(
            f"{key}.party_orgs",
            "a total whose split by key_size_factor gives no building more "
            f"organisations than enterprises (building b{b} would get {_split(n_orgs, size)[b]} for "
            f"{firms[b]})",
            n_orgs,
        )
    return orgs


def _zone_sizes(key: str, s: dict) -> tuple[int, list[int]]:
    """The number of zones and of buildings in each, from ``buildings_per_zone`` or ``buildings``."""
    n_zones = _int(f"{key}.zones", s["zones"], 1)
    if n_zones > MAX_UNITS:
        _fail(f"{key}.zones", f"an integer in [1, {MAX_UNITS:,}]", n_zones)
    if s["buildings_per_zone"] is not None:
        if not isinstance(s["buildings_per_zone"], list):
            _fail(
                f"{key}.buildings_per_zone",
                f"a list of {n_zones} building counts (one per zone)",
                s["buildings_per_zone"],
            )
        per_zone = [_int(f"{key}.buildings_per_zone[{i}]", b) for i, b in enumerate(s["buildings_per_zone"])]
        if len(per_zone) != n_zones:
            _fail(f"{key}.buildings_per_zone", f"a list of {n_zones} counts (one per zone)", per_zone)
        return n_zones, per_zone
    if s["buildings"] is None:
        _fail(f"{key}.buildings", "an integer >= 0 (or buildings_per_zone)", None)
    n_buildings = _int(f"{key}.buildings", s["buildings"], 0)
    if n_buildings > MAX_UNITS:
        _fail(f"{key}.buildings", f"an integer in [0, {MAX_UNITS:,}]", n_buildings)
    return n_zones, [int(n) for n in _split(n_buildings, np.ones(n_zones))]


def _round_robin(zone_of: np.ndarray) -> np.ndarray:
    rank_in_zone = np.zeros(len(zone_of), dtype=np.int64)
    for z in np.unique(zone_of):
        idx = np.flatnonzero(zone_of == z)
        rank_in_zone[idx] = np.arange(len(idx))
    return np.lexsort((zone_of, rank_in_zone))


BUILDING_KEYS = {"name", "enterprises", "workers", "members", "party_orgs", "key"}
AREA_KEYS = {"name", "residents"}
ZONE_KEYS = {"name", "buildings", "residential_areas"}
EXPLICIT_KEYS = {"name_zh", "mode_in_article", "area_km2", "zones", "attached_share"}


def _parse_explicit(key: str, spec: dict) -> SubdistrictSpec:
    unknown = sorted(set(spec) - EXPLICIT_KEYS, key=str)
    if unknown:
        _fail(f"{key}.{unknown[0]}", f"keys from {sorted(EXPLICIT_KEYS)} in explicit form", spec[unknown[0]])
    if not spec["zones"]:
        _fail(f"{key}.zones", "at least one zone", spec["zones"])
    zones = [_parse_zone(f"{key}.zones[{zi}]", zone, zi) for zi, zone in enumerate(spec["zones"])]
    _unique(f"{key}.zones", [z.name for z in zones])
    area_km2 = _area(f"{key}.area_km2", spec.get("area_km2", COUNT_DEFAULTS["area_km2"]))
    share = spec.get("attached_share")
    if share is not None:
        share = _number(f"{key}.attached_share", share, 0.0, 1.0, "a number in [0, 1] (or null)")
    return SubdistrictSpec(
        _label(f"{key}.name_zh", spec.get("name_zh", "")),
        _label(f"{key}.mode_in_article", spec.get("mode_in_article"), optional=True),
        area_km2,
        tuple(zones),
        share,
    )


def _parse_zone(zkey: str, zone: Any, zi: int) -> ZoneSpec:
    if not isinstance(zone, dict) or set(zone) - ZONE_KEYS:
        _fail(zkey, f"a mapping with keys from {sorted(ZONE_KEYS)}", zone)
    buildings = [
        _parse_building(f"{zkey}.buildings[{bi}]", bld, bi)
        for bi, bld in enumerate(_items(f"{zkey}.buildings", zone.get("buildings")))
    ]
    areas = [
        _parse_area(f"{zkey}.residential_areas[{ai}]", area, ai)
        for ai, area in enumerate(_items(f"{zkey}.residential_areas", zone.get("residential_areas")))
    ]
    _unique(f"{zkey}.buildings and residential_areas", [b.name for b in buildings] + [a.name for a in areas])
    return ZoneSpec(_label(f"{zkey}.name", zone.get("name", f"z{zi}")), tuple(buildings), tuple(areas))


def _items(key: str, value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        _fail(key, "a list of mappings", value)
    return value


def _parse_building(bkey: str, bld: Any, bi: int) -> BuildingSpec:
    if not isinstance(bld, dict) or set(bld) - BUILDING_KEYS:
        _fail(bkey, f"a mapping with keys from {sorted(BUILDING_KEYS)}", bld)
    firms = _int(f"{bkey}.enterprises", bld.get("enterprises"), 1)
    workers = _int(f"{bkey}.workers", bld.get("workers", 0))
    members = _int(f"{bkey}.members", bld.get("members", 0))
    # a building of members only (workers: 0) is allowed; it is how a rule is docked (tests/)
    if workers and members > workers:
        _fail(f"{bkey}.members", f"at most the building's {workers:,} workers (or workers: 0)", members)
    orgs = _int(f"{bkey}.party_orgs", bld.get("party_orgs", 0))
    if orgs > firms:
        _fail(f"{bkey}.party_orgs", f"at most the building's {firms:,} enterprises", orgs)
    key = bld.get("key", False)
    if not isinstance(key, bool):
        _fail(f"{bkey}.key", "true or false", key)
    return BuildingSpec(_label(f"{bkey}.name", bld.get("name", f"b{bi}")), firms, workers, members, orgs, key)


def _parse_area(akey: str, area: Any, ai: int) -> AreaSpec:
    if not isinstance(area, dict) or set(area) - AREA_KEYS:
        _fail(akey, f"a mapping with keys from {sorted(AREA_KEYS)}", area)
    name = _label(f"{akey}.name", area.get("name", f"r{ai}"))
    return AreaSpec(name, _int(f"{akey}.residents", area.get("residents")))


def _unique(key: str, names: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            _fail(key, "names unique within their parent", name)
        seen.add(name)
