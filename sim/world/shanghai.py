"""Shanghai's commercial office buildings (上海市商务楼宇) as a preset: the rule that writes the 15
districts besides Huangpu (``configs/district/*.yaml``) from the city's totals.

The evidence is city-wide (EVIDENCE.md, press report 2021): 1,569 commercial office buildings,
1.1 million+ people working in them, 65,000 of them Party members, 2,700+ building Party
organisations, 90% of key buildings organised. Huangpu keeps its own preset (``scenario=huangpu``)
unchanged; what its expanded counts leave of each city total is split over the other 15 districts
and their subdistricts by the rule below (docs/ODD.md 6.1 gives each figure's source). Districts
are groups of subdistricts: the committee tree has no level above the subdistrict.

Each district file is a district file in the format of ``scenario.file`` (docs/ODD.md 6.3), so a
district also runs alone. The files are data; this module only writes them:

    python -m sim.world.shanghai            # rewrite configs/district/*.yaml from the rule
    python -m sim.world.shanghai --check    # exit 1 if a file differs from the rule
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np
import yaml

from sim.config import CONFIG_DIR
from sim.world.spec import KEY_SHARE, SubdistrictSpec, _split

DISTRICT_DIR = CONFIG_DIR / "district"

# EVIDENCE.md, "Shanghai, commercial office buildings (press report, 2021)"; a "+" figure is read
# as its stated value
CITY_BUILDINGS = 1569
CITY_WORKERS = 1_100_000  # members included ("65,000 of them are Party members")
CITY_MEMBERS = 65_000
CITY_PARTY_ORGS = 2700
KEY_ORGANISED_SHARE = 0.9
# EVIDENCE.md, "Jing'an district (press report, 2024)": 200+ buildings, the one district count
JINGAN_BUILDINGS = 200
# assumption: each district has Huangpu's ten subdistricts (the real counts differ by district)
SUBDISTRICTS_PER_DISTRICT = 10
# the other 15 of Shanghai's 16 districts (市辖区), in the official order
DISTRICTS = {
    "xuhui": "徐汇区",
    "changning": "长宁区",
    "jingan": "静安区",
    "putuo": "普陀区",
    "hongkou": "虹口区",
    "yangpu": "杨浦区",
    "minhang": "闵行区",
    "baoshan": "宝山区",
    "jiading": "嘉定区",
    "pudong": "浦东新区",
    "jinshan": "金山区",
    "songjiang": "松江区",
    "qingpu": "青浦区",
    "fengxian": "奉贤区",
    "chongming": "崇明区",
}


@dataclass(frozen=True)
class Totals:
    """A scenario's counts after expansion (workers are the non-member workers)."""

    buildings: int
    key_buildings: int
    organised_key_buildings: int  # key buildings with a building Party organisation
    workers: int
    members: int
    party_orgs: int
    residential_areas: int
    residents: int


def totals(specs: dict[str, SubdistrictSpec]) -> Totals:
    buildings = [b for spec in specs.values() for z in spec.zones for b in z.buildings]
    areas = [a for spec in specs.values() for z in spec.zones for a in z.residential_areas]
    return Totals(
        buildings=len(buildings),
        key_buildings=sum(b.key for b in buildings),
        organised_key_buildings=sum(b.key and b.party_orgs > 0 for b in buildings),
        workers=sum(b.workers for b in buildings),
        members=sum(b.members for b in buildings),
        party_orgs=sum(b.party_orgs for b in buildings),
        residential_areas=len(areas),
        residents=sum(a.residents for a in areas),
    )


def huangpu() -> Totals:
    from sim.validate import compose  # Hydra: only when the rule is applied

    return totals(compose(["scenario=huangpu"]).scenario.subdistricts)


def subdistricts(hp: Totals) -> dict[str, dict[str, dict]]:
    """Per district, its subdistricts' count-form specs: the city's totals less Huangpu's (``hp``).

    - buildings: Jing'an its 200, the other 14 districts equal shares of the rest, each district's
      split equally over its ten subdistricts;
    - key buildings: Huangpu's share (98/200) of the rest, split by buildings; of them, as many
      organised as bring the city's key buildings to 90% organised (Huangpu's are all), split by
      key buildings; every other building is organised;
    - non-member workers: the same number per building, the rest of the city's non-member workers
      over the rest of its buildings, rounded;
    - members: the rest of the city's, split by buildings (so by workers, the same per building);
    - Party organisations: the rest of the city's, split by organised buildings;
    - residential areas: Huangpu's per building (of ``residents_per_area`` each, the default as in
      Huangpu), split by buildings.

    Every split is a largest-remainder split (sim.world.spec._split); other counts are defaults.
    """
    rest = CITY_BUILDINGS - hp.buildings
    others = len(DISTRICTS) - 1
    district_buildings = dict(
        zip((d for d in DISTRICTS if d != "jingan"), _split(rest - JINGAN_BUILDINGS, np.ones(others)))
    )
    district_buildings["jingan"] = JINGAN_BUILDINGS
    names = [(d, i) for d in DISTRICTS for i in range(1, SUBDISTRICTS_PER_DISTRICT + 1)]
    buildings = np.concatenate(
        [_split(int(district_buildings[d]), np.ones(SUBDISTRICTS_PER_DISTRICT)) for d in DISTRICTS]
    )
    key = _split(round(KEY_SHARE * rest), buildings.astype(float))
    organised_key = _split(
        round(KEY_ORGANISED_SHARE * (hp.key_buildings + key.sum())) - hp.organised_key_buildings,
        key.astype(float),
    )
    workers_per_building = round((CITY_WORKERS - CITY_MEMBERS - hp.workers) / rest)
    members = _split(CITY_MEMBERS - hp.members, buildings.astype(float))
    party_orgs = _split(CITY_PARTY_ORGS - hp.party_orgs, (buildings - key + organised_key).astype(float))
    areas = _split(round(hp.residential_areas / hp.buildings * rest), buildings.astype(float))

    out: dict[str, dict[str, dict]] = {d: {} for d in DISTRICTS}
    for j, (d, i) in enumerate(names):
        out[d][f"{d}_{i:02d}"] = {
            "name_zh": f"{DISTRICTS[d]}街道{i}（合成）",
            "buildings": int(buildings[j]),
            "key_buildings": int(key[j]),
            "organised_key_buildings": int(organised_key[j]),
            "workers_per_building": workers_per_building,
            "members": int(members[j]),
            "party_orgs": int(party_orgs[j]),
            "residential_areas": int(areas[j]),
        }
    return out


def render(district: str, specs: dict[str, dict]) -> str:
    header = (
        f"# {DISTRICTS[district]} ({district}), Shanghai: synthetic, not in the article. Written by\n"
        "# `python -m sim.world.shanghai` from the city's totals (EVIDENCE.md, 2021) less Huangpu's preset;\n"
        "# the rule and each figure's source: sim/world/shanghai.py and docs/ODD.md 6.1. Regenerate, do not\n"
        "# edit. Also a district file: scenario.file=configs/district/" + district + ".yaml\n"
    )
    body = yaml.safe_dump(
        {"name": district, "subdistricts": specs},
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=None,
        width=200,
    )
    return header + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare the files with the rule; write nothing")
    args = parser.parse_args(argv)
    stale = []
    for district, specs in subdistricts(huangpu()).items():
        path = DISTRICT_DIR / f"{district}.yaml"
        text = render(district, specs)
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    verb = "differ from the rule" if args.check else "written"
    for path in stale:
        print(f"{path.relative_to(CONFIG_DIR.parent)}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
