"""`zwgk demo`: serve the bundled demo portal on loopback, crawl it, store and check the reports."""

from __future__ import annotations

import argparse
import sys
import time

from crawler.commands.crawl import add_crawl_options, settings_from_args
from crawler.runner import EXIT_USAGE, end_interrupted, print_summary, run_crawl

HELP = "crawl the bundled demo portal into ./zwgk.db and check the result against its ground truth"

COLUMN_PATH = "/zwgk/zfxxgknb/index.html"
DEMO_PORT = 8123  # the port the README's `--token demo=http://127.0.0.1:8123` examples use


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="demo portal seed (default 0)")
    parser.add_argument("--reports", type=int, default=12, help="number of reports on the demo portal")
    parser.add_argument("--image-tables", type=int, default=0, metavar="N",
                        help="publish N of the HTML reports with their tables as pictures (图片版, read by OCR)")
    parser.add_argument("--serve", action="store_true",
                        help="only serve the demo portal (until Ctrl-C), for `zwgk crawl --seeds seeds/demo.yaml "
                             "--token demo=URL` and scrapy/scrapyd examples; nothing is crawled")
    parser.add_argument("--port", type=int, default=DEMO_PORT,
                        help=f"with --serve: the loopback port (default {DEMO_PORT}; 0 = any free port)")
    add_crawl_options(parser)


def demo_overrides(args: argparse.Namespace) -> dict[str, object]:
    """Crawl settings for a loopback site: no politeness delay is needed against ourselves."""
    out: dict[str, object] = {
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "ZWGK_PROGRESS_INTERVAL": 5.0,
    }
    out.update(settings_from_args(args))
    return out


def check_against_ground_truth(store_url: str, archive_dir: str | None, expected: list) -> tuple[int, list[str]]:
    """How many ground-truth reports the store holds (matched by agency and year), and what is wrong."""
    from crawler.store import open_store

    problems: list[str] = []
    with open_store(store_url, archive_dir) as store:
        rows = list(store.reports())
    by_key: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        by_key.setdefault((row.get("agency") or "", row.get("year") or 0), []).append(row)
    found = 0
    for gt in expected:
        hits = by_key.pop((gt.agency, gt.year), [])
        if len(hits) == 1:
            found += 1
        elif not hits:
            problems.append(f"missing: {gt.title}")
        else:
            problems.append(f"stored {len(hits)} times: {gt.title}")
    for (agency, year), extra in by_key.items():
        problems.append(f"not a demo report: {agency} {year} ({len(extra)} record(s))")
    return found, problems


def serve_forever(args: argparse.Namespace) -> int:
    """Serve the demo portal on loopback until interrupted (SIGINT or SIGTERM)."""
    import signal
    import threading

    from crawler.demo.server import serve_portal
    from crawler.demo.site import DemoPortal

    portal = DemoPortal(seed=args.seed, n_reports=args.reports, image_tables=args.image_tables)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with serve_portal(portal, args.port) as base:
            # stdout, flushed: scripts and tests read the URL from this line
            print(f"demo portal serving on {base} ({len(portal.ground_truth)} reports); "
                  f"crawl it with: zwgk crawl --seeds seeds/demo.yaml --token demo={base}", flush=True)
            try:
                stop.wait()
            except KeyboardInterrupt:
                pass
    except OSError as exc:
        print(f"zwgk demo: cannot serve on 127.0.0.1:{args.port}: {exc} (try --port 0)", file=sys.stderr)
        return EXIT_USAGE
    return 0


def run(args: argparse.Namespace) -> int:
    from crawler.demo.server import serve_portal
    from crawler.demo.site import DemoPortal

    if args.serve:
        return serve_forever(args)

    try:
        overrides = demo_overrides(args)
    except ValueError as exc:
        print(f"zwgk demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    store_url = str(overrides.get("ZWGK_STORE") or "sqlite:///zwgk.db")
    overrides["ZWGK_STORE"] = store_url
    started = time.monotonic()
    portal = DemoPortal(seed=args.seed, n_reports=args.reports, image_tables=args.image_tables)
    with serve_portal(portal) as base:
        print(f"demo portal serving on {base} ({len(portal.ground_truth)} reports)", file=sys.stderr)
        outcome = run_crawl({"url": base + COLUMN_PATH, "name": "demo"}, overrides)
    print_summary(outcome)
    if outcome.signal:
        return end_interrupted(outcome, "demo")
    found, problems = check_against_ground_truth(
        store_url, overrides.get("ZWGK_ARCHIVE_DIR") or None, portal.ground_truth  # type: ignore[arg-type]
    )
    for p in problems:
        print(f"  check: {p}", file=sys.stderr)
    print(
        f"demo: {outcome.totals.get('pages', 0)} pages fetched, {found}/{len(portal.ground_truth)} demo reports "
        f"in {store_url}, {time.monotonic() - started:.1f}s",
    )
    return 0 if outcome.exit_code == 0 and not problems else 1
