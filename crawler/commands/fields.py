"""`zwgk fields`: the codebook — every field key with its printed label, meaning, templates and unit."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from crawler.commands.output import STDOUT, write_output
from crawler.exitcodes import EXIT_USAGE

HELP = "the codebook: every field key with its label as printed, meaning, templates and unit"

FORMATS = ("markdown", "csv", "json")
_EXTENSIONS = {".md": "markdown", ".csv": "csv", ".json": "json"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, help="default: from the -o extension, else markdown")
    parser.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    parser.add_argument("--table", choices=("二", "三", "四"), help="only the keys of one table")


def run(args: argparse.Namespace) -> int:
    from crawler.report.codebook import codebook, to_csv, to_json, to_markdown

    fmt = args.format or _EXTENSIONS.get(Path(args.output).suffix.lower(), "markdown")
    fields = [f for f in codebook() if args.table is None or f.table == args.table]
    text = {"markdown": to_markdown, "csv": to_csv, "json": to_json}[fmt](fields)
    if not write_output("fields", text, args.output):
        return EXIT_USAGE
    if args.output == STDOUT:
        return 0
    print(f"zwgk fields: {len(fields)} keys written to {args.output} ({fmt})", file=sys.stderr)
    return 0
