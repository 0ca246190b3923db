"""Milliseconds per page: our extract_document vs plain trafilatura, over the corpus pages, same run.

usage: python benchmarks/extract.py [--rounds N] [--pages DIR]
All get the page bytes as fetched (each decodes them itself); plain trafilatura is
`trafilatura.extract(html, include_tables=True)` in its default mode and with `fast=True`. One
warm-up round is not timed; rounds rotate the extractors so that machine load affects all alike.
Summaries are given over the corpus's report pages (what a crawl spends its time on) and all pages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS_PAGES = ROOT.parent / "shared" / "corpus" / "pages"


def _report_pages(pages: Path) -> set[str]:
    """Names of the corpus pages that are annual reports (from the expected outputs beside them)."""
    import json

    out = set()
    for f in (pages.parent / "expected").glob("*.json"):
        exp = json.loads(f.read_text(encoding="utf-8"))
        if exp.get("is_report") and str(exp.get("input", "")).startswith("pages/"):
            out.add(Path(exp["input"]).name)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pages", type=Path, default=CORPUS_PAGES)
    args = ap.parse_args()
    files = sorted(args.pages.glob("*.htm*"))
    if not files:
        print(f"no pages under {args.pages}", file=sys.stderr)
        return 1
    import trafilatura

    from crawler.extract import extract_document

    pages = [(f.name, f.read_bytes()) for f in files]
    reports = _report_pages(args.pages)
    runs = {
        "ours": lambda data: extract_document(data, "https://example.gov.cn/"),
        "default": lambda data: trafilatura.extract(data, include_tables=True),
        "fast": lambda data: trafilatura.extract(data, include_tables=True, fast=True),
    }
    for _, data in pages:  # warm-up: imports, regex compilation, caches
        for fn in runs.values():
            fn(data)
    per_page: dict[str, dict[str, list[float]]] = {n: {k: [] for k in runs} for n, _ in pages}
    labels = list(runs)
    for r in range(args.rounds):
        order = labels[r % len(labels):] + labels[: r % len(labels)]  # rotate: load hits all alike
        for name, data in pages:
            for label in order:
                t = time.perf_counter()
                runs[label](data)
                per_page[name][label].append((time.perf_counter() - t) * 1000)
    print(f"{'page':44} {'ours ms':>9} {'default':>9} {'fast':>9} {'ours/def':>8} {'ours/fast':>9}")
    med = {n: {k: statistics.median(v) for k, v in d.items()} for n, d in per_page.items()}
    for name, _ in pages:
        m = med[name]
        mark = " (report)" if name in reports else ""
        print(f"{(name + mark)[:44]:44} {m['ours']:9.1f} {m['default']:9.1f} {m['fast']:9.1f} "
              f"{m['ours'] / m['default']:8.2f} {m['ours'] / m['fast']:9.2f}")
    for title, names in (("report pages", [n for n, _ in pages if n in reports]), ("all pages", [n for n, _ in pages])):
        if not names:
            continue
        tot = {k: sum(med[n][k] for n in names) for k in runs}
        print(f"extract, {title} ({len(names)}): ours {tot['ours'] / len(names):.1f} ms/page, trafilatura default "
              f"{tot['default'] / len(names):.1f}, fast {tot['fast'] / len(names):.1f}; ratio ours/default "
              f"{tot['ours'] / tot['default']:.2f}x (target <= 1.0x), ours/fast {tot['ours'] / tot['fast']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
