"""A PDF page's characters and painted paths read through pdfium, in the form pdfplumber builds them.

pdfplumber gets its page objects from pdfminer's interpreter, written in Python: 83-88 % of the PDF
path's time. pdfium (pypdfium2) gives the same page's objects about 8x faster (benchmarks/pdf.py). This module
rebuilds pdfplumber's `page.objects` (chars, lines, rects, curves) from pdfium, with pdfminer's
geometry, so that pdfplumber's own text layout and table finder run unchanged on them:
- a char's box is pdfminer's: the advance wide (pdfium's loose box, left to right), from the font's
  descent (the loose box's bottom) one font size up (pdfium's loose top is the ascent instead);
- a path is split and classified as pdfminer's paint_path does (line, rect, else curve), with only
  the end point of each segment.
Embedded fonts give the same boxes within 0.2 pt; a font the file does not embed is measured by
pdfium with a substitute's metrics (up to 0.7 pt apart on the generated reports), far inside
pdfplumber's 3 pt tolerances: text and every table cell came out the same on every test file.
Pages this rebuild does not cover give None, and pdfminer reads them as before: rotated or mirrored
text, vertical writing (its boxes are placed differently), Type3 fonts, form XObjects (drawn from
another content stream), a rotated page or a media box not at the origin, a glyph without Unicode
(pdfminer writes "(cid:N)") or beyond the BMP.
"""

from __future__ import annotations

import ctypes
import logging
import re
import threading
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdftypes import PDFStream, resolve1
from pdfminer.psparser import PSLiteral

logger = logging.getLogger(__name__)

Objects = dict[str, list[dict[str, Any]]]
# One lock for the pdfium calls of this module (pdfium must not be entered from two threads at once).
PDFIUM_LOCK = threading.RLock()
Point = tuple[float, float]

_SUBPATH = re.compile(r"m[^m]+")
_GENERATED = 1  # FPDFText_IsGenerated: a space or line break pdfium inserted, not in the file
_NO_TEXT = frozenset({0, 0xFFFD, 0xFFFE, 0xFFFF})  # what pdfium gives a glyph without Unicode
_SURROGATES = (0xD800, 0xDFFF)  # pdfium gives a character beyond the BMP as two UTF-16 halves


def _name(value: Any) -> str:
    value = resolve1(value)
    return value.name if isinstance(value, PSLiteral) else str(value or "")


def _is_vertical(font: dict) -> bool:
    """A CID font with a vertical CMap (…-V, or an embedded CMap of WMode 1)."""
    encoding = resolve1(font.get("Encoding"))
    if isinstance(encoding, PDFStream):
        return resolve1(encoding.get("WMode")) == 1
    return _name(encoding).endswith("-V")


def covered(page: Any) -> bool:
    """Whether this module rebuilds the page (see the module docstring): no vertical or Type3 fonts,
    no form XObjects, not rotated, media box at the origin. page: a pdfplumber page."""
    if page.rotation or tuple(page.mediabox[:2]) != (0, 0):
        return False
    resources = resolve1(page.page_obj.resources) or {}
    if not isinstance(resources, dict):
        return False
    fonts = resolve1(resources.get("Font")) or {}
    xobjects = resolve1(resources.get("XObject")) or {}
    if not isinstance(fonts, dict) or not isinstance(xobjects, dict):
        return False  # malformed resources: pdfminer's reading, as before
    for font in map(resolve1, fonts.values()):
        if not isinstance(font, dict) or _name(font.get("Subtype")) == "Type3" or _is_vertical(font):
            return False
    for xobject in map(resolve1, xobjects.values()):
        if isinstance(xobject, PDFStream) and _name(xobject.get("Subtype")) == "Form":
            return False
    return True


def _path_ops(obj: Any) -> list[tuple[str, Point]]:
    """The path's segments as pdfminer's operators with their end points, in page space."""
    m = pdfium_c.FS_MATRIX()
    pdfium_c.FPDFPageObj_GetMatrix(obj, m)
    x, y = ctypes.c_float(), ctypes.c_float()
    ops: list[tuple[str, Point]] = []
    bezier = 0
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        point = (m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier < 3:
                continue  # control points: pdfminer keeps only a curve's end point
            bezier = 0
            ops.append(("c", point))
        else:
            ops.append(("m" if kind == pdfium_c.FPDF_SEGMENT_MOVETO else "l", point))
        if pdfium_c.FPDFPathSegment_GetClose(seg):
            ops.append(("h", ops[0][1]))  # placeholder point: set to the subpath's start below
    return ops


def _box(kind: str, pts: list[Point], page: Any) -> dict[str, Any]:
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    top = page.height - y1
    return {"object_type": kind, "page_number": page.page_number, "x0": x0, "y0": y0, "x1": x1, "y1": y1,
            "width": x1 - x0, "height": y1 - y0, "top": top, "bottom": page.height - y0,
            "doctop": page.initial_doctop + top}


def _paint(ops: list[tuple[str, Point]], page: Any, out: Objects) -> None:
    """pdfminer's PDFLayoutAnalyzer.paint_path, on pdfium's segments."""
    shape = "".join(op for op, _ in ops)
    if shape[:1] != "m":
        return
    if shape.count("m") > 1:
        for sub in _SUBPATH.finditer(shape):
            _paint(ops[sub.start():sub.end()], page, out)
        return
    pts = [ops[0][1] if op == "h" else p for op, p in ops]
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"  # a redundant "l" back to the start before the closing "h"
        pts.pop()
    if shape in ("mlh", "ml"):
        out["line"].append(_box("line", pts[:2], page) | {"pts": [_coord(p, page) for p in pts[:2]]})
        return
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            out["rect"].append(_box("rect", [pts[0], pts[2]], page))
            return
    out["curve"].append(_box("curve", pts, page) | {"pts": [_coord(p, page) for p in pts]})


def _coord(p: Point, page: Any) -> Point:
    return (p[0], page.height - p[1])


def _chars(textpage: Any, page: Any) -> list[dict[str, Any]] | None:
    """The page's characters with pdfminer's boxes; None when a character is rotated or mirrored."""
    raw = textpage.raw
    box = pdfium_c.FS_RECTF()
    m = pdfium_c.FS_MATRIX()
    chars = []
    for k in range(textpage.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(raw, k) == _GENERATED:
            continue
        pdfium_c.FPDFText_GetMatrix(raw, k, m)
        if m.b != 0 or m.c != 0 or m.a <= 0 or m.d <= 0:
            return None
        code = pdfium_c.FPDFText_GetUnicode(raw, k)
        if code in _NO_TEXT or _SURROGATES[0] <= code <= _SURROGATES[1]:
            return None  # no Unicode for the glyph (pdfminer writes "(cid:N)"), or half of a pair
        pdfium_c.FPDFText_GetLooseCharBox(raw, k, box)
        size = pdfium_c.FPDFText_GetFontSize(raw, k) * m.d
        x0, x1, y0 = box.left, box.right, box.bottom
        top = page.height - (y0 + size)
        chars.append({
            "object_type": "char", "page_number": page.page_number, "text": chr(code),
            "x0": x0, "x1": x1, "y0": y0, "y1": y0 + size, "width": x1 - x0, "height": size, "size": size,
            "top": top, "bottom": page.height - y0, "doctop": page.initial_doctop + top, "upright": True,
            "matrix": (m.a, m.b, m.c, m.d, m.e, m.f),
        })
    return chars


class PdfiumPages:
    """The file opened by pdfium beside pdfplumber, giving page objects for pdfplumber's pages.

    pdfium is not thread-safe and a crawl may parse in several threads: every call holds one lock.
    A file or page pdfium cannot open is read by pdfminer (the output is the same, only slower).
    """

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._document: pdfium.PdfDocument | None = None
        self._failed = False

    def __enter__(self) -> PdfiumPages:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._document is not None:
            with PDFIUM_LOCK:
                self._document.close()
            self._document = None

    def objects(self, page: Any) -> Objects | None:
        """pdfplumber's page.objects (chars, lines, rects, curves) for a pdfplumber page of this file;
        None when the page is not covered (see the module docstring)."""
        if self._failed or not covered(page):
            return None
        with PDFIUM_LOCK:
            if self._document is None:
                try:
                    self._document = pdfium.PdfDocument(self._body)
                except pdfium.PdfiumError as e:
                    logger.debug("pdfium cannot open the file (%s); pdfminer reads its pages", e)
                    self._failed = True
                    return None
            try:
                return _page_objects(self._document, page)
            except pdfium.PdfiumError as e:
                logger.debug("pdfium cannot read page %d (%s); pdfminer reads it", page.page_number, e)
                return None


def _page_objects(document: pdfium.PdfDocument, page: Any) -> Objects | None:
    pdf_page = document[page.page_number - 1]
    textpage = pdf_page.get_textpage()
    try:
        chars = _chars(textpage, page)
        if chars is None:
            return None
        out: Objects = {"char": chars, "line": [], "rect": [], "curve": []}
        for obj in pdf_page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=0):
            _paint(_path_ops(obj.raw), page, out)
        return out
    finally:
        textpage.close()
        pdf_page.close()
