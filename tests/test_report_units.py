"""Cell values, line splitting, row fitting, agency names, regions and checks."""

from __future__ import annotations

import pytest

from crawler.report.checks import run_checks
from crawler.report.parse import join_continued, normalise_agency, parse_text, prose_values
from crawler.report.region import resolve
from crawler.report.tables import fit
from crawler.report.tokens import split_line
from crawler.report.values import parse_cell, to_number


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("无", "num", 0),
        ("０", "num", 0),
        ("１２３", "num", 123),
        ("减少45", "num", -45),
        ("增加12", "num", 12),
        ("+12", "num", 12),
        ("-7", "num", -7),
        ("1,234", "num", 1234),
        ("68949.08元", "num", 68949.08),
        ("", "absent", None),
        ("—", "absent", None),
        ("-", "absent", None),
        ("－", "absent", None),
        ("/", "absent", None),
        ("／", "absent", None),
        ("不适用", "absent", None),  # not applicable is not a zero
        ("无此项", "absent", None),
        ("１，２３４", "num", 1234),
        ("行政许可", "text", None),
    ],
)
def test_cells(raw: str, kind: str, value: float | None) -> None:
    c = parse_cell(raw)
    assert c.kind == kind
    if value is not None:
        assert c.value is not None and to_number(c.value) == value


def test_split_line_formats() -> None:
    assert [c.raw.strip() for c in split_line("| 规章 | 0 | 0 | 0 |")] == ["规章", "0", "0", "0"]
    assert [c.kind for c in split_line("| | 29 | |")] == ["absent", "num", "absent"]
    assert [c.raw for c in split_line("行政许可 |")] == ["行政许可 "]
    assert [c.kind for c in split_line("|")] == ["absent"]
    assert split_line("- 4 -") == []  # page number inside a table
    assert split_line("|---|---|") == []
    cells = split_line("（四）无 1.本机关不掌握相关政府信息 746 12 0 0 10 1 769")
    assert cells[0].kind == "text" and [c.raw for c in cells[1:]] == ["746", "12", "0", "0", "10", "1", "769"]
    # prose that ends in a number is not a table row
    long = "市科委通过部门网站当年发布政府信息，其中包括行政规范性文件、规划计划文件、部门预算决算以及科技计划资金分配结果等各类信息，合计共有信息 393"
    assert len(split_line(long)) == 1


def test_fit_never_shifts() -> None:
    cells = [parse_cell(x) for x in ["1", "2", "3", "4", "5", "6"]]
    assert fit(cells, 7) is None  # six numbers for seven columns: not placed
    assert fit(cells + [parse_cell("")], 7) is not None  # a blank cell is a cell
    assert fit([parse_cell("9945"), parse_cell(""), parse_cell("")], 1) == [parse_cell("9945")]
    # with row terminators, a row one number short is not passed off as full
    assert fit(cells + [parse_cell("")], 7, closed=True) is None


def test_agency_expanded_and_prefixed_from_text() -> None:
    name, _ = normalise_agency("市住建局", ["以安顺市住房和城乡建设局名义印发"], 2024)
    assert name == "安顺市住房和城乡建设局"
    name, warns = normalise_agency("县住建局", ["您当前的位置:首页 > 霍山县住建局"], 2020)
    assert name == "霍山县住房和城乡建设局" and not warns
    name, warns = normalise_agency("县住建局", ["no place named here"], 2020)
    assert name == "县住房和城乡建设局" and warns


def test_ambiguous_county_is_not_guessed() -> None:
    d, warns = resolve("鼓楼区人民政府", [], "", 2024)
    assert d is None and warns
    d, _ = resolve("鼓楼区人民政府", ["福州市"], "", 2024)
    assert d is not None and d.code == "350102"
    d, _ = resolve("鼓楼区人民政府", [], "3201060001", 2024)  # SiteIDCode prefix: Nanjing 鼓楼区
    assert d is not None and d.code == "320106"
    d, _ = resolve("城区人民政府", ["山西省阳泉市"], "", 2023)  # the city named nearby, not just the province
    assert d is not None and d.code == "140302"
    d, _ = resolve("城区人民政府", ["山西省"], "", 2023)
    assert d is None
    d, _ = resolve("平潭综合实验区", [], "3590000001", 2024)  # site code names the province only
    assert d is not None and d.province == "福建省"


def test_checks_need_all_inputs_and_report_numbers() -> None:
    t = {f"appeals.review.{k}": v for k, v in dict(upheld=1, corrected=0, other=1, pending=0, total=3).items()}
    t["appeals.suit_direct.upheld"] = 1  # incomplete group: not checked
    checks = run_checks(t)
    assert [c["name"] for c in checks] == ["appeals.review"]
    assert checks[0]["ok"] is False and checks[0]["expected"] == 2 and checks[0]["actual"] == 3


def test_prose_fallback_marks_sources() -> None:
    text = "\n".join([
        "某县民政局2016年政府信息公开工作年度报告",
        "一、概述",
        "全年共收到政府信息公开申请52件，予以公开29件。",
        "二、行政复议情况",
        "本年度发生行政复议3件。",
    ])
    rep = parse_text(text)
    assert rep.tables == {"requests.new.total": 52, "requests.granted.total": 29, "appeals.review.total": 3}
    assert set(rep.sources.values()) == {"text"}
    assert rep.template == "legacy"


def test_accepted_is_not_received() -> None:
    """受理 (accepted) is not the template's 新收 (received): not read into requests.new."""
    rep = parse_text("县住建局2020年政府信息公开工作年度总结\n一、总体情况\n全年受理依申请公开1件。")
    assert "requests.new.total" not in rep.tables


def test_title_over_two_lines_and_published_from_text() -> None:
    from crawler.report.parse import find_title

    assert find_title("洪泽区人民政府\n2023 年政府信息公开工作年度报告\n本报告…") == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert find_title("正文\n2024 年上海市科委政府信息公开工作\n年度报告\n根据…") == "2024年上海市科委政府信息公开工作年度报告"
    rep = parse_text("县住建局2020年政府信息公开工作年度总结\n浏览次数: 发表时间:2021-01-11 10:46 信息来源:霍山县住建局")
    assert rep.published == "2021-01-11"
    assert rep.year == 2020


@pytest.mark.parametrize(
    ("header", "cell", "want"),
    [
        ("本年收费金额（单位：万元）", "1.5", 15000),
        ("本年收费金额（单位：元）", "1234.5", 1234.5),
        ("本年收费金额", "2", 20000),  # the 2021 template's own unit
        ("本年收费金额（单位：万元）", "300元", 300),  # the cell's unit wins
    ],
)
def test_money_units(header: str, cell: str, want: float) -> None:
    text = (f"二、主动公开政府信息情况\n第二十条第（八）项\n| 信息内容 | {header} |\n| 行政事业性收费 | {cell} |\n"
            "三、收到和处理政府信息公开申请情况\n")
    assert parse_text(text).tables == {"active.fees.amount_yuan": want}


def test_procurement_amount_without_unit_is_not_guessed() -> None:
    text = ("二、主动公开政府信息情况\n第二十条第（九）项\n| 信息内容 | 采购项目数量 | 采购总金额 |\n"
            "| 政府集中采购 | 36 | 6894 |\n三、收到和处理政府信息公开申请情况\n")
    rep = parse_text(text)
    assert rep.tables == {"active.procurement.count": 36}
    assert any("unit" in w for w in rep.warnings)


@pytest.mark.parametrize(("sentence", "want"), [
    ("共收到政府信息公开申请52件，予以公开29件，部分公开5件，不予公开3件。",
     {"requests.new.total": 52, "requests.granted.total": 29, "requests.partial.total": 5}),
    ("全年共收到信息公开申请12份，同意公开10件。", {"requests.new.total": 12, "requests.granted.total": 10}),
    ("共收到公民、法人和其他组织提出的政府信息公开申请23件。", {"requests.new.total": 23}),
    ("共收到申请25件，均按时答复。", {"requests.new.total": 25}),
    ("共收到行政许可申请300件。", {}),
    ("新收政府信息公开申请125件，上年结转4件，结转下年度办理6件。",
     {"requests.new.total": 125, "requests.carried_over.total": 4, "requests.carried_forward.total": 6}),
    # a sum of two outcomes is neither of them
    ("予以公开及部分公开258件，占33.9%。", {}),
    # stated zeros
    ("全年没有收到政府信息公开申请。", {"requests.new.total": 0}),
    ("2015年全区未收到有关政府信息公开申请。", {"requests.new.total": 0}),
    ("2015年我区未收到有关政府信息公开行政复议、提起行政诉讼的申请。", {"appeals.review.total": 0}),
    ("本年度未发生政府信息公开行政复议、行政诉讼情况。", {"appeals.review.total": 0}),
    # not zeros of the key: a subset of the applications, a subset of the reviews
    ("本年度未收到需延期答复的政府信息公开申请。", {}),
    ("共发生行政复议2件，未发生被纠错的行政复议。", {"appeals.review.total": 2}),
    # two different figures for one key: not read
    ("2015年收到政府信息公开申请8件，2014年收到政府信息公开申请5件。", {}),
    # 受理 (accepted) is not 新收; review and suits counted together are neither
    ("全年受理依申请公开1件，收到行政复议及复议后行政诉讼1件。", {}),
])
def test_prose_sentences(sentence: str, want: dict) -> None:
    assert prose_values(sentence) == want


def test_tables_broken_across_pages_are_joined() -> None:
    head = [["行政复议"] * 5 + ["行政诉讼"] * 10, ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3]
    values = [[str(i) for i in range(15)]]
    assert join_continued([head, values]) == [head + values]
    # a row cut by the page break: the rest of its label opens the next page, without numbers
    before = [["（三）不予公开", "1.属于国家秘密", "1", "2"], [None, "2.其他法律行政", "3", "4"]]
    after = [[None, "法规禁止公开", "", ""], [None, "3.危及“三安全一稳定”", "5", "6"]]
    assert join_continued([before, after]) == [[before[0], [None, "2.其他法律行政法规禁止公开", "3", "4"], after[1]]]
    # a new row that happens to have no numbers is not glued to the row before it
    blank = [["（六）其他处理", "", "", ""]]
    assert join_continued([before, blank]) == [before + blank]
    # a table of another width, or one with its own header, stays apart
    other = [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]]
    assert join_continued([before, other]) == [before, other]


@pytest.mark.parametrize("name", ["word-export-layout-0", "word-export-layout-2", "word-export-layout-centred-1",
                                  "word-export-borderless-0", "word-export-borderless-2"])
def test_pdf_text_of_a_word_export(name: str) -> None:
    """`pdftotext -layout` of a generated report that Word (LibreOffice) exported as PDF: label cells
    so narrow that a row's numbers stand beside the first two characters of its label ("2.其") and
    the rest of the label wraps below; 3-digit numbers wrap inside table 四's cells; in "centred", the
    group labels (（四）无法提供) are centred down their rows; "borderless" is our own PDF text of an
    export without ruling lines (no grid to read: 一、 beside the numbers, 本年新收… below them, and
    104 wrapped as 10 / 4). Rows are named by the template's numbering; nothing is ever put in the
    wrong cell."""
    import json
    from pathlib import Path

    folder = Path(__file__).parent / "fixtures" / "pdftext"
    want = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))["values"]
    rep = parse_text((folder / f"{name}.txt").read_text(encoding="utf-8"))
    wrong = {k: (v, want.get(k)) for k, v in rep.tables.items() if want.get(k) != v}
    assert not wrong, wrong
    requests = [k for k in want if k.startswith("requests.")]
    read = [k for k in requests if k in rep.tables]
    assert len(read) >= 0.9 * len(requests), (len(read), len(requests))


def test_prose_fills_only_the_tables_that_gave_nothing() -> None:
    """Table 三 read from its grid; table 四 only an image: its figure comes from the prose, marked so."""
    head = ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    grid = [head, ["一、本年新收政府信息公开申请数量", "5", "0", "0", "0", "0", "0", "5"]]
    text = "\n".join([
        "某县民政局2023年政府信息公开工作年度报告",
        "三、收到和处理政府信息公开申请情况",
        "全年共收到政府信息公开申请6件。",  # disagrees with the table: the table wins, prose is not used
        "四、政府信息公开行政复议、行政诉讼情况",
        "本年度发生政府信息公开行政复议2件。",
    ])
    rep = parse_text(text, grids=[grid])
    assert rep.tables["requests.new.total"] == 5 and rep.sources["requests.new.total"] == "table"
    assert rep.tables["appeals.review.total"] == 2 and rep.sources["appeals.review.total"] == "text"
    assert any("taken from the prose" in w for w in rep.warnings)
