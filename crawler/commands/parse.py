"""`zwgk parse PATH... [--json]`: reports to the template's fields, one JSON object per input."""

from __future__ import annotations

import argparse
import json
import sys

HELP = ("Parse annual reports (.html/.pdf/.docx/.xlsx/.xls/.doc/.wps/.txt/.md; .png/.jpg/.gif/.tif and scanned PDFs "
        "by OCR) into the template's fields and checks.")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="report files")
    parser.add_argument("--json", action="store_true", help="one JSON object per input per line (default)")
    parser.add_argument("--summary", action="store_true", help="a short human-readable line per input instead")


def run(args: argparse.Namespace) -> int:
    from crawler.report.parse import parse_path

    failed = 0
    for path in args.paths:
        try:
            rep = parse_path(path)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            failed += 1
            print(json.dumps({"path": path, "error": f"{type(exc).__name__}: {exc}"}, ensure_ascii=False), flush=True)
            print(f"zwgk parse: {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        if args.summary and not args.json:
            bad = ",".join(rep.failed_checks) or "-"
            print(f"{path}\t{rep.year}\t{rep.agency}\t{rep.template}\t{len(rep.tables)} values\tfailed: {bad}")
        else:
            d = {"path": path, **rep.to_dict()}
            print(json.dumps(d, ensure_ascii=False), flush=True)
    return 1 if failed else 0
