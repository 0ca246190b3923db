"""`zwgk metadata`: Datasette metadata for a store (descriptions, hidden tables, full-text search)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.commands.storearg import existing_store_url
from crawler.store import StoreError, sqlite_path

HELP = "write Datasette metadata for a SQLite store: table and column descriptions, search, hidden tables"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="sqlite:///path.db or a path (default: the ZWGK_STORE setting, ./zwgk.db)")
    parser.add_argument("-o", "--output", default="-", help="metadata.json to write (default: stdout)")


def run(args: argparse.Namespace) -> int:
    from crawler.datasette import metadata
    from crawler.store import open_store

    try:
        url = existing_store_url(args.store)
        path = sqlite_path(url)
        if path is None:
            raise StoreError("Datasette reads SQLite files; give --store with a SQLite path")
        with open_store(url):  # brings the schema (views, full-text index) up to date first
            pass
    except StoreError as exc:
        print(f"zwgk metadata: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(metadata(Path(path).stem), ensure_ascii=False, indent=1) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"zwgk metadata: cannot write {args.output}: {exc}", file=sys.stderr)
        return 1
    print(f"zwgk metadata: wrote {args.output}; run: datasette {path} -m {args.output}", file=sys.stderr)
    return 0
