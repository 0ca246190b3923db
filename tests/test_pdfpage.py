"""pdfium's page objects (crawler.report.pdfpage) give the PDF reader exactly what pdfminer's gave."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pdfplumber
import pytest
from reportlab.pdfgen import canvas

from crawler.report import pdf as reader
from crawler.report.pdfpage import PdfiumPages, covered
from tests.pdfbaseline import pdfminer_only
from tests.reportgen import random_report, render_pdf

CORPUS_PDFS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pdfs"
GENERATED_SEEDS = (0, 7)


def _inputs() -> list[tuple[str, bytes]]:
    out = [(f.name, f.read_bytes()) for f in sorted(CORPUS_PDFS.glob("*.pdf"))]
    return out + [(f"reportgen-{s}", render_pdf(random_report(s))) for s in GENERATED_SEEDS]


INPUTS = _inputs()


@pytest.mark.parametrize(("name", "body"), INPUTS, ids=[n for n, _ in INPUTS])
def test_text_and_every_cell_are_those_pdfminer_gave(name: str, body: bytes) -> None:
    now, before = reader.pdf_text(body), pdfminer_only(body)
    assert before.tables, f"{name}: no table to compare"
    assert now.text == before.text
    assert now.tables == before.tables
    assert now.title == before.title and now.warnings == before.warnings


@pytest.mark.parametrize(("name", "body"), INPUTS, ids=[n for n, _ in INPUTS])
def test_pdfium_reads_the_characters_pdfminer_read(name: str, body: bytes) -> None:
    with pdfplumber.open(io.BytesIO(body)) as pdf, PdfiumPages(body) as pages:
        read = 0
        for page in pdf.pages:
            objects = pages.objects(page)
            if objects is None:
                continue
            read += 1
            assert "".join(c["text"] for c in objects["char"]) == "".join(c["text"] for c in page.chars)
            for mine, theirs in zip(objects["char"], page.chars, strict=True):
                assert mine["x0"] == pytest.approx(theirs["x0"], abs=0.01)
                assert mine["bottom"] == pytest.approx(theirs["bottom"], abs=1.0)  # substituted fonts' descent
            for kind in ("line", "rect", "curve"):
                assert len(objects[kind]) == len(page.objects.get(kind, [])), f"{name} page {page.page_number}: {kind}"
        assert read, f"{name}: pdfium read no page"


def test_vertical_writing_is_left_to_pdfminer() -> None:
    """hongze's table labels 三、本年度办理结果 are written top to bottom (Identity-V): pdfium places
    those boxes elsewhere, so that page is pdfminer's, and the cell keeps its text."""
    path = CORPUS_PDFS / "hongze-2023-annual-report.pdf"
    if not path.is_file():
        pytest.skip(f"real corpus not found at {CORPUS_PDFS}")
    body = path.read_bytes()
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        assert [covered(p) for p in pdf.pages] == [True, True, False, True, True]
    cells = [c for grid in reader.pdf_text(body).tables for row in grid for c in row if c]
    assert "三\n、\n本\n年\n度\n办\n理\n结\n果" in cells


def _rotated_pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setPageRotation(90)
    c.drawString(100, 700, "Rotated page 2023")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_rotated_page_is_left_to_pdfminer() -> None:
    body = _rotated_pdf()
    with pdfplumber.open(io.BytesIO(body)) as pdf, PdfiumPages(body) as pages:
        assert not covered(pdf.pages[0])
        assert pages.objects(pdf.pages[0]) is None
    text = reader.pdf_text(body).text
    assert text == pdfminer_only(body).text
    assert text.split() == ["Rotated", "page", "2023"]


def test_threads_reading_pdfs_at_once_get_what_one_gets() -> None:
    """pdfium must not be entered from two threads at once (a crawl parses in a thread pool)."""
    bodies = [b for _, b in INPUTS]
    want = [(r.text, r.tables) for r in map(reader.pdf_text, bodies)]
    got: dict[int, tuple[str, list]] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            r = reader.pdf_text(bodies[i % len(bodies)])
            got[i] = (r.text, r.tables)
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2 * len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [got[i] for i in range(len(threads))] == [want[i % len(bodies)] for i in range(len(threads))]


def test_malformed_resources_are_left_to_pdfminer() -> None:
    body = render_pdf(random_report(1))
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        page = pdf.pages[0]
        assert covered(page)
        page.page_obj.resources = {"Font": [1, 2]}  # a list where a dictionary belongs
        assert not covered(page)
        page.page_obj.resources = {"Font": {"F1": 7}}  # a number where a font belongs
        assert not covered(page)
