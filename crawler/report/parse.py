"""A report (HTML, PDF, DOCX or text) to the template's fields, with its arithmetic checked.

`parse_text` is the core: clean text, optional table grids and page metadata in, a `Report` out.
`parse_bytes` / `parse_path` pick the reader by kind and call it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crawler.report import agency as agencies
from crawler.report import legacy_tables
from crawler.report import region as regions
from crawler.report.checks import run_checks
from crawler.report.completeness import TABLE_SOURCES, assess
from crawler.report.detect import is_about_reports, is_report_title, title_year
from crawler.report.pdf import FileText
from crawler.report.tables import (
    ACTIVE_ROWS,
    REQUEST_COLUMNS,
    TableResult,
    read_active,
    read_appeals,
    read_requests,
    request_keys,
    terminated,
)
from crawler.report.tokens import Line, lines_from_grid, lines_from_text, segment, unflatten
from crawler.report.values import Number, norm, parse_cell
from crawler.tablegrid import uncover

Grid = list[list[str | None]]


@dataclass
class Report:
    is_report: bool = False
    title: str = ""
    year: int | None = None
    agency: str = ""
    agency_raw: str = ""
    region: dict[str, str | None] = field(
        default_factory=lambda: {"province": None, "city": None, "county": None, "code": None}
    )
    published: str = ""
    template: str = ""  # 2021 | 2019 | legacy
    sections: list[dict[str, str]] = field(default_factory=list)
    tables: dict[str, Number] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # key -> table | joined | ocr | legacy_table | text
    # key -> OCR confidence (0–1) of values read from pictures: the lowest of the numbers taken in
    # that value's table (every number taken passed the threshold; the others are warnings)
    confidence: dict[str, float] = field(default_factory=dict)
    checks: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # tables 二/三/四 of the 2019/2021 templates: {status, expected, read, blank, from_text} each
    completeness: dict[str, dict[str, Any]] = field(default_factory=dict)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def failed_checks(self) -> list[str]:
        return [c["name"] for c in self.checks if not c["ok"]]


# ---------------------------------------------------------------- text helpers

_CJK = r"\u3400-\u9fff\uff00-\uffef\u3000-\u303f"
_SPACE_NEAR_CJK = re.compile(rf"(?<=[{_CJK}0-9])[ \t\u3000]+(?=[{_CJK}])|(?<=[{_CJK}])[ \t\u3000]+(?=[0-9{_CJK}])")


def squeeze(s: str) -> str:
    """Drop spaces PDF and OCR put between Chinese characters and digits (2023 年 → 2023年)."""
    return _SPACE_NEAR_CJK.sub("", (s or "").strip())


_MD = re.compile(r"^#{1,6}\s*")


def find_title(text: str) -> str:
    """The report's title among the first lines of the text (two lines joined when split)."""
    lines = [squeeze(_MD.sub("", ln)) for ln in text.splitlines()[:25]]
    lines = [ln for ln in lines if ln]
    for i, ln in enumerate(lines):
        if len(ln) <= 60 and is_report_title(ln):
            return ln
        if i + 1 < len(lines):
            nxt = lines[i + 1]
            joined = ln + nxt
            # a title wrapped over two lines, or an agency line above a "2023年…报告" line
            wrapped = not is_report_title(nxt)
            agency_above = title_year(ln) is None and len(ln) <= 20
            if len(joined) <= 60 and is_report_title(joined) and (wrapped or agency_above):
                return joined
    return ""


_YEAR_IN_TEXT = re.compile(
    r"((?:19|20)\d{2})\s*年\s*度?\s*(?:的)?\s*(?:政府信息公开|政务公开|信息公开)[^。\n]{0,12}?(?:年度报告|年报|报告|总结)"
)
_ANY_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def find_year(title: str, text: str, published: str) -> int | None:
    if title and (y := title_year(title)) is not None:
        return y
    m = _YEAR_IN_TEXT.search(text[:3000])
    if m:
        return int(m.group(1))
    m = re.search(r"统计期限[^。]{0,6}?((?:19|20)\d{2})\s*年", text)
    if m:
        return int(m.group(1))
    m = _ANY_YEAR.search(text[:1500])
    if m:
        return int(m.group(1))
    m = re.match(r"((?:19|20)\d{2})", published or "")
    return int(m.group(1)) - 1 if m else None


def find_template(text: str, year: int | None, has_tables: bool) -> str:
    t = norm(text)
    if re.search(r"本年度?制发件数|现行有效件数|本年度?废止件数|逾期不补正|收费通知要求缴纳", t):
        return "2021"
    if re.search(r"本年新制作数量|上一年项目数量|第二十条第\(九\)项|对外公开总数量|采购项目数量", t):
        return "2019"
    if year is not None:
        if year >= 2021:
            return "2021"
        if year >= 2019:
            return "2019"
        return "legacy"
    return "legacy" if not has_tables else ""


# ---------------------------------------------------------------- agency


_ORG = re.compile(r"^[\u4e00-\u9fff]{0,14}?(?:人民政府办公室|人民政府|管理委员会|委员会|办公室|管委会|局|厅|委|署|院|中心)")
_LEVEL = "省市县区州旗"


def _raw_agency(title: str, text: str) -> str:
    t = squeeze(title)
    m = re.match(r"^(.*?)(?:19|20)\d{2}\s*年", t)
    if m:
        pre = re.sub(r"[《》“”\"'\s:：]", "", m.group(1)).strip("（）() 、")
        if "关于" in pre:  # 某局关于(印发)…: the agency is before 关于
            pre = pre.split("关于", 1)[0] or pre.split("关于", 1)[1]
        if 2 <= len(pre) <= 30 and not re.search(r"[，,。；;]", pre):
            return pre
        m2 = re.match(r"^(?:19|20)\d{2}年度?([\u4e00-\u9fff]{2,30}?)(?:政府信息公开|政务公开)", t)
        if m2:
            return m2.group(1)
    body = squeeze(text[:3000])
    for pat in (r"现将([\u4e00-\u9fff]{2,30}?)(?:19|20)\d{2}年", r"特编制([\u4e00-\u9fff]{2,30}?)(?:19|20)\d{2}年",
                r"(?:^|\n)([\u4e00-\u9fff]{2,30}?)(?:19|20)\d{2}年度?(?:政府信息公开|政务公开)"):
        m = re.search(pat, body)
        if m:
            return m.group(1)
    return ""


def _named_agencies(text: str, idx: regions.DivisionIndex) -> Counter[str]:
    """<division><org> names written in a text (赣州市住房和城乡建设局)."""
    found: Counter[str] = Counter()
    for pos, name in idx.find_names(text):
        m = _ORG.match(text[pos + len(name) : pos + len(name) + 16])
        if m:
            found[regions.expand(name + m.group(0))] += 1
    return found


def normalise_agency(
    raw: str, contexts: list[str], year: int, site: Sequence[str] = ()
) -> tuple[str, list[str]]:
    """Full agency name: abbreviations expanded, the place prefix added when the report names it,
    a place alone read as its people's government (三明市 → 三明市人民政府).

    site: the page's site metadata (SiteName, ContentSource, source, breadcrumb), which settles the
    place of a department written without it (省建设厅) before the text does."""
    warnings: list[str] = []
    idx = regions.division_index(year)
    ctx = [squeeze(c) for c in contexts if c]
    if not raw:
        counts: Counter[str] = Counter()
        for c in ctx:
            counts.update(_named_agencies(c, idx))
        if not counts:
            return "", ["the agency is not named in the title or text"]
        return counts.most_common(1)[0][0], warnings
    name = regions.expand(raw)
    name, note = regions.correct_place(name, ctx, year)
    if note:
        warnings.append(note)
    if (government := agencies.government_of(name, idx)) is not None:
        return government, warnings
    bare = name[0] in _LEVEL and not idx.find_names(name[:4])
    if bare or not idx.find_names(name):
        level = name[0] if bare else ""
        body_full = name[1:] if bare else name
        body_short = raw[1:] if bare else raw
        counts = Counter()
        for c in ctx:
            for pos, place in idx.find_names(c):
                if level and not place.endswith(level):
                    continue
                after = c[pos + len(place) :]
                if after.startswith(body_full) or (len(body_short) >= 2 and after.startswith(body_short)):
                    counts[place] += 1
        if counts:
            name = counts.most_common(1)[0][0] + body_full
        elif bare:
            # 省建设厅 in a report whose site or text names 浙江省 alone: 浙江省建设厅
            place, why = agencies.place_for_department(level, [squeeze(c) for c in site if c], ctx, idx)
            if place is not None:
                name = place + body_full
            else:
                warnings.append(f"agency {raw!r}: the place it belongs to is not known ({why}); kept as written")
    return name, warnings


# ---------------------------------------------------------------- sections

# Section keys and the words of their headings, in the order they are tried: the 2019/2021 outline
# (一 总体情况 … 六 其他需要报告的事项) and the legacy 2008–2018 one (一 概述 … 四 收费及减免 …
# 五 行政复议、行政诉讼 … 七 需要说明的事项与附表). 收费 and 复议/诉讼 come before 主动公开/依申请
# because their headings also say 政府信息公开申请.
_SECTION_KEYS = [
    ("overview", r"总体情况|概述|基本情况"),
    ("fees", r"收费"),
    ("appeals", r"行政复议|行政诉讼"),
    ("active", r"主动公开"),
    ("requests", r"收到和处理|依申请"),
    ("secrecy", r"保密审查"),
    ("problems", r"存在的主要问题|改进情况|主要问题|改进措施"),
    ("other", r"其他需要报告|其他事项|需要说明的事项|需要报告的事项|附表"),
]
_HEADING = re.compile(r"^\s*(?:#{1,6}\s*)?(?:第?[一二三四五六七八九十]{1,2}[、.．]|[一二三四五六七八九十]{1,2}\s|、)\s*(\S.{0,38})$")
# Table rows that look like headings: 一、本年新收…, and the legacy 统计表's 三、行政复议数量
_ROW_LIKE = re.compile(r"本年度?新收|上年度?结转|本年度办理结果|结转下年度|\||(?:数量|总数|件数|答复数|申请数)$")


def find_sections(text: str) -> list[dict[str, str]]:
    """Numbered headings of the outline (matched loosely by their words, each key once), with their
    key and the text under each."""
    lines = text.splitlines()
    marks: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for i, ln in enumerate(lines):
        s = ln.strip()
        if len(s) > 44 or _ROW_LIKE.search(s) or not _HEADING.match(s):
            continue
        key = next((k for k, pat in _SECTION_KEYS if re.search(pat, s)), None)
        if key is not None and key not in seen:
            marks.append((i, key, _MD.sub("", s)))
            seen.add(key)
    out = []
    for j, (i, key, heading) in enumerate(marks):
        end = marks[j + 1][0] if j + 1 < len(marks) else len(lines)
        out.append({"key": key, "heading": heading, "text": "\n".join(lines[i + 1 : end]).strip()})
    return out


# ---------------------------------------------------------------- table regions of text

_H_ACTIVE = re.compile(r"主动公开政府信息")
_H_REQUESTS = re.compile(r"收到和处理政府信息公开申请|收到和处理.{0,4}申请")
_H_APPEALS = re.compile(r"行政法?复议.{0,3}行政诉讼|复议.{0,2}诉讼情况")
_NUMBERED = re.compile(r"^(?:第?[一二三四五六七八九十]{1,2}[、.．]|[(（][一二三四五六七八九十]{1,2}[)）]|\d{1,2}[、.．])")
_H_END = re.compile(r"存在的主要问题|主要问题|改进情况|其他需要报告|其他事项")


def text_regions(text: str) -> dict[str, list[Line]]:
    """Lines of the text under the headings of tables 二, 三 and 四.

    A heading's words also stand in the introduction (一、总体情况 often names its parts: a
    sub-heading "（二）收到和处理政府信息公开申请的情况。", or the opening paragraph broken one
    phrase per line), so every line that could head a table is a candidate, and the table's region
    is the candidate's region that holds most of the table's own row labels and numbers."""
    lines = text.splitlines()
    heads: list[tuple[int, str]] = []
    for i, ln in enumerate(lines):
        s = _MD.sub("", ln.strip())
        if not s or len(s) > 40 or "|" in s:
            continue
        if not (_NUMBERED.match(s) or ln.lstrip().startswith("#") or len(s) <= 16):
            continue  # a wrapped line of prose that happens to hold the words
        for kind, pat in (("requests", _H_REQUESTS), ("appeals", _H_APPEALS), ("active", _H_ACTIVE), ("end", _H_END)):
            if pat.search(s):
                heads.append((i, kind))
                break
    best: dict[str, tuple[int, list[Line]]] = {}
    for j, (i, kind) in enumerate(heads):
        if kind == "end":
            continue
        end = next((i2 for i2, k2 in heads[j + 1 :] if k2 != kind), len(lines))
        region = lines_from_text("\n".join(lines[i + 1 : end]))
        score = _region_score(kind, region)
        if kind not in best or score > best[kind][0]:
            best[kind] = (score, region)
    out = {kind: region for kind, (_, region) in best.items()}
    if "active" not in out:
        # a fragment that starts inside table 二: its 第二十条 items before the first heading
        first = heads[0][0] if heads else len(lines)
        item = next((i for i in range(first) if "第二十条" in lines[i]), None)
        if item is not None:
            out["active"] = lines_from_text("\n".join(lines[:first]))
    if "requests" not in out and "appeals" not in out and "active" not in out:
        out["any"] = lines_from_text(text)
    return out


def _region_score(kind: str, region: list[Line]) -> int:
    """How much of a table a region holds: its numbers, and twice its row labels (the template's)."""
    numbers = sum(1 for line in region for c in line if c.kind == "num")
    labels = 0
    for line in region:
        for c in line:
            if c.kind != "text":
                continue
            lab = norm(c.raw)
            if kind == "requests" and request_keys(lab, False):
                labels += 1
            elif kind == "active" and any(p.search(lab) for _, p in ACTIVE_ROWS):
                labels += 1
            elif kind == "appeals" and re.search(r"结果维持|结果纠正|尚未审结|复议后起诉|直接起诉", lab):
                labels += 1
    return numbers + 2 * labels


# ---------------------------------------------------------------- prose fallback

_N = r"[^。；;，,\d\n]"  # within one clause, before the number
_PROSE = [
    ("requests.new.total", re.compile(r"(?:收到|新收|接收|接到)[^。；;，,\n]{0,16}?(?:政府信息公开|依申请|信息公开)" + _N + r"{0,10}?(\d+)\s*(?:件|份)")),
    # 共收到申请25件: a bare 申请 right after the verb (in this report it can only be these)
    ("requests.new.total", re.compile(r"(?:收到|新收|接收|接到)(?:各类)?申请(?:共计?|合计)?\s*(\d+)\s*(?:件|份)")),
    ("requests.carried_over.total", re.compile(r"上年(?:度)?结转" + _N + r"{0,14}?(\d+)\s*件")),
    # 予以公开 / 同意公开 (older wording); not 不予公开, and not a sum such as 予以公开及部分公开258件
    ("requests.granted.total", re.compile(r"(?<!不)(?:予以|同意)公开" + _N + r"{0,4}?(\d+)\s*件")),
    ("requests.partial.total", re.compile(r"(?<![及和与、])部分公开" + _N + r"{0,4}?(\d+)\s*件")),
    ("requests.carried_forward.total", re.compile(r"结转下一?年度?" + _N + r"{0,10}?(\d+)\s*件")),
    ("appeals.review.total", re.compile(r"行政复议(?:申请|案件)?(?:共)?\s*(\d+)\s*(?:件|起)")),
]
# Sentences that state a zero: "未收到政府信息公开申请", "未发生…行政复议" (not 未发生被纠错的行政复议).
_PROSE_ZERO = [
    ("requests.new.total", re.compile(
        r"(?:没有|未|无)(?:收到|接到)(?:过)?(?:任何)?(?:有关|相关)?(?:的)?(?:[^。；;，,\d\n]{0,12}?提出的)?"
        r"(?:政府信息公开|信息公开|依申请公开)(?:的)?(?:申请|事项)")),
    ("appeals.review.total", re.compile(
        r"(?:没有|未|无)(?:发生|收到|出现|有)(?:过)?(?:[^。；;，,\d\n纠败撤改]{0,14}?)行政复议")),
]

# Keys a report without tables can get from its sentences (the codebook lists them).
PROSE_KEYS = frozenset(key for key, _ in _PROSE + _PROSE_ZERO)


_MAX_DIGITS = 15


def prose_values(text: str) -> dict[str, Number]:
    """Key figures written in sentences, for reports without tables (values from the text)."""
    return {key: value for key, (value, _) in prose_evidence(text).items()}


def prose_evidence(text: str) -> dict[str, tuple[Number, str]]:
    """prose_values with the words each figure was read from (to quote them in warnings)."""
    t = squeeze(text)
    found: dict[str, dict[int, str]] = {}
    for key, pat in _PROSE:
        for m in pat.finditer(t):
            if len(m.group(1)) <= _MAX_DIGITS:  # more than 15 digits is no count (and int() refuses 4,300)
                found.setdefault(key, {}).setdefault(int(m.group(1)), m.group(0))
    for key, pat in _PROSE_ZERO:
        if m := pat.search(t):
            found.setdefault(key, {}).setdefault(0, m.group(0))
    # two different figures for one key (a breakdown, another year): not read
    return {key: next(iter(vals.items())) for key, vals in found.items() if len(vals) == 1}


# ---------------------------------------------------------------- main entry


# Words that open a table (or one of table 二's 第二十条 parts) in its header rows.
_TABLE_START = re.compile(r"自然人|申请人情况|复议|诉讼|信息内容|第二十条")


def join_continued(grids: list[Grid]) -> list[Grid]:
    """Grids that continue the grid before them (a table broken across PDF pages, or a 续表: same
    number of columns, no header of its own, numbers starting in the same column) appended to it,
    so a header on one page and its rows on the next are read as one table."""
    out: list[Grid] = []
    starts: list[int | None] = []  # _first_number_column of each grid in out
    for grid in grids:
        if not grid:
            continue
        width = max(len(r) for r in grid)
        head = norm("".join(c or "" for r in grid[:2] for c in r))
        joins = bool(out) and width == max(len(r) for r in out[-1]) and not _TABLE_START.search(head)
        here = _first_number_column(grid) if joins else None
        if joins:
            joins = here is None or starts[-1] is None or here == starts[-1]
        if joins:
            if starts[-1] is None:
                starts[-1] = here
            prev = out[-1]
            first = next((norm(c) for c in grid[0] if c and c.strip()), "")
            if _has_digit(prev[-1]) and not _has_digit(grid[0]) and first and not _NUMBERED.match(first):
                # a row cut by the page break: its label's rest opens the new page, without numbers
                last = [(a or "") + (b or "") if (a or b) else a for a, b in zip(prev[-1], grid[0], strict=False)]
                prev, grid = [*prev[:-1], last + prev[-1][len(last):]], grid[1:]
            out[-1] = prev + grid
        else:
            out.append(grid)
            starts.append(_first_number_column(grid))
    return out


def _first_number_column(grid: Grid) -> int | None:
    """The column where the numbers of most value rows begin (None: no row of 3+ numbers). Two
    grids whose rows begin their numbers in different columns are not one table's rows."""
    starts: Counter[int] = Counter()
    for row in grid:
        cells = [parse_cell(c) if c else None for c in row]
        nums = [j for j, c in enumerate(cells) if c is not None and c.kind == "num"]
        if len(nums) >= 3:
            starts[nums[0]] += 1
    return starts.most_common(1)[0][0] if starts else None


def _has_digit(row: list[str | None]) -> bool:
    return any(c and re.search(r"\d", c) for c in row)


def _read_tables(
    text: str, grids: list[Grid], template: str
) -> tuple[dict[str, Number], list[str], set[str], set[str]]:
    """Values of tables 二/三/四: from grids when grids carry the table, else from the text; also
    the keys whose cells were found blank, and those read from digits joined across a line break."""
    grids = join_continued(grids)
    warnings: list[str] = []
    by_table: dict[str, list[TableResult]] = {"active": [], "requests": [], "appeals": []}
    request_width: tuple[int, int] | None = None  # (grid width, first value column) of table 三
    for grid in grids:
        hdr = request_header(grid)
        if hdr is not None:
            request_width = (max(len(r) for r in grid), hdr[1])
            rows, _ = segment(lines_from_grid(grid, hdr[1], len(REQUEST_COLUMNS), hdr[0]))
        elif (request_width is not None and max(len(r) for r in grid) == request_width[0]
              and _first_number_column(grid) in (None, request_width[1])):
            # the same table continued on the next page, without its header
            rows, _ = segment(lines_from_grid(grid, request_width[1], len(REQUEST_COLUMNS)))
        else:
            rows, _ = segment(lines_from_grid(grid))
        if not rows:
            continue
        flat = norm("".join("".join(c or "" for c in r) for r in grid))
        by_table["requests"].append(read_requests(rows))
        by_table["active"].append(read_active(rows, template))
        if "行政复议" in flat or "行政诉讼" in flat or "复议" in flat:
            by_table["appeals"].append(read_appeals(rows))
    covered = {kind for kind, results in by_table.items() if any(r.values for r in results)}
    if len(covered) < 3:
        text, flat_warnings = unflatten(text)
        warnings.extend(flat_warnings)
    regions_ = {} if len(covered) == 3 else {kind: segment(lines)[0] for kind, lines in text_regions(text).items()}
    # whether this text closes rows with an empty cell, learnt where there are many rows
    closed = terminated(regions_.get("requests") or regions_.get("any") or [])
    text_results: dict[str, TableResult] = {}
    for kind, rows in regions_.items():
        if kind in ("requests", "any"):
            text_results["requests"] = read_requests(rows, closed, join_digits=True)
        if kind in ("active", "any"):
            text_results["active"] = read_active(rows, template, closed)
        if kind in ("appeals",):
            text_results["appeals"] = read_appeals(rows, closed, join_digits=True)
    values: dict[str, Number] = {}
    blank: set[str] = set()
    joined: set[str] = set()
    for kind, results in by_table.items():
        # a grid speaks for a table when some of its rows carry that table's labels
        chosen = [r for r in results if r.values or len(r.rows_found) >= 3]
        if not any(r.values for r in chosen) and kind in text_results:
            chosen = [text_results[kind]]
        for r in chosen:
            for k, v in r.values.items():
                if k in values and values[k] != v:
                    warnings.append(f"{k}: tables disagree ({values[k]} and {v}); the first is kept")
                    continue
                values.setdefault(k, v)
            warnings.extend(r.warnings)
            blank |= r.blank
            joined |= r.joined
    return values, warnings, blank, joined


def request_header(grid: Grid) -> tuple[int, int] | None:
    """(row, column) of 自然人 in a table 三 header whose 总计 sits six columns to its right."""
    for i, row in enumerate(grid[:6]):
        cells = [norm(c or "") for c in row]
        if "自然人" in cells and "总计" in cells:
            j = cells.index("自然人")
            k = len(cells) - 1 - cells[::-1].index("总计")
            if k - j == len(REQUEST_COLUMNS) - 1:
                return i, j
    return None


def _region_of(agency: str, contexts: list[str], site_code: str, year: int | None) -> tuple[dict[str, Any], list[str]]:
    d, warns = regions.resolve(agency, contexts, site_code, year or regions.LATEST_YEAR)
    if d is None:
        return {"province": None, "city": None, "county": None, "code": None}, warns
    return d.region(), warns


_PUBLISHED = re.compile(
    r"(?:发布时间|发表时间|发布日期|公开日期|成文日期|日期)\s*[:：]\s*((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})"
)


def _simplified(text: str, raw_text: str, grids: list[Grid]) -> tuple[str, str, list[Grid], bool]:
    """Traditional-script reports are read in Simplified, so the labels match."""
    try:
        from crawler.extract.convert import detect_script, to_simplified
    except ImportError:
        return text, raw_text, grids, False
    sample = text + "".join(c or "" for g in grids[:3] for r in g[:10] for c in r)
    if detect_script(sample) != "traditional":
        return text, raw_text, grids, False
    grids = [[[to_simplified(c) if c else c for c in row] for row in g] for g in grids]
    return to_simplified(text), to_simplified(raw_text), grids, True


def parse_text(
    text: str,
    *,
    title: str = "",
    url: str = "",
    grids: list[Grid] | None = None,
    meta: dict | None = None,
    merges: list[list[list[int]]] | None = None,
    ocr_grids: list[Grid] | None = None,
) -> Report:
    """Text (+ table grids, + page meta) to a Report.

    meta keys: published, source, site (the page's meta tags: SiteIDCode, SiteName, …; also accepted
    flat), breadcrumb (list), warnings (list), raw_text (the text before cleaning, for metadata),
    ocr_text (bool: the text itself was read by OCR), ocr_confidence ({table family: confidence}).
    ocr_grids: tables read by OCR from pictures; the values only they give are marked "ocr"."""
    meta = dict(meta or {})
    site = dict(meta.get("site") or {})
    for k in ("SiteIDCode", "SiteName", "SiteDomain", "ArticleTitle", "PubDate", "ContentSource", "ColumnName"):
        if meta.get(k):
            site.setdefault(k, meta[k])  # page meta tags passed flat
    raw_text = meta.get("raw_text") or text
    grids = [uncover(g, m) if m else g for g, m in zip(grids or [], merges or [], strict=False)] + list(
        (grids or [])[len(merges or []):])
    grids = [g for g in grids if g]
    n_page_grids = len(grids)
    grids += [g for g in (ocr_grids or []) if g]
    text, raw_text, grids, converted = _simplified(text, raw_text, grids)
    rep = Report(text=text)
    rep.warnings.extend(meta.get("warnings") or [])
    if converted:
        rep.warnings.append("Traditional characters were read as Simplified")

    # a title given by the extractor is kept as given, whitespace collapsed (a space between an
    # agency and its year is the page's); titles found in raw text lose the spaces PDF adds
    rep.title = re.sub(r"[\s\u3000]+", " ", title or site.get("ArticleTitle", "")).strip()
    if len(rep.title) > 80 or re.search(r"[，,。；;]", rep.title):
        rep.title = ""  # a sentence taken for a title by an upstream tool
    rep.title = rep.title or find_title(raw_text)
    published = meta.get("published") or site.get("PubDate", "")
    if not published:
        m = _PUBLISHED.search(raw_text[:3000])
        if m:
            published = f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    rep.published = str(published or "")

    rep.year = find_year(rep.title if is_report_title(rep.title) else "", raw_text, rep.published)
    rep.sections = find_sections(text)
    has_tables = bool(grids) or "|" in text

    rep.template = find_template(text + "\n" + "\n".join("".join(c or "" for c in r) for g in grids for r in g),
                                 rep.year, has_tables)
    values, warns, blank, joined = _read_tables(text, grids, rep.template)
    rep.warnings.extend(warns)
    if rep.template in ("legacy", ""):  # a 2008–2018 统计表 appendix: its figures win over the prose
        legacy = legacy_tables.read(text, grids)
        rep.warnings.extend(legacy.warnings + legacy_tables.prefer_table(legacy, prose_evidence(text)))
        rep.tables.update(legacy.values)
        rep.sources.update(dict.fromkeys(legacy.values, legacy_tables.SOURCE))
        values = {k: v for k, v in values.items() if k not in legacy.values}
    origins = _ocr_origins(values, text, grids[:n_page_grids], len(grids) > n_page_grids, rep.template, meta)
    for k in sorted(values):
        if k in origins and not k.endswith("_yuan") and values[k] != int(values[k]):
            # counts are whole numbers: a point in an OCR'd count is a speck, not a decimal
            rep.warnings.append(f"{k}: not read (OCR gave {values[k]}, and a count is a whole number)")
            continue
        rep.tables[k] = values[k]
        rep.sources[k] = origins.get(k, "joined" if k in joined else "table")
        if k in origins and (conf := (meta.get("ocr_confidence") or {}).get(k.split(".")[0])) is not None:
            rep.confidence[k] = conf
    # A table that gave nothing (image-only, or no table at all): its key figures from the prose.
    families = [f for f in ("requests.", "appeals.") if not any(k.startswith(f) for k in rep.tables)]
    if families:
        prose = {k: v for k, v in prose_values(text).items() if k.startswith(tuple(families))}
        for k, v in prose.items():
            rep.tables[k] = v
            rep.sources[k] = "text"
        if prose and not any(src in TABLE_SOURCES for src in rep.sources.values()):
            rep.warnings.append("no table found; key figures were taken from the prose (sources: text)")
        elif prose:
            rep.warnings.append(f"no table values for {', '.join(sorted({k.split('.')[0] for k in prose}))}; "
                                "key figures were taken from the prose (sources: text)")
        elif rep.sections and not rep.tables:
            rep.warnings.append("no table and no key figure could be read")
    rep.checks = run_checks(rep.tables)

    contexts = [
        rep.title,
        str(meta.get("source") or ""),
        " ".join(meta.get("breadcrumb") or []),
        str(site.get("SiteName", "")),
        str(site.get("ContentSource", "")),
        raw_text,
    ]
    year_for_names = rep.year or regions.LATEST_YEAR
    rep.agency_raw = _raw_agency(rep.title, raw_text)
    rep.agency, warns = normalise_agency(rep.agency_raw, contexts, year_for_names, site=contexts[1:5])
    rep.agency_raw = rep.agency_raw or rep.agency  # found written in full in the text
    rep.warnings.extend(warns)
    site_code = str(site.get("SiteIDCode", "") or "")
    rep.region, warns = _region_of(rep.agency, [c[:600] for c in contexts], site_code, rep.year)
    rep.warnings.extend(warns)

    heading = rep.title or next((ln.strip() for ln in text.splitlines()[:5] if 0 < len(ln.strip()) <= 60), "")
    rep.is_report = bool(
        is_report_title(rep.title)
        or not is_about_reports(heading) and (
            any(k.startswith("requests.") for k in rep.tables if rep.sources.get(k) in TABLE_SOURCES)
            or (len(rep.sections) >= 4 and re.search(r"政府信息公开|政务公开", text[:2000]) is not None)
        )
    )
    if not rep.is_report:
        rep.template = ""
    rep.completeness, warns = assess(rep.template, rep.tables, rep.sources, blank)
    rep.warnings.extend(warns)
    return rep


def _ocr_origins(values: dict[str, Number], text: str, page_grids: list[Grid], has_ocr_grids: bool,
                 template: str, meta: dict) -> dict[str, str]:
    """Keys whose values came from OCR: all of them when the text was OCR's too; else those the
    page's own text and grids do not give (a page with some tables as HTML, some as pictures)."""
    if not has_ocr_grids and not meta.get("ocr_text"):
        return {}
    if meta.get("ocr_text"):
        return dict.fromkeys(values, "ocr")
    plain = _read_tables(text, page_grids, template)[0]
    return {k: "ocr" for k, v in values.items() if plain.get(k) != v}


# ---------------------------------------------------------------- bytes and files


class ReportError(ValueError):
    """A file that cannot be read at all (broken PDF, legacy .doc …)."""



def _kind(url: str, content_type: str, filename: str, body: bytes) -> str:
    from crawler.filekind import image_kind
    from crawler.report.scan import IMAGE_EXTENSIONS

    name = (filename or url or "").lower().split("?")[0]
    ct = (content_type or "").lower()
    if body[:5] == b"%PDF-" or "pdf" in ct or name.endswith(".pdf"):
        return "pdf"
    if image_kind(body) or ct.startswith("image/") or name.endswith(IMAGE_EXTENSIONS):
        return "image"
    if name.endswith(".docx") or "officedocument.wordprocessingml" in ct:
        return "docx"
    if name.endswith(".xlsx") or "spreadsheetml" in ct or (body[:4] == b"PK\x03\x04" and b"xl/" in body[:4096]):
        return "xlsx"
    if name.endswith(".xls") or "ms-excel" in ct:
        return "xls"
    if name.endswith((".txt", ".md", ".markdown")) or ct.startswith("text/plain") or ct.startswith("text/markdown"):
        return "text"
    if name.endswith((".doc", ".wps", ".et")):
        return "doc"
    head = body[:2048].lower()
    if b"<html" in head or b"<!doctype" in head or b"<meta" in head or b"<div" in head or "html" in ct:
        return "html"
    if body[:4] == b"PK\x03\x04":
        return "docx"
    return "text"


def _decode(body: bytes, headers: dict | None = None) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return body.decode(enc)
        except UnicodeDecodeError:
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
        if best is not None:
            return str(best)
    except Exception:  # noqa: BLE001 - decoding is best effort; replacement below
        pass
    return body.decode("utf-8", errors="replace")


def _plain(raw: str, url: str, context: dict | None = None) -> Report:
    """Text another tool extracted: cleaned by the extractor when it is available. What the
    text's own header lines do not say is taken from the linking page (context)."""
    from crawler.extract import clean_plain_text

    doc = clean_plain_text(raw, url)
    if context:
        ft = FileText(text=doc.text, tables=doc.tables, title=doc.title, warnings=list(doc.warnings))
        own = {"published": doc.published, "source": doc.source, "site": doc.site, "breadcrumb": doc.breadcrumb}
        return _file_report(ft, url, context, own, raw)
    meta = {
        "published": doc.published,
        "source": doc.source,
        "site": doc.site,
        "breadcrumb": doc.breadcrumb,
        "warnings": list(doc.warnings),
        "raw_text": raw,
    }
    return parse_text(doc.text, title=doc.title, url=url, grids=doc.tables, meta=meta)


def picture_grids(images: list[tuple[str, bytes]] | None, meta: dict) -> list[Grid]:
    """The OCR grids of an HTML page's table pictures (address, body) for parse_text(ocr_grids=...);
    their confidences and warnings go into `meta`."""
    if not images:
        return []
    from crawler.report.scan import page_images_text

    pics = page_images_text(images)
    meta["ocr_confidence"] = pics.ocr_confidence
    meta.setdefault("warnings", []).extend(pics.warnings)
    return pics.ocr_tables


def _html(body: bytes, url: str, headers: dict | None, images: list[tuple[str, bytes]] | None = None) -> Report:
    try:
        from crawler.extract import extract_document
    except ImportError:
        extract_document = None
    if extract_document is not None:
        doc = extract_document(body, url, headers)
        meta = {
            "published": doc.published,
            "source": doc.source,
            "site": doc.site,
            "breadcrumb": doc.breadcrumb,
            "warnings": list(doc.warnings),
            "raw_text": doc.text,
        }
        return parse_text(doc.text, title=doc.title, url=url, grids=doc.tables, meta=meta,
                          merges=doc.table_merges, ocr_grids=picture_grids(images, meta))
    # fallback until the extractor lands: whole-page text and every table
    from lxml import html as lxml_html

    from crawler.tablegrid import grids_from_element

    root = lxml_html.fromstring(body)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    site = {m.get("name"): m.get("content", "") for m in root.xpath("//meta[@name]")}
    title = site.get("ArticleTitle") or "".join(root.xpath("//title//text()")).strip()
    text = "\n".join(t.strip() for t in root.itertext() if t.strip())
    return parse_text(text, title=title, url=url, grids=grids_from_element(root),
                      meta={"site": site, "warnings": ["extractor not available: page text is not cleaned"]})


def parse_bytes(
    body: bytes,
    *,
    url: str = "",
    content_type: str = "",
    headers: dict | None = None,
    filename: str = "",
    context: dict | None = None,
    images: list[tuple[str, bytes]] | None = None,
) -> Report:
    """Dispatch by kind: HTML, PDF, DOCX, XLSX/XLS, images (PNG, JPEG, GIF, TIFF; read by OCR) or
    plain text / markdown.

    context: for a file linked from a page, what that page said — {"title", "page_url", "meta":
    {meta tag: content}, optionally "source", "published", "breadcrumb"}. A file rarely prints its
    publication date or site; they are taken from there, and its title when the file has none.
    images: for an HTML page, its table pictures as (address, body) in page order, read by OCR.
    Raises ReportError for a file that cannot be read at all (broken, or a format not handled)."""
    from crawler.report.ocr import OcrUnavailable
    from crawler.report.pdf import docx_text, pdf_text
    from crawler.report.scan import image_file_text
    from crawler.report.sheets import xls_text, xlsx_text

    kind = _kind(url, content_type, filename, body)
    if kind == "html":
        return _html(body, url, headers, images)
    if kind == "doc":
        body = _legacy_to_docx(body, (filename or url or "").lower().split("?")[0].rsplit(".", 1)[-1])
        kind = "docx"
    if kind == "text":
        return _plain(_decode(body, headers), url, context)
    readers = {"pdf": (pdf_text, "PDF"), "docx": (docx_text, "DOCX"), "xlsx": (xlsx_text, "XLSX"),
               "xls": (xls_text, "XLS"), "image": (image_file_text, "image")}
    reader, name = readers[kind]
    try:
        ft = reader(body)
    except OcrUnavailable as exc:
        raise ReportError(f"{name} not read: {exc}") from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer, zip, XML and BIFF errors of broken files
        raise ReportError(f"unreadable {name}: {type(exc).__name__}: {exc}") from exc
    return _file_report(ft, url, context or {})


def _legacy_to_docx(body: bytes, ext: str) -> bytes:
    """A .doc/.wps as .docx, through LibreOffice; ReportError when it is missing or fails."""
    from crawler.report import legacy

    ext = ext if ext in ("doc", "wps", "et") else "doc"
    if ext == "et":  # Kingsoft spreadsheets: LibreOffice Calc would be needed, and they are rare
        raise ReportError("unsupported format: .et (Kingsoft spreadsheet is not read) — convert to .xlsx or PDF")
    if legacy.soffice_path() is None:
        raise ReportError(f"unsupported format: .{ext} (legacy .doc/.wps is read through LibreOffice, which is "
                          f"not installed: {legacy.INSTALL_HINT}) — or convert it to .docx or PDF")
    try:
        return legacy.convert(body, ext)
    except legacy.ConversionError as exc:
        raise ReportError(f"unreadable .{ext}: {exc}") from exc


def _file_report(ft: FileText, url: str, context: dict, own: dict | None = None, raw: str = "") -> Report:
    """A file's text with what its linking page said: the page's title only when the file has no
    report title of its own (in its properties or its first lines); own metadata (a text file's
    header lines) before the page's."""
    own = own or {}
    site = {str(k): str(v) for k, v in (context.get("meta") or {}).items() if v}
    warnings = list(ft.warnings)
    own_title = squeeze(ft.title)  # PDF properties keep the spaces a PDF puts between 2023 and 年
    title = own_title if is_report_title(own_title) else ""
    # a file without text (a scan) stays unread: the page's title would make an empty report
    if not title and ft.text.strip() and not is_report_title(find_title(ft.text)):
        for cand in (site.get("ArticleTitle", ""), str(context.get("title") or "")):
            # page titles carry the column and site after a separator (…报告_年报_某市人民政府)
            head = re.split(r"\s*[_|｜]\s*|\s+-\s+", cand.strip())[0] if cand else ""
            if is_report_title(head):
                title = head
                warnings.append("the file has no report title; the linking page's title is used")
                break
    site.pop("ArticleTitle", None)  # the page's title is not the file's unless chosen above
    site.update({k: v for k, v in (own.get("site") or {}).items() if v})
    meta = {
        "published": str(own.get("published") or context.get("published") or ""),
        "source": str(own.get("source") or context.get("source") or site.get("ContentSource", "")),
        "site": site,
        "breadcrumb": list(own.get("breadcrumb") or context.get("breadcrumb") or []),
        "warnings": warnings,
        "raw_text": raw or ft.text,
        "ocr_text": ft.ocr,
        "ocr_confidence": ft.ocr_confidence,
    }
    return parse_text(ft.text, title=title, url=url, grids=ft.tables, meta=meta, ocr_grids=ft.ocr_tables)


def parse_path(path: str | Path) -> Report:
    p = Path(path)
    return parse_bytes(p.read_bytes(), filename=p.name)
