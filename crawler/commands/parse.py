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

HELP = ("Parse annual reports (.html/.pdf/.docx/.xlsx/.xls/.doc/.wps/.txt/.md; .png/.jpg/.gif/.tif and scanned PDFs "
        "by OCR) into the template's fields and checks.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="report files, folders of them (recursively), or - for standard input")
    parser.add_argument("--json", action="store_true", help="one JSON object per input per line (default)")
    parser.add_argument("--summary", action="store_true", help="a short human-readable line per input instead")
    parser.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                        help="give up on one file after this long (default ZWGK_PARSE_TIMEOUT)")
    parser.add_argument("--memory-mb", type=int, default=None, metavar="MB",
                        help="address-space cap of the parse process (default ZWGK_PARSE_MEMORY_MB; 0 = none)")


def parse_one(name: str, source: str | bytes, filename: str, summary: bool) -> str:
    """The output line of one input, a file's path or the bytes of standard input (runs in the
    child process; serialisation included, so that a value JSON cannot write fails here, for this
    input only)."""
    from crawler.report.parse import parse_bytes

    data = Path(source).read_bytes() if isinstance(source, str) else source
    rep = parse_bytes(data, filename=filename)
    if summary:
        bad = ",".join(rep.failed_checks) or "-"
        tables = " ".join(f"{t}:{r['status']}" for t, r in rep.completeness.items()) or "-"
        return (f"{name}\t{rep.year}\t{rep.agency}\t{rep.template}\t{len(rep.tables)} values\t"
                f"tables {tables}\tfailed: {bad}")
    return json.dumps({"path": name, **rep.to_dict()}, ensure_ascii=False)


def parse_limits(args: argparse.Namespace) -> tuple[float, int]:
    """(timeout, memory MB) from the flags, else the settings (ZWGK_* environment variables)."""
    from crawler import settings

    timeout = settings.ZWGK_PARSE_TIMEOUT if args.timeout is None else args.timeout
    memory = settings.ZWGK_PARSE_MEMORY_MB if args.memory_mb is None else args.memory_mb
    if timeout < 0 or memory < 0:
        raise ValueError("--timeout and --memory-mb must be 0 (no limit) or positive")
    return timeout, memory


def run(args: argparse.Namespace) -> int:
    from crawler.inputs import expand
    from crawler.isolate import Isolated

    try:
        timeout, memory = parse_limits(args)
        inputs = expand(args.paths)
    except ValueError as exc:  # a bad ZWGK_* variable (ConfigError) or flag, an empty folder (InputError)
        print(f"zwgk parse: {exc}", file=sys.stderr)
        return EXIT_USAGE
    summary = bool(args.summary and not args.json)
    failed = 0
    with Isolated(timeout, memory) as child:
        for inp in inputs:
            try:
                if inp.path is not None and not inp.path.is_file():
                    raise FileNotFoundError("no such file")
                # a file is read in the child; standard input only here, where it is
                source: str | bytes = str(inp.path) if inp.path is not None else inp.read()
                line = child.call(parse_one, inp.name, source, inp.filename, summary)
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
                failed += 1
                reason = f"{type(exc).__name__}: {exc}"
                print(json.dumps({"path": inp.name, "error": reason}, ensure_ascii=False) if not summary
                      else f"{inp.name}	error	{reason}", flush=True)
                print(f"zwgk parse: {inp.name}: {reason}", file=sys.stderr)
                continue
            print(line, flush=True)
    return batch_code(failed, len(inputs))
