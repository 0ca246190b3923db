"""Text and tables of PDF and DOCX reports: the one reader of these files, used by the report
parser (text and table grids) and by `zwgk extract` (crawler.extract.files: text only)."""

from __future__ import annotations

import io
import logging
import re
import zlib
from dataclasses import dataclass, field
from typing import Any

from crawler.limits import (
    MAX_PDF_CONTENT,
    MAX_PDF_OBJECTS,
    MAX_PDF_PAGE_CONTENT,
    MAX_REF_CHAIN,
    LimitError,
    check_cells,
    checked_zip,
)

Grid = list[list[str | None]]

_PAGE_NO = re.compile(r"^\s*(?:[-－—–]\s*\d{1,3}\s*[-－—–]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?)\s*$")


_TABLE_WORDS = re.compile(r"第二十条|信息内容|自然人|行政复议|行政诉讼|新收|办理结果|结转|不予公开|无法提供|不予处理|总计")
_NUMBERS_LINE = re.compile(r"(?:\d+\s+){2,}\d+")


def _may_hold_table(text: str) -> bool:
    """A page with a table's words, or with several lines of three or more numbers."""
    if _TABLE_WORDS.search(text):
        return True
    return sum(1 for ln in text.splitlines() if _NUMBERS_LINE.search(ln)) >= 3


@dataclass
class FileText:
    text: str = ""
    tables: list[Grid] = field(default_factory=list)
    title: str = ""
    warnings: list[str] = field(default_factory=list)
    # read by OCR (crawler.report.scan): pictures' tables, kept apart so their values say "ocr"
    ocr: bool = False  # the text itself came from OCR
    ocr_tables: list[Grid] = field(default_factory=list)
    ocr_confidence: dict[str, float] = field(default_factory=dict)  # table family -> lowest cell


def fix_pdf_string(value: object) -> str:
    """A PDF info string as text: UTF-16 with a byte-order mark (also when a reader decoded it as
    Latin-1, the ÿþ… mojibake), else UTF-8 or GB18030 bytes."""
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str):
        if not value.startswith(("ÿþ", "þÿ")):
            return value.replace("\x00", "").strip()
        try:
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            return value
    else:
        return ""
    encodings = ("utf-16",) if raw.startswith((b"\xfe\xff", b"\xff\xfe")) else ("utf-8", "gb18030")
    for enc in encodings:
        try:
            return raw.decode(enc).replace("\x00", "").strip()
        except UnicodeDecodeError:
            continue
    return ""


MAX_PDF_PAGES = 300

# `N G obj M G R endobj`: an object that is only a reference to another one
_BARE_REF = re.compile(rb"(\d+)\s+\d+\s+obj\s*(\d+)\s+\d+\s+R\s*endobj")


def check_reference_loops(body: bytes) -> None:
    """LimitError for objects that refer to each other in a loop (1 0 R -> 2 0 R -> 1 0 R): pdfminer
    follows such chains forever. Run on the raw bytes, because opening the file may already follow
    the trailer's chain; objects inside compressed object streams are checked after opening."""
    refs = {int(a): int(b) for a, b in _BARE_REF.findall(body)}
    for start in refs:
        seen = {start}
        nxt = refs.get(start)
        while nxt is not None:
            if nxt in seen:
                raise LimitError(f"PDF object {start} is a loop of references ({len(seen)} objects); "
                                 "the file is broken or hostile")
            seen.add(nxt)
            nxt = refs.get(nxt)


def _check_objects(doc: Any) -> None:
    """LimitError for too many objects, or a chain of references that does not end (objects in
    compressed object streams, which the raw scan cannot see)."""
    from pdfminer.pdftypes import PDFObjRef

    objids: set[int] = set()
    for xref in doc.xrefs:
        objids.update(xref.get_objids())
        if len(objids) > MAX_PDF_OBJECTS:
            raise LimitError(f"PDF has more than {MAX_PDF_OBJECTS:,} objects; the limit is {MAX_PDF_OBJECTS:,}")
    for objid in objids:
        try:
            obj = doc.getobj(objid)
            for _ in range(MAX_REF_CHAIN):
                if not isinstance(obj, PDFObjRef):
                    break
                obj = obj.resolve()
            else:
                raise LimitError(f"PDF object {objid} is a chain of more than {MAX_REF_CHAIN} references "
                                 "(a loop?); the file is broken or hostile")
        except LimitError:
            raise
        except Exception:  # noqa: BLE001, S112 - a broken object is pdfminer's to report when it is read
            continue


def _stream_size(stream: Any, cap: int) -> int:
    """Decoded size of a content stream, at most cap + 1 bytes inflated (a Flate bomb is measured
    without being expanded)."""
    filters = stream.get_filters()
    raw = stream.rawdata if stream.rawdata is not None else None
    if raw is not None and len(filters) == 1 and str(filters[0][0]).strip("/'") in ("FlateDecode", "Fl"):
        try:
            return len(zlib.decompressobj().decompress(raw, cap + 1))
        except zlib.error:
            return len(raw)
    return len(stream.get_data())


def _check_content(page: Any, number: int, total: int) -> int:
    """LimitError when one page's (or, with the pages before, the file's) decoded content is beyond
    MAX_PDF_PAGE_CONTENT / MAX_PDF_CONTENT; returns the new running total."""
    from pdfminer.pdftypes import PDFStream, resolve1

    size = 0
    for ref in page.page_obj.contents:
        stream = resolve1(ref)
        if isinstance(stream, PDFStream):
            size += _stream_size(stream, MAX_PDF_PAGE_CONTENT - size)
        if size > MAX_PDF_PAGE_CONTENT:
            raise LimitError(f"PDF page {number} has more than {MAX_PDF_PAGE_CONTENT // 2**20} MB of drawing "
                             "operators; the limit keeps one file's reading within seconds")
    total += size
    if total > MAX_PDF_CONTENT:
        raise LimitError(f"PDF pages 1-{number} hold more than {MAX_PDF_CONTENT // 2**20} MB of drawing operators; "
                         "the limit keeps one file's reading within seconds")
    return total


def pdf_text(body: bytes, *, tables: bool = True, max_pages: int = MAX_PDF_PAGES) -> FileText:
    """Page texts (page numbers dropped) and, with `tables`, every table pdfplumber finds, as grids.

    pdfplumber lays out text and finds tables; the page's characters and paths come from pdfium
    (crawler.report.pdfpage), or from pdfminer on pages that module does not cover.

    Work is bounded by max_pages (a warning says so) and by the caps of crawler.limits (LimitError).
    Raises what pdfminer raises on a broken file."""
    import pdfplumber  # heavy import, only when a PDF comes

    from crawler.report.pdfpage import PdfiumPages

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    out = FileText()
    pages: list[str] = []
    check_reference_loops(body)
    with pdfplumber.open(io.BytesIO(body)) as pdf, PdfiumPages(body) as pdfium_pages:
        _check_objects(pdf.doc)
        meta = pdf.metadata or {}
        out.title = fix_pdf_string(meta.get("Title", ""))
        if len(pdf.pages) > max_pages:
            out.warnings.append(f"PDF has {len(pdf.pages)} pages; only the first {max_pages} were read")
        continued = False  # the page before ended in a table, which may go on here
        content = 0
        for number, page in enumerate(pdf.pages[:max_pages], 1):
            content = _check_content(page, number, content)
            objects = pdfium_pages.objects(page)
            if objects is not None:
                # pdfium's objects in place of pdfminer's (its page reading is most of the time);
                # pdfplumber caches page.objects in this attribute and builds on it.
                page._objects = objects
            txt = page.extract_text() or ""
            pages.append("\n".join(ln for ln in txt.splitlines() if not _PAGE_NO.match(ln)))
            if not tables or not (continued or _may_hold_table(txt)):
                continued = False
                continue  # table finding is the slow part; prose pages are skipped
            found = page.extract_tables()
            for tb in found:
                # None marks a position covered by a merged cell: kept, the row reader skips it
                grid = [list(row) for row in tb]
                if grid and max(len(r) for r in grid) > 1:
                    out.tables.append(grid)
            continued = bool(found)
    from crawler.report.scan import read_scanned_pages

    read_scanned_pages(body, pages, out)  # pages without a text layer: rendered and read by OCR
    out.text = "\n".join(pages).strip()
    if not out.text and not out.ocr_tables:
        out.warnings.append("the PDF has no text layer (scanned images?) and OCR read nothing")
    return out


_SPAN_DIGITS = 12
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def check_docx(body: bytes) -> None:
    """LimitError for a DOCX that inflates beyond the zip caps, or whose tables expand (gridSpan)
    beyond MAX_TABLE_CELLS; python-docx would build every spanned position. Not a zip: left to
    python-docx to report."""
    from lxml import etree

    with checked_zip(body, "DOCX") as archive:
        if archive is None:
            return
        try:
            part = archive.open("word/document.xml")
        except KeyError:
            return
        with part:
            stack: list[list[int]] = []  # per open table: [rows, widest row]
            width = 0
            for event, el in etree.iterparse(part, events=("start", "end"), resolve_entities=False,
                                             no_network=True):
                tag = el.tag
                if event == "start":
                    if tag == f"{_W}tbl":
                        stack.append([0, 0])
                    elif tag == f"{_W}tr":
                        width = 0
                    continue
                if tag == f"{_W}gridSpan" and stack:
                    raw = el.get(f"{_W}val") or "1"
                    if raw.isdigit():  # a 5,000-digit span is no less absurd than 10¹²
                        width += (int(raw) if len(raw) <= _SPAN_DIGITS else 10**_SPAN_DIGITS) - 1
                elif tag == f"{_W}tc" and stack:
                    width += 1
                elif tag == f"{_W}tr" and stack:
                    stack[-1][0] += 1
                    stack[-1][1] = max(stack[-1][1], width)
                    check_cells(stack[-1][0], stack[-1][1], "DOCX table")
                elif tag == f"{_W}tbl" and stack:
                    stack.pop()
                if tag in (f"{_W}p", f"{_W}tbl"):
                    el.clear()  # keep memory flat on a large document


def docx_text(body: bytes) -> FileText:
    """Paragraphs and tables of a .docx, in document order (after check_docx's caps)."""
    import docx  # python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_docx(body)
    d = docx.Document(io.BytesIO(body))
    out = FileText()
    parts: list[str] = []
    for child in d.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            parts.append(Paragraph(child, d).text)
        elif tag == "tbl":
            table = Table(child, d)
            grid: Grid = []
            for row in table.rows:
                cells: list[str | None] = []
                prev = None
                for cell in row.cells:
                    # python-docx repeats a merged cell at every position it covers: like
                    # pdfplumber, mark the covered positions None
                    cells.append(None if cell._tc is prev else cell.text.strip())
                    prev = cell._tc
                grid.append(cells)
            out.tables.append(grid)
            parts.extend(" | ".join(c for c in r if c is not None) for r in grid)
    out.text = "\n".join(parts).strip()
    out.title = (d.core_properties.title or "").strip()
    return out
