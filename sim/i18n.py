"""Bilingual terms (中英术语): the article's own words for the modes, policies, mechanisms, places and
kinds of actor, and the sentences of the app and of sweep reports, so that the app, the CLI's table
and the reports say the same thing in both languages. Outcome labels are in :mod:`sim.outcomes`.

A schema module: it imports nothing from the rest of the package.
"""

from __future__ import annotations

# The languages, each with its own name (the app's switch shows them so), in the order of every pair
# below and of the labels in sim.outcomes. The one definition: report.lang, --lang and the app check
# against it.
LANGUAGES = {"en": "English", "zh": "中文"}

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
    "building_forms": ("Joint committees and promotion associations", "楼宇联合党委与党建促进会"),
    # places (街道)
    "small": ("Small demo district", "小型示例"),
    "huaihai": ("Huaihai Road (Middle)", "淮海中路街道"),
    "nanjing_east": ("Nanjing East Road", "南京东路街道"),
    "xiaodongmen": ("Xiaodongmen", "小东门街道"),
    "bund": ("The Bund", "外滩街道"),
    "huangpu": ("Huangpu district", "黄浦区"),
    "shanghai": ("Shanghai, the whole city", "上海市"),
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


# The browser app's words (界面用语): titles, controls with their tooltips (what each does, and its
# unit), legends, monitors and the inspector. Keys start with "app."; "{...}" fields are filled in
# with str.format.
TERMS.update(
    {
        "app.title": ("Vertical community governance", "立体社区协同治理"),
        "app.subtitle": ("an agent-based model of Shanghai's Huangpu district", "上海黄浦区多元主体仿真模型"),
        "app.language": ("Language", "语言"),
        "app.tip.language": ("Switch every label, legend and tooltip", "切换全部标签、图例和提示的语言"),
        # run controls
        "app.run": ("Run", "运行"),
        "app.reset": ("Reset", "重置"),
        "app.step": ("Step", "单步"),
        "app.play": ("Play", "运行"),
        "app.pause": ("Pause", "暂停"),
        "app.tip.reset": (
            "Rebuild the model with the parameters below and go back to week 0",
            "按下方参数重建模型，回到第 0 周",
        ),
        "app.tip.step": ("Advance the model by one week", "模型推进一周"),
        "app.tip.play": ("Step week after week until Pause", "逐周连续推进，直到暂停"),
        "app.tip.pause": ("Stop after the week being drawn", "画完当前一周后停止"),
        "app.delay": ("Pause between weeks (ms)", "每周间隔（毫秒）"),
        "app.tip.delay": (
            "Wait after each week while playing, in milliseconds. At 0 the model runs as fast as it "
            "can and the page shows the newest week up to 10 times a second; from 100 on, every week",
            "连续运行时每周之后的等待（毫秒）。为 0 时模型全速运行，页面每秒最多刷新 10 次、显示最新一周；"
            "100 及以上时逐周显示",
        ),
        # parameters
        "app.parameters": ("Model parameters", "模型参数"),
        "app.parameters_note": ("All take effect on Reset.", "所有参数在“重置”时生效。"),
        "app.pending": ("{n} change(s) pending: press Reset to apply", "{n} 项修改尚未生效：按“重置”应用"),
        "app.pending_mark": ("pending", "待生效"),
        "app.tip.pending": (
            "Changed since the last Reset; the running model still uses {value}",
            "上次重置后已修改；当前模型仍使用 {value}",
        ),
        "app.param.scenario": ("Scenario (subdistricts)", "情景（街道）"),
        "app.tip.scenario": (
            "Which subdistricts to build, with their buildings, firms and people "
            "(a preset of configs/scenario)",
            "构建哪些街道及其楼宇、企业和人口（configs/scenario 中的预设）",
        ),
        "app.param.governance": ("Governance mode", "治理模式"),
        "app.tip.governance": (
            "The mode's mechanisms: committees, pooling, service circle, channels (configs/governance)",
            "治理模式决定的机制：党组织层级、资源统筹、服务圈、诉求渠道（configs/governance）",
        ),
        "app.param.sinking": ("Resource-sinking policy", "资源下沉政策"),
        "app.tip.sinking": (
            "How the subdistrict's budget is passed down to zones and sites each week (configs/sinking)",
            "街道预算每周如何下沉到片区和站点（configs/sinking）",
        ),
        "app.param.seed": ("Random seed", "随机种子"),
        "app.tip.seed": (
            "Seeds every random draw: the same seed and parameters give the same run",
            "决定全部随机抽样：相同种子和参数得到相同结果",
        ),
        "app.param.budget": ("Budget (RU/person/week)", "预算（资源单位/人/周）"),
        "app.tip.budget": (
            "Resource units the subdistrict receives per person in its remit per week "
            "(budget.per_person_per_step; RU/person/week)",
            "街道每周按辖区人数获得的资源单位（budget.per_person_per_step；资源单位/人/周）",
        ),
        "app.param.share": ("Share sunk per week", "每周下沉比例"),
        "app.tip.share": (
            "Fraction of a committee's holdings passed down each week (sinking.share; 0-1)",
            "党组织每周向下级下沉的持有资源比例（sinking.share；0-1）",
        ),
        "app.param.temperature": ("Participation temperature", "参与决策温度"),
        "app.tip.temperature": (
            "Noise of the threshold rule: 0 is Granovetter's sharp rule (behaviour.participation."
            "temperature; share of peers)",
            "阈值规则的随机性：0 为格兰诺维特的确定性规则（behaviour.participation.temperature；同伴比例）",
        ),
        "app.param.availability": ("Weekly availability", "每周可参与概率"),
        "app.tip.availability": (
            "Probability that a person has time to take part in a week (behaviour.participation."
            "availability; 0-1)",
            "一个人某周有时间参与的概率（behaviour.participation.availability；0-1）",
        ),
        "app.param.threshold_sd": ("Threshold spread (sd)", "阈值离散度（标准差）"),
        "app.tip.threshold_sd": (
            "Standard deviation of people's participation thresholds (behaviour.participation."
            "threshold_sd; share of peers)",
            "参与阈值的标准差（behaviour.participation.threshold_sd；同伴比例）",
        ),
        "app.param.multiplication": ("Co-production multiplier r", "共建乘数 r"),
        "app.tip.multiplication": (
            "Return on a firm's contribution to its pool's public good (behaviour.coproduction."
            "multiplication; times the contribution)",
            "企业投入公共品的回报倍数（behaviour.coproduction.multiplication；投入的倍数）",
        ),
        "app.param.join_probability": ("Join probability per visit", "每次走访的组建概率"),
        "app.tip.join_probability": (
            "Chance that a visited firm joins a Party organisation, before satisfaction and uptake "
            "(behaviour.outreach.join_probability; per visit)",
            "被走访企业纳入党组织覆盖的基础概率，再乘以满意度和可及性（behaviour.outreach.join_probability；每次走访）",
        ),
        # monitors, map, plots
        "app.monitors": ("Monitors", "监视器"),
        "app.week0": (
            "Week 0: nothing has happened yet. Press Step or Play.",
            "第 0 周：模型尚未运行。请按“单步”或“运行”。",
        ),
        "app.map": ("District map", "街区地图"),
        "app.colour": ("Colour", "着色"),
        "app.tip.colour": (
            "Colour the committees by zone or by this week's share in their remit (scale fitted to the data)",
            "按片区或按本周辖区内的比例给党组织着色（色标随数据自适应）",
        ),
        "app.circles": ("Service circles", "服务圈"),
        "app.tip.circles": (
            "Dashed circles: the walking range of the mode's service circle around open points",
            "虚线圆：开放服务阵地周围按步行时间计算的服务圈",
        ),
        "app.circles.upper": ("Zones & subdistricts", "片区与街道"),
        "app.circles.sites": ("Site stations", "站点"),
        "app.circles.off": ("None", "不显示"),
        "app.level": ("Committee", "党组织"),
        "app.level.0": ("Subdistrict work committee", "街道党工委"),
        "app.level.1": ("Zone joint committee", "片区联合党委"),
        "app.level.2": ("Building station", "楼宇党建站"),
        "app.level.3": ("Residential-area station", "居民区党组织"),
        "app.people": ("Sampled people (filled: took part)", "抽样人员（实心：本周参与）"),
        "app.zone": ("Zone", "片区"),
        "app.zone_n": ("Zone {n}", "片区 {n}"),
        "app.building_n": ("Building {n}", "楼宇 {n}"),
        "app.area_n": ("Residential area {n}", "居民区 {n}"),
        "app.no_value": ("no firms or people", "无企业或人员"),
        "app.closed": ("closed (holds < minimum)", "未开放（资源低于下限）"),
        "app.uncovered": ("red edge: outside every open circle", "红边：不在任何开放服务圈内"),
        "app.metres": ("{m} m", "{m} 米"),
        "app.circle_caption": (
            "{minutes:g}-min service circle = {radius:.0f} m",
            "{minutes:g} 分钟服务圈 = {radius:.0f} 米",
        ),
        "app.caption": (
            "{scenario} · {mode} · {policy} · seed {seed} · week {week} · {open}/{points} points open · "
            "{covered}/{sites} sites covered",
            "{scenario} · {mode} · {policy} · 种子 {seed} · 第 {week} 周 · 开放阵地 {open}/{points} · "
            "覆盖站点 {covered}/{sites}",
        ),
        "app.plot.participation": ("Participation by type", "各类主体参与率"),
        "app.plot.coverage": ("Organisational and service coverage", "组织覆盖与服务覆盖"),
        "app.plot.coupling": ("Coupling coordination", "党建与治理耦合协调度"),
        "app.plot.resources": ("Resources held by level", "各层级持有资源"),
        "app.axis.share": ("Share", "比例"),
        "app.axis.index": ("Index (0-1)", "指数（0-1）"),
        "app.axis.ru": ("Resource units (RU)", "资源单位（RU）"),
        "app.series": ("Series", "指标"),
        "app.value": ("Value", "数值"),
        # inspector
        "app.inspect": ("Inspect", "查看详情"),
        "app.inspect_hint": (
            "Click a committee or a person on the map to see its state.",
            "点击地图上的党组织或人员查看其状态。",
        ),
        "app.name": ("Name", "名称"),
        "app.kind": ("Kind", "类型"),
        "app.open": ("Service point open", "服务阵地开放"),
        "app.held": ("Resources held (RU)", "持有资源（RU）"),
        "app.remit_people": ("People in its remit", "辖区人数"),
        "app.remit_active": ("Took part this week", "本周参与比例"),
        "app.remit_org": ("Firms with a Party organisation", "建立党组织的企业比例"),
        "app.site_covered": ("Inside an open service circle", "位于开放服务圈内"),
        "app.site_access": ("Service access (2SFCA)", "服务可及性"),
        "app.took_part": ("Took part this week", "本周参与"),
        "app.threshold": ("Participation threshold", "参与阈值"),
        "app.asked": ("Asked for a service this week", "本周提出服务需求"),
        "app.served": ("Request met", "需求得到满足"),
        "app.yes": ("yes", "是"),
        "app.no": ("no", "否"),
        # downloads
        "app.downloads": ("Downloads", "下载"),
        "app.tip.downloads": (
            "The current run: its table (one row per week, columns named as in docs/ODD.md 7.16) and "
            "each figure as a picture",
            "当前运行：数据表（每周一行，列名同 docs/ODD.md 7.16）及各图的图片",
        ),
        "app.run_table": ("Run table", "运行数据表"),
        "app.download_what": ("File", "文件"),
        "app.download": ("Download", "下载"),
    }
)


# The run command's printed summary (运行摘要): its header, steady state and where the results are.
# Keys start with "cli."; "{...}" fields are filled in with str.format.
TERMS.update(
    {
        "cli.run": (
            "{scenario} | {governance} | sinking={sinking} | seed={seed} | {steps} weeks | {seconds:.2f} s",
            "{scenario} | {governance} | {sinking} | 随机种子 {seed} | {steps} 周 | {seconds:.2f} 秒",
        ),
        "cli.final": ("final outcome", "最终结果"),
        "cli.undefined": ("undefined", "无定义"),
        "cli.steady": ("steady state: {reached}{drifting}", "稳态：{reached}{drifting}"),
        "cli.steady_from": ("from week {week}", "第 {week} 周起"),
        "cli.steady_not": ("not reached", "未达到"),
        "cli.drifting": (" (still drifting: {names})", "（仍在变化：{names}）"),
        "cli.separator": (", ", "、"),
        "cli.results": ("results: {path}", "结果目录：{path}"),
    }
)


# Sweep reports' sentences (实验报告用语): headings, notes and figure titles. Keys start with
# "report."; "{...}" fields are filled in with str.format.
TERMS.update(
    {
        "report.title": ("Sweep report", "实验报告"),
        "report.runs": (
            "{n} runs: {done} completed, {bad} failed or incomplete{per}.",
            "共 {n} 次运行：{done} 次完成，{bad} 次失败或未完成{per}。",
        ),
        "report.per": ("; seeds per condition: {k}", "；每个条件的随机种子数：{k}"),
        "report.command": ("Command", "命令"),
        "report.code": ("Code that made the completed runs", "生成结果的代码版本"),
        "report.packages": ("Packages", "软件包"),
        "report.failed": ("Failed runs", "失败的运行"),
        "report.paired": ("Differences from the baseline", "与基线的差异"),
        "report.paired_note": (
            "Mean paired difference against {base} over {k} common seeds, with its 95% t interval; "
            "statistic: each run's mean over its last 26 weeks.",
            "相对于{base}的配对差异（共同随机种子 {k} 个）的均值及其 95% t 置信区间；"
            "统计量为每次运行最后 26 周的均值。",
        ),
        "report.levels": ("Levels by condition", "各条件下的水平"),
        "report.levels_note": (
            "Mean over seeds and 95% confidence interval (t interval on the logit scale for shares, on "
            "the log scale for resources, back-transformed; statistic: mean over the last 26 weeks).",
            "各随机种子的均值及 95% 置信区间（比例在 logit 尺度、资源在对数尺度上取 t 区间后反变换；"
            "统计量为最后 26 周的均值）。",
        ),
        "report.figures": ("Figures", "图"),
        "report.formats": (
            "Each figure is drawn at a journal's page width ({page} mm, shown here) and column width "
            "({column} mm, `*_column.*`); SVG and PDF versions sit beside each PNG in `figures/`.",
            "每张图按期刊通栏宽度（{page} 毫米，即此处所示）和单栏宽度（{column} 毫米，`*_column.*`）"
            "各绘制一份；`figures/` 中每张 PNG 旁有 SVG 和 PDF 版本。",
        ),
        "report.sensitivity": ("Sensitivity analysis", "敏感性分析"),
        "report.fig_paired": (
            "Difference from {base} (paired, 95% CI)",
            "与{base}的差异（配对，95% 置信区间）",
        ),
        "report.fig_time": (
            "Outcomes over time (mean and 95% CI over seeds)",
            "结果随时间的变化（均值与 95% 置信区间）",
        ),
        "report.fig_levels": (
            "Levels by condition (mean and 95% CI over seeds)",
            "各条件下的水平（均值与 95% 置信区间）",
        ),
        "report.fig_heat": ("Mean over seeds by sinking policy and share sunk", "按下沉方式与下沉比例的均值"),
        "report.fig_response": (
            "Response to {x} (mean and 95% CI over seeds)",
            "对{x}的响应（均值与 95% 置信区间）",
        ),
        "report.difference": ("difference", "差异"),
        "report.all": ("all runs", "全部运行"),
        "report.not_recorded": ("not recorded", "未记录"),
        "report.colon": (": ", "："),
        "report.n_runs": ("{n} runs", "{n} 次运行"),
    }
)
