"""Reports parsed per second, for HTML pages, PDFs and flattened text.

usage: python benchmarks/parse.py [N]   (N generated reports per kind, default 30)

Reports come from the test-side template generator (random numbers satisfying the arithmetic);
every parse is also verified to give back exactly the generated values, so a fast wrong parser
does not look good. The division list is loaded once before timing (it is cached per process).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.report.parse import parse_bytes, parse_text  # noqa: E402
from crawler.report.region import division_index  # noqa: E402
from tests.reportgen import random_report, render_html, render_pdf, render_text  # noqa: E402


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    reports = [random_report(seed) for seed in range(n)]
    for year in {g.year for g in reports}:
        division_index(year)
    inputs = {
        "html": [(g, render_html(g).encode("utf-8")) for g in reports],
        "pdf": [(g, render_pdf(g)) for g in reports],
        "text": [(g, render_text(g, ("cells", "markdown", "tabs", "spaces")[i % 4])) for i, g in enumerate(reports)],
    }
    wrong = 0
    for kind, items in inputs.items():
        t0 = time.perf_counter()
        results = []
        for g, data in items:
            if kind == "text":
                assert isinstance(data, str)
                results.append((g, parse_text(data)))
            else:
                assert isinstance(data, bytes)
                results.append((g, parse_bytes(data, filename=f"report.{kind}")))
        secs = time.perf_counter() - t0
        bad = sum(1 for g, rep in results if rep.tables != g.values)
        wrong += bad
        print(f"{kind:5s} {n / secs:8.1f} reports/s  ({n} reports, {secs:.2f}s, {bad} wrong)")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
