"""Reports generated from the template with random numbers parse back to exactly those numbers,
whether rendered as HTML, as flattened text, as PDF, as DOCX or as a spreadsheet."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from crawler.report.legacy import INSTALL_HINT, soffice_path
from crawler.report.parse import parse_bytes, parse_text
from tests.reportgen import (
    Generated,
    render_doc,
    render_docx,
    render_html,
    render_pdf,
    render_text,
    render_xls,
    render_xlsx,
    reports,
    title,
)

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_same(g: Generated, tables: dict, checks: list[dict]) -> None:
    missing = {k: v for k, v in g.values.items() if tables.get(k) != v}
    invented = sorted(set(tables) - set(g.values))
    assert not missing, f"wrong or missing: {dict(list(missing.items())[:8])} (got {[tables.get(k) for k in list(missing)[:8]]})"
    assert not invented, f"invented: {invented[:8]}"
    # generated numbers satisfy the arithmetic, so every check that ran passed
    assert all(c["ok"] for c in checks), [c for c in checks if not c["ok"]][:2]


@FAST
@given(reports())
def test_html_round_trip(g: Generated) -> None:
    rep = parse_bytes(render_html(g).encode("utf-8"), filename="report.html")
    _assert_same(g, rep.tables, rep.checks)
    assert rep.year == g.year
    assert rep.template == g.template
    assert rep.region["code"] == g.code


@FAST
@given(reports(), st.integers(min_value=3, max_value=24))
def test_html_table_split_in_two_round_trip(g: Generated, cut: int) -> None:
    """Each table split after `cut` rows into a second <table> (a 续表, as editors break long
    tables): rowspans cut at the split, the second part without a header."""
    import re

    def split(m: re.Match[str]) -> str:
        table = m.group(0)
        rows = re.findall(r"<tr.*?</tr>", table, re.S)
        if len(rows) <= cut:
            return table
        head = table[: table.index("<tr")]
        return head + "".join(rows[:cut]) + "</table><p>（续表）</p>" + head + "".join(rows[cut:]) + "</table>"

    page = re.sub(r"<table.*?</table>", split, render_html(g), flags=re.S)
    rep = parse_bytes(page.encode("utf-8"), filename="report.html")
    _assert_same(g, rep.tables, rep.checks)


@FAST
@given(reports(), st.sampled_from(["cells", "lines", "markdown", "tabs", "spaces"]))
def test_flattened_text_round_trip(g: Generated, style: str) -> None:
    rep = parse_text(render_text(g, style))
    _assert_same(g, rep.tables, rep.checks)
    assert rep.agency == g.agency
    assert rep.year == g.year


# PDF rendering and reading take about a second each: few examples, and no slow shrinking
@settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_pdf_round_trip(g: Generated) -> None:
    rep = parse_bytes(render_pdf(g), filename="report.pdf")
    _assert_same(g, rep.tables, rep.checks)
    assert rep.year == g.year


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_docx_round_trip(g: Generated) -> None:
    rep = parse_bytes(render_docx(g), filename="report.docx")
    _assert_same(g, rep.tables, rep.checks)
    assert rep.agency == g.agency


@FAST
@given(reports(allow_blanks=False), st.sampled_from(["cells", "markdown", "spaces"]), st.data())
def test_wrong_arithmetic_is_reported_not_fixed(g: Generated, style: str, data: st.DataObject) -> None:
    """Break one total: its check fails with the printed numbers, and the value stays as printed."""
    grp = data.draw(st.sampled_from(["review", "suit_direct", "suit_after_review"]))
    key = f"appeals.{grp}.total"
    g.values[key] += data.draw(st.integers(1, 9))
    rep = parse_text(render_text(g, style))
    assert rep.tables[key] == g.values[key]
    failed = {c["name"]: c for c in rep.checks if not c["ok"]}
    assert set(failed) == {f"appeals.{grp}"}
    assert failed[f"appeals.{grp}"]["actual"] == g.values[key]


@FAST
@given(reports(allow_blanks=False), st.data())
def test_lost_cell_in_appeals_is_not_shifted(g: Generated, data: st.DataObject) -> None:
    """A flattened table 四 that lost one of its 15 numbers yields no appeals values and a warning."""
    text = render_text(g, "cells")
    lines = text.splitlines()
    start = lines.index("四、政府信息公开行政复议、行政诉讼情况")
    value_lines = [i for i in range(start, len(lines)) if lines[i].rstrip(" |").strip().lstrip("-").isdigit()
                   or lines[i].strip() == "无 |"]
    drop = data.draw(st.sampled_from(value_lines))
    del lines[drop]
    rep = parse_text("\n".join(lines))
    assert not [k for k in rep.tables if k.startswith("appeals.")]
    assert any("table 四" in w for w in rep.warnings)


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@FAST
@given(reports(), st.sampled_from(["cells", "markdown", "tabs", "spaces"]), st.data())
def test_label_and_digit_variants(g: Generated, style: str, data: st.DataObject) -> None:
    """Wording and typography real reports vary in: the values still come out exactly."""
    text = render_text(g, style)
    if data.draw(st.booleans()):
        text = text.replace("本年新收", "本年度新收").replace("上年结转", "上年度结转")
    if data.draw(st.booleans()):
        text = text.replace("（七）总计", "（七）合计")
    if data.draw(st.booleans()):
        text = text.replace("1.属于", "1、属于").replace("2.没有", "2、没有")
    if data.draw(st.booleans()):
        text = text.replace("行政规范性文件", "规范性文件")
    if data.draw(st.booleans()):
        text = text.translate(_FULLWIDTH)
    lines = text.splitlines()
    start = lines.index("三、收到和处理政府信息公开申请情况")
    at = data.draw(st.integers(start + 1, len(lines) - 1))
    lines.insert(at, "- 4 -")  # a page number inside the table
    rep = parse_text("\n".join(lines))
    _assert_same(g, rep.tables, rep.checks)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_xlsx_round_trip(g: Generated) -> None:
    rep = parse_bytes(render_xlsx(g), filename="report.xlsx")
    _assert_same(g, rep.tables, rep.checks)
    assert rep.agency == g.agency and rep.year == g.year


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_xls_round_trip(g: Generated) -> None:
    # a legacy workbook has no title property: the linking page's title names the report
    rep = parse_bytes(render_xls(g), filename="report.xls", context={"title": title(g)})
    _assert_same(g, rep.tables, rep.checks)
    assert rep.agency == g.agency and rep.year == g.year


# LibreOffice takes about a second per conversion (two per example): few examples, no shrinking
@pytest.mark.skipif(soffice_path() is None, reason=f"LibreOffice (soffice) is not installed: {INSTALL_HINT}")
@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(reports(), st.sampled_from(["doc", "wps"]))
def test_legacy_word_round_trip(g: Generated, ext: str) -> None:
    # Kingsoft WPS writes the Word 97 binary format under its own extension
    rep = parse_bytes(render_doc(g), filename=f"report.{ext}")
    _assert_same(g, rep.tables, rep.checks)
    assert rep.agency == g.agency and rep.year == g.year


def _cjk_font() -> bool:
    """LibreOffice needs a Chinese font to write a PDF whose text reads back (fonts-wqy-microhei)."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return False
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


# The PDF a Word user exports: ruled tables with merged label cells, narrow columns whose labels
# wrap, rows and tables broken across pages. About two seconds per example.
@pytest.mark.skipif(soffice_path() is None or not _cjk_font(),
                    reason=f"LibreOffice and a Chinese font are needed: {INSTALL_HINT} fonts-wqy-microhei")
@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(reports())
def test_word_exported_pdf_round_trip(g: Generated) -> None:
    from crawler.report.legacy import convert

    rep = parse_bytes(convert(render_docx(g, grid=True), "docx", to="pdf"), filename="report.pdf")
    _assert_same(g, rep.tables, rep.checks)
    assert rep.year == g.year
