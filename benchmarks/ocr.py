"""Seconds per table picture and per scanned page read by OCR, and the process's peak memory.

usage: python benchmarks/ocr.py [N]   (N generated reports, default 4)

Each report's three tables are drawn as pictures (PNG at screen resolution, and a scanned JPEG:
150 dpi, skewed, speckled), and the whole report as an image-only PDF (A4 pages scanned at 200 dpi, read
at 200 dpi). Every reading is checked against the generated values, so the cells right, refused
(absent with a warning) and wrong are printed too. Baseline: the same reports as HTML tables.
"""

from __future__ import annotations

import io
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from crawler.demo.tableimage import (  # noqa: E402
    jpeg_bytes,
    page_blocks,
    pdf_of_images,
    png_bytes,
    render_pages,
    render_table,
    scanned,
    span_tables,
)
from crawler.report import ocr  # noqa: E402
from crawler.report.ocrtable import read_image  # noqa: E402
from crawler.report.parse import parse_bytes  # noqa: E402
from tests.reportgen import random_report, render_html  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _score(values: dict, tables: dict) -> tuple[int, int, int]:
    right = sum(1 for k, v in values.items() if tables.get(k) == v)
    wrong = sum(1 for k, v in values.items() if k in tables and tables[k] != v)
    wrong += len(set(tables) - set(values))
    return right, len(values) - right - wrong, wrong


def _with_images(page: str, n: int) -> str:
    """The page with its tables replaced by <img src="t0"> … (pictures of them)."""
    names = iter(f"t{j}" for j in range(n))
    return re.sub(r"<table.*?</table>", lambda m: f"<img src='{next(names)}'>", page, flags=re.S)


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    reason = ocr.missing_reason()
    if reason:
        print(f"benchmarks/ocr.py: {reason}", file=sys.stderr)
        return 1
    print(f"peak RSS before the engine: {_peak_mb():.0f} MB")
    t0 = time.perf_counter()
    ocr.warm_up()
    print(f"engine load: {time.perf_counter() - t0:.2f} s, peak RSS {_peak_mb():.0f} MB")
    reports = [random_report(seed) for seed in range(n)]
    html = [render_html(g) for g in reports]

    parse_bytes(html[0].encode("utf-8"), filename="report.html")  # loads the division list once
    t0 = time.perf_counter()
    for page in html:
        parse_bytes(page.encode("utf-8"), filename="report.html")
    base = (time.perf_counter() - t0) / n
    print(f"baseline: HTML tables, {base:.3f} s per report")

    totals = {"png": [0, 0, 0], "jpeg": [0, 0, 0], "pdf": [0, 0, 0]}
    per_table: dict[str, list[float]] = {"png": [], "jpeg": []}
    per_page: list[float] = []
    for i, (g, page) in enumerate(zip(reports, html, strict=True)):
        tables = span_tables(page)
        for fmt in ("png", "jpeg"):
            pics = [png_bytes(render_table(t)) if fmt == "png" else jpeg_bytes(scanned(render_table(t), i * 10 + j))
                    for j, t in enumerate(tables)]
            for pic in pics:
                t0 = time.perf_counter()
                read_image(Image.open(io.BytesIO(pic)))
                per_table[fmt].append(time.perf_counter() - t0)
            body = _with_images(page, len(pics))
            rep = parse_bytes(body.encode("utf-8"), filename="r.html",
                              images=[(f"t{j}", p) for j, p in enumerate(pics)])
            for k, v in enumerate(_score(g.values, rep.tables)):
                totals[fmt][k] += v
        pages = [scanned(p, i * 10 + j, scale=1.0) for j, p in enumerate(render_pages(page_blocks(page)))]
        t0 = time.perf_counter()
        rep = parse_bytes(pdf_of_images(pages, dpi=200), filename="scan.pdf")
        per_page.append((time.perf_counter() - t0) / len(pages))
        for k, v in enumerate(_score(g.values, rep.tables)):
            totals["pdf"][k] += v
    for fmt, secs in per_table.items():
        print(f"{fmt:5s} table picture: {sum(secs) / len(secs):6.2f} s mean, {max(secs):6.2f} s max "
              f"({len(secs)} tables)")
    print(f"scanned PDF page: {sum(per_page) / len(per_page):6.2f} s mean ({len(per_page)} PDFs)")
    for fmt, (right, refused, wrong) in totals.items():
        cells = right + refused + wrong
        print(f"{fmt:5s} cells: {right}/{cells} right ({100 * right / cells:.2f} %), {refused} absent with a "
              f"warning, {wrong} wrong")
    print(f"peak RSS: {_peak_mb():.0f} MB")
    return 1 if any(t[2] for t in totals.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
