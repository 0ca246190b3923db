"""`zwgk init`: create a store (or upgrade an existing one), so that reading commands and workers find it."""

from __future__ import annotations

import argparse
import sys

from crawler.runner import EXIT_USAGE
from crawler.store import StoreError, open_store

HELP = "create a store's tables (or upgrade an existing store to this version's schema)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="sqlite:///path.db (default ./zwgk.db or $ZWGK_STORE), a path, or postgresql://…")


def run(args: argparse.Namespace) -> int:
    try:
        store = open_store(args.store)
    except StoreError as exc:
        print(f"zwgk init: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        print(f"zwgk init: {store.describe()} is at schema version {store.schema_version()}", file=sys.stderr)
    finally:
        store.close()
    return 0
