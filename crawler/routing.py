"""Routing decisions for spiders, as plain functions (no scrapy import).

The spider asks these questions of link texts, URLs and response headers; keeping the answers here
makes them testable offline and shared by every spider.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.filekind import OLE_MAGIC, PDF_MAGIC, ZIP_MAGIC
from crawler.report.detect import is_about_reports, is_report_title, title_year

ATTACHMENT_EXTS = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ofd", "zip", "rar")
_EXT = re.compile(r"\.([a-z0-9]{2,5})$", re.I)
_TRUNCATED = re.compile(r"(\.\.\.|…|……)\s*$")

_KINDS_BY_TYPE = {
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/zip": "zip",
    "text/plain": "txt",
}


def url_ext(url: str) -> str:
    """Lower-case file extension of a URL path ('' when none)."""
    m = _EXT.search(urlsplit(url).path)
    return m.group(1).lower() if m else ""


def is_attachment_url(url: str) -> bool:
    return url_ext(url) in ATTACHMENT_EXTS


def content_kind(url: str, content_type: str, body_head: bytes = b"") -> str:
    """What a response holds: html, pdf, docx, doc, wps, xls, xlsx, zip, txt.

    The body's magic bytes win over a wrong Content-Type (portals often serve PDFs as
    application/octet-stream or text/html).
    """
    head = body_head[:8]
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(OLE_MAGIC):
        ext = url_ext(url)
        return ext if ext in ("doc", "xls", "wps", "et") else "doc"
    if head.startswith(ZIP_MAGIC):
        ext = url_ext(url)
        return ext if ext in ("docx", "xlsx", "zip") else "zip"
    ctype = content_type.split(";")[0].strip().lower()
    if ctype in _KINDS_BY_TYPE:
        return _KINDS_BY_TYPE[ctype]
    ext = url_ext(url)
    if ext in ATTACHMENT_EXTS or ext == "txt":
        return ext
    return "html"


def link_decision(text: str, since_year: int = 0, in_report_column: bool = False) -> str:
    """'report' to follow as a report, 'maybe' to fetch and decide from the page, 'skip' otherwise.

    List pages often cut long titles ("平潭综合实验区2023年度政府信息公开工作…"), so a cut title that
    still names disclosure work is fetched and judged by the page's own title.
    """
    t = (text or "").strip()
    year = title_year(t)
    if since_year and year is not None and year < since_year:
        return "skip"
    if is_report_title(t):
        return "report"
    if is_about_reports(t):
        return "skip"  # 解读, 报送…的通知: about the reports, not one
    if in_report_column and year is not None and re.search(r"(年度报告|年报|年度总结)", t):
        # inside a 政府信息公开年报 column, "某某局2023年度报告" needs no 信息公开 in its title
        return "report"
    if _TRUNCATED.search(t) and re.search(r"(信息公开|政务公开|年度|年报)", t):
        return "maybe"
    if not t:
        return "maybe"
    return "skip"
