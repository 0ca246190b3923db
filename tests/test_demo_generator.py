"""The synthetic report generator: complete keys, arithmetic that holds, renderings that carry the values."""

from __future__ import annotations

import io
import re

import pdfplumber
import pytest
from lxml import html as lxml_html

from crawler.demo.generator import (
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    APPLICANT_COLUMNS,
    COLUMNS,
    TEMPLATES,
    failed_checks,
    generate_report,
    outcome_rows,
    request_rows,
    template_keys,
)
from crawler.demo.render import (
    render_report_html,
    render_report_pdf,
    render_report_text,
    table_grid,
    table_requests,
    wan,
)

SEEDS = range(400)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_key_present_and_every_check_holds(template: str) -> None:
    keys = set(template_keys(template))
    nonzero_requests = 0
    for seed in SEEDS:
        r = generate_report(seed, template=template)
        assert set(r.values) == keys, seed
        assert failed_checks(r.values, template) == [], seed
        for k, v in r.values.items():
            if k.endswith("_yuan"):
                assert isinstance(v, float) and v >= 0 and v % 100 == 0, (seed, k, v)
            else:
                assert isinstance(v, int), (seed, k, v)
                assert v >= 0 or k.endswith(".change"), (seed, k, v)
        nonzero_requests += r.values["requests.total.total"] > 0
    # Random numbers, not all zero: most agencies do receive requests.
    assert nonzero_requests > len(SEEDS) // 2


def test_key_sets_follow_the_reference() -> None:
    k21, k19 = set(template_keys("2021")), set(template_keys("2019"))
    assert {"requests.other.no_correction.total", "requests.other.unpaid_fee.legal",
            "requests.other.misc.natural_person", "active.fees.amount_yuan", "active.rules.in_force",
            "appeals.suit_after_review.pending"} <= k21
    assert not any(k.startswith("requests.other.all") for k in k21)
    assert {"requests.other.all.total", "active.licensing.change", "active.procurement.amount_yuan",
            "active.other_services.decisions", "active.fees.previous"} <= k19
    assert not any(k.startswith("requests.other.no_correction") for k in k19)
    assert len(request_rows("2021")) == 25 and len(request_rows("2019")) == 23
    assert len(k21) == 10 + 25 * 7 + 15 and len(k19) == 22 + 23 * 7 + 15


@pytest.mark.parametrize("template", TEMPLATES)
def test_checks_detect_broken_arithmetic(template: str) -> None:
    r = generate_report(7, template=template)
    bad = dict(r.values)
    bad["requests.granted.business"] += 1  # breaks its row, its column's outcomes and balance
    assert set(failed_checks(bad, template)) == {
        "requests.row.granted", "requests.outcomes.business"}
    bad = dict(r.values)
    bad["requests.new.total"] += 3
    assert set(failed_checks(bad, template)) == {"requests.row.new", "requests.balance.total"}
    bad = dict(r.values)
    bad["appeals.review.pending"] += 1
    assert failed_checks(bad, template) == ["appeals.review"]
    # A check with a missing input is not run.
    del bad["appeals.review.total"]
    assert failed_checks(bad, template) == []


def test_deterministic_and_seed_dependent() -> None:
    a, b = generate_report(42), generate_report(42)
    assert a == b
    c = generate_report(43)
    assert (c.values, c.title) != (a.values, a.title)


def test_metadata_of_a_known_agency() -> None:
    r = generate_report(5, template="2019", agency="赣州市住房和城乡建设局", year=2019)
    assert (r.agency, r.year, r.template, r.region_code, r.province) == (
        "赣州市住房和城乡建设局", 2019, "2019", "360700", "江西省")
    assert "赣州市住房和城乡建设局" in r.title and "2019年" in r.title
    assert r.title.endswith("政府信息公开工作年度报告")
    assert r.published.year == 2020
    county = generate_report(5, agency="淮安市洪泽区人民政府", year=2023)
    assert (county.region_code, county.province) == ("320813", "江苏省")


def test_unknown_agency_invents_no_region() -> None:
    r = generate_report(1, agency="某某县某某局", year=2022)
    assert (r.region_code, r.province) == ("", "")
    r = generate_report(1, agency="某某县某某局", year=2022, region_code="350128")
    assert (r.region_code, r.province) == ("350128", "福建省")


def test_bad_template_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="template"):
        generate_report(1, template="2008")


def test_random_metadata_is_coherent() -> None:
    for seed in range(100):
        for template in TEMPLATES:
            r = generate_report(seed, template=template)
            assert (r.year <= 2020) == (template == "2019")
            assert str(r.year) in r.title and r.agency in r.title
            assert r.published.year == r.year + 1
            assert re.fullmatch(r"\d{6}", r.region_code) and r.province.endswith(("省", "市", "自治区"))
            assert [s.heading[0] for s in r.sections] == list("一二三四五六")
            assert [s.table for s in r.sections if s.table] == ["二", "三", "四"]


def test_wan_round_trips_exactly() -> None:
    for seed in SEEDS:
        r = generate_report(seed)
        yuan = r.values["active.fees.amount_yuan"]
        text = wan(yuan)
        assert len(text.partition(".")[2]) <= 2
        assert round(float(text) * 10000, 2) == yuan


def _html_grid(table: lxml_html.HtmlElement) -> list[list[str]]:
    """Expand rowspan/colspan the way a parser must (test-side, independent of render.table_grid)."""
    grid: dict[tuple[int, int], str] = {}
    for ri, tr in enumerate(table.iter("tr")):
        ci = 0
        for td in tr.iter("td"):
            while (ri, ci) in grid:
                ci += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for dr in range(rs):
                for dc in range(cs):
                    grid[(ri + dr, ci + dc)] = td.text_content().strip()
            ci += cs
    rows = 1 + max(r for r, _ in grid)
    cols = 1 + max(c for _, c in grid)
    return [[grid.get((r, c), "") for c in range(cols)] for r in range(rows)]


def _num(text: str) -> int:
    return 0 if text in ("0", "无") else int(text)


@pytest.mark.parametrize(("seed", "template"), [(3, "2021"), (11, "2019"), (20, "2021"), (21, "2019")])
def test_html_tables_carry_the_values(seed: int, template: str) -> None:
    r = generate_report(seed, template=template)
    doc = lxml_html.fromstring(f"<div>{render_report_html(r)}</div>")
    tables = doc.findall(".//table")
    assert len(tables) == 3
    requests = tables[1]
    # 三、本年度办理结果 spans all outcome rows plus （七）总计; 法人或其他组织 spans five columns.
    spans = {td.text_content(): (int(td.get("rowspan", 1)), int(td.get("colspan", 1)))
             for td in requests.iter("td")}
    assert spans["三、本年度办理结果"] == (len(outcome_rows(template)) + 1, 1)
    assert spans["法人或其他组织"] == (1, 5)
    assert (22 if template == "2021" else 20) == spans["三、本年度办理结果"][0]
    grid = _html_grid(requests)
    body = grid[3:]  # after the three header rows
    assert len(body) == len(request_rows(template))
    for row_key, cells in zip(request_rows(template), body, strict=True):
        assert [_num(c) for c in cells[3:]] == [r.values[f"requests.{row_key}.{c}"] for c in COLUMNS]
    appeals = _html_grid(tables[2])
    assert appeals[0][0] == "行政复议" and appeals[0][5] == "行政诉讼" and appeals[1][5] == "未经复议直接起诉"
    assert [_num(c) for c in appeals[3]] == [
        r.values[f"appeals.{g}.{c}"] for g in APPEAL_GROUPS for c in APPEAL_COLUMNS]
    text = doc.text_content()
    assert all(s.heading in text for s in r.sections)


def test_text_rendering_flattens_rows() -> None:
    r = generate_report(3, template="2021")
    text = render_report_text(r)
    total = " | ".join(str(r.values[f"requests.total.{c}"]) if r.values[f"requests.total.{c}"]
                       else r.style["zero"] for c in COLUMNS)
    assert f"（七）总计 | {total}" in text
    assert "行政复议 | 行政诉讼" in text
    assert text.splitlines()[0] == r.title


def test_pdf_extracts_text_and_tables() -> None:
    r = generate_report(3, template="2021")
    with pdfplumber.open(io.BytesIO(render_report_pdf(r))) as pdf:
        text = "".join((p.extract_text() or "") for p in pdf.pages)
        tables = [t for p in pdf.pages for t in p.extract_tables()]
    assert r.title in re.sub(r"\s+", "", text)
    assert "三、收到和处理政府信息公开申请情况" in text
    rows = [row for t in tables for row in t]
    total = next(row for row in rows if row and row[1] == "（七）总计")
    assert [_num(c) for c in total[3:]] == [r.values[f"requests.total.{c}"] for c in COLUMNS]
    assert any(row[0] == "行政复议" for row in rows)
    # The grid model and the extracted PDF table agree on the table's shape.
    model = table_grid(table_requests(r))
    pdf_table = next(t for t in tables if t and t[0][3] == "申请人情况")
    assert len(pdf_table) == len(model) and len(pdf_table[0]) == len(model[0]) == 3 + len(APPLICANT_COLUMNS) + 1
