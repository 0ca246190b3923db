"""Tables that are pictures: generated reports whose tables are images (PNG at screen resolution,
scanned JPEG, image-only PDF) parse back to the generated values — every cell right, or absent
with a warning; never a wrong value."""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field

import pytest
from PIL import Image

from crawler.demo.tableimage import (
    FONT_HINT,
    SpanCell,
    cjk_font_path,
    jpeg_bytes,
    page_blocks,
    pdf_of_images,
    png_bytes,
    render_pages,
    render_table,
    scanned,
    span_tables,
)
from crawler.report import ocr, ocrtable
from crawler.report.parse import ReportError, parse_bytes
from crawler.tablegrid import grids_from_html
from tests.reportgen import random_report, render_html

pytestmark = [
    pytest.mark.skipif(ocr.missing_reason() is not None, reason=str(ocr.missing_reason())),
    pytest.mark.skipif(cjk_font_path() is None, reason=f"no CJK font to draw tables with: {FONT_HINT}"),
]

# Reports per picture format in the round trip (3 formats: 21 reports by default, ~10 min on
# the 2-core development machine; OCR of a table 三 takes 5-20 s there).
REPORTS_PER_FORMAT = int(os.environ.get("ZWGK_OCR_TEST_REPORTS", "7"))
MIN_RIGHT_SHARE = 0.99


def _image_page(html: str, pictures: list[bytes | None], ext: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    """The page with its i-th <table> replaced by <img src="ti.ext"> (dropped where pictures[i] is
    None), and the pictures by address."""
    named = [(f"t{i}.{ext}", p) for i, p in enumerate(pictures) if p is not None]
    it = iter(pictures)
    names = iter(n for n, _ in named)

    def swap(m: re.Match[str]) -> str:
        return f"<p><img src='{next(names)}' alt='表格'></p>" if next(it) is not None else ""

    page = re.sub(r"<table.*?</table>", swap, html, flags=re.S)
    return page.encode("utf-8"), named


def _parse(fmt: str, seed: int):  # noqa: ANN202 - (Generated, Report)
    g = random_report(seed)
    html = render_html(g)
    if fmt == "png":
        page, pics = _image_page(html, [png_bytes(render_table(t)) for t in span_tables(html)], "png")
        return g, parse_bytes(page, filename="report.html", images=pics)
    if fmt == "jpeg":
        shots = [jpeg_bytes(scanned(render_table(t), seed * 10 + i)) for i, t in enumerate(span_tables(html))]
        page, pics = _image_page(html, shots, "jpg")
        return g, parse_bytes(page, filename="report.html", images=pics)
    pages = [scanned(p, seed * 10 + i, scale=1.0) for i, p in enumerate(render_pages(page_blocks(html)))]
    return g, parse_bytes(pdf_of_images(pages, dpi=200), filename="scan.pdf")


@dataclass
class Tally:
    cells: int = 0
    right: int = 0
    wrong: list[str] = field(default_factory=list)
    absent_unwarned: list[str] = field(default_factory=list)
    templates: set[str] = field(default_factory=set)


@pytest.mark.parametrize("fmt", ["png", "jpeg", "pdf"])
def test_picture_tables_round_trip(fmt: str) -> None:
    tally = Tally()
    for seed in range(REPORTS_PER_FORMAT):
        g, rep = _parse(fmt, seed)
        tally.templates.add(g.template)
        tally.cells += len(g.values)
        not_read = [w for w in rep.warnings if "not read" in w]
        for k, v in g.values.items():
            got = rep.tables.get(k)
            if got == v:
                tally.right += 1
                assert rep.sources[k] == "ocr", (k, rep.sources[k])
                assert ocrtable.NUMBER_MIN_CONFIDENCE <= rep.confidence[k] <= 1.0
            elif got is not None:
                tally.wrong.append(f"seed {seed} {k}: {got} (truth {v})")
            elif not not_read:
                tally.absent_unwarned.append(f"seed {seed} {k}")
        invented = set(rep.tables) - set(g.values)
        assert not invented, f"seed {seed}: invented {sorted(invented)[:5]}"
        assert rep.year == g.year and rep.template == g.template
        if len(rep.tables) == len(g.values):
            assert all(c["ok"] for c in rep.checks), [c for c in rep.checks if not c["ok"]][:2]
    assert not tally.wrong, tally.wrong[:5]
    assert not tally.absent_unwarned, tally.absent_unwarned[:5]
    assert tally.right / tally.cells >= MIN_RIGHT_SHARE, f"{tally.right}/{tally.cells} cells right"
    if REPORTS_PER_FORMAT >= 4:
        assert tally.templates == {"2019", "2021"}
    print(f"{fmt}: {tally.right}/{tally.cells} cells right, 0 wrong")


def test_merged_cells_become_a_grid_like_html() -> None:
    """Rules found in the pixels give the cells; a merged cell's text covers its positions."""
    table = [
        [SpanCell("信息内容", rowspan=2), SpanCell("本年制发件数", colspan=2), SpanCell("现行有效件数")],
        [SpanCell("商业企业"), SpanCell("科研机构"), SpanCell("12")],
        [SpanCell("规章"), SpanCell("3"), SpanCell("无"), SpanCell("45")],
    ]
    page = ocrtable.read_image(render_table(table))
    assert len(page.tables) == 1
    assert page.tables[0].grid == [
        ["信息内容", "本年制发件数", "本年制发件数", "现行有效件数"],
        ["信息内容", "商业企业", "科研机构", "12"],
        ["规章", "3", "无", "45"],
    ]
    assert not page.tables[0].warnings


def test_skewed_scan_gives_the_same_grid() -> None:
    g = random_report(3)
    html = render_html(g)
    table = span_tables(html)[2]  # table 四: four rows, fifteen columns
    page = ocrtable.read_image(Image.open(io.BytesIO(jpeg_bytes(scanned(render_table(table), 5, max_skew_deg=1.5)))))
    assert page.skew_deg != 0
    got, truth = page.tables[0].grid, grids_from_html(html)[2]
    assert [len(r) for r in got] == [len(r) for r in truth]
    for r, (row, want) in enumerate(zip(got, truth, strict=True)):
        for c, (cell, cell_truth) in enumerate(zip(row, want, strict=True)):
            # a cell is read right, or left blank with a warning naming it (a merged one by its first position)
            assert cell == cell_truth or (cell == "" and any(
                f"row {r0 + 1}, column {c0 + 1}:" in w for w in page.tables[0].warnings
                for r0 in range(r + 1) for c0 in range(c + 1))), (r, c, cell, cell_truth)


def test_unsure_numbers_are_blank_with_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above any confidence the engine gives, every number is refused: no value, one warning each."""
    monkeypatch.setattr(ocrtable, "NUMBER_MIN_CONFIDENCE", 1.01)
    g = random_report(4)
    html = render_html(g)
    page, pics = _image_page(html, [None, None, png_bytes(render_table(span_tables(html)[2]))], "png")
    rep = parse_bytes(page, filename="report.html", images=pics)
    assert not any(k.startswith("appeals.") for k in rep.tables)
    warned = [w for w in rep.warnings if "not read" in w and "row 4" in w]
    assert len(warned) == 15, rep.warnings  # the fifteen value cells of table 四's last row


def test_image_file_and_image_only_pdf_parse() -> None:
    """`zwgk parse` input: a PNG page, a multi-page TIFF, an image-only PDF."""
    g = random_report(8)
    pages = render_pages(page_blocks(render_html(g)))
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    rep = parse_bytes(buf.getvalue(), filename="report.tif")
    # (names are OCR's too: 沭阳 can come back as 述阳, so the agency is not compared here)
    assert rep.is_report and rep.year == g.year and rep.template == g.template
    assert {rep.sources[k] for k in rep.tables} == {"ocr"}
    assert sum(1 for k, v in rep.tables.items() if g.values.get(k) == v) >= MIN_RIGHT_SHARE * len(g.values)
    one = parse_bytes(png_bytes(pages[0]), filename="page1.png")
    assert one.title == rep.title
    pdf = parse_bytes(pdf_of_images(pages, dpi=200), filename="scan.pdf")
    assert all(g.values.get(k) == v for k, v in pdf.tables.items())
    assert len(pdf.tables) >= MIN_RIGHT_SHARE * len(g.values)
    assert any("no text layer (scanned); read by OCR" in w for w in pdf.warnings)


def test_broken_and_huge_pictures_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ReportError, match="unreadable image"):
        parse_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, filename="x.png")
    from crawler.report import scan

    monkeypatch.setattr(scan, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(ReportError, match="larger than 100 pixels"):
        parse_bytes(png_bytes(Image.new("RGB", (20, 20), "white")), filename="x.png")


def test_page_with_a_broken_picture_keeps_the_others() -> None:
    g = random_report(2)
    html = render_html(g)
    pics = [png_bytes(render_table(t)) for t in span_tables(html)]
    page, named = _image_page(html, [pics[0], b"GIF89a broken", pics[2]], "png")
    rep = parse_bytes(page, filename="report.html", images=named)
    assert any("t1.png" in w and "unreadable picture" in w for w in rep.warnings)
    assert any(k.startswith("appeals.") for k in rep.tables)
    assert all(rep.tables[k] == g.values[k] for k in rep.tables if rep.sources[k] == "ocr")


def test_page_with_html_tables_and_one_picture_marks_only_the_picture_values() -> None:
    g = random_report(6)
    html = render_html(g)
    appeals = png_bytes(render_table(span_tables(html)[2]))
    tables = re.findall(r"<table.*?</table>", html, flags=re.S)
    page = html.replace(tables[2], "<p><img src='t2.png' alt='行政复议行政诉讼情况表'></p>")
    rep = parse_bytes(page.encode("utf-8"), filename="report.html", images=[("t2.png", appeals)])
    assert {rep.sources[k] for k in rep.tables if k.startswith("appeals.")} == {"ocr"}
    assert {rep.sources[k] for k in rep.tables if not k.startswith("appeals.")} == {"table"}
    assert set(rep.confidence) == {k for k in rep.tables if k.startswith("appeals.")}
    assert all(rep.tables[k] == v for k, v in g.values.items() if k in rep.tables)
    assert sum(1 for k in g.values if k.startswith("appeals.") and k in rep.tables) >= 14


def test_zwgk_parse_reads_an_image_file(tmp_path) -> None:  # noqa: ANN001 - pytest fixture
    import json
    import subprocess
    import sys

    g = random_report(7)
    path = tmp_path / "table4.png"
    path.write_bytes(png_bytes(render_table(span_tables(render_html(g))[2])))
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(path)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    rep = json.loads(out.stdout.splitlines()[0])
    appeals = {k: v for k, v in rep["tables"].items() if k.startswith("appeals.")}
    assert appeals and all(g.values[k] == v for k, v in appeals.items())
    assert {rep["sources"][k] for k in appeals} == {"ocr"}
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    out = subprocess.run([sys.executable, "-m", "crawler.cli", "parse", str(bad)], capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 3 and "unreadable image" in out.stderr  # every input (the one) failed


def test_without_the_engine_pictures_are_clear_errors_or_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    reason = f"OCR engine not installed (rapidocr_onnxruntime): {ocr.INSTALL_HINT}"
    monkeypatch.setattr(ocr, "missing_reason", lambda: reason)
    blank = Image.new("RGB", (400, 300), "white")
    with pytest.raises(ReportError, match=r"image not read: OCR engine not installed"):
        parse_bytes(png_bytes(blank), filename="x.png")
    rep = parse_bytes(pdf_of_images([blank]), filename="scan.pdf")
    assert any("no text layer (scanned); not read: OCR engine not installed" in w for w in rep.warnings)
    page = parse_bytes(b"<html><body><h1>t</h1><img src='a.png'></body></html>", filename="a.html",
                       images=[("a.png", png_bytes(blank))])
    assert any("1 table picture(s) not read: OCR engine not installed" in w for w in page.warnings)
