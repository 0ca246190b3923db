"""Render a SyntheticReport as an HTML body fragment, as flattened text, and as a PDF.

The three tables (二 主动公开, 三 依申请, 四 复议诉讼) are built once as a cell model with the
rowspan/colspan layout of the national templates, then written out in each format.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from crawler.demo.generator import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICANT_COLUMNS, SyntheticReport


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1


Table = list[list[Cell]]


# --- number formatting ---------------------------------------------------------------------

def _count(r: SyntheticReport, n: int | float) -> str:
    return r.style.get("zero", "0") if n == 0 else str(int(n))


def _change(r: SyntheticReport, n: int | float) -> str:
    n = int(n)
    if n == 0:
        return r.style.get("zero", "0")
    if r.style.get("change") == "words":
        return f"增加{n}" if n > 0 else f"减少{-n}"
    return f"+{n}" if n > 0 else str(n)


def wan(yuan: float) -> str:
    """Yuan as 万元 text without trailing zeros: 12345600.0 -> '1234.56'."""
    d = (Decimal(repr(yuan)) / Decimal(10000)).quantize(Decimal("0.000001"))
    s = format(d, "f").rstrip("0").rstrip(".")
    return s or "0"


def _money(r: SyntheticReport, yuan: float, unit_in_cell: bool) -> str:
    if yuan == 0:
        return r.style.get("zero", "0")
    if not unit_in_cell:
        return wan(yuan)
    if r.style.get("money_unit") == "元":
        return f"{yuan:.2f}元"
    return f"{wan(yuan)}万元"


# --- the tables ----------------------------------------------------------------------------

def _item(label: str) -> list[Cell]:
    return [Cell(label, colspan=4)]


def table_active(r: SyntheticReport) -> Table:
    """Table 二 (主动公开), four columns."""
    v = r.values
    c = lambda k: Cell(_count(r, v[k]))  # noqa: E731
    if r.template == "2021":
        return [
            _item("第二十条第（一）项"),
            [Cell("信息内容"), Cell("本年制发件数"), Cell("本年废止件数"), Cell("现行有效件数")],
            [Cell("规章"), c("active.rules.issued"), c("active.rules.repealed"), c("active.rules.in_force")],
            [Cell("行政规范性文件"), c("active.normative.issued"), c("active.normative.repealed"),
             c("active.normative.in_force")],
            _item("第二十条第（五）项"),
            [Cell("信息内容"), Cell("本年处理决定数量", colspan=3)],
            [Cell("行政许可"), Cell(_count(r, v["active.licensing.decisions"]), colspan=3)],
            _item("第二十条第（六）项"),
            [Cell("信息内容"), Cell("本年处理决定数量", colspan=3)],
            [Cell("行政处罚"), Cell(_count(r, v["active.penalty.decisions"]), colspan=3)],
            [Cell("行政强制"), Cell(_count(r, v["active.coercion.decisions"]), colspan=3)],
            _item("第二十条第（八）项"),
            [Cell("信息内容"), Cell("本年收费金额（单位：万元）", colspan=3)],
            [Cell("行政事业性收费"), Cell(_money(r, v["active.fees.amount_yuan"], False), colspan=3)],
        ]
    ch = lambda k: Cell(_change(r, v[k]))  # noqa: E731
    three = [Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减"), Cell("处理决定数量")]

    def row3(label: str, item: str) -> list[Cell]:
        return [Cell(label), c(f"active.{item}.previous"), ch(f"active.{item}.change"),
                c(f"active.{item}.decisions")]

    return [
        _item("第二十条第（一）项"),
        [Cell("信息内容"), Cell("本年新制作数量"), Cell("本年新公开数量"), Cell("对外公开总数量")],
        [Cell("规章"), c("active.rules.made"), c("active.rules.published"), c("active.rules.total")],
        [Cell("规范性文件"), c("active.normative.made"), c("active.normative.published"),
         c("active.normative.total")],
        _item("第二十条第（五）项"),
        three,
        row3("行政许可", "licensing"),
        row3("其他对外管理服务事项", "other_services"),
        _item("第二十条第（六）项"),
        three,
        row3("行政处罚", "penalty"),
        row3("行政强制", "coercion"),
        _item("第二十条第（八）项"),
        [Cell("信息内容"), Cell("上一年项目数量"), Cell("本年增/减", colspan=2)],
        [Cell("行政事业性收费"), c("active.fees.previous"), Cell(_change(r, v["active.fees.change"]), colspan=2)],
        _item("第二十条第（九）项"),
        [Cell("信息内容"), Cell("采购项目数量"), Cell("采购总金额", colspan=2)],
        [Cell("政府集中采购"), c("active.procurement.count"),
         Cell(_money(r, v["active.procurement.amount_yuan"], True), colspan=2)],
    ]


_GROUPS_2021 = (
    ("（三）不予公开", (("denied.state_secret", "1.属于国家秘密"), ("denied.prohibited", "2.其他法律行政法规禁止公开"),
                   ("denied.security", "3.危及“三安全一稳定”"), ("denied.third_party", "4.保护第三方合法权益"),
                   ("denied.internal", "5.属于三类内部事务信息"), ("denied.process", "6.属于四类过程性信息"),
                   ("denied.enforcement", "7.属于行政执法案卷"), ("denied.query", "8.属于行政查询事项"))),
    ("（四）无法提供", (("unable.not_held", "1.本机关不掌握相关政府信息"),
                   ("unable.need_create", "2.没有现成信息需要另行制作"),
                   ("unable.unclear", "3.补正后申请内容仍不明确"))),
    ("（五）不予处理", (("not_processed.complaint", "1.信访举报投诉类申请"), ("not_processed.repeat", "2.重复申请"),
                   ("not_processed.publication", "3.要求提供公开出版物"),
                   ("not_processed.excessive", "4.无正当理由大量反复申请"),
                   ("not_processed.confirm", "5.要求行政机关确认或重新出具已获取信息"))),
)
_OTHER_2021 = ("（六）其他处理", (
    ("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other.unpaid_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other.misc", "3.其他"),
))


def table_requests(r: SyntheticReport) -> Table:
    """Table 三 (收到和处理政府信息公开申请情况), 3 label columns + 7 numbers."""
    v = r.values

    def nums(row: str) -> list[Cell]:
        return [Cell(_count(r, v[f"requests.{row}.{c}"])) for c in (*APPLICANT_COLUMNS, "total")]

    groups = list(_GROUPS_2021)
    if r.template == "2021":
        groups.append(_OTHER_2021)
    n_result_rows = 2 + sum(len(g[1]) for g in groups) + 1 + (0 if r.template == "2021" else 1)
    t: Table = [
        [Cell("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3),
         Cell("申请人情况", colspan=7)],
        [Cell("自然人", rowspan=2), Cell("法人或其他组织", colspan=5), Cell("总计", rowspan=2)],
        [Cell("商业企业"), Cell("科研机构"), Cell("社会公益组织"), Cell("法律服务机构"), Cell("其他")],
        [Cell("一、本年新收政府信息公开申请数量", colspan=3), *nums("new")],
        [Cell("二、上年结转政府信息公开申请数量", colspan=3), *nums("carried_over")],
        [Cell("三、本年度办理结果", rowspan=n_result_rows), Cell("（一）予以公开", colspan=2), *nums("granted")],
        [Cell("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2), *nums("partial")],
    ]
    for label, rows in groups:
        for i, (key, sub) in enumerate(rows):
            head = [Cell(label, rowspan=len(rows))] if i == 0 else []
            t.append([*head, Cell(sub), *nums(key)])
    if r.template == "2019":
        t.append([Cell("（六）其他处理", colspan=2), *nums("other.all")])
    t.append([Cell("（七）总计", colspan=2), *nums("total")])
    t.append([Cell("四、结转下年度继续办理", colspan=3), *nums("carried_forward")])
    return t


def table_appeals(r: SyntheticReport) -> Table:
    """Table 四 (行政复议、行政诉讼), 15 numbers."""
    heads = [Cell(h) for h in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")]
    return [
        [Cell("行政复议", colspan=5), Cell("行政诉讼", colspan=10)],
        [*(Cell(c.text, rowspan=2) for c in heads), Cell("未经复议直接起诉", colspan=5), Cell("复议后起诉", colspan=5)],
        [*heads, *heads],
        [Cell(_count(r, r.values[f"appeals.{g}.{c}"])) for g in APPEAL_GROUPS for c in APPEAL_COLUMNS],
    ]


def report_tables(r: SyntheticReport) -> dict[str, Table]:
    return {"二": table_active(r), "三": table_requests(r), "四": table_appeals(r)}


def placed_cells(t: Sequence[Sequence[Cell]]) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) for every cell, columns shifted past cells spanning from above (the HTML
    table model, shared by the grid, the PDF spans and the table pictures)."""
    taken: set[tuple[int, int]] = set()
    out = []
    for ri, row in enumerate(t):
        ci = 0
        for cell in row:
            while (ri, ci) in taken:
                ci += 1
            taken |= {(ri + dr, ci + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)}
            out.append((ri, ci, cell))
            ci += cell.colspan
    return out


def table_grid(t: Table) -> list[list[str]]:
    """The table expanded to a full rectangle; spanned positions are ''."""
    placed = placed_cells(t)
    width = max((ci + cell.colspan for _, ci, cell in placed), default=0)
    grid = {(ri, ci): cell.text for ri, ci, cell in placed}
    return [[grid.get((ri, ci), "") for ci in range(width)] for ri in range(len(t))]


def _spans(t: Table) -> list[tuple[int, int, int, int]]:
    """(row, col, rowspan, colspan) of every merged cell, in grid coordinates."""
    return [(ri, ci, cell.rowspan, cell.colspan) for ri, ci, cell in placed_cells(t)
            if cell.rowspan > 1 or cell.colspan > 1]


# --- HTML and text -------------------------------------------------------------------------

_TD = "padding:5px;border:1px solid windowtext"


def _table_html(t: Table) -> str:
    out = ['<table border="1" cellspacing="0" cellpadding="0" align="center" '
           'style="border-collapse:collapse;border:none"><tbody>']
    for i, row in enumerate(t):
        out.append('<tr class="firstRow">' if i == 0 else "<tr>")
        for c in row:
            span = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + (
                f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            out.append(f'<td{span} style="{_TD}" valign="center"><p style="text-indent:0em;">'
                       f"{html.escape(c.text)}</p></td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _p(text: str, bold: bool = False) -> str:
    t = html.escape(text)
    return f'<p style="text-indent:2em;">{"<strong>" + t + "</strong>" if bold else t}</p>'


def render_report_html(r: SyntheticReport) -> str:
    """The report body as an HTML fragment: headings, paragraphs and the template's tables."""
    tables = report_tables(r)
    out = [_p(r.preamble)]
    for s in r.sections:
        out.append(_p(s.heading, bold=True))
        out += [_p(p) for p in s.paragraphs]
        if s.table:
            out.append(_table_html(tables[s.table]))
    return "\n".join(out)


def render_report_text(r: SyntheticReport) -> str:
    """Plain text as extraction tools give it: one line per paragraph, table rows as `a | b | c`."""
    tables = report_tables(r)
    lines = [r.title, r.preamble]
    for s in r.sections:
        lines.append(s.heading)
        lines += s.paragraphs
        if s.table:
            lines += [" | ".join(c.text for c in row) for row in tables[s.table]]
    return "\n".join(lines) + "\n"


# --- PDF -----------------------------------------------------------------------------------

_FONT = "STSong-Light"


def render_report_pdf(r: SyntheticReport) -> bytes:
    """An A4 PDF of the report with real ruled tables (reportlab, built-in CID font: no font file)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
    from reportlab.platypus import Table as PdfTable

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    body = ParagraphStyle("body", fontName=_FONT, fontSize=10.5, leading=16, firstLineIndent=21,
                          wordWrap="CJK", spaceAfter=3)
    title = ParagraphStyle("title", parent=body, fontSize=15, leading=22, alignment=TA_CENTER,
                           firstLineIndent=0, spaceAfter=10)
    cell = ParagraphStyle("cell", fontName=_FONT, fontSize=7.5, leading=9.5, wordWrap="CJK",
                          alignment=TA_CENTER)

    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=r.title, author=r.agency,
                            invariant=True)  # no timestamp or random id: same bytes, same ETag
    width = A4[0] - 36 * mm
    tables = report_tables(r)
    story: list = [Paragraph(html.escape(r.title), title), Paragraph(html.escape(r.preamble), body)]
    for s in r.sections:
        story.append(Paragraph(f"<b>{html.escape(s.heading)}</b>", body))
        story += [Paragraph(html.escape(p), body) for p in s.paragraphs]
        if not s.table:
            continue
        t = tables[s.table]
        grid = table_grid(t)
        ncol = len(grid[0])
        if s.table == "三":
            label = [14 * mm, 14 * mm, 40 * mm]
            rest = (width - sum(label)) / 7
            widths = [*label, *([rest] * 7)]
        elif s.table == "二":
            widths = [width * 0.31] + [width * 0.23] * 3
        else:
            widths = [width / ncol] * ncol
        data = [[Paragraph(html.escape(x), cell) if x else "" for x in row] for row in grid]
        style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        style += [("SPAN", (c, rr), (c + cs - 1, rr + rs - 1)) for rr, c, rs, cs in _spans(t)]
        pt = PdfTable(data, colWidths=widths, repeatRows=0)
        pt.setStyle(TableStyle(style))
        story += [Spacer(1, 3 * mm), pt, Spacer(1, 3 * mm)]
    doc.build(story)
    return buf.getvalue()
