"""Milliseconds per page: our extract_document vs plain trafilatura, over the corpus pages, same run.

usage: python benchmarks/extract.py [--rounds N] [--pages DIR]
Both get the page bytes as fetched (each decodes them itself); plain trafilatura is
`trafilatura.extract(html, include_tables=True)`. One warm-up round is not timed; rounds alternate
the two extractors so that machine load affects both alike.
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

    def ours(data: bytes) -> object:
        return extract_document(data, "https://example.gov.cn/")

    def plain(data: bytes) -> object:
        return trafilatura.extract(data, include_tables=True)

    for _, data in pages:  # warm-up: imports, regex compilation, caches
        ours(data)
        plain(data)
    per_page: dict[str, dict[str, list[float]]] = {n: {"ours": [], "plain": []} for n, _ in pages}
    for r in range(args.rounds):
        order = (("ours", ours), ("plain", plain)) if r % 2 == 0 else (("plain", plain), ("ours", ours))
        for name, data in pages:
            for label, fn in order:
                t = time.perf_counter()
                fn(data)
                per_page[name][label].append((time.perf_counter() - t) * 1000)
    print(f"{'page':44} {'ours ms':>9} {'plain ms':>9} {'ratio':>6}")
    tot_ours = tot_plain = 0.0
    for name, _ in pages:
        o = statistics.median(per_page[name]["ours"])
        p = statistics.median(per_page[name]["plain"])
        tot_ours += o
        tot_plain += p
        print(f"{name:44} {o:9.1f} {p:9.1f} {o / p if p else float('nan'):6.2f}")
    n = len(pages)
    print(f"{'mean per page (median of ' + str(args.rounds) + ' rounds)':44} {tot_ours / n:9.1f} "
          f"{tot_plain / n:9.1f} {tot_ours / tot_plain:6.2f}")
    print(f"extract: ours {tot_ours / n:.1f} ms/page, plain trafilatura {tot_plain / n:.1f} ms/page, "
          f"ratio {tot_ours / tot_plain:.2f}x (target <= 1.5x) over {n} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
