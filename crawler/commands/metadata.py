"""`zwgk metadata`: Datasette metadata for a store (descriptions, hidden tables, full-text search)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.commands.output import STDOUT, write_output
from crawler.exitcodes import EXIT_USAGE
from crawler.store import StoreError, default_store_url, sqlite_path

HELP = "write Datasette metadata for a SQLite store: table and column descriptions, search, hidden tables"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="sqlite:///path.db or a path (default: the ZWGK_STORE setting, ./zwgk.db)")
    parser.add_argument("-o", "--output", default="-", help="metadata.json to write (default: stdout)")


def run(args: argparse.Namespace) -> int:
    from crawler.datasette import metadata
    from crawler.store import open_store

    try:
        url = args.store or default_store_url()
        path = sqlite_path(url)
        if path is None:
            raise StoreError("Datasette reads SQLite files; give --store with a SQLite path")
        with open_store(url, must_exist=True):  # brings the schema (views, full-text index) up to date
            pass
    except StoreError as exc:
        print(f"zwgk metadata: {exc}", file=sys.stderr)
        return EXIT_USAGE
    text = json.dumps(metadata(Path(path).stem), ensure_ascii=False, indent=1) + "\n"
    if not write_output("metadata", text, args.output):
        return EXIT_USAGE
    if args.output == STDOUT:
        return 0
    print(f"zwgk metadata: wrote {args.output}; run: datasette {path} -m {args.output}", file=sys.stderr)
    return 0
