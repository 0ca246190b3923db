"""`zwgk stats`: what the corpus holds — counts by year, province, template; checks pass rate."""

from __future__ import annotations

import argparse
import json
import sys

from crawler.store import StoreError, open_store

HELP = "corpus statistics: reports by year, province, template; share passing checks"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="sqlite:///path.db (default ./zwgk.db or $ZWGK_STORE), a path, or postgresql://…")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def run(args: argparse.Namespace) -> int:
    try:
        store = open_store(args.store)
    except StoreError as exc:
        print(f"zwgk stats: {exc}", file=sys.stderr)
        return 2
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
