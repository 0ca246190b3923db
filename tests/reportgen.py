"""Test-side generator: annual reports from the 2021 / 2019 template with random numbers that satisfy
the template's arithmetic, rendered as an HTML page, as flattened text and as a PDF."""

from __future__ import annotations

import html
import io
import random
import re
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

APPLICANTS = ("natural_person", "business", "research", "nonprofit", "legal", "other_org")
OUTCOMES = [
    ("granted", "（一）予以公开", ""),
    ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    ("denied.state_secret", "（三）不予公开", "1.属于国家秘密"),
    ("denied.prohibited", "（三）不予公开", "2.其他法律行政法规禁止公开"),
    ("denied.security", "（三）不予公开", "3.危及“三安全一稳定”"),
    ("denied.third_party", "（三）不予公开", "4.保护第三方合法权益"),
    ("denied.internal", "（三）不予公开", "5.属于三类内部事务信息"),
    ("denied.process", "（三）不予公开", "6.属于四类过程性信息"),
    ("denied.enforcement", "（三）不予公开", "7.属于行政执法案卷"),
    ("denied.query", "（三）不予公开", "8.属于行政查询事项"),
    ("unable.not_held", "（四）无法提供", "1.本机关不掌握相关政府信息"),
    ("unable.need_create", "（四）无法提供", "2.没有现成信息需要另行制作"),
    ("unable.unclear", "（四）无法提供", "3.补正后申请内容仍不明确"),
    ("not_processed.complaint", "（五）不予处理", "1.信访举报投诉类申请"),
    ("not_processed.repeat", "（五）不予处理", "2.重复申请"),
    ("not_processed.publication", "（五）不予处理", "3.要求提供公开出版物"),
    ("not_processed.excessive", "（五）不予处理", "4.无正当理由大量反复申请"),
    ("not_processed.confirm", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
]
OTHER_2021 = [
    (
        "other.no_correction",
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "other.unpaid_fee",
        "（六）其他处理",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("other.misc", "（六）其他处理", "3.其他"),
]
OTHER_2019 = [("other.all", "（六）其他处理", "")]
AGENCIES = [
    ("淮安市洪泽区人民政府", "320813"),
    ("安顺市住房和城乡建设局", "520400"),
    ("赣州市住房和城乡建设局", "360700"),
    ("沭阳县人民政府", "321322"),
    ("江苏省人民政府", "320000"),
]


@dataclass
class Generated:
    template: str
    year: int
    agency: str
    code: str
    values: dict[str, int] = field(default_factory=dict)
    zero_word: bool = False  # write 0 as 无

    def outcome_rows(self) -> list[tuple[str, str, str]]:
        return OUTCOMES + (OTHER_2021 if self.template == "2021" else OTHER_2019)

    def cell(self, key: str) -> str:
        if key not in self.values:
            return ""
        v = self.values[key]
        if key.endswith("_yuan"):
            wan = v / 10000
            return f"{wan:.4f}".rstrip("0").rstrip(".")
        if v == 0 and self.zero_word:
            return "无"
        if key.endswith(".change") and v < 0:
            return f"减少{-v}"
        return str(v)


class _Draw:
    """The few draws the generator makes, from hypothesis or from random.Random."""

    def __init__(self, draw: st.DrawFn | None = None, rng: random.Random | None = None) -> None:
        self.draw, self.rng = draw, rng

    def int(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi)) if self.draw else self.rng.randint(lo, hi)  # type: ignore[union-attr]

    def pick(self, items: list):  # noqa: ANN201 - any element type
        return self.draw(st.sampled_from(items)) if self.draw else self.rng.choice(items)  # type: ignore[union-attr]

    def subset(self, items: list, max_size: int) -> list:
        if self.draw:
            return self.draw(st.lists(st.sampled_from(items), max_size=max_size, unique=True))
        return self.rng.sample(items, self.rng.randint(0, max_size))  # type: ignore[union-attr]


@st.composite
def reports(draw: st.DrawFn, allow_blanks: bool = True) -> Generated:
    """A report whose numbers satisfy every check of the reference (hypothesis strategy)."""
    return build(_Draw(draw=draw), allow_blanks)


def random_report(seed: int, allow_blanks: bool = True) -> Generated:
    """The same, from a seed (benchmarks)."""
    return build(_Draw(rng=random.Random(seed)), allow_blanks)


def build(d: _Draw, allow_blanks: bool = True) -> Generated:
    template = d.pick(["2021", "2019"])
    year = d.int(2021, 2024) if template == "2021" else d.int(2019, 2020)
    agency, code = d.pick(AGENCIES)
    g = Generated(template, year, agency, code, zero_word=bool(d.int(0, 1)))
    rows = [k for k, _, _ in g.outcome_rows()]
    for col in APPLICANTS:
        outs = {r: d.int(0, 9) if r != "granted" else d.int(0, 40) for r in rows}
        total = sum(outs.values())
        forward = d.int(0, 5)
        carried = d.int(0, total + forward)
        for r, v in outs.items():
            g.values[f"requests.{r}.{col}"] = v
        g.values[f"requests.total.{col}"] = total
        g.values[f"requests.carried_forward.{col}"] = forward
        g.values[f"requests.carried_over.{col}"] = carried
        g.values[f"requests.new.{col}"] = total + forward - carried
    for r in ["new", "carried_over", *rows, "total", "carried_forward"]:
        g.values[f"requests.{r}.total"] = sum(g.values[f"requests.{r}.{c}"] for c in APPLICANTS)
    for grp in ("review", "suit_direct", "suit_after_review"):
        parts = [d.int(0, 40) for _ in range(4)]
        for name, v in zip(("upheld", "corrected", "other", "pending"), parts, strict=True):
            g.values[f"appeals.{grp}.{name}"] = v
        g.values[f"appeals.{grp}.total"] = sum(parts)
    if template == "2021":
        for r in ("rules", "normative"):
            for c in ("issued", "repealed", "in_force"):
                g.values[f"active.{r}.{c}"] = d.int(0, 500)
        for r in ("licensing", "penalty", "coercion"):
            g.values[f"active.{r}.decisions"] = d.int(0, 99999)
        g.values["active.fees.amount_yuan"] = d.int(0, 10**9)
    else:
        for r in ("rules", "normative"):
            for c in ("made", "published", "total"):
                g.values[f"active.{r}.{c}"] = d.int(0, 500)
        for r in ("licensing", "other_services", "penalty", "coercion"):
            g.values[f"active.{r}.previous"] = d.int(0, 99999)
            g.values[f"active.{r}.change"] = d.int(-200, 200)
            g.values[f"active.{r}.decisions"] = d.int(0, 99999)
        g.values["active.fees.previous"] = d.int(0, 50)
        g.values["active.fees.change"] = d.int(-20, 20)
        g.values["active.procurement.count"] = d.int(0, 300)
        g.values["active.procurement.amount_yuan"] = d.int(0, 10**9)
    if allow_blanks:
        # some cells left blank (not reported): their keys must stay absent
        keys = sorted(k for k in g.values if k.startswith(("active.", "requests.new.", "requests.granted.")))
        for k in d.subset(keys, 4):
            del g.values[k]
    return g


# ---------------------------------------------------------------- table layout (rows of cells)


def _active_rows(g: Generated) -> list[list[str]]:
    """Table 二 as header/label rows of strings; the header rows use the template's words."""
    rows: list[list[str]] = []
    if g.template == "2021":
        rows += [["第二十条第（一）项"], ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]]
        for r, lab in (("rules", "规章"), ("normative", "行政规范性文件")):
            rows.append([lab] + [g.cell(f"active.{r}.{c}") for c in ("issued", "repealed", "in_force")])
        rows += [
            ["第二十条第（五）项"],
            ["信息内容", "本年处理决定数量"],
            ["行政许可", g.cell("active.licensing.decisions")],
        ]
        rows += [["第二十条第（六）项"], ["信息内容", "本年处理决定数量"]]
        rows += [
            ["行政处罚", g.cell("active.penalty.decisions")],
            ["行政强制", g.cell("active.coercion.decisions")],
        ]
        rows += [
            ["第二十条第（八）项"],
            ["信息内容", "本年收费金额（单位：万元）"],
            ["行政事业性收费", g.cell("active.fees.amount_yuan")],
        ]
    else:
        rows += [["第二十条第（一）项"], ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"]]
        for r, lab in (("rules", "规章"), ("normative", "规范性文件")):
            rows.append([lab] + [g.cell(f"active.{r}.{c}") for c in ("made", "published", "total")])
        rows += [["第二十条第（五）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"]]
        for r, lab in (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")):
            rows.append([lab] + [g.cell(f"active.{r}.{c}") for c in ("previous", "change", "decisions")])
        rows += [["第二十条第（六）项"], ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"]]
        for r, lab in (("penalty", "行政处罚"), ("coercion", "行政强制")):
            rows.append([lab] + [g.cell(f"active.{r}.{c}") for c in ("previous", "change", "decisions")])
        rows += [
            ["第二十条第（八）项"],
            ["信息内容", "上一年项目数量", "本年增/减"],
            ["行政事业性收费", g.cell("active.fees.previous"), g.cell("active.fees.change")],
        ]
        rows += [
            ["第二十条第（九）项"],
            ["信息内容", "采购项目数量", "采购总金额（万元）"],
            ["政府集中采购", g.cell("active.procurement.count"), g.cell("active.procurement.amount_yuan")],
        ]
    return rows


def _request_rows(g: Generated) -> list[tuple[list[str], list[str]]]:
    """Table 三 body: (label cells [level1, level2, level3], 7 value cells)."""

    def vals(r: str) -> list[str]:
        return [g.cell(f"requests.{r}.{c}") for c in (*APPLICANTS, "total")]

    out = [
        (["一、本年新收政府信息公开申请数量", "", ""], vals("new")),
        (["二、上年结转政府信息公开申请数量", "", ""], vals("carried_over")),
    ]
    for key, group, sub in g.outcome_rows():
        out.append((["三、本年度办理结果", group, sub], vals(key)))
    out.append((["三、本年度办理结果", "（七）总计", ""], vals("total")))
    out.append((["四、结转下年度继续办理", "", ""], vals("carried_forward")))
    return out


def _appeal_values(g: Generated) -> list[str]:
    return [
        g.cell(f"appeals.{grp}.{c}")
        for grp in ("review", "suit_direct", "suit_after_review")
        for c in ("upheld", "corrected", "other", "pending", "total")
    ]


def title(g: Generated) -> str:
    return f"{g.agency}{g.year}年政府信息公开工作年度报告"


_INTRO = "本报告根据《中华人民共和国政府信息公开条例》编制。"


# ---------------------------------------------------------------- HTML


def render_html(g: Generated) -> str:
    """A page with the three tables, merged cells written with rowspan/colspan like real portals."""
    e = html.escape
    parts = [
        f"<html><head><meta charset='utf-8'><title>{e(title(g))}</title>",
        f"<meta name='ArticleTitle' content='{e(title(g))}'></head><body><div class='article'>",
        f"<h1>{e(title(g))}</h1><p>{_INTRO}</p><p>一、总体情况</p><p>本年度工作稳步推进。</p>",
        "<p>二、主动公开政府信息情况</p><table border='1'>",
    ]
    for row in _active_rows(g):
        if len(row) == 1:
            parts.append(f"<tr><td colspan='4'>{e(row[0])}</td></tr>")
        elif len(row) == 2:
            parts.append(f"<tr><td>{e(row[0])}</td><td colspan='3'>{e(row[1])}</td></tr>")
        else:
            parts.append(
                "<tr>"
                + "".join(f"<td>{e(c)}</td>" for c in row)
                + ("<td></td>" if len(row) == 3 else "")
                + "</tr>"
            )
    parts.append("</table><p>三、收到和处理政府信息公开申请情况</p><table border='1'>")
    parts.append(
        "<tr><td rowspan='3' colspan='3'>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>"
        "<td colspan='7'>申请人情况</td></tr>"
    )
    parts.append(
        "<tr><td rowspan='2'>自然人</td><td colspan='5'>法人或其他组织</td><td rowspan='2'>总计</td></tr>"
    )
    parts.append(
        "<tr>"
        + "".join(f"<td>{c}</td>" for c in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"))
        + "</tr>"
    )
    body = _request_rows(g)
    n_results = sum(1 for lab, _ in body if lab[0] == "三、本年度办理结果")
    first_result = True
    for i, (lab, vals) in enumerate(body):
        tds = ""
        if lab[0] != "三、本年度办理结果":
            tds += f"<td colspan='3'>{e(lab[0])}</td>"
        else:
            if first_result:
                tds += f"<td rowspan='{n_results}'>{e(lab[0])}</td>"
                first_result = False
            prev = body[i - 1][0][1] if i else ""
            nxt = body[i + 1][0][1] if i + 1 < len(body) else ""
            if not lab[2]:
                tds += f"<td colspan='2'>{e(lab[1])}</td>"
            else:
                if lab[1] != prev:
                    span = sum(1 for lb, _ in body if lb[1] == lab[1])
                    tds += f"<td rowspan='{span}'>{e(lab[1])}</td>"
                tds += f"<td>{e(lab[2])}</td>"
            del nxt
        tds += "".join(f"<td>{e(v)}</td>" for v in vals)
        parts.append(f"<tr>{tds}</tr>")
    parts.append("</table><p>四、政府信息公开行政复议、行政诉讼情况</p><table border='1'>")
    parts.append("<tr><td colspan='5'>行政复议</td><td colspan='10'>行政诉讼</td></tr>")
    heads = "".join(
        f"<td rowspan='2'>{c}</td>" for c in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
    )
    parts.append(f"<tr>{heads}<td colspan='5'>未经复议直接起诉</td><td colspan='5'>复议后起诉</td></tr>")
    parts.append(
        "<tr>"
        + "".join(f"<td>{c}</td>" for c in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2)
        + "</tr>"
    )
    parts.append("<tr>" + "".join(f"<td>{e(v)}</td>" for v in _appeal_values(g)) + "</tr></table>")
    parts.append(
        "<p>五、存在的主要问题及改进情况</p><p>仍有不足。</p><p>六、其他需要报告的事项</p><p>无。</p>"
    )
    parts.append("</div></body></html>")
    return "".join(parts)


# ---------------------------------------------------------------- flattened text


def render_text(g: Generated, style: str) -> str:
    """Tables flattened the ways other tools do: 'cells' (one cell per line, `x |`), 'lines' (one
    cell per line, nothing else), 'markdown',
    'tabs', or 'spaces' (PDF text: label then numbers, blanks written as —)."""
    out = [title(g), _INTRO, "一、总体情况", "本年度工作稳步推进。", "二、主动公开政府信息情况"]

    def emit(cells: list[str]) -> None:
        if style == "cells":
            out.extend(f"{c} |" if c else "|" for c in cells)
            out.append("|")
        elif style == "lines":  # one cell per line, no separators; a blank cell written as -
            out.extend(c or "-" for c in cells)
        elif style == "markdown":
            out.append("| " + " | ".join(cells) + " |")
        elif style == "tabs":
            out.append("\t".join(cells))
        else:
            label = [c for c in cells if c and not _is_value(c)]
            nums = cells[len(label) :] if label else cells
            out.append(" ".join(label + [c or "—" for c in nums]))

    for row in _active_rows(g):
        emit(row)
    out.append("三、收到和处理政府信息公开申请情况")
    emit(["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况"])
    emit(["自然人", "法人或其他组织", "总计"])
    emit(["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"])
    for lab, vals in _request_rows(g):
        emit([c for c in lab if c] + vals)
    out.append("四、政府信息公开行政复议、行政诉讼情况")
    emit(["行政复议", "行政诉讼"])
    emit(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "未经复议直接起诉", "复议后起诉"])
    emit(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 2)
    emit(_appeal_values(g))
    out += ["五、存在的主要问题及改进情况", "仍有不足。", "六、其他需要报告的事项", "无。"]
    return "\n".join(out) + "\n"


def _is_value(c: str) -> bool:
    from crawler.report.values import parse_cell

    return parse_cell(c).kind != "text"


# ---------------------------------------------------------------- PDF


def render_pdf(g: Generated) -> bytes:
    """A PDF with ruled tables (reportlab, built-in CID font STSong-Light: no font file needed)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=9, leading=12, wordWrap="CJK")
    cellstyle = ParagraphStyle("cell", parent=style, fontSize=6, leading=7)
    grid_style = TableStyle(
        [("FONT", (0, 0), (-1, -1), "STSong-Light", 6), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]
    )

    def table(rows: list[list[str]], widths: list[float]) -> Table:
        n = len(widths)
        data = [[Paragraph(html.escape(c), cellstyle) for c in r] + [""] * (n - len(r)) for r in rows]
        t = Table(data, colWidths=widths)
        t.setStyle(grid_style)
        return t

    story = [
        Paragraph(title(g), style),
        Paragraph(_INTRO, style),
        Paragraph("一、总体情况", style),
        Paragraph("二、主动公开政府信息情况", style),
        table(_active_rows(g), [120, 90, 90, 90]),
        Spacer(1, 8),
        Paragraph("三、收到和处理政府信息公开申请情况", style),
    ]
    head = [["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]]
    body = [lab + vals for lab, vals in _request_rows(g)]
    story += [
        table(head + body, [70, 70, 120] + [40] * 7),
        Spacer(1, 8),
        Paragraph("四、政府信息公开行政复议、行政诉讼情况", style),
    ]
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    story += [
        table(
            [["行政复议"] * 5 + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5, heads * 3, _appeal_values(g)],
            [36] * 15,
        ),
        Paragraph("五、存在的主要问题及改进情况", style),
        Paragraph("六、其他需要报告的事项", style),
    ]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=landscape(A4), title=title(g)).build(story)
    return buf.getvalue()


# ---------------------------------------------------------------- DOCX


def render_docx(g: Generated, grid: bool = False, centre: bool = False) -> bytes:
    """A Word document: headings and paragraphs, the three tables as real Word tables (ruled, as
    agencies print them, with `grid`)."""
    import docx

    d = docx.Document()
    d.core_properties.title = title(g)
    d.add_paragraph(title(g))
    d.add_paragraph(_INTRO)
    d.add_paragraph("二、主动公开政府信息情况")

    def table(rows: list[list[str]], width: int) -> None:
        t = d.add_table(rows=len(rows), cols=width)
        if grid:
            t.style = "Table Grid"
        for i, row in enumerate(rows):
            for j, c in enumerate(row):
                t.cell(i, j).text = c
            if len(row) < width:  # merge the rest of a short row, as report tables do
                t.cell(i, len(row) - 1).merge(t.cell(i, width - 1))
                t.cell(i, len(row) - 1).text = row[-1]

    table(_active_rows(g), 4)
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    head = ["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    table([head] + [lab + vals for lab, vals in _request_rows(g)], 10)
    if grid:
        _merge_request_labels(d.tables[-1], centre)
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    table([["行政复议"] * 5 + ["未经复议直接起诉"] * 5 + ["复议后起诉"] * 5, heads * 3, _appeal_values(g)], 15)
    d.add_paragraph("五、存在的主要问题及改进情况")
    d.add_paragraph("六、其他需要报告的事项")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- spreadsheets


def _sheets(g: Generated) -> list[tuple[str, list[list[str]], list[tuple[int, int, int, int]]]]:
    """The three tables as sheets: (name, rows, merges as (first row, last row, first col, last col)),
    0-based. Short rows are merged to the sheet's width and table 三's group labels merged down,
    as agencies lay out the template in Excel."""
    active = _active_rows(g)
    a_merges = [(i, i, len(r) - 1, 3) for i, r in enumerate(active) if len(r) < 4]
    head = ["", "", "", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    req = [head] + [lab + vals for lab, vals in _request_rows(g)]
    r_merges = [(0, 0, 0, 2)]
    i = 1
    while i < len(req):  # runs of one level-1 label merged down, as printed
        j = i
        while j + 1 < len(req) and req[j + 1][0] == req[i][0]:
            j += 1
        if j > i:
            r_merges.append((i, j, 0, 0))
            for k in range(i + 1, j + 1):
                req[k][0] = ""
        i = j + 1
    heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    appeals = [["行政复议"] + [""] * 4 + ["未经复议直接起诉"] + [""] * 4 + ["复议后起诉"] + [""] * 4,
               heads * 3, _appeal_values(g)]
    p_merges = [(0, 0, 0, 4), (0, 0, 5, 9), (0, 0, 10, 14)]
    return [("表二 主动公开政府信息情况", active, a_merges), ("表三 收到和处理政府信息公开申请情况", req, r_merges),
            ("表四 政府信息公开行政复议、行政诉讼情况", appeals, p_merges)]


def _typed(c: str) -> str | int | float:
    """Numbers as numbers, the way a spreadsheet holds them; 无, blanks and 减少45 as text."""
    if re.fullmatch(r"-?\d+", c):
        return int(c)
    if re.fullmatch(r"-?\d+\.\d+", c):
        return float(c)
    return c


def render_xlsx(g: Generated) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.properties.title = title(g)
    wb.remove(wb.active)
    for name, rows, merges in _sheets(g):
        ws = wb.create_sheet(name[:31])
        for r, row in enumerate(rows, start=1):
            for c, val in enumerate(row, start=1):
                if val != "":
                    ws.cell(r, c, _typed(val))
        for r1, r2, c1, c2 in merges:
            if (r1, c1) != (r2, c2):
                ws.merge_cells(start_row=r1 + 1, end_row=r2 + 1, start_column=c1 + 1, end_column=c2 + 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def render_xls(g: Generated) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    for name, rows, merges in _sheets(g):
        ws = wb.add_sheet(name[:31])
        covered = {(r, c) for r1, r2, c1, c2 in merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for r1, r2, c1, c2 in merges:
            ws.write_merge(r1, r2, c1, c2, _typed(rows[r1][c1]) if c1 < len(rows[r1]) else "")
        for r, row in enumerate(rows):
            for c, val in enumerate(row):
                if (r, c) not in covered and val != "":
                    ws.write(r, c, _typed(val))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _merge_request_labels(t: Any, centre: bool = False) -> None:
    """Table 三's label cells merged as agencies print them: a label without sub-labels across the
    three label columns, and each group label down the rows it heads (centred vertically with
    `centre`, as many agencies do)."""
    from docx.enum.table import WD_ALIGN_VERTICAL

    n = len(t.rows)
    labels = [[t.cell(i, j).text for j in range(3)] for i in range(n)]
    for i, (a, b, c) in enumerate(labels):
        if not b and not c:
            t.cell(i, 0).merge(t.cell(i, 2)).text = a
        elif not c:
            t.cell(i, 1).merge(t.cell(i, 2)).text = b
    for col in (0, 1):
        i = 1
        while i < n:
            j = i
            while j + 1 < n and labels[j + 1][col] == labels[i][col] and labels[i][col] and labels[j + 1][col + 1]:
                j += 1
            if j > i and labels[i][col + 1]:
                merged = t.cell(i, col).merge(t.cell(j, col))
                merged.text = labels[i][col]
                if centre:
                    merged.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
            i = j + 1


def render_doc(g: Generated) -> bytes:
    """A legacy Word 97 .doc: the DOCX rendering converted by LibreOffice (tests skip without it)."""
    from crawler.report.legacy import convert

    return convert(render_docx(g), "docx", to="doc")
