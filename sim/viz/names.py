"""Display names of the places on the map (地名): the district file's own zone and building names
where it gives them, otherwise "Zone 3" / "片区 3" and "Building 2" / "楼宇 2" for the generated
ones (z2, b1), and the subdistrict's name in front when the map holds several."""

from __future__ import annotations

import re

from sim.i18n import term

_GENERATED = {"z": "app.zone_n", "b": "app.building_n", "r": "app.area_n"}


def _local(name: str, lang: str) -> str:
    found = re.fullmatch(r"([zbr])(\d+)", name)
    if found is None:
        return name
    return term(_GENERATED[found[1]], lang).format(n=int(found[2]) + 1)


def zone_label(world, zone: int, lang: str = "en") -> str:
    subdistrict, _, name = world.zone_names[zone].partition("/")
    label = _local(name, lang)
    return label if world.n_subdistricts == 1 else f"{term(subdistrict, lang)} {label}"


def site_label(world, site: int, lang: str = "en") -> str:
    return f"{zone_label(world, int(world.site_zone[site]), lang)} · {_local(world.site_names[site], lang)}"


def node_label(world, node: int, lang: str = "en") -> str:
    """The committee's place: its subdistrict, zone or site."""
    if world.node_site[node] >= 0:
        return site_label(world, int(world.node_site[node]), lang)
    if world.node_zone[node] >= 0:
        return zone_label(world, int(world.node_zone[node]), lang)
    return term(world.subdistrict_names[node], lang)
