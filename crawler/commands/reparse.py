"""`zwgk reparse`: rebuild every report from the raw-body archive, without the network."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from crawler.exitcodes import EXIT_SOME_FAILED, EXIT_USAGE
from crawler.items import ReportItem
from crawler.store import StoreError, open_store

HELP = "rebuild every report from the archived bodies with the current extractor and parser"

Analyse = Callable[[ReportItem], ReportItem]


def default_analyse() -> Analyse:
    """crawler.process.analyse (extraction + parsing); a clear error while it does not exist."""
    try:
        from crawler.process import analyse  # type: ignore[import-not-found,unused-ignore]
    except ImportError as exc:
        raise RuntimeError(f"crawler.process.analyse is not available: {exc}") from exc
    return analyse  # type: ignore[no-any-return,unused-ignore]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", help="sqlite:///path.db (default ./zwgk.db or $ZWGK_STORE), a path, or postgresql://…")
    parser.add_argument("--archive-dir", help="raw-body archive directory (default: beside the SQLite file)")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON on stdout")
    parser.add_argument("--workers", type=int, default=0,
                        help="processes that extract and parse (default: one per core; 1 = in this process)")


def run(args: argparse.Namespace, analyse: Analyse | None = None) -> int:
    try:
        analyse = analyse or default_analyse()
    except RuntimeError as exc:
        print(f"zwgk reparse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = open_store(args.store, archive_dir=args.archive_dir)
    except StoreError as exc:
        print(f"zwgk reparse: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def progress(n: int, total: int) -> None:
        if n % 100 == 0 or n == total:
            print(f"reparse: {n}/{total} sources", file=sys.stderr)

    workers = args.workers if getattr(args, "workers", 0) > 0 else (os.cpu_count() or 1)
    try:
        counts = store.reparse(analyse, progress, workers=workers)
    finally:
        store.close()
    if args.json:
        print(json.dumps(counts))
    else:
        print("reparse: " + ", ".join(f"{k} {v}" for k, v in counts.items()), file=sys.stderr)
    return EXIT_SOME_FAILED if counts.get("missing") else 0
