"""Layouts found on unseen real reports: tables flattened into one line, special zones, rows whose
label is lost or cut short, colspan cells in table 二, files linked from a page (context), and the
one PDF/DOCX reader shared with `zwgk extract`. Small synthetic inputs only."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from crawler.items import ReportItem
from crawler.process import parse_stage
from crawler.report import legacy
from crawler.report.parse import ReportError, parse_bytes, parse_text
from crawler.report.region import resolve
from crawler.report.tokens import unflatten
from tests.reportgen import render_docx, render_pdf, render_text, reports

PROSE = "本报告根据《中华人民共和国政府信息公开条例》编制。" * 12  # long enough to be a flattened page

# 2021 template, one line, as an archiver saves a page: single-column rows glued to their labels,
# three- and seven-column rows glued digit to digit, table 四 spaced.
FLAT_2021 = (
    "某某县2022年度政府信息公开工作年度报告\n" + PROSE +
    "二、主动公开政府信息情况第二十条第（一）项 信息内容 本年制发件数 本年废止件数 现行有效件数 规章000"
    "行政规范性文件8855698第二十条第（五）项信息内容本年处理决定数量行政许可10690第二十条第（六）项信息内容"
    "本年处理决定数量行政处罚2113行政强制0第二十条第（八）项信息内容本年收费金额（单位：万元）行政事业性收费9116.36 "
    "三、收到和处理政府信息公开申请情况 申请人情况 自然人 法人或其他组织 总计 一、本年新收政府信息公开申请数量 "
    "713000074二、上年结转政府信息公开申请数量 1000001三、本年度办理结果 （一）予以公开 210000021（三）不予公开 "
    "1.属于国家秘密00000002.其他法律行政法规禁止公开 0000000（七）总计 723000075四、结转下年度继续办理 0000000 "
    "四、政府信息公开行政复议、行政诉讼情况行政复议 行政诉讼 结果维持结果纠正其他结果尚未审结总计 "
    "0 1 1 0 2 1 0 0 0 1 0 0 0 0 0 五、存在的主要问题及改进情况 仍有不足。"
)

# 2019 template, one line: 35-15 is two cells of a two-column row, （六）其他处理 spaced,
# 20 0 00 0 121 is five numbers for seven columns.
FLAT_2019 = (
    "某某县2020年度政府信息公开工作年度报告\n" + PROSE +
    "二、主动公开政府信息情况 第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章007"
    "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可396442278行政处罚2648-18538"
    "第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费35-15第二十条第（九）项信息内容采购项目数量"
    "采购总金额政府集中采购39573802895.90元三、收到和处理政府信息公开申请情况申请人情况自然人法人或其他组织总计"
    "一、本年新收政府信息公开申请数量200 000121（六）其他处理4 0 0 0 0 0 4（七）总计20 0 00 0 121"
    "四、结转下年度继续办理 0 0 00 00 0 四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持总计"
    "000000000000000 五、存在的主要问题及改进 仍有不足。"
)


def test_one_line_2021_reads_only_unambiguous_rows() -> None:
    rep = parse_text(FLAT_2021)
    t = rep.tables
    assert t["active.licensing.decisions"] == 10690
    assert t["active.penalty.decisions"] == 2113
    assert t["active.coercion.decisions"] == 0
    assert t["active.fees.amount_yuan"] == 91163600
    assert [t[f"appeals.review.{c}"] for c in ("upheld", "corrected", "other", "pending", "total")] == [0, 1, 1, 0, 2]
    assert t["appeals.suit_direct.total"] == 1 and t["appeals.suit_after_review.total"] == 0
    # glued digits of several columns: never split
    assert not any(k.startswith(("active.rules.", "active.normative.", "requests.")) for k in t)
    assert any("glued" in w for w in rep.warnings)
    assert rep.failed_checks == []


def test_one_line_2019_sign_split_and_spaced_rows() -> None:
    rep = parse_text(FLAT_2019)
    t = rep.tables
    assert (t["active.fees.previous"], t["active.fees.change"]) == (35, -15)
    assert [t[f"requests.other.all.{c}"] for c in ("natural_person", "business", "total")] == [4, 0, 4]
    for absent in ("active.licensing.", "active.penalty.", "active.procurement.", "active.rules.",
                   "requests.new.", "requests.total.", "requests.carried_forward.", "appeals."):
        assert not any(k.startswith(absent) for k in t), absent


def test_one_line_ordinal_glued_to_a_spaced_run_is_not_read() -> None:
    # 0 0 0 0 0 0 02.其他…: the 2 may be the total's or the next row's ordinal
    text, warnings = unflatten(PROSE + "三、收到和处理政府信息公开申请情况 申请人情况 （三）不予公开 "
                                       "1.属于国家秘密 0 0 0 0 0 0 02.其他法律行政法规禁止公开 0 0 0 0 0 0 0 五、存在的主要问题")
    lines = text.splitlines()
    assert any(ln.endswith("1.属于国家秘密") for ln in lines)  # kept as a label without numbers
    assert any(ln.startswith(".其他法律行政法规禁止公开\t0") for ln in lines)
    assert any("glued" in w for w in warnings)


def test_short_lines_are_left_alone() -> None:
    text = "二、主动公开政府信息情况\n第二十条第（五）项\n行政许可 12\n"
    assert unflatten(text) == (text.rstrip("\n"), [])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_one_line_property_never_invents(g) -> None:  # noqa: ANN001 - hypothesis value
    lines = render_text(g, "spaces").splitlines()
    for joiner in (" ", ""):
        rep = parse_text(lines[0] + "\n" + joiner.join(lines[1:]))
        wrong = {k: (v, g.values.get(k)) for k, v in rep.tables.items() if g.values.get(k) != v}
        assert not wrong, list(wrong.items())[:5]


# ---------------------------------------------------------------- special zones


def test_special_zone_resolves_to_its_division() -> None:
    d, warns = resolve("平潭综合实验区", [], "", 2022)
    assert d is not None and d.code == "350128" and d.province == "福建省"
    assert any("not a division" in w for w in warns)
    d, _ = resolve("成都高新区", [], "", 2022)
    assert d is not None and d.code == "510100"
    d, _ = resolve("两江新区", [], "", 2022)  # named after no division: not guessed
    assert d is None


def test_zone_report_region_and_title_spacing() -> None:
    rep = parse_text("正文。", title="平潭综合实验区农业农村局 2024年工作总结及2025年工作思路")
    assert rep.title == "平潭综合实验区农业农村局 2024年工作总结及2025年工作思路"
    assert rep.is_report is False
    rep = parse_text("一、总体情况\n本年度…", title="平潭综合实验区2022年度政府信息公开工作年度报告")
    assert rep.region["province"] == "福建省" and rep.region["code"] == "350128"


# ---------------------------------------------------------------- lost and cut labels (table 三)

_HEAD = "三、收到和处理政府信息公开申请情况\n| 申请人情况 | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |\n"


def _row(label: str, vals: list[int]) -> str:
    return "| " + " | ".join([label] if label else []) + (" | " if label else "") + " | ".join(map(str, vals)) + " |\n"


def test_row_without_label_placed_between_its_neighbours() -> None:
    text = (_HEAD + _row("4.无正当理由大量反复申请", [1, 0, 0, 0, 0, 0, 1]) + _row("", [3, 0, 0, 0, 0, 0, 3])
            + _row("行政机关不再处理其政府信息公", [40, 1, 0, 0, 2, 0, 43])
            + _row("2.申请人逾期未按收费通知要求缴纳费用", [0] * 7) + "四、政府信息公开行政复议、行政诉讼情况\n")
    rep = parse_text(text)
    assert rep.tables["requests.not_processed.confirm.total"] == 3
    assert rep.tables["requests.other.no_correction.legal"] == 2
    assert rep.tables["requests.other.no_correction.total"] == 43
    assert sum("label inferred" in w for w in rep.warnings) == 2


def test_two_unlabelled_rows_in_one_gap_are_not_placed() -> None:
    text = (_HEAD + _row("3.要求提供公开出版物", [1, 0, 0, 0, 0, 0, 1]) + _row("", [2, 0, 0, 0, 0, 0, 2])
            + _row("", [3, 0, 0, 0, 0, 0, 3]) + _row("1.申请人无正当理由逾期不补正、行政机关不再处理", [0] * 7)
            + "四、政府信息公开行政复议、行政诉讼情况\n")
    rep = parse_text(text)
    assert "requests.not_processed.excessive.total" not in rep.tables
    assert "requests.not_processed.confirm.total" not in rep.tables
    assert not any("label inferred" in w for w in rep.warnings)


def test_label_on_the_line_above_agrees_with_the_order() -> None:
    # a row with no label of its own makes the table distrust labels on other lines; the template
    # order confirms 部分公开 between 予以公开 and 国家秘密
    text = (_HEAD + _row("（一）予以公开", [5, 0, 0, 0, 0, 0, 5]) + "（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）\n"
            + _row("", [2, 0, 0, 0, 0, 0, 2]) + _row("1.属于国家秘密", [0] * 7)
            + _row("", [9, 9, 9, 9, 9, 9, 54]) + "四、政府信息公开行政复议、行政诉讼情况\n")
    rep = parse_text(text)
    assert rep.tables["requests.partial.total"] == 2
    assert not any(v == 54 for v in rep.tables.values())  # the stray row after the last label stays unread


# ---------------------------------------------------------------- colspan in table 二 (2019)


def _page(rows: str) -> bytes:
    return ("<html><head><meta charset='utf-8'><title>某县2019年政府信息公开工作年度报告</title></head><body>"
            f"<div class='article'><h1>某县2019年政府信息公开工作年度报告</h1><p>{PROSE}</p><p>一、总体情况</p>"
            f"<p>{PROSE}</p><p>二、主动公开政府信息情况</p>"
            f"<table>{rows}</table><p>三、收到和处理政府信息公开申请情况</p></div></body></html>").encode()


def test_colspan_value_cells_under_a_spanning_header() -> None:
    rows = ("<tr><td colspan='4'>第二十条第（八）项</td></tr>"
            "<tr><td>信息内容</td><td>上一年项目数量</td><td colspan='2'>本年增/减</td></tr>"
            "<tr><td>行政事业性收费</td><td>4</td><td colspan='2'>-1</td></tr>"
            "<tr><td colspan='4'>第二十条第（九）项</td></tr>"
            "<tr><td>信息内容</td><td>采购项目数量</td><td colspan='2'>采购总金额</td></tr>"
            "<tr><td>政府集中采购</td><td>0</td><td colspan='2'>0</td></tr>")
    rep = parse_bytes(_page(rows), url="http://x/a.html")
    assert rep.tables["active.fees.previous"] == 4 and rep.tables["active.fees.change"] == -1
    assert rep.tables["active.procurement.count"] == 0 and rep.tables["active.procurement.amount_yuan"] == 0


def test_different_values_under_a_spanning_header_are_not_merged() -> None:
    rows = ("<tr><td>信息内容</td><td>上一年项目数量</td><td colspan='2'>本年增/减</td></tr>"
            "<tr><td>行政事业性收费</td><td>4</td><td>1</td><td>2</td></tr>")
    rep = parse_bytes(_page("<tr><td colspan='4'>第二十条第（八）项</td></tr>" + rows), url="http://x/a.html")
    assert not any(k.startswith("active.fees.") for k in rep.tables)
    assert any("row fees" in w and "not read" in w for w in rep.warnings)


# ---------------------------------------------------------------- files linked from a page


def _bare_pdf() -> bytes:
    """A PDF with a table-less body and no title (neither printed nor in its properties)."""
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=10, leading=14, wordWrap="CJK")
    buf = io.BytesIO()
    SimpleDocTemplate(buf).build([Paragraph(t, style) for t in (
        "一、总体情况", "本年度政府信息公开工作稳步推进。", "二、主动公开政府信息情况", "全年主动公开政府信息120条。",
        "三、收到和处理政府信息公开申请情况", "全年收到政府信息公开申请12件。", "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况", "六、其他需要报告的事项")])
    return buf.getvalue()


CONTEXT = {
    "title": "福州市鼓楼区教育局2023年政府信息公开工作年度报告_政府信息公开年报_鼓楼区人民政府",
    "page_url": "http://x/zwgk/t1.html",
    "meta": {"SiteIDCode": "3501020001", "SiteName": "福州市鼓楼区人民政府", "PubDate": "2024-01-20 09:00",
             "ContentSource": "福州市鼓楼区教育局"},
}


def test_bare_pdf_takes_title_date_and_site_from_the_page() -> None:
    rep = parse_bytes(_bare_pdf(), url="http://x/files/a.pdf", context=CONTEXT)
    assert rep.title == "福州市鼓楼区教育局2023年政府信息公开工作年度报告"
    assert rep.year == 2023 and rep.is_report
    assert rep.published.startswith("2024-01-20")
    assert rep.region["code"] == "350102"  # 鼓楼区 is in several provinces: the site code says which
    assert any("linking page's title" in w for w in rep.warnings)
    bare = parse_bytes(_bare_pdf(), url="http://x/files/a.pdf")
    assert bare.title == "" and bare.published == ""


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(allow_blanks=False))
def test_a_pdf_with_its_own_title_keeps_it(g) -> None:  # noqa: ANN001 - hypothesis value
    other = dict(CONTEXT, title="附件下载_某某网")
    rep = parse_bytes(render_pdf(g), url="http://x/a.pdf", context=other)
    assert rep.title.startswith(g.agency) and rep.published.startswith("2024-01-20")


def test_unsupported_and_broken_files_raise_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ReportError, match="unreadable PDF"):
        parse_bytes(b"%PDF-1.4 broken", url="http://x/a.pdf")
    with pytest.raises(ReportError, match=r"unsupported format: \.et "):
        parse_bytes(b"\xd0\xcf\x11\xe0 sheet", url="http://x/a.et")
    if legacy.soffice_path() is not None:
        with pytest.raises(ReportError, match=r"unreadable \.doc: LibreOffice could not convert it"):
            parse_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), url="http://x/a.doc", context=CONTEXT)
    # where LibreOffice is not installed, the error says how to get it
    monkeypatch.setattr(legacy, "soffice_path", lambda: None)
    with pytest.raises(ReportError, match=r"unsupported format: \.wps .*apt-get install libreoffice-writer-nogui"):
        parse_bytes(b"\xd0\xcf\x11\xe0 legacy", url="http://x/a.wps", context=CONTEXT)


def test_parse_stage_passes_the_context_and_records_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    item = ReportItem(url="http://x/files/a.pdf", body=_bare_pdf(), kind="pdf", content_type="application/pdf",
                      context=CONTEXT)
    assert parse_stage(item).report["title"] == "福州市鼓楼区教育局2023年政府信息公开工作年度报告"
    monkeypatch.setattr(legacy, "soffice_path", lambda: None)
    doc = ReportItem(url="http://x/files/a.doc", body=b"\xd0\xcf\x11\xe0", kind="doc", context=CONTEXT)
    parse_stage(doc)
    assert doc.report is None
    assert doc.warnings == [
        "parse: unsupported format: .doc (legacy .doc/.wps is read through LibreOffice, which is not installed: "
        "apt-get install libreoffice-writer-nogui) — or convert it to .docx or PDF"
    ]


# ---------------------------------------------------------------- one reader for parse and extract


@settings(max_examples=1, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports(allow_blanks=False))
def test_extract_and_parse_read_the_same_file_text(g) -> None:  # noqa: ANN001 - hypothesis value
    from crawler.extract.files import office_document, pdf_document
    from crawler.report.pdf import docx_text, pdf_text

    pdf = render_pdf(g)
    assert pdf_document(pdf).title == pdf_text(pdf).title
    assert "二、主动公开政府信息情况" in pdf_document(pdf).text
    docx = render_docx(g)
    doc, ft = office_document(docx, "docx"), docx_text(docx)
    assert doc.title == ft.title
    # document order: the table 二 rows come before the heading of table 三
    assert doc.text.index("行政许可") < doc.text.index("三、收到和处理政府信息公开申请情况")
    assert len(doc.tables) == len(ft.tables) and None not in doc.tables[0][0]


CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"


@pytest.mark.skipif(not (CORPUS / "pdfs").is_dir(), reason="shared corpus not available")
def test_extract_pdf_text_comes_from_the_report_reader() -> None:
    from crawler.extract.files import pdf_document
    from crawler.report.pdf import pdf_text

    pdf = (CORPUS / "pdfs" / "hongze-2023-annual-report.pdf").read_bytes()
    doc = pdf_document(pdf)
    assert doc.method == "pdf-text" and "2023" in doc.title
    first = next(ln for ln in pdf_text(pdf, tables=False).text.splitlines() if len(ln) > 20)
    assert first.strip()[:10] in doc.text
