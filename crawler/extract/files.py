"""Text of report files (PDF, DOCX, XLSX/XLS, DOC/WPS through LibreOffice, plain text) as a Document, through the same line cleaning as pages.

Only the text layer: table cells are parsed from PDFs by crawler.report; here a PDF gives the text
that `zwgk extract` shows and scores. Work is bounded (pages, characters) and failures are warnings.
"""

from __future__ import annotations

import re

from crawler.decoding import decode_html, sniff_binary
from crawler.document import Document
from crawler.extract import clean_plain_text
from crawler.report.pdf import FileText

_SPACED_YEAR = re.compile(r"(\d)\s+(年|月|日)")
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\d])\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+(?=\d)")


def kind_of(data: bytes, name: str = "", content_type: str = "") -> str:
    """html | pdf | docx | xlsx | xls | doc | text, from the magic number first, then the name and content type."""
    low, ct = name.lower(), (content_type or "").lower()
    if data.startswith(b"%PDF-") or "pdf" in ct:
        return "pdf"
    if low.endswith(".xlsx") or "spreadsheetml" in ct:
        return "xlsx"
    if low.endswith(".xls") or "ms-excel" in ct:
        return "xls"
    if low.endswith((".doc", ".wps")) or ct.startswith("application/msword"):
        return "doc"
    if data.startswith(b"PK\x03\x04") and (low.endswith(".docx") or "wordprocessingml" in ct or not low):
        return "docx"
    if low.endswith((".txt", ".md", ".csv")) or ct.startswith("text/plain"):
        return "text"
    if low.endswith(".docx"):
        return "docx"
    if sniff_binary(data):
        return "binary"
    return "html"


def pdf_document(data: bytes, url: str = "", *, strict: bool = False) -> Document:
    """The PDF's text layer (crawler.report.pdf reads it) through the page text cleaning. A file
    that cannot be read is a warning, or with `strict` the reader's exception."""
    from crawler.report.pdf import pdf_text

    try:
        ft = pdf_text(data, tables=False)
    except Exception as e:  # noqa: BLE001 - pdfminer raises many types on broken files
        if strict:
            raise
        ft = FileText(warnings=[f"PDF could not be read: {type(e).__name__}: {e}"])
    doc = clean_plain_text(ft.text, url)
    meta_title = _CJK_SPACE.sub("", ft.title)
    # The info Title is often a template's generic name; a fuller title in the text wins.
    if (meta_title and "\ufffd" not in meta_title and re.search(r"[\u4e00-\u9fff]{4}", meta_title)
            and not (doc.title and (meta_title in doc.title or len(doc.title) > len(meta_title)))):
        doc.title = meta_title
    doc.encoding = "pdf"
    doc.method = "pdf-text"
    doc.warnings[:0] = ft.warnings
    return doc


def office_document(data: bytes, kind: str, url: str = "", *, strict: bool = False) -> Document:
    """A .docx's paragraphs and tables in document order (crawler.report.pdf reads it), or the
    sheets of an .xlsx/.xls (crawler.report.sheets)."""
    from crawler.report.pdf import docx_text
    from crawler.report.sheets import xls_text, xlsx_text

    reader = {"docx": docx_text, "xlsx": xlsx_text, "xls": xls_text}[kind]
    try:
        ft = reader(data)
    except Exception as e:  # noqa: BLE001 - zip/xml/BIFF errors of every kind
        if strict:
            raise
        return Document(url=url, warnings=[f"{kind.upper()} could not be read: {type(e).__name__}: {e}"])
    doc = clean_plain_text(ft.text, url)
    # merged positions are None in the reader's grids; the extractor's grids repeat the text
    doc.tables = [[[c if c is not None else _left(row, j) for j, c in enumerate(row)] for row in g]
                  for g in ft.tables]
    if not doc.title and ft.title:
        doc.title = ft.title
    doc.encoding = kind
    doc.method = kind
    doc.warnings[:0] = ft.warnings
    return doc


def legacy_document(data: bytes, ext: str, url: str = "", *, strict: bool = False) -> Document:
    """A .doc/.wps through LibreOffice (crawler.report.legacy), then read as a .docx."""
    from crawler.report import legacy

    try:
        return office_document(legacy.convert(data, ext), "docx", url, strict=strict)
    except legacy.ConversionError as e:
        if strict:
            raise
        return Document(url=url, warnings=[f".{ext} could not be read: {e}"])


def _left(row: list[str | None], j: int) -> str:
    """The text of the merged cell covering position j (the nearest cell to its left)."""
    return next((c for c in reversed(row[:j]) if c is not None), "")


def text_document(data: bytes, url: str = "") -> Document:
    dec = decode_html(data)
    doc = clean_plain_text(dec.text, url)
    doc.encoding = dec.encoding
    doc.warnings[:0] = dec.warnings
    return doc
