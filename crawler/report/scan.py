"""Reports that are pictures: image files (PNG, JPEG, GIF, TIFF), the image tables of an HTML page,
and PDF pages without a text layer (scans), read by OCR into text and table grids.

OCR is slow, so only pictures are read this way, never a page that has text; the number of pictures
and their size are bounded.
"""

from __future__ import annotations

import io
import re
import warnings as _warnings
from collections.abc import Iterator, Sequence

from PIL import Image

from crawler.report.pdf import FileText, Grid

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff")
MAX_IMAGE_PIXELS = 60_000_000  # an A3 page at 600 dpi is 70 M; larger is a bomb, not a report
MAX_FRAMES = 50  # pages of a multi-page TIFF read
MAX_PAGE_IMAGES = 8  # table pictures of one HTML page read (a report has three tables, some split)
MAX_SCANNED_PAGES = 30  # OCR takes seconds per page: a report is rarely longer
SCAN_DPI = 200  # scanned PDF pages are rendered at this resolution for OCR
POINTS_PER_INCH = 72


class ImageError(ValueError):
    """A picture that cannot be opened (broken, or too large)."""


def open_frames(body: bytes) -> list[Image.Image]:
    """The picture's frames (a TIFF's pages; a GIF's first frame), loaded. Raises ImageError."""
    try:
        with _warnings.catch_warnings():
            _warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(body))
            if img.width * img.height > MAX_IMAGE_PIXELS:
                raise ImageError(f"picture of {img.width}×{img.height} pixels is larger than "
                                 f"{MAX_IMAGE_PIXELS} pixels; not read")
            frames = []
            count = getattr(img, "n_frames", 1) if img.format == "TIFF" else 1
            for i in range(min(count, MAX_FRAMES)):
                img.seek(i)
                frames.append(img.convert("RGB"))
    except ImageError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise ImageError(f"unreadable picture: {type(exc).__name__}: {exc}") from exc
    return frames


def table_family(grid: Grid) -> str:
    """Which template table a grid holds (active / requests / appeals), '' when none is recognised."""
    flat = "".join(c or "" for row in grid for c in row)
    if "自然人" in flat or "申请人情况" in flat:
        return "requests"
    if "复议" in flat or "诉讼" in flat:
        return "appeals"
    if "第二十条" in flat or "信息内容" in flat:
        return "active"
    return ""


def read_pictures(images: Sequence[Image.Image], names: Sequence[str] = ()) -> FileText:
    """Text lines and ruled tables of pictures, in order. Table grids go to `ocr_tables`, the
    lowest confidence of the cells taken per template table to `ocr_confidence`."""
    from crawler.report import ocr

    if (reason := ocr.missing_reason()) is not None:
        raise ocr.OcrUnavailable(reason)
    from crawler.report.ocrtable import read_image

    out = FileText(ocr=True)
    parts: list[str] = []
    for i, img in enumerate(images):
        name = names[i] if i < len(names) else f"picture {i + 1}"
        page = read_image(img)
        items: list[tuple[float, str | Grid]] = [(y, t) for y, t in page.lines]
        items += [(t.top, t.grid) for t in page.tables]
        for _, item in sorted(items, key=lambda it: it[0]):
            if isinstance(item, str):
                parts.append(item)
            else:
                out.ocr_tables.append(item)
        for t in page.tables:
            fam = table_family(t.grid)
            if fam:
                out.ocr_confidence[fam] = min(out.ocr_confidence.get(fam, 1.0), t.confidence)
            out.warnings.extend(f"{name}: {w}" for w in t.warnings)
        out.warnings.extend(f"{name}: {w}" for w in page.warnings)
        if not page.tables and not page.lines:
            out.warnings.append(f"{name}: OCR found no text")
    out.text = "\n".join(parts).strip()
    if out.ocr_tables:
        out.warnings.append(f"{len(out.ocr_tables)} table(s) read by OCR from pictures (sources: ocr)")
    return out


def page_images_text(images: Sequence[tuple[str, bytes]]) -> FileText:
    """The pictures of an HTML page (address, body), in page order, read by OCR. A picture that
    cannot be opened is a warning; the others are still read."""
    frames: list[Image.Image] = []
    names: list[str] = []
    bad: list[str] = []
    for src, body in images[:MAX_PAGE_IMAGES]:
        try:
            frames.append(open_frames(body)[0])
            names.append(f"image {src}")
        except ImageError as exc:
            bad.append(f"image {src}: {exc}")
    from crawler.report import ocr

    if frames and (reason := ocr.missing_reason()) is not None:
        return FileText(warnings=[*bad, f"{len(frames)} table picture(s) not read: {reason}"])
    out = read_pictures(frames, names) if frames else FileText()
    out.ocr = False  # the page's own text is not OCR's
    out.warnings = bad + out.warnings
    if len(images) > MAX_PAGE_IMAGES:
        out.warnings.append(f"{len(images)} images on the page; only the first {MAX_PAGE_IMAGES} were read")
    return out


def image_file_text(body: bytes) -> FileText:
    """An image file (PNG, JPEG, GIF, TIFF; every page of a TIFF) read by OCR."""
    frames = open_frames(body)
    return read_pictures(frames, [f"page {i + 1}" for i in range(len(frames))] if len(frames) > 1 else ["image"])


def render_pdf_pages(body: bytes, pages: Sequence[int], dpi: int = SCAN_DPI) -> Iterator[Image.Image]:
    """PDF pages (0-based) as pictures, through pdfium, one at a time (a page at 200 dpi is 12 MB)."""
    import pypdfium2 as pdfium

    from crawler.report.pdfpage import PDFIUM_LOCK

    # pdfium must not be entered from two threads at once (parses run in threads with
    # ZWGK_PARSE_PROCESSES=0); the lock is held per call, never across a yield.
    with PDFIUM_LOCK:
        doc = pdfium.PdfDocument(body)
    try:
        for i in pages:
            with PDFIUM_LOCK:
                page = doc[i]
                try:
                    picture = page.render(scale=dpi / POINTS_PER_INCH).to_pil().convert("RGB")
                finally:
                    page.close()
            yield picture
    finally:
        with PDFIUM_LOCK:
            doc.close()


_SPACE = re.compile(r"\s+")
# A page with fewer characters than this in its text layer is a scan (a stamp or a page number
# may carry a few characters of text on a scanned page).
SCAN_TEXT_MIN_CHARS = 10


def has_text(page_text: str) -> bool:
    """Whether a PDF page has a text layer worth reading."""
    return len(_SPACE.sub("", page_text)) >= SCAN_TEXT_MIN_CHARS


def read_scanned_pages(body: bytes, pages: list[str], out: FileText) -> None:
    """Pages of a PDF without a text layer rendered and read by OCR, in place: `pages` gets their
    text, `out` their tables, confidences and warnings. Without the engine, a warning says so."""
    from crawler.report import ocr

    scanned = [i for i, t in enumerate(pages) if not has_text(t)]
    if not scanned:
        return
    if len(scanned) > MAX_SCANNED_PAGES:
        out.warnings.append(f"{len(scanned)} PDF pages without a text layer; only the first "
                            f"{MAX_SCANNED_PAGES} were read by OCR")
        scanned = scanned[:MAX_SCANNED_PAGES]
    where = f"PDF page{'s' if len(scanned) > 1 else ''} {', '.join(str(i + 1) for i in scanned)}"
    reason = ocr.missing_reason()
    if reason:
        out.warnings.append(f"{where}: no text layer (scanned); not read: {reason}")
        return
    out.warnings.append(f"{where}: no text layer (scanned); read by OCR")
    for i, img in zip(scanned, render_pdf_pages(body, scanned), strict=True):
        read = read_pictures([img], [f"PDF page {i + 1}"])
        pages[i] = read.text
        out.ocr_tables.extend(read.ocr_tables)
        for fam, conf in read.ocr_confidence.items():
            out.ocr_confidence[fam] = min(out.ocr_confidence.get(fam, 1.0), conf)
        out.warnings.extend(w for w in read.warnings if "read by OCR from pictures" not in w)
    out.ocr = all(not has_text(t) or i in scanned for i, t in enumerate(pages))  # all text is OCR's
