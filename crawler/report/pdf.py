"""Text and tables of PDF and DOCX reports: the one reader of these files, used by the report
parser (text and table grids) and by `zwgk extract` (crawler.extract.files: text only)."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, field

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


def pdf_text(body: bytes, *, tables: bool = True, max_pages: int = MAX_PDF_PAGES) -> FileText:
    """Page texts (page numbers dropped) and, with `tables`, every table pdfplumber finds, as grids.

    Work is bounded by max_pages (a warning says so). Raises what pdfminer raises on a broken file."""
    import pdfplumber  # heavy import, only when a PDF comes

    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    out = FileText()
    pages: list[str] = []
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        meta = pdf.metadata or {}
        out.title = fix_pdf_string(meta.get("Title", ""))
        if len(pdf.pages) > max_pages:
            out.warnings.append(f"PDF has {len(pdf.pages)} pages; only the first {max_pages} were read")
        continued = False  # the page before ended in a table, which may go on here
        for page in pdf.pages[:max_pages]:
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


def docx_text(body: bytes) -> FileText:
    """Paragraphs and tables of a .docx, in document order."""
    import docx  # python-docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

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
