"""Bilingual terms (中英术语): the article's own words for the modes, policies, mechanisms, places and
kinds of actor, so that the app, the CLI's table and the reports say the same thing in both
languages. Outcome labels are in :mod:`sim.outcomes`.

A schema module: it imports nothing from the rest of the package.
"""

from __future__ import annotations

LANGUAGES = ("en", "zh")

# key -> (English, Chinese). Keys are the config names users type.
TERMS: dict[str, tuple[str, str]] = {
    # governance modes (治理模式)
    "fragmented": ("Fragmented baseline", "分散治理（基线）"),
    "zone": ("Zone governance", "片区治理"),
    "brand": ("Brand governance", "品牌治理"),
    "fusion": ("Fusion governance", "融合治理"),
    "collaborative": ("Collaborative governance", "协同治理"),
    "article": ("The article's mode of each subdistrict", "各街道原文模式"),
    # resource-sinking policies (资源下沉)
    "none": ("Kept at the top", "资源不下沉"),
    "equal": ("Equal shares", "平均下沉"),
    "size": ("By size", "按规模下沉"),
    "need": ("By need", "按需下沉"),
    "performance": ("By performance", "按绩效下沉"),
    # mechanisms (机制)
    "zone_committees": ("Zone committees", "片区党委"),
    "zone_pooling": ("Zone pooling", "片区资源统筹"),
    "feedback_channel": ("Needs-and-suggestions platform", "诉求反馈平台"),
    "brand_reputation": ("Brand reputation", "品牌项目"),
    "service_list": ("Two-way resource list", "双向资源清单"),
    "fusion_grids": ("Building-residence grids", "楼宇社区融合网格"),
    "multilevel_points": ("Four-level service points", "四级服务阵地"),
    "online_channel": ("Online channel", "线上平台"),
    "hub_coproduction": ("Co-production hub", "共建枢纽"),
    # places (街道)
    "small": ("Small demo district", "小型示例"),
    "huaihai": ("Huaihai Road (Middle)", "淮海中路街道"),
    "nanjing_east": ("Nanjing East Road", "南京东路街道"),
    "xiaodongmen": ("Xiaodongmen", "小东门街道"),
    "bund": ("The Bund", "外滩街道"),
    "huangpu": ("Huangpu district", "黄浦区"),
    # kinds of actor and levels
    "member": ("Party members", "党员"),
    "worker": ("White-collar workers", "白领"),
    "resident": ("Residents", "居民"),
    "enterprise": ("Enterprises", "企业"),
    "committee": ("Party committee", "党组织"),
    "subdistrict": ("Subdistrict", "街道"),
    "site": ("Building or residential area", "楼宇或社区"),
    "vertical_community": ("Vertical community", "立体社区"),
    "resource_sinking": ("Resource sinking", "资源下沉"),
    "week": ("Week", "周"),
    # swept keys, as column headers and axis titles of sweep reports
    "scenario": ("Scenario", "情景"),
    "governance": ("Governance mode", "治理模式"),
    "governance.mechanisms": ("Mechanisms", "治理机制"),
    "sinking": ("Sinking policy", "资源下沉方式"),
    "sinking.share": ("Share sunk", "下沉比例"),
    "sinking.depth": ("Sinking depth", "下沉层级"),
    "structure": ("Structural alternative", "结构性假设"),
    "budget.per_person_per_step": ("Budget (RU per person per week)", "预算（RU/人/周）"),
    "steps": ("Weeks", "周数"),
    "seed": ("Seed", "随机种子"),
    "baseline": ("Baseline", "基线"),
}


def term(key: str, lang: str = "en") -> str:
    """The term in ``lang``; an unknown key is returned as is (a user's own name stays readable)."""
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "zh" else pair[0]
