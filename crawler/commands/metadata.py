"""`zwgk metadata`: Datasette metadata for a store (descriptions, hidden tables, full-text search)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.runner import EXIT_USAGE
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
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"zwgk metadata: cannot write {args.output}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"zwgk metadata: wrote {args.output}; run: datasette {path} -m {args.output}", file=sys.stderr)
    return 0
