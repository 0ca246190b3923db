"""Every table of every report read, or a warning that names it: the completeness record, and the
readers it holds to account (flattened text whose introduction names the sections, units in
cells, split digits, misaligned colspans)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.report.completeness import expected_keys, summary
from crawler.report.parse import parse_bytes, parse_text
from tests.reportgen import Generated, random_report, render_html, render_text, reports

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TABLE_PREFIX = {"二": "active.", "三": "requests.", "四": "appeals."}
STYLES = ["cells", "lines", "markdown", "tabs", "spaces"]


def _per_table(g: Generated, table: str) -> int:
    return sum(1 for k in g.values if k.startswith(TABLE_PREFIX[table]))


def _right_or_named(g: Generated, rep: object) -> None:
    """Every value read is the generated one; every table not complete is named by a warning."""
    tables, warnings, record = rep.tables, rep.warnings, rep.completeness  # type: ignore[attr-defined]
    wrong = {k: v for k, v in tables.items() if k in g.values and g.values[k] != v}
    invented = sorted(set(tables) - set(g.values))
    assert not wrong and not invented, (wrong, invented)
    for table, rec in record.items():
        if rec["status"] != "complete":
            assert any(w.startswith(f"table {table} (") for w in warnings), (table, rec, warnings)


@FAST
@given(reports())
def test_html_tables_complete(g: Generated) -> None:
    rep = parse_bytes(render_html(g).encode("utf-8"), filename="report.html")
    for table in ("二", "三", "四"):
        rec = rep.completeness[table]
        assert rec["status"] == "complete", (table, rec, rep.warnings)
        assert rec["read"] == _per_table(g, table)
        assert rec["read"] + rec["blank"] == rec["expected"] == len(expected_keys(table, g.template))
    assert summary(rep.completeness) == "complete"
    assert not [w for w in rep.warnings if w.startswith("table ")]


def test_missing_table_is_named() -> None:
    g = random_report(7)
    html = render_html(g)
    # the report as portals sometimes publish it: table 三 left out (or an image that was not read)
    tables = re.findall(r"<table.*?</table>", html, re.S)
    requests_table = next(t for t in tables if "自然人" in t)
    rep = parse_bytes(html.replace(requests_table, "<p>（表格略）</p>").encode("utf-8"), filename="r.html")
    assert rep.completeness["三"]["status"] == "not_found"
    assert rep.completeness["三"]["read"] == 0
    assert any(w.startswith("table 三 (收到和处理政府信息公开申请情况): none of its") for w in rep.warnings)
    assert rep.completeness["二"]["status"] == "complete"
    assert summary(rep.completeness) == "partial"


def test_partial_table_names_its_rows() -> None:
    g = random_report(11, allow_blanks=False)
    html = render_html(g)
    # two rows of table 三 cut out of the page (a broken paste)
    html2, n = re.subn(r"<tr>(?:(?!</tr>).)*?(?:属于国家秘密|重复申请)(?:(?!</tr>).)*</tr>", "", html, flags=re.S)
    assert n == 2
    rep = parse_bytes(html2.encode("utf-8"), filename="r.html")
    # the rows the cut rowspan pushes left or right are read where their numbers are, not shifted
    assert {k: v for k, v in rep.tables.items() if g.values[k] != v} == {}
    rec = rep.completeness["三"]
    assert rec["status"] == "partial"
    assert rec["read"] == rec["expected"] - 14 and rec["blank"] == 0
    warning = next(w for w in rep.warnings if w.startswith("table 三 ("))
    assert "denied.state_secret" in warning and "not_processed.repeat" in warning


def test_legacy_and_non_reports_have_no_record() -> None:
    rep = parse_text("莆田市审计局2008年度政府信息公开工作年度报告\n一、概述\n本年度未收到政府信息公开申请。")
    assert rep.template == "legacy"
    assert rep.completeness == {}


_INTRO_NAMES = [
    "现将本机关年度政府信息公开工作情况报告如下，包括",
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况等。",
]
_SUBHEADS = ["（一）主动公开情况。", "（二）收到和处理政府信息公开申请的情况。", "（三）行政复议、行政诉讼情况。"]


@FAST
@given(reports(), st.sampled_from(STYLES), st.booleans())
def test_sections_named_in_the_introduction(g: Generated, style: str, subheads: bool) -> None:
    """The introduction names the tables (one phrase per line, or numbered sub-headings of
    一、总体情况): the tables are still found under their real headings."""
    text = render_text(g, style)
    extra = "\n".join(_SUBHEADS if subheads else _INTRO_NAMES)
    text = text.replace("一、总体情况\n", "一、总体情况\n" + extra + "\n", 1)
    rep = parse_text(text)
    clean = parse_text(render_text(g, style))
    assert rep.tables == clean.tables
    assert rep.completeness == clean.completeness
    _right_or_named(g, rep)


@FAST
@given(reports(), st.sampled_from(STYLES))
def test_flattened_text_right_or_named(g: Generated, style: str) -> None:
    rep = parse_text(render_text(g, style))
    _right_or_named(g, rep)


# ---------------------------------------------------------------- cells that must not be glued or moved

_ACTIVE_2019 = """<html><head><title>某市审计局2019年政府信息公开工作年度报告</title></head><body><div class="article">
<h1>某市审计局2019年政府信息公开工作年度报告</h1>
<p>本报告根据《中华人民共和国政府信息公开条例》要求，由本局编制。全文包括总体情况、主动公开政府信息情况、
收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况等。</p>
<p>一、总体情况</p><p>2019年，本局认真贯彻落实政府信息公开工作要求，进一步完善公开制度，规范公开流程，
主动公开各类政府信息，及时回应社会关切，保障人民群众的知情权、参与权和监督权。</p>
<p>二、主动公开政府信息情况</p>
<table>
<tr><td colspan="5">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td>上一年项目数量</td><td colspan="2">本年增/减</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="2">{a}</td><td>{b}</td><td>{c}</td></tr>
<tr><td>其他对外管理服务事项</td><td colspan="2">11</td><td>0</td><td>0</td></tr>
<tr><td colspan="5">第二十条第（九）项</td></tr>
<tr><td>信息内容</td><td colspan="2">采购项目数量</td><td colspan="2">采购总金额</td></tr>
<tr><td>政府集中采购</td><td colspan="2">{count}</td><td colspan="2">{amount}</td></tr>
</table></div></body></html>"""


def _active(**cells: str) -> dict:
    values = {"a": "40", "b": "-6", "c": "64", "count": "11批", "amount": "129323元"} | cells
    rep = parse_bytes(_ACTIVE_2019.format(**values).encode("utf-8"), filename="r.html")
    return {"tables": rep.tables, "warnings": rep.warnings}


def test_header_and_rows_split_colspans_differently() -> None:
    out = _active()
    t = out["tables"]
    assert (t["active.licensing.previous"], t["active.licensing.change"], t["active.licensing.decisions"]) == (40, -6, 64)
    # 11 / 0 / 0: equal neighbours are not taken for a span copy; the markup says which they are
    assert (t["active.other_services.previous"], t["active.other_services.change"],
            t["active.other_services.decisions"]) == (11, 0, 0)


def test_units_in_cells_stay_in_their_column() -> None:
    t = _active()["tables"]
    assert t["active.procurement.count"] == 11
    assert t["active.procurement.amount_yuan"] == 129323
    # a money amount written in the count column is not a count, and is not moved anywhere
    out = _active(count="129323元", amount="")
    assert "active.procurement.count" not in out["tables"]
    assert "active.procurement.amount_yuan" not in out["tables"]
    assert any("active.procurement.count" in w and "元" in w for w in out["warnings"])


@pytest.mark.parametrize("cell, why", [
    ("3 5", "digits separated"),
    ("1<br>62", "digits separated"),
    ("1" * 25, "25 digits"),
    ("9" * 5000, "5000 digits"),
])
def test_glued_or_absurd_numbers_are_not_read(cell: str, why: str) -> None:
    out = _active(a=cell)
    assert "active.licensing.previous" not in out["tables"]
    assert out["tables"]["active.licensing.change"] == -6  # the rest of the row is read
    assert any(why in w and "active.licensing.previous" in w for w in out["warnings"])


def test_footnote_mark_is_not_a_digit() -> None:
    out = _active(a="40<sup>1</sup>")
    assert out["tables"]["active.licensing.previous"] == 40


# ---------------------------------------------------------------- flattened text as other tools break it


def _numbers_after(lines: list[str], start: int) -> list[tuple[int, str]]:
    """(line, number) of every multi-digit number of tables 三 and 四 (from line `start`)."""
    out = []
    for i in range(start, len(lines)):
        for tok in lines[i].replace("|", " ").replace("\t", " ").split():
            if tok.isdigit() and len(tok) >= 2 and not tok.startswith("0"):
                out.append((i, tok))
    return out


@FAST
@given(reports(), st.sampled_from(["lines", "cells", "spaces", "tabs"]), st.data())
def test_digits_split_across_lines(g: Generated, style: str, data: st.DataObject) -> None:
    """One number of table 三 or 四 broken in two (162 as 1 / 62, as narrow PDF cells wrap): read
    joined, and marked so, when the template's arithmetic confirms the only reading; otherwise
    that row is not read and a warning names the table. Never a wrong value."""
    lines = render_text(g, style).split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("三、收到"))
    numbers = _numbers_after(lines, start)
    if not numbers:
        return
    i, tok = data.draw(st.sampled_from(numbers))
    cut = data.draw(st.integers(1, len(tok) - 1))
    a, b = tok[:cut], tok[cut:]
    sep = {"lines": "\n", "cells": " |\n", "spaces": " ", "tabs": "\t"}[style]
    before = lines[i]
    lines[i] = before.replace(tok, a + sep + b, 1) if style != "spaces" else before.replace(f" {tok}", f" {a} {b}", 1)
    rep = parse_text("\n".join(lines))
    _right_or_named(g, rep)
    joined = [k for k, src in rep.sources.items() if src == "joined"]
    assert len(joined) <= 1
    for k in joined:
        assert rep.tables[k] == int(tok)
        assert any("broken over two lines" in w for w in rep.warnings)


@FAST
@given(reports(), st.sampled_from(["tabs", "spaces", "cells", "lines", "markdown"]))
def test_page_break_cuts_the_header_and_first_rows(g: Generated, style: str) -> None:
    """PDF text where a page break swallowed table 三's header and its first two rows: the rows
    after the break are read, and the table is reported partial, naming the rows lost."""
    lines = render_text(g, style).split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("三、收到"))
    resume = next(k for k in range(start, len(lines)) if "三、本年度" in lines[k])
    rep = parse_text("\n".join(lines[: start + 1] + ["- 3 -", "第 3 页 共 8 页"] + lines[resume:]))
    _right_or_named(g, rep)
    rec = rep.completeness["三"]
    assert rec["status"] == "partial"
    lost = rec["expected"] - rec["read"] - rec["blank"]
    assert lost >= 14
    warning = next(w for w in rep.warnings if w.startswith("table 三 ("))
    assert "rows new, carried_over" in warning


@FAST
@given(reports(), st.sampled_from(["件", "项", "个", "次"]))
def test_units_in_every_cell(g: Generated, unit: str) -> None:
    """Counts written with their unit (3件) in tables 三 and 四 (every cell a count) read as counts;
    the values and the record are those of the plain report."""
    html = render_html(g)

    def units(table: re.Match[str]) -> str:
        t = table.group(0)
        if "自然人" not in t and "复议" not in t:
            return t  # table 二 holds amounts too
        return re.sub(r"<td>(\d+)</td>", lambda m: f"<td>{m.group(1)}{unit}</td>", t)

    with_units = re.sub(r"<table.*?</table>", units, html, flags=re.S)
    assert with_units != html
    plain = parse_bytes(html.encode("utf-8"), filename="r.html")
    rep = parse_bytes(with_units.encode("utf-8"), filename="r.html")
    assert rep.tables == plain.tables
    assert rep.completeness == plain.completeness


_NARROW_2019 = _ACTIVE_2019.split("<table>")[0] + """<table>
<tr><td colspan="3">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td>2019年项目数量</td><td>处理决定数量</td></tr>
<tr><td>行政许可</td><td>12</td><td>340</td></tr>
<tr><td>其他对外管理服务事项</td><td>3</td><td>0</td></tr>
<tr><td colspan="3">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td>2019年项目数量</td><td>处理决定数量</td></tr>
<tr><td>行政处罚</td><td>8</td><td>25</td></tr>
<tr><td>行政强制</td><td>2</td><td>1</td></tr>
</table></div></body></html>"""


def test_header_narrower_than_the_template() -> None:
    """2019 items (五)/(六) printed with two columns, 2019年项目数量 / 处理决定数量: the decisions are
    read under their header; this year's count is no template column (not 上一年项目数量) and is
    not read, with a warning; table 二 is partial."""
    rep = parse_bytes(_NARROW_2019.encode("utf-8"), filename="r.html")
    t = rep.tables
    assert (t["active.licensing.decisions"], t["active.other_services.decisions"], t["active.penalty.decisions"],
            t["active.coercion.decisions"]) == (340, 0, 25, 1)
    assert not any(k.endswith((".previous", ".change")) for k in t)
    assert any("2019年项目数量" in w and "not template columns" in w for w in rep.warnings)
    assert rep.completeness["二"]["status"] == "partial"
