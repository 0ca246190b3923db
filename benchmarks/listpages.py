"""HTML parses and milliseconds per page in the crawl's page readers, before and after sharing one tree.

usage: python benchmarks/listpages.py [--rounds N] [--pages DIR] [--demo-seeds N]
List pages (the corpus's two real list pages and a demo portal's list pages), as the spider reads
them in parse_list:
  three parses: response.selector for the title, then analyse_list_page and find_columns each parsing
                the text again (what parse_list did before);
  one parse:    the same calls handed response.selector.root (what it does now).
Report pages (the corpus's report pages): the spider's reading in _article (title, attachment links,
meta tags, body characters, all from response.selector), the body characters counted by the former
XPath and by the tree walk of crawler.bodychars, shown beside extract_document of the same page, which runs in a parse worker (another process: a tree cannot be handed over, so the page is
parsed once there and once in the crawl process). The corpus's other pages: extraction alone (on
pages without a body container trafilatura runs, and its comparison with readability parses
readability's summary once or twice more).
Times are CPU time of this process (time.process_time: on a loaded machine, wall time would
count other processes' turns). Parses are counted by wrapping lxml.etree.fromstring (every HTML parse
of parsel and lxml.html goes through it). Each timed call builds a fresh HtmlResponse (Scrapy caches the selector on it);
rounds rotate the variants so that machine load hits all alike; medians are printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree
from scrapy.http import HtmlResponse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
LIST_PAGES = {  # the corpus's real list pages and the URLs they were fetched from
    "handan-xxgk-list.jsp.html": "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index.html",
    "pingtan-annual-report-list.html": "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index.htm",
}
MS = 1000.0
BODY_TEXT_XPATH = (
    "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::a)"
    " and not(ancestor::header) and not(ancestor::footer) and not(ancestor::nav)]"
)

from crawler.demo.site import DemoPortal  # noqa: E402
from crawler.discovery import find_columns  # noqa: E402
from crawler.extract import extract_document  # noqa: E402
from crawler.paging import analyse_list_page  # noqa: E402
from crawler.routing import is_attachment_url  # noqa: E402
from spiders.portal import PortalSpider, _html_tree  # noqa: E402

Reader = Callable[[str, bytes], object]


def three_parses(url: str, body: bytes) -> object:
    response = HtmlResponse(url=url, body=body)
    page = analyse_list_page(url, response.text)
    title = PortalSpider._page_title(response)
    return page, title, find_columns(url, response.text)


def one_parse(url: str, body: bytes) -> object:
    response = HtmlResponse(url=url, body=body)
    tree = _html_tree(response)
    page = analyse_list_page(url, response.text, tree)
    title = PortalSpider._page_title(response)
    return page, title, find_columns(url, response.text if tree is None else tree)


def _spider_reading(response: HtmlResponse, body_chars: Callable[[HtmlResponse], int]) -> object:
    """What _article reads from a report page before it yields the item (one parsel parse). The
    spider counts the body characters only on a page with attachment links; here on every page."""
    title = PortalSpider._page_title(response)
    links = [(response.urljoin(a.attrib.get("href", "")), " ".join(a.css("::text").getall()).strip())
             for a in response.css("a[href]") if is_attachment_url(a.attrib.get("href", ""))]
    return title, links, PortalSpider._meta_tags(response), body_chars(response)


def reading_xpath(url: str, body: bytes) -> object:
    """Before: the body characters by an XPath with six ancestor tests per text node."""
    return _spider_reading(HtmlResponse(url=url, body=body),
                           lambda r: sum(len(t.strip()) for t in r.xpath(BODY_TEXT_XPATH).getall()))


def reading_walk(url: str, body: bytes) -> object:
    """Now: the body characters by one walk of the selector's tree (crawler.bodychars)."""
    return _spider_reading(HtmlResponse(url=url, body=body), PortalSpider._body_chars)


def extract(url: str, body: bytes) -> object:
    return extract_document(body, url)


def count_parses(fn: Reader, url: str, body: bytes) -> int:
    """How many times fn parses markup (lxml.etree.fromstring calls)."""
    original = etree.fromstring
    calls = 0

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    etree.fromstring = counting
    try:
        fn(url, body)
    finally:
        etree.fromstring = original
    return calls


def timed(readers: dict[str, Reader], pages: list[tuple[str, str, bytes]], rounds: int) -> dict[str, dict[str, float]]:
    """Median ms per page and reader, rounds rotating the readers' order."""
    for _, url, body in pages:  # warm-up: imports, regex and selector caches
        for fn in readers.values():
            fn(url, body)
    times: dict[str, dict[str, list[float]]] = {n: {k: [] for k in readers} for n, _, _ in pages}
    labels = list(readers)
    for r in range(rounds):
        order = labels[r % len(labels):] + labels[: r % len(labels)]
        for name, url, body in pages:
            for label in order:
                t = time.process_time()
                readers[label](url, body)
                times[name][label].append((time.process_time() - t) * MS)
    return {n: {k: statistics.median(v) for k, v in d.items()} for n, d in times.items()}


def _report_pages(corpus: Path) -> list[tuple[str, str, bytes]]:
    out = []
    for f in sorted((corpus / "expected").glob("*.json")):
        exp = json.loads(f.read_text(encoding="utf-8"))
        if exp.get("is_report") and str(exp.get("input", "")).startswith("pages/"):
            path = corpus / exp["input"]
            out.append((path.name, exp.get("url") or "https://www.example.gov.cn/", path.read_bytes()))
    return out


def _list_pages(corpus: Path, seeds: int) -> list[tuple[str, str, bytes]]:
    out = [(n, u, (corpus / "pages" / n).read_bytes()) for n, u in LIST_PAGES.items()
           if (corpus / "pages" / n).is_file()]
    for seed in range(seeds):
        portal = DemoPortal(seed=seed, extra_list_pages=2)
        for path in portal.paths():
            if path.endswith(("/index.html", "/index_1.html", "/index_3.html")):
                page = portal.get(path)
                if page is not None:
                    out.append((f"demo{seed}{path}", f"http://{portal.domain}{path}", page.body))
    return out


def _table(title: str, readers: dict[str, Reader], pages: list[tuple[str, str, bytes]],
           rounds: int) -> dict[str, dict[str, float]]:
    """Print the per-page table (and the mean); return the medians by page and reader."""
    med = timed(readers, pages, rounds)
    parses = {label: [count_parses(fn, url, body) for _, url, body in pages] for label, fn in readers.items()}
    print(f"\n{title}")
    print(f"{'page':44} {'KB':>5} " + " ".join(f"{label + ' ms':>16}" for label in readers) + "  parses")
    for i, (name, _, body) in enumerate(pages):
        counts = "/".join(str(parses[label][i]) for label in readers)
        print(f"{name[:44]:44} {len(body) // 1024:5d} " + " ".join(f"{med[name][label]:16.2f}" for label in readers)
              + f"  {counts}")
    mean = {label: sum(med[n][label] for n, _, _ in pages) / len(pages) for label in readers}
    print(f"{'mean (' + str(len(pages)) + ' pages)':50} " + " ".join(f"{mean[label]:16.2f}" for label in readers))
    return med


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--demo-seeds", type=int, default=2)
    args = ap.parse_args()
    lists = _list_pages(args.corpus, args.demo_seeds)
    reports = _report_pages(args.corpus) if (args.corpus / "expected").is_dir() else []
    if not lists:
        print("no list pages", file=sys.stderr)
        return 1
    med = _table("list pages, as parse_list reads them", {"three parses": three_parses, "one parse": one_parse},
                 lists, args.rounds)
    real = [n for n, _, _ in lists if n in LIST_PAGES]
    for title, names in (("real list pages", real), ("all list pages", [n for n, _, _ in lists])):
        if names:
            before = sum(med[n]["three parses"] for n in names) / len(names)
            after = sum(med[n]["one parse"] for n in names) / len(names)
            print(f"{title} ({len(names)}): one parse {after:.2f} CPU-ms/page vs three parses {before:.2f}: "
                  f"{before - after:.2f} ms saved per list page, ratio {after / before:.2f}x")
    if reports:
        med = _table("report pages: the spider's reading (crawl process) and extraction (parse worker)",
                     {"reading xpath": reading_xpath, "reading walk": reading_walk, "extract": extract},
                     reports, args.rounds)
        r = {k: sum(med[n][k] for n, _, _ in reports) / len(reports) for k in ("reading xpath", "reading walk", "extract")}
        print(f"report pages: the spider's reading {r['reading walk']:.2f} CPU-ms/page with the tree walk vs "
              f"{r['reading xpath']:.2f} with the XPath ({r['reading xpath'] - r['reading walk']:.2f} ms saved, "
              f"ratio {r['reading walk'] / r['reading xpath']:.2f}x, on pages with attachments); extract_document "
              f"{r['extract']:.2f} CPU-ms/page (one parse, in the worker process)")
    others = [(f.name, "https://www.example.gov.cn/", f.read_bytes()) for f in sorted((args.corpus / "pages").glob("*.htm*"))
              if f.name not in {n for n, _, _ in reports}]
    if others:
        # no body container: trafilatura runs on the tree, and its readability comparison (default
        # mode) parses readability's summary again; the tree itself is handed over, not re-parsed
        _table("other corpus pages (no report): extraction", {"extract": extract}, others, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
