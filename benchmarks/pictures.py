"""What choosing a report page's table pictures adds to the spider, over the corpus pages, same run.

usage: python benchmarks/pictures.py [ROUNDS]   (default 5; the pages of ../shared/corpus/pages)
The spider calls crawler.pictures.choose_pictures on every HTML report page, on the tree Scrapy has
already built (response.selector). Baselines, timed on the same pages in the same rounds: building
that tree (parsel.Selector, what Scrapy does once per page anyway) and extract_document (what the
pipeline then spends on the page). One warm-up round is not timed; the machine's load affects all
three alike.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS_PAGES = ROOT.parent / "shared" / "corpus" / "pages"
MS = 1000.0


DEFAULT_ROUNDS = 5


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROUNDS
    from parsel import Selector

    from crawler.decoding import decode_html
    from crawler.extract import extract_document
    from crawler.pictures import choose_pictures
    from crawler.report.scan import MAX_PAGE_IMAGES

    pages = [(f.name, f.read_bytes()) for f in sorted(CORPUS_PAGES.glob("*.htm*"))]
    if not pages:
        print(f"benchmarks/pictures.py: no corpus pages under {CORPUS_PAGES}", file=sys.stderr)
        return 2
    texts = {name: decode_html(body).text for name, body in pages}
    times: dict[str, list[float]] = {"tree": [], "choose": [], "extract": []}
    chosen: dict[str, int] = {}
    for rnd in range(rounds + 1):
        for name, body in pages:
            url = f"https://example.gov.cn/{name}"
            t0 = time.perf_counter()
            tree = Selector(text=texts[name])
            t1 = time.perf_counter()
            choice = choose_pictures(tree, url, MAX_PAGE_IMAGES)
            t2 = time.perf_counter()
            extract_document(body, url, {})
            t3 = time.perf_counter()
            if rnd:  # round 0 warms up
                times["tree"].append(t1 - t0)
                times["choose"].append(t2 - t1)
                times["extract"].append(t3 - t2)
            chosen[name] = len(choice.pictures)
    med = {k: statistics.median(v) * MS for k, v in times.items()}
    tot = {k: sum(v) * MS / rounds for k, v in times.items()}
    print(f"{len(pages)} corpus pages, {rounds} rounds; pictures chosen: "
          f"{sum(chosen.values())} on {sum(1 for n in chosen.values() if n)} pages")
    for k in ("tree", "choose", "extract"):
        print(f"  {k:8s} median {med[k]:7.2f} ms/page   total {tot[k]:8.1f} ms/round")
    print(f"choose_pictures / building the tree: {tot['choose'] / tot['tree']:.2f}×; "
          f"/ extract_document: {tot['choose'] / tot['extract']:.3f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
