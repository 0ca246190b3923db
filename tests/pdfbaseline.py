"""The PDF reader as it was before pdfium: the baseline of tests/test_pdfpage.py and benchmarks/pdf.py."""

from __future__ import annotations

from crawler.report import pdf as reader
from crawler.report.pdfpage import PdfiumPages


def pdfminer_only(body: bytes) -> reader.FileText:
    """pdf_text with pdfium's objects switched off: pdfminer reads every page."""
    original = PdfiumPages.objects
    PdfiumPages.objects = lambda self, page: None  # type: ignore[method-assign]
    try:
        return reader.pdf_text(body)
    finally:
        PdfiumPages.objects = original  # type: ignore[method-assign]
