"""`zwgk archive migrate`: move a store's content-addressed bodies (before WARC) into WARC files."""

from __future__ import annotations

import argparse
import json
import sys

from crawler.runner import EXIT_USAGE
from crawler.store import StoreError, open_store

HELP = "the raw-body archive: `migrate` rewrites bodies archived before WARC as WARC records"


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="archive_action", metavar="ACTION")
    mig = sub.add_parser("migrate", help="write content-addressed bodies as WARC records and point the store at them")
    mig.add_argument("--store", help="sqlite:///path.db, a path, or postgresql://… (default: ZWGK_STORE)")
    mig.add_argument("--archive-dir", help="the archive folder (default: beside the SQLite file)")
    mig.add_argument("--delete-old", action="store_true",
                     help="delete the content-addressed files once no source refers to them")
    mig.add_argument("--json", action="store_true", help="print the counts as JSON on stdout")


def run(args: argparse.Namespace) -> int:
    if args.archive_action != "migrate":
        print("zwgk archive: give an action: migrate", file=sys.stderr)
        return EXIT_USAGE
    from crawler.store.warcmigrate import migrate_to_warc

    try:
        with open_store(args.store, args.archive_dir, must_exist=True) as store:
            counts = migrate_to_warc(store, delete_old=args.delete_old)
    except StoreError as exc:
        print(f"zwgk archive: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(counts))
    else:
        print(f"archive: {counts['migrated']} bodies written as WARC records, {counts['already_warc']} already "
              f"in WARC, {counts['missing']} missing (left as they were), {counts['deleted']} old files deleted",
              file=sys.stderr)
    return 0 if counts["missing"] == 0 else EXIT_USAGE
