"""`zwgk reparse`: rebuild every report from the raw-body archive, without the network."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable

from crawler.items import ReportItem
from crawler.runner import EXIT_USAGE
from crawler.store import StoreError, open_store
from crawler.store.reparse import ReparseRefused

HELP = "rebuild every report from the archived bodies with the current extractor and parser"

# Exit codes of `zwgk reparse` (documented in README.md); 1 is EXIT_USAGE, 130/143 an interrupt.
EXIT_REBUILT = 0  # every report rebuilt
EXIT_KEPT = 2  # done, but some reports were kept as they were, or some bodies were missing or failed to parse
EXIT_REFUSED = 3  # not one archived body found: nothing changed

PROGRESS_EVERY = 100  # sources between progress lines on large stores

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


def summary(counts: dict[str, int]) -> str:
    """One line for people: reports first (what a user cares about), then sources."""
    changed = counts["reports_rebuilt"] - counts["reports_identical"]
    return (f"reparse: {counts['reports_rebuilt']} reports rebuilt ({changed} changed, "
            f"{counts['reports_identical']} identical), {counts['reports_kept']} kept as they were (none of "
            f"their bodies was found in the archive or could be parsed); sources: {counts['sources']} read, {counts['missing']} missing "
            f"from the archive, {counts['failed']} failed to parse, dedup new {counts['new']} changed "
            f"{counts['changed']} duplicate {counts['duplicate']} unchanged {counts['unchanged']}")


def run(args: argparse.Namespace, analyse: Analyse | None = None) -> int:
    try:
        analyse = analyse or default_analyse()
    except RuntimeError as exc:
        print(f"zwgk reparse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        store = open_store(args.store, archive_dir=args.archive_dir, must_exist=True)
    except StoreError as exc:
        print(f"zwgk reparse: {exc}", file=sys.stderr)
        return EXIT_USAGE

    def progress(n: int, total: int) -> None:
        # every 10 % of the sources, and at least every PROGRESS_EVERY of them
        if n % max(1, min(PROGRESS_EVERY, total // 10)) == 0 or n == total:
            print(f"reparse: {n}/{total} sources", file=sys.stderr)

    workers = args.workers if getattr(args, "workers", 0) > 0 else (os.cpu_count() or 1)
    try:
        counts = store.reparse(analyse, progress, workers=workers)
    except ReparseRefused as exc:
        print(f"zwgk reparse: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("zwgk reparse: interrupted; the transaction was rolled back, the store is as it was", file=sys.stderr)
        raise
    finally:
        store.close()
    if args.json:
        print(json.dumps(counts))
    else:
        print(summary(counts), file=sys.stderr)
    if counts["reports_kept"] or counts["missing"] or counts["failed"]:
        print("zwgk reparse: some reports could not be rebuilt; see the counts above and the 'reparse:' warnings "
              "(sqlite3 … \"select * from warnings where message like 'reparse:%'\")", file=sys.stderr)
        return EXIT_KEPT
    return EXIT_REBUILT
