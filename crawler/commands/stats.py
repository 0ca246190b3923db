"""`zwgk stats`: what the corpus holds — counts by year, province, template; checks pass rate."""

from __future__ import annotations

import argparse
import json
import sys

from crawler.exitcodes import EXIT_USAGE
from crawler.store import StoreError, open_store

HELP = "corpus statistics: reports by year, province, template; share passing checks"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="sqlite:///path.db (default: the ZWGK_STORE setting, ./zwgk.db), a path, or postgresql://…")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--redis", metavar="URL", help="show the shared crawl queue at redis://HOST:6379 instead")
    parser.add_argument("--prefix", default="", help="Redis key prefix of the crawl (default: ZWGK_REDIS_PREFIX)")


def run_queue(args: argparse.Namespace) -> int:
    """The distributed frontier: queued, in flight per worker, seen, rejected."""
    from crawler import settings
    from crawler.distributed import queue_stats

    try:
        st = queue_stats(args.redis, prefix=args.prefix or settings.ZWGK_REDIS_PREFIX)
    except (ConnectionError, OSError, ValueError) as exc:
        print(f"zwgk stats: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(st, ensure_ascii=False))
        return 0
    print(f"queue at {st['redis']} (prefix {st['key_prefix']}): {st['queued']} queued, "
          f"{st['in_flight']} in flight, {st['seen']} seen, {st['rejected']} rejected")
    print(f"workers: {st['workers_alive']} alive of {len(st['workers'])}")
    for w in st["workers"]:
        state = f"alive (heartbeat {w['heartbeat_ttl']}s)" if w["alive"] else "dead (requests will be re-queued)"
        print(f"  {w['worker']:<40} {state:<36} {w['in_flight']:>6} in flight")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.redis:
        return run_queue(args)
    try:
        store = open_store(args.store)
    except StoreError as exc:
        print(f"zwgk stats: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        st = store.stats()
    finally:
        store.close()
    if args.json:
        print(json.dumps(st, ensure_ascii=False))
        return 0
    share = st["checks_pass_share"]
    print(f"reports: {st['reports']}  sources: {st['sources']} ({st['report_sources']} of reports)  "
          f"revisions kept: {st['versions']}")
    print(f"checks: {st['checks_all_pass']} of {st['reports_with_checks']} reports with checks pass all"
          + (f" ({share:.1%})" if share is not None else ""))
    for name, c in st["cross_year_checks"].items():
        print(f"cross-year: {name}: {c['ok']} of {c['pairs']} agency-year pairs agree")
    for title, key in (("by year", "by_year"), ("by province", "by_province"), ("by template", "by_template")):
        print(f"\n{title}:")
        for k, n in st[key].items():
            print(f"  {k:<20} {n:>8}")
    return 0
