"""Text of report files (PDF, DOCX, plain text) as a Document, through the same line cleaning as pages.

Only the text layer: table cells are parsed from PDFs by crawler.report; here a PDF gives the text
that `zwgk extract` shows and scores. Work is bounded (pages, characters) and failures are warnings.
"""

from __future__ import annotations

import io
import re

from crawler.decoding import decode_html, sniff_binary
from crawler.document import Document
from crawler.extract import clean_plain_text

MAX_PDF_PAGES = 300
_SPACED_YEAR = re.compile(r"(\d)\s+(年|月|日)")
_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff\d])\s+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\s+(?=\d)")


def kind_of(data: bytes, name: str = "", content_type: str = "") -> str:
    """html | pdf | docx | text, from the magic number first, then the name and content type."""
    low, ct = name.lower(), (content_type or "").lower()
    if data.startswith(b"%PDF-") or "pdf" in ct:
        return "pdf"
    if data.startswith(b"PK\x03\x04") and (low.endswith(".docx") or "wordprocessingml" in ct or not low):
        return "docx"
    if low.endswith((".txt", ".md", ".csv")) or ct.startswith("text/plain"):
        return "text"
    if low.endswith(".docx"):
        return "docx"
    if sniff_binary(data):
        return "binary"
    return "html"


def _utf16_meta(raw: object) -> str:
    """A PDF info string; UTF-16 with BOM is decoded (readers often show it as ÿþ… mojibake)."""
    if isinstance(raw, bytes):
        if raw.startswith((b"\xfe\xff", b"\xff\xfe")):
            return raw.decode("utf-16", errors="replace")
        for enc in ("utf-8", "gb18030"):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError:
                continue
        return ""
    return str(raw) if isinstance(raw, str) else ""


def pdf_document(data: bytes, url: str = "") -> Document:
    import pdfplumber

    warnings: list[str] = []
    pages: list[str] = []
    meta_title = ""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            info = pdf.doc.info[0] if pdf.doc.info else {}
            meta_title = _utf16_meta(info.get("Title")).strip("\x00 ").strip() if info else ""
            if len(pdf.pages) > MAX_PDF_PAGES:
                warnings.append(f"PDF has {len(pdf.pages)} pages; only the first {MAX_PDF_PAGES} were read")
            for page in pdf.pages[:MAX_PDF_PAGES]:
                pages.append(page.extract_text() or "")
    except Exception as e:  # noqa: BLE001 - pdfminer raises many types on broken files
        warnings.append(f"PDF could not be read: {type(e).__name__}: {e}")
    text = "\n".join(pages)
    if pages and not text.strip():
        warnings.append("PDF has no text layer (scanned?); OCR is needed")
    doc = clean_plain_text(text, url)
    meta_title = _CJK_SPACE.sub("", meta_title)
    # The info Title is often a template's generic name; a fuller title in the text wins.
    if (meta_title and "\ufffd" not in meta_title and re.search(r"[\u4e00-\u9fff]{4}", meta_title)
            and not (doc.title and (meta_title in doc.title or len(doc.title) > len(meta_title)))):
        doc.title = meta_title
    doc.encoding = "pdf"
    doc.method = "pdf-text"
    doc.warnings[:0] = warnings
    return doc


def docx_document(data: bytes, url: str = "") -> Document:
    import docx

    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:  # noqa: BLE001 - zip/xml errors of every kind
        doc = Document(url=url, warnings=[f"DOCX could not be read: {type(e).__name__}: {e}"])
        return doc
    lines = [p.text for p in d.paragraphs]
    tables = []
    for t in d.tables:
        grid = [[c.text.strip() for c in row.cells] for row in t.rows]
        tables.append(grid)
        lines.extend("| " + " | ".join(r) + " |" for r in grid)
    doc = clean_plain_text("\n".join(lines), url)
    doc.tables = tables
    doc.encoding = "docx"
    doc.method = "docx"
    return doc


def text_document(data: bytes, url: str = "") -> Document:
    dec = decode_html(data)
    doc = clean_plain_text(dec.text, url)
    doc.encoding = dec.encoding
    doc.warnings[:0] = dec.warnings
    return doc
