"""`zwgk export`: the corpus as JSONL, CSV or Parquet, filtered by year, province, agency."""

from __future__ import annotations

import argparse
import json
import sys

from crawler.exitcodes import EXIT_USAGE
from crawler.export import FORMATS, STDOUT, export, output_format
from crawler.store import StoreError, open_store

HELP = "export reports as jsonl, csv or parquet (wide: one column per field key)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS,
                        help="output format (default: from the output's extension; jsonl for -o -)")
    parser.add_argument("-o", "--output", required=True, help="output file, or - for standard output")
    parser.add_argument("--store", help="sqlite:///path.db (default ./zwgk.db or $ZWGK_STORE), a path, or postgresql://…")
    parser.add_argument("--year", type=int, help="only reports on this report year")
    parser.add_argument("--province", help="only this province (name or 2-digit code prefix, substring match)")
    parser.add_argument("--agency", help="only agencies whose name contains this")
    parser.add_argument("--template", help="only this template (e.g. 2021)")
    parser.add_argument("--no-text", action="store_true", help="leave the report text out")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    try:
        fmt = output_format(args.output, args.format)
    except ValueError as exc:
        print(f"zwgk export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = open_store(args.store, must_exist=True)  # a reading command never creates a store
    except StoreError as exc:
        print(f"zwgk export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = export(store, fmt, args.output, year=args.year, province=args.province,
                         agency=args.agency, template=args.template, with_text=not args.no_text)
    finally:
        store.close()
    if args.json and args.output != STDOUT:  # stdout holds the export itself
        print(json.dumps(summary, ensure_ascii=False))
    else:
        cols = f", {summary['columns']} columns" if summary["columns"] else ""
        where = "standard output" if args.output == STDOUT else summary["path"]
        print(f"exported {summary['reports']} reports{cols} to {where} ({fmt})", file=sys.stderr)
    return 0
