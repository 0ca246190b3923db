"""Reports parsed per second, for HTML pages, PDFs and flattened text.

usage: python benchmarks/parse.py [N] [--corpus DIR]   (N generated reports per kind, default 30;
DIR: the real corpus, default ../shared/corpus beside the project)

Generated reports come from the test-side template generator (random numbers satisfying the
arithmetic); every parse is also verified to give back exactly the generated values, so a fast
wrong parser does not look good. The real corpus's reports (HTML pages, PDFs, texts) are parsed
the same way and checked against their expected cells; the last column is the real files' speed
as a ratio of the generated ones' (real pages are larger and messier). The division list is
loaded once before timing (it is cached per process).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.report.parse import parse_bytes, parse_text  # noqa: E402
from crawler.report.region import division_index  # noqa: E402
from tests.reportgen import random_report, render_html, render_pdf, render_text  # noqa: E402


def _real(corpus: Path, rounds: int = 3) -> dict[str, tuple[float, int, int, int]]:
    """kind -> (reports/s, reports, wrong cells, expected cells) over the corpus's report files."""
    by_kind: dict[str, list[tuple[bytes, str, dict]]] = {}
    for exp_file in sorted((corpus / "expected").glob("*.json")):
        exp = json.loads(exp_file.read_text(encoding="utf-8"))
        if not exp.get("is_report"):
            continue
        path = corpus / exp["input"]
        kind = {"html": "html", "pdf": "pdf"}.get(path.suffix.lstrip("."), "text")
        by_kind.setdefault(kind, []).append((path.read_bytes(), path.name, exp.get("cells") or {}))
    out = {}
    for kind, items in by_kind.items():
        wrong = cells = 0
        t0 = time.perf_counter()
        for _ in range(rounds):
            for data, name, _want in items:
                parse_bytes(data, filename=name)
        secs = time.perf_counter() - t0
        for data, name, want in items:
            rep = parse_bytes(data, filename=name)
            cells += len(want)
            wrong += sum(1 for k, v in want.items() if rep.tables.get(k) != v)
        out[kind] = (rounds * len(items) / secs, len(items), wrong, cells)
    return out


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 30
    corpus = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
    if "--corpus" in sys.argv:
        corpus = Path(sys.argv[sys.argv.index("--corpus") + 1])
    reports = [random_report(seed) for seed in range(n)]
    for year in {g.year for g in reports}:
        division_index(year)
    inputs = {
        "html": [(g, render_html(g).encode("utf-8")) for g in reports],
        "pdf": [(g, render_pdf(g)) for g in reports],
        "text": [(g, render_text(g, ("cells", "markdown", "tabs", "spaces")[i % 4])) for i, g in enumerate(reports)],
    }
    wrong = 0
    speed: dict[str, float] = {}
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
        speed[kind] = n / secs
        print(f"generated {kind:5s} {n / secs:8.1f} reports/s  ({n} reports, {secs:.2f}s, {bad} wrong)")
    if not (corpus / "expected").is_dir():
        print(f"real corpus not found at {corpus}: only generated reports measured")
        return 1 if wrong else 0
    for kind, (rate, count, bad_cells, cells) in _real(corpus).items():
        ratio = f"{rate / speed[kind]:.2f}x generated" if kind in speed else ""
        print(f"real      {kind:5s} {rate:8.1f} reports/s  ({count} files, {bad_cells} of {cells} expected cells "
              f"missing or wrong)  {ratio}")
        wrong += bad_cells
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
