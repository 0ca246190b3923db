"""`zwgk parse PATH... [--json]`: reports to the template's fields, one JSON object per input.

Every input gets exactly one line on stdout, its report or its error: each file is parsed in a child
process (crawler.isolate) with a memory cap and a deadline, so a hostile file costs only its own line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.exitcodes import EXIT_USAGE, batch_code

HELP = "Parse annual reports (.html/.pdf/.docx/.xlsx/.xls/.doc/.wps/.txt/.md) into the template's fields and checks."


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files")
    parser.add_argument("--json", action="store_true", help="one JSON object per input per line (default)")
    parser.add_argument("--summary", action="store_true", help="a short human-readable line per input instead")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="give up on one file after this long (default ZWGK_PARSE_TIMEOUT)")
    parser.add_argument("--memory-mb", type=int, default=None, metavar="MB",
                        help="address-space cap of the parse process (default ZWGK_PARSE_MEMORY_MB; 0 = none)")


def parse_one(path: str, summary: bool) -> str:
    """The output line of one file (runs in the child process; serialisation included, so that a
    value JSON cannot write fails here, for this file only)."""
    from crawler.report.parse import parse_path

    rep = parse_path(path)
    if summary:
        bad = ",".join(rep.failed_checks) or "-"
        return f"{path}\t{rep.year}\t{rep.agency}\t{rep.template}\t{len(rep.tables)} values\tfailed: {bad}"
    return json.dumps({"path": path, **rep.to_dict()}, ensure_ascii=False)


def parse_limits(args: argparse.Namespace) -> tuple[float, int]:
    """(timeout, memory MB) from the flags, else the settings (ZWGK_* environment variables)."""
    from crawler import settings

    timeout = settings.ZWGK_PARSE_TIMEOUT if args.timeout is None else args.timeout
    memory = settings.ZWGK_PARSE_MEMORY_MB if args.memory_mb is None else args.memory_mb
    if timeout < 0 or memory < 0:
        raise ValueError("--timeout and --memory-mb must be 0 (no limit) or positive")
    return timeout, memory


def run(args: argparse.Namespace) -> int:
    from crawler.isolate import Isolated

    try:
        timeout, memory = parse_limits(args)
    except ValueError as exc:  # a bad ZWGK_* variable (ConfigError) or flag
        print(f"zwgk parse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    summary = bool(args.summary and not args.json)
    failed = 0
    with Isolated(timeout, memory) as child:
        for path in args.paths:
            try:
                if not Path(path).is_file():
                    raise FileNotFoundError("no such file")
                line = child.call(parse_one, path, summary)
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
                failed += 1
                reason = f"{type(exc).__name__}: {exc}"
                print(json.dumps({"path": path, "error": reason}, ensure_ascii=False) if not summary
                      else f"{path}\terror\t{reason}", flush=True)
                print(f"zwgk parse: {path}: {reason}", file=sys.stderr)
                continue
            print(line, flush=True)
    return batch_code(failed, len(args.paths))
