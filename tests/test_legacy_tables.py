"""Legacy reports (2008–2018): the 统计表 appendix read into the reference keys, the table winning over
contradicting prose, and the legacy outline's sections. Fixtures are generated, modelled on 莆田 pages."""

from __future__ import annotations

import pytest

from crawler.report import legacy_tables
from crawler.report.legacy_tables import row_key
from crawler.report.parse import find_sections, parse_bytes, parse_text

_ROWS = [
    ("主动公开文件数", "条", "448", "2471"),
    ("其中：1、政府网站公开数", "条", "448", "2118"),
    ("受理政府信息公开申请总数", "条", "{new}", ""),
    ("1.当面申请数", "条", "2", ""),
    ("2.网上申请数", "条", "{online}", ""),
    ("对申请的答复总数", "条", "{new}", ""),
    ("其中：1.同意公开答复数", "条", "{granted}", ""),
    ("2.同意部分公开答复数", "条", "{partial}", ""),
    ("3.不予公开答复总数", "条", "0", ""),
    ("政府信息公开收费减免金额", "元", "0", ""),
    ("行政复议数", "件", "{review}", "9"),
    ("行政诉讼数", "件", "1", ""),
]
_OUTLINE = [
    ("一、概述", "2016年，市林业局结合我市林业工作实际，不断丰富政府信息公开内容和载体。"),
    ("二、主动公开政府信息的情况", "我局2016年度共主动公开政府信息448条。"),
    ("三、政府信息依申请公开办理情况", "2016年度我局共收到政府信息公开申请{prose_new}件，均已按时答复。"),
    ("四、政府信息公开的收费及减免情况", "2016年度我局未对公开的信息进行收费。"),
    ("五、因政府信息公开申请行政复议、提起行政诉讼的情况", "发生的行政复议案件均已依法处理。"),
    ("六、政府信息公开工作存在的主要问题及改进措施", "网站的互动能力有待提高。"),
    ("七、需要说明的事项与附表", "情况统计请见附表。"),
]
_TITLE = "莆田市林业局2016年政府信息公开工作年度报告"


def _values(new: int, granted: int, partial: int, review: int) -> dict[str, int]:
    return {"new": new, "online": new - 2, "granted": granted, "partial": partial, "review": review}


def legacy_page(*, new: int = 100, granted: int = 60, partial: int = 30, review: int = 2, prose_new: int = 80,
                value_head: str = "2016年度") -> bytes:
    """An HTML legacy report whose 统计表 is a real <table>."""
    v = _values(new, granted, partial, review)
    paras = "".join(f"<p>{h}</p><p>{b.format(prose_new=prose_new)}</p>" for h, b in _OUTLINE)
    rows = "".join("<tr>" + "".join(f"<td>{c.format(**v)}</td>" for c in r) + "</tr>" for r in _ROWS)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="SiteName" content="莆田市人民政府"><meta name="ArticleTitle" content="{_TITLE}">
<meta name="PubDate" content="2017-01-15 08:37"><title>{_TITLE}</title></head><body>
<div class="TRS_Editor"><p>{_TITLE}</p>
<p>根据《中华人民共和国政府信息公开条例》规定，现将我局2016年度政府信息公开工作情况报告如下。</p>{paras}
<p>莆田市林业局2016年度政府信息公开年度报告表</p>
<table><tr><td>指标名称</td><td><p>计量</p><p>单位</p></td><td>{value_head}</td><td>历年累计</td></tr>{rows}</table>
<p>莆田市林业局</p><p>2017年1月15日</p></div></body></html>""".encode()


def legacy_text(layout: str, *, new: int = 100, granted: int = 60, partial: int = 30, review: int = 2,
                prose_new: int = 80, cumulative: bool = True) -> str:
    """The same report as plain text, its 统计表 as pipe rows, space-separated rows or one cell a line
    (blank cells lost, as such texts lose them), with or without its 历年累计 column."""
    v = _values(new, granted, partial, review)
    body = [_TITLE] + [x.format(prose_new=prose_new) for pair in _OUTLINE for x in pair]
    width = 4 if cumulative else 3
    header = ["指标名称", "计量单位", "年末统计", "历年累计"][:width]
    rows = [[c.format(**v) for c in r][:width] for r in _ROWS]
    if layout == "pipe":
        table = ["| " + " | ".join(r) + " |" for r in [header, *rows]]
    elif layout == "space":
        table = [" ".join(c for c in r if c) for r in [header, *rows]]
    else:  # one cell a line, the header's words broken as pages print them
        table = ["指", "标", "名", "称", "计量", "单位", "2016", "年度", "历年累计"][:width + 5]
        table += [c for r in rows for c in r if c]
    return "\n".join(body + ["附表：统计表", *table, "莆田市林业局", "二〇一七年一月十五日"])


_WANT = {"requests.new.total": 100, "requests.granted.total": 60, "requests.partial.total": 30,
         "appeals.review.total": 2}


def test_html_statistics_table_wins_over_contradicting_prose() -> None:
    rep = parse_bytes(legacy_page(), url="http://www.putian.gov.cn/a/t20170115_1.htm")
    assert rep.template == "legacy" and rep.year == 2016
    assert {k: rep.tables[k] for k in _WANT} == _WANT
    assert all(rep.sources[k] == "legacy_table" for k in _WANT)
    # 历年累计 (9) and the 当面/网上 breakdown are not values of the year's keys
    assert not any(k.startswith("appeals.suit") for k in rep.tables)
    conflict = [w for w in rep.warnings if w.startswith("requests.new.total")]
    assert len(conflict) == 1
    assert "100" in conflict[0] and "受理政府信息公开申请总数" in conflict[0]
    assert "80" in conflict[0] and "收到政府信息公开申请80件" in conflict[0]
    assert "table's value is kept" in conflict[0]


def test_agreeing_prose_gives_no_warning() -> None:
    rep = parse_bytes(legacy_page(prose_new=100), url="http://www.putian.gov.cn/a/t20170115_1.htm")
    assert rep.tables["requests.new.total"] == 100
    assert not [w for w in rep.warnings if "统计表" in w]


@pytest.mark.parametrize(("layout", "cumulative"),
                         [("pipe", True), ("pipe", False), ("space", False), ("cells", False)])
def test_text_statistics_table(layout: str, cumulative: bool) -> None:
    rep = parse_text(legacy_text(layout, cumulative=cumulative), title=_TITLE)
    assert {k: rep.tables.get(k) for k in _WANT} == _WANT
    assert {rep.sources[k] for k in _WANT} == {"legacy_table"}
    assert any("the text says 80" in w for w in rep.warnings)


def test_cumulative_only_table_is_not_read() -> None:
    rep = parse_bytes(legacy_page(value_head="历年累计"), url="http://x.gov.cn/a.htm")
    assert not any(rep.sources.get(k) == "legacy_table" for k in _WANT)
    assert any("no column holds the year's figures" in w for w in rep.warnings)
    # the prose figure stays, marked as from the text
    assert rep.tables["requests.new.total"] == 80 and rep.sources["requests.new.total"] == "text"


def test_value_column_is_found_by_its_header_not_its_position() -> None:
    grid = [["指标名称", "计量单位", "历年累计", "年末统计"], ["收到申请数", "件", "300", "100"],
            ["行政复议数量", "件", "7", "1"]]
    t = legacy_tables.read_grid(grid)
    assert t is not None and t.values == {"requests.new.total": 100, "appeals.review.total": 1}


def test_grid_that_is_not_a_statistics_table() -> None:
    assert legacy_tables.read_grid([["信息内容", "本年新制作数量"], ["规章", "3"]]) is None


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("收到申请数", "requests.new.total"),
        ("收到申请", "requests.new.total"),
        ("收到申请总数", "requests.new.total"),
        ("受理依申请公开信息总数", "requests.new.total"),
        ("二、受理政府信息公开申请总数", "requests.new.total"),
        ("其中：1.当面申请数", None),
        ("6.其他形式申请数", None),
        ("对申请的答复总数", None),
        ("1.同意公开答复数", "requests.granted.total"),
        ("同意公开数", "requests.granted.total"),
        ("2.同意部分公开答复数", "requests.partial.total"),
        ("3.否决公开答复总数", None),
        ("3.不予公开答复数", None),
        ("三、行政复议数量", "appeals.review.total"),
        ("行政复议数", "appeals.review.total"),
        ("四、行政诉讼数量", None),  # the reference has no key for all lawsuits together
        ("行政申诉数", None),
        ("主动公开信息数", None),
    ],
)
def test_row_meanings(label: str, key: str | None) -> None:
    assert row_key(label) == key


def test_two_rows_for_one_key_keep_the_first_and_warn() -> None:
    grid = [["指标名称", "计量单位", "年末统计"], ["收到申请数", "件", "5"], ["受理申请总数", "件", "6"]]
    t = legacy_tables.read_grid(grid)
    assert t is not None and t.values == {"requests.new.total": 5}
    assert len(t.warnings) == 1 and "收到申请数 5" in t.warnings[0]


def test_national_template_reports_are_not_read_as_legacy() -> None:
    text = legacy_text("pipe").replace("2016", "2021")
    rep = parse_text(text, title=_TITLE.replace("2016", "2021"))
    assert rep.template == "2021"
    assert "legacy_table" not in rep.sources.values()


def test_legacy_outline_sections() -> None:
    rep = parse_bytes(legacy_page(), url="http://x.gov.cn/a.htm")
    assert [s["key"] for s in rep.sections] == [
        "overview", "active", "requests", "fees", "appeals", "problems", "other"]
    assert [s["heading"] for s in rep.sections] == [h for h, _ in _OUTLINE]
    fees = next(s for s in rep.sections if s["key"] == "fees")
    assert fees["text"] == "2016年度我局未对公开的信息进行收费。"


def test_each_section_key_once_and_table_rows_are_not_headings() -> None:
    text = "\n".join(["一、概述", "正文。", "二、主动公开政府信息情况", "正文。", "三、依申请公开政府信息情况",
                      "正文。", "三、行政复议数量", "二、依申请公开情况 补充", "七、其他需要报告的事项", "无。"])
    keys = [s["key"] for s in find_sections(text)]
    assert keys == ["overview", "active", "requests", "other"]


def test_2021_outline_unchanged() -> None:
    text = "\n".join(["一、总体情况", "a", "二、主动公开政府信息情况", "b", "三、收到和处理政府信息公开申请情况", "c",
                      "四、政府信息公开行政复议、行政诉讼情况", "d", "五、存在的主要问题及改进情况", "e",
                      "六、其他需要报告的事项", "f"])
    secs = find_sections(text)
    assert [s["key"] for s in secs] == ["overview", "active", "requests", "appeals", "problems", "other"]
    assert [s["text"] for s in secs] == list("abcdef")


def test_grid_with_title_row_serial_column_and_split_label() -> None:
    grid = [["2014年度政府信息公开有关情况统计表"] * 5,
            ["序号", "指标名称", "指标名称", "计量单位", "本年"],
            ["1", "收到申请总数", "收到申请总数", "件", "12"],
            ["2", "其中", "1.同意公开答复数", "件", "7"],
            ["3", "其中", "2.同意部分公开答复数", "件", "无"],
            ["4", "三、行政复议数量", "三、行政复议数量", "件", "—"]]
    t = legacy_tables.read_grid(grid)
    assert t is not None
    # 无 is zero; a dash is not reported, so the key is left out
    assert t.values == {"requests.new.total": 12, "requests.granted.total": 7, "requests.partial.total": 0}


def test_table_with_a_single_unnamed_value_column() -> None:
    t = legacy_tables.read_grid([["指标名称", "单位", "情况"], ["收到申请数", "件", "4"]])
    assert t is not None and t.values == {"requests.new.total": 4}
    t = legacy_tables.read_grid([["序号", "统计指标", "单位", "统计数"], ["1", "行政复议数", "件", "2"]])
    assert t is not None and t.values == {"appeals.review.total": 2}


def test_text_rows_with_the_unit_after_the_number() -> None:
    text = "\n".join(["指标名称 计量单位 年末统计", "二、依申请公开情况", "收到申请 100 件", "其中：1.当面申请数 40 件",
                      "对申请的答复", "1.同意公开答复数 70 件", "2.同意部分公开答复数 20 件", "三、行政复议数量 3 件"])
    t = legacy_tables.read_text(text)
    assert t is not None
    assert t.values == {"requests.new.total": 100, "requests.granted.total": 70, "requests.partial.total": 20,
                        "appeals.review.total": 3}


def test_one_cell_a_line_with_header_cells_on_their_own_lines() -> None:
    # as a 2010 page's text comes out: every cell on its own line, labels broken after 其中
    cells = ["指标名称", "计量单位", "年末统计", "主动公开信息数", "条", "68", "受理依申请公开信息总数", "条", "5",
             "其中：1.当面申请数", "条", "5", "对申请的答复总数", "条", "5", "其中：", "1.", "同意公开答复数", "条", "4",
             "2.同意部分公开答复数", "条", "1", "3.否决公开答复总数", "条", "0", "行政复议数", "件", "0",
             "行政诉讼数", "件", "0"]
    t = legacy_tables.read_text("\n".join(["七、需要说明的事项与附表", "无。", *cells]))
    assert t is not None and t.warnings == []
    assert t.values == {"requests.new.total": 5, "requests.granted.total": 4, "requests.partial.total": 1,
                        "appeals.review.total": 0}
    assert t.rows["requests.granted.total"] == "其中：1.同意公开答复数 4"


@pytest.mark.parametrize("year_cell", [["2017年度"], ["2017", "年度"], ["201", "7", "年度"]])
def test_header_year_broken_over_lines(year_cell: list[str]) -> None:
    cells = ["指标名称", "单位", *year_cell, "历年累计", "受理政府信息公开申请总数", "条", "0", "6",
             "其中：1.当面申请数", "条", "0", "行政复议数", "件", "1", "3"]
    t = legacy_tables.read_text("\n".join(cells))
    assert t is not None and t.warnings == []
    assert t.values == {"requests.new.total": 0, "appeals.review.total": 1}


@pytest.mark.parametrize("layout", ["space", "cells"])
def test_lost_blank_cells_leave_rows_unread(layout: str) -> None:
    # 受理…总数 2 with its 历年累计 blank: in text that lost the blank, 2 could be either column
    rep = parse_text(legacy_text(layout, cumulative=True), title=_TITLE)
    assert rep.tables["appeals.review.total"] == 2  # 行政复议数 件 2 9: both columns there
    assert rep.sources["appeals.review.total"] == "legacy_table"
    assert rep.sources.get("requests.new.total") != "legacy_table"
    unread = [w for w in rep.warnings if "are not read" in w]
    assert len(unread) == 1
    assert "受理政府信息公开申请总数 100" in unread[0] and "其中：1.同意公开答复数 60" in unread[0]
