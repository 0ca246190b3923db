"""Tables drawn as pictures, the way "图片版" reports publish them: ruled cells, merged cells, CJK
text wrapped inside its cell. Used by the demo portal's image-table reports, the OCR tests and
`benchmarks/ocr.py`; the degradations of a scan (JPEG, lower resolution, skew, noise) are here too.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from crawler.demo.render import Cell, placed_cells

# Fonts tried when fontconfig is absent (Debian: fonts-wqy-microhei, fonts-noto-cjk).
_KNOWN_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
FONT_HINT = "install a CJK font: apt-get install fonts-wqy-microhei"
FC_LIST_TIMEOUT = 10  # seconds

SCREEN_FONT_PX = 16  # body text of a table on a web page
CELL_PADDING = 8
MAX_COLUMN_PX = 260  # wider text wraps, as a browser would wrap it
LINE_PX = 2


# a table cell with its spans: the demo renderer's own (its HTML and these pictures draw one model)
SpanCell = Cell

SpanTable = Sequence[Sequence[SpanCell]]


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file with Chinese glyphs, or None."""
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                                 timeout=FC_LIST_TIMEOUT, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            out = ""
        files = sorted(ln.split(":")[0].strip() for ln in out.splitlines() if ln.strip())
        if files:
            return files[0]
    return next((p for p in _KNOWN_FONTS if Path(p).exists()), None)


def _font(px: int) -> ImageFont.FreeTypeFont:
    path = cjk_font_path()
    if path is None:
        raise RuntimeError(f"no CJK font found: {FONT_HINT}")
    return ImageFont.truetype(path, px)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Character-wise wrapping (Chinese has no spaces), as browsers wrap CJK text."""
    lines: list[str] = []
    cur = ""
    for ch in text:
        if cur and font.getlength(cur + ch) > width:
            lines.append(cur)
            cur = ch
        else:
            cur += ch
    return [*lines, cur] if cur else lines




def render_table(table: SpanTable, font_px: int = SCREEN_FONT_PX) -> Image.Image:
    """The table as a white RGB picture with black rules, text centred in its cell."""
    font = _font(font_px)
    placed = placed_cells(table)
    n_rows = max(r + c.rowspan for r, _, c in placed)
    n_cols = max(k + c.colspan for _, k, c in placed)
    pad = CELL_PADDING
    max_col = MAX_COLUMN_PX * font_px // SCREEN_FONT_PX
    widths = [font_px * 3] * n_cols
    for _, k, c in placed:
        if c.colspan == 1:
            widths[k] = max(widths[k], min(int(font.getlength(c.text)) + 2 * pad, max_col))
    line_h = int(font_px * 1.4)
    heights = [line_h + 2 * pad] * n_rows
    wrapped: dict[tuple[int, int], list[str]] = {}
    for r, k, c in placed:
        w = sum(widths[k : k + c.colspan]) - 2 * pad
        wrapped[(r, k)] = _wrap(c.text, font, w)
        need = len(wrapped[(r, k)]) * line_h + 2 * pad
        have = sum(heights[r : r + c.rowspan])
        if need > have:
            heights[r + c.rowspan - 1] += need - have
    margin = font_px
    xs = [margin + sum(widths[:i]) for i in range(n_cols + 1)]
    ys = [margin + sum(heights[:i]) for i in range(n_rows + 1)]
    img = Image.new("RGB", (xs[-1] + margin, ys[-1] + margin), "white")
    draw = ImageDraw.Draw(img)
    for r, k, c in placed:
        x0, y0, x1, y1 = xs[k], ys[r], xs[k + c.colspan], ys[r + c.rowspan]
        draw.rectangle((x0, y0, x1, y1), outline="black", width=LINE_PX)
        lines = wrapped[(r, k)]
        top = (y0 + y1) // 2 - len(lines) * line_h // 2
        for i, ln in enumerate(lines):
            tw = font.getlength(ln)
            draw.text(((x0 + x1 - tw) / 2, top + i * line_h + (line_h - font_px) / 2), ln, fill="black", font=font)
    return img


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


SCAN_SCALE = 150 / 96  # a page scanned at 150 dpi, drawn here at screen resolution (96 dpi)
SCAN_JPEG_QUALITY = 75


def scanned(img: Image.Image, seed: int, max_skew_deg: float = 1.0, noise: float = 0.03,
            scale: float = SCAN_SCALE) -> Image.Image:
    """A scanned look: resampled (screen resolution to 150 dpi by default), slightly rotated,
    blurred, speckled, greyish paper."""
    rng = random.Random(seed)
    w, h = img.size
    out = img.convert("L").resize((int(w * scale), int(h * scale)), Image.Resampling.BICUBIC)
    out = out.rotate(rng.uniform(-max_skew_deg, max_skew_deg), resample=Image.Resampling.BICUBIC,
                     expand=True, fillcolor=255)
    out = out.filter(ImageFilter.GaussianBlur(0.6))
    px = out.load()
    assert px is not None
    for _ in range(int(out.size[0] * out.size[1] * noise / 10)):
        x, y = rng.randrange(out.size[0]), rng.randrange(out.size[1])
        px[x, y] = rng.choice((0, 90, 160))  # dust and toner specks
    return out.point(lambda v: 40 + v * 200 // 255)  # grey paper, grey ink


def jpeg_bytes(img: Image.Image, quality: int = SCAN_JPEG_QUALITY) -> bytes:
    buf = io.BytesIO()
    img.convert("RGB").save(buf, format="JPEG", quality=quality, dpi=(150, 150))
    return buf.getvalue()


def pdf_of_images(images: Sequence[Image.Image], dpi: int = 150) -> bytes:
    """An image-only PDF (no text layer): one page per picture, as a scanner writes it."""
    buf = io.BytesIO()
    pages = [im.convert("RGB") for im in images]
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=dpi)
    return buf.getvalue()


def _span_table(table) -> list[list[SpanCell]]:  # noqa: ANN001 - an lxml element
    from crawler.tablegrid import cell_span, cell_text, own_rows

    return [[SpanCell(cell_text(td), cell_span(td, "rowspan"), cell_span(td, "colspan"))
             for td in tr if isinstance(td.tag, str) and td.tag in ("td", "th")] for tr in own_rows(table)]


def page_blocks(markup: str | bytes) -> list[str | list[list[SpanCell]]]:
    """An HTML page's headings and paragraphs (strings) and tables (rows of SpanCells), in order."""
    from lxml import html as lxml_html

    root = lxml_html.fromstring(markup)
    out: list[str | list[list[SpanCell]]] = []
    for el in root.iter("h1", "h2", "h3", "p", "table"):
        if el.tag == "table":
            out.append(_span_table(el))
        elif not any(a.tag == "table" for a in el.iterancestors()):
            text = " ".join(el.text_content().split())
            if text:
                out.append(text)
    return out


def span_tables(markup: str | bytes) -> list[list[list[SpanCell]]]:
    """Every <table> of an HTML page as rows of SpanCells (rowspan/colspan kept)."""
    return [b for b in page_blocks(markup) if not isinstance(b, str)]


PAGE_WIDTH_PX = 1654  # A4 at 200 dpi, a common scanner setting for documents
PAGE_HEIGHT_PX = 2339
PAGE_MARGIN_PX = 120
PAGE_FONT_PX = 30  # 10.5 pt (五号) body text; tables at 3/4 of it, about 8 pt


def render_pages(blocks: Sequence[str | SpanTable], font_px: int = PAGE_FONT_PX) -> list[Image.Image]:
    """Paragraphs and tables laid out on A4 pages (200 dpi): what a scanner gives for a printed
    report. A table taller than what is left of a page starts a new page."""
    font = _font(font_px)
    line_h = int(font_px * 1.6)
    text_w = PAGE_WIDTH_PX - 2 * PAGE_MARGIN_PX
    pages: list[Image.Image] = []
    page = draw = None
    y = 0

    def new_page() -> None:
        nonlocal page, draw, y
        page = Image.new("RGB", (PAGE_WIDTH_PX, PAGE_HEIGHT_PX), "white")
        draw = ImageDraw.Draw(page)
        pages.append(page)
        y = PAGE_MARGIN_PX

    new_page()
    for block in blocks:
        if isinstance(block, str):
            for ln in _wrap(block, font, text_w):
                if y + line_h > PAGE_HEIGHT_PX - PAGE_MARGIN_PX:
                    new_page()
                assert draw is not None
                draw.text((PAGE_MARGIN_PX, y), ln, fill="black", font=font)
                y += line_h
            continue
        img = render_table(block, font_px=font_px * 3 // 4)
        if img.width > text_w:
            img = img.resize((text_w, img.height * text_w // img.width), Image.Resampling.LANCZOS)
        if y + img.height > PAGE_HEIGHT_PX - PAGE_MARGIN_PX and y > PAGE_MARGIN_PX:
            new_page()
        assert page is not None
        page.paste(img, (PAGE_MARGIN_PX, y))
        y += img.height + line_h // 2
    return pages
