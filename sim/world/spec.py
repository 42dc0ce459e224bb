"""District descriptions (区情): the subdistrict (街道) specs a scenario is built from.

A subdistrict is written either in *count form* (totals, as the article gives them, expanded here
deterministically into zones, buildings and residential areas) or in *explicit form* (every zone,
building and residential area listed with its own counts). Both end as a :class:`SubdistrictSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Defaults for counts the article does not give; sources in docs/ODD.md, table "Scenario".
COUNT_DEFAULTS: dict[str, Any] = {
    "name_zh": "",
    "mode_in_article": None,
    "area_km2": 2.0,                # Huangpu's 20.5 km2 over its 10 subdistricts
    "zones": 2,
    "buildings": None,
    "buildings_per_zone": None,
    "key_buildings": None,          # default: 49% of buildings (98 key of ~200 in Huangpu)
    "enterprises": None,            # default: enterprises_per_building x buildings
    "enterprises_per_building": 60,
    "members": None,                # default: member_share_of_workers x workers
    "member_share_of_workers": 0.025,
    "party_orgs": None,             # default: 2.1 per building (Nanjing East: 133 / 63)
    "residential_areas": 19,        # Nanjing East's 19 (article)
    "workers_per_building": 2000,   # assumption: Xintiandi's high-end buildings average ~2,260
                                    # (70,000 / 31, article); ordinary buildings fewer
    "residents_per_area": 3500,     # Huangpu ~662,000 residents over ~190 residential areas
    "key_size_factor": 2.0,         # a key building holds this many times a normal one's workers,
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


def _fail(key: str, allowed: str, value: Any) -> None:
    from sim.config import ConfigError

    raise ConfigError(f"{key}: got {value!r}, allowed: {allowed}")


def _int(key: str, value: Any, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        _fail(key, f"an integer >= {minimum}", value)
    return int(value)


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


def parse_subdistrict(key: str, spec: Any) -> SubdistrictSpec:
    if isinstance(spec, SubdistrictSpec):
        return spec
    if not isinstance(spec, dict):
        _fail(key, "a mapping of subdistrict fields", spec)
    if isinstance(spec.get("zones"), list):
        return _parse_explicit(key, spec)
    return _expand_counts(key, spec)


def _expand_counts(key: str, spec: dict) -> SubdistrictSpec:
    unknown = sorted(set(spec) - set(COUNT_DEFAULTS))
    if unknown:
        _fail(f"{key}.{unknown[0]}", f"keys from {sorted(COUNT_DEFAULTS)}", spec[unknown[0]])
    s = {**COUNT_DEFAULTS, **{k: v for k, v in spec.items() if v is not None or k == "mode_in_article"}}
    n_zones = _int(f"{key}.zones", s["zones"], 1)
    if s["buildings_per_zone"] is not None:
        per_zone = [_int(f"{key}.buildings_per_zone", b) for b in s["buildings_per_zone"]]
        if len(per_zone) != n_zones:
            _fail(f"{key}.buildings_per_zone", f"a list of {n_zones} counts (one per zone)", per_zone)
        n_buildings = sum(per_zone)
    else:
        n_buildings = _int(f"{key}.buildings", s["buildings"], 0) if s["buildings"] is not None else None
        if n_buildings is None:
            _fail(f"{key}.buildings", "an integer >= 0 (or buildings_per_zone)", None)
        per_zone = list(_split(n_buildings, np.ones(n_zones)))
    n_key = s["key_buildings"] if s["key_buildings"] is not None else round(KEY_SHARE * n_buildings)
    n_key = _int(f"{key}.key_buildings", n_key)
    if n_key > n_buildings:
        _fail(f"{key}.key_buildings", f"at most the {n_buildings} buildings", n_key)
    factor = float(s["key_size_factor"])
    if factor < 1:
        _fail(f"{key}.key_size_factor", "a number >= 1", factor)
    area = float(s["area_km2"])
    if area <= 0:
        _fail(f"{key}.area_km2", "a number > 0", area)

    # Key buildings are spread over zones in turn so every zone gets its share of the landmarks;
    # with explicit buildings_per_zone, the biggest zone takes them first (Xintiandi's 31).
    zone_of = np.repeat(np.arange(n_zones), per_zone)
    order = np.argsort(-np.asarray(per_zone)[zone_of], kind="stable") if s["buildings_per_zone"] else _round_robin(zone_of)
    key_flag = np.zeros(n_buildings, dtype=bool)
    key_flag[order[:n_key]] = True
    size = np.where(key_flag, factor, 1.0)

    workers_total = _int(f"{key}.workers_per_building", s["workers_per_building"]) * n_buildings
    workers = _split(workers_total, size)
    n_firms = s["enterprises"] if s["enterprises"] is not None else _int(
        f"{key}.enterprises_per_building", s["enterprises_per_building"]) * n_buildings
    n_firms = _int(f"{key}.enterprises", n_firms)
    if n_firms < n_buildings:
        _fail(f"{key}.enterprises", f"at least one per building (>= {n_buildings})", n_firms)
    firms = 1 + _split(n_firms - n_buildings, size)  # every building has a firm; the rest by size
    share = float(s["member_share_of_workers"])
    if not 0 <= share <= 1:
        _fail(f"{key}.member_share_of_workers", "a number in [0, 1]", share)
    n_members = s["members"] if s["members"] is not None else round(share * workers_total)
    members = _split(_int(f"{key}.members", n_members), workers.astype(float))
    n_orgs = s["party_orgs"] if s["party_orgs"] is not None else round(PARTY_ORGS_PER_BUILDING * n_buildings)
    orgs = _split(_int(f"{key}.party_orgs", n_orgs), size)
    n_areas = _int(f"{key}.residential_areas", s["residential_areas"])
    areas_per_zone = _split(n_areas, np.ones(n_zones))
    residents = _int(f"{key}.residents_per_area", s["residents_per_area"])

    zones, b, a = [], 0, 0
    for z in range(n_zones):
        buildings = []
        for _ in range(per_zone[z]):
            buildings.append(BuildingSpec(f"b{b}", int(firms[b]), int(workers[b]), int(members[b]),
                                          int(orgs[b]), bool(key_flag[b])))
            b += 1
        areas = []
        for _ in range(areas_per_zone[z]):
            areas.append(AreaSpec(f"r{a}", residents))
            a += 1
        zones.append(ZoneSpec(f"z{z}", tuple(buildings), tuple(areas)))
    return SubdistrictSpec(str(s["name_zh"]), s["mode_in_article"], area, tuple(zones))


def _round_robin(zone_of: np.ndarray) -> np.ndarray:
    rank_in_zone = np.zeros(len(zone_of), dtype=np.int64)
    for z in np.unique(zone_of):
        idx = np.flatnonzero(zone_of == z)
        rank_in_zone[idx] = np.arange(len(idx))
    return np.lexsort((zone_of, rank_in_zone))


BUILDING_KEYS = {"name", "enterprises", "workers", "members", "party_orgs", "key"}
AREA_KEYS = {"name", "residents"}


def _parse_explicit(key: str, spec: dict) -> SubdistrictSpec:
    allowed = {"name_zh", "mode_in_article", "area_km2", "zones"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        _fail(f"{key}.{unknown[0]}", f"keys from {sorted(allowed)} in explicit form", spec[unknown[0]])
    zones = []
    for zi, zone in enumerate(spec["zones"]):
        zkey = f"{key}.zones[{zi}]"
        if not isinstance(zone, dict) or set(zone) - {"name", "buildings", "residential_areas"}:
            _fail(zkey, "a mapping with name, buildings, residential_areas", zone)
        buildings = []
        for bi, bld in enumerate(zone.get("buildings") or []):
            bkey = f"{zkey}.buildings[{bi}]"
            if not isinstance(bld, dict) or set(bld) - BUILDING_KEYS:
                _fail(bkey, f"a mapping with keys from {sorted(BUILDING_KEYS)}", bld)
            firms = _int(f"{bkey}.enterprises", bld.get("enterprises"), 1)
            workers = _int(f"{bkey}.workers", bld.get("workers", 0))
            members = _int(f"{bkey}.members", bld.get("members", 0))
            buildings.append(BuildingSpec(str(bld.get("name", f"b{bi}")), firms, workers, members,
                                          _int(f"{bkey}.party_orgs", bld.get("party_orgs", 0)),
                                          bool(bld.get("key", False))))
        areas = []
        for ai, area in enumerate(zone.get("residential_areas") or []):
            akey = f"{zkey}.residential_areas[{ai}]"
            if not isinstance(area, dict) or set(area) - AREA_KEYS:
                _fail(akey, f"a mapping with keys from {sorted(AREA_KEYS)}", area)
            areas.append(AreaSpec(str(area.get("name", f"r{ai}")), _int(f"{akey}.residents", area.get("residents"))))
        zones.append(ZoneSpec(str(zone.get("name", f"z{zi}")), tuple(buildings), tuple(areas)))
    if not zones:
        _fail(f"{key}.zones", "at least one zone", spec["zones"])
    area_km2 = float(spec.get("area_km2", COUNT_DEFAULTS["area_km2"]))
    if area_km2 <= 0:
        _fail(f"{key}.area_km2", "a number > 0", area_km2)
    return SubdistrictSpec(str(spec.get("name_zh", "")), spec.get("mode_in_article"), area_km2, tuple(zones))
