"""`zwgk coverage`: agencies × years the corpus holds, as CSV, an SVG heat map and an HTML page."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.runner import EXIT_USAGE
from crawler.store import StoreError, open_store

HELP = "what the corpus covers: agencies × report years (complete, partial, missing) as CSV, SVG and HTML"

CSV_NAME, SVG_NAME, HTML_NAME = "coverage.csv", "coverage.svg", "coverage.html"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="sqlite:///path.db (default: the ZWGK_STORE setting, ./zwgk.db), a path, or postgresql://…")
    parser.add_argument("-o", "--output", default="coverage", help="folder for coverage.csv/.svg/.html (default ./coverage)")
    parser.add_argument("--province", help="only this province (name or code prefix)")
    parser.add_argument("--json", action="store_true", help="print the totals as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    from crawler.coverage import MISSING, collect, to_csv, to_html, to_svg

    try:
        with open_store(args.store, must_exist=True) as store:  # a reading command never creates a store
            cov = collect(store, args.province)
    except StoreError as exc:
        print(f"zwgk coverage: {exc}", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.output)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / CSV_NAME).write_text(to_csv(cov), encoding="utf-8")
        (out / SVG_NAME).write_text(to_svg(cov), encoding="utf-8")
        (out / HTML_NAME).write_text(to_html(cov, SVG_NAME), encoding="utf-8")
    except OSError as exc:
        print(f"zwgk coverage: cannot write to {out}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    counts = cov.counts()
    totals = {"agencies": len(cov.agencies), "first_year": cov.first_year, "last_year": cov.last_year,
              **{k: counts.get(k, 0) for k in ("complete", "partial", "not_found", "unassessed", MISSING)},
              "files": [str(out / n) for n in (CSV_NAME, SVG_NAME, HTML_NAME)]}
    if args.json:
        print(json.dumps(totals, ensure_ascii=False))
    else:
        print(f"coverage: {totals['agencies']} agencies, years {cov.first_year}–{cov.last_year}; "
              f"{totals['complete']} complete, {totals['partial']} partial, {totals['not_found']} without tables, "
              f"{totals['unassessed']} legacy, {totals[MISSING]} missing → {out / HTML_NAME}", file=sys.stderr)
    return 0
