"""`zwgk extract PATH_OR_URL [--json]`: print the Document of a page, report file or extracted text."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from crawler.document import Document
from crawler.inputs import STDIN, InputError, expand

HELP = "Extract the clean text and metadata of an HTML page, PDF, DOCX or text file (path or URL)."

MAX_BYTES = 64 * 1024 * 1024
_UA = "Mozilla/5.0 (compatible; zwgk extract; +https://github.com/)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="PATH_OR_URL",
                        help="a file (.html, .pdf, .docx, .txt, .md), a folder of them, - for standard input, or an http(s) URL")
    parser.add_argument("--json", action="store_true", help="print Document.to_dict() as one JSON line")
    parser.add_argument("--url", default="", help="the page's original URL (resolves relative attachment links)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a URL (default 30)")


class FetchError(Exception):
    pass


def fetch(url: str, timeout: float) -> tuple[bytes, dict[str, str]]:
    """GET a URL with urllib; headers lower-cased. Raises FetchError with a readable reason."""
    req = urllib.request.Request(url, headers={"User-Agent": _UA, "Accept": "*/*"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) checked by caller
            data = resp.read(MAX_BYTES + 1)
            headers = {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as e:
        raise FetchError(f"HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        raise FetchError(f"{e.reason}") from e
    except (TimeoutError, OSError, ValueError) as e:
        raise FetchError(f"{type(e).__name__}: {e}") from e
    if len(data) > MAX_BYTES:
        raise FetchError(f"response larger than {MAX_BYTES} bytes")
    return data, headers


def document_for(data: bytes, name: str = "", url: str = "", headers: dict[str, str] | None = None) -> Document:
    """Route bytes to the right extractor by magic number, name and content type."""
    from crawler.extract import extract_document
    from crawler.extract.files import kind_of, legacy_document, office_document, pdf_document, text_document

    kind = kind_of(data, name, (headers or {}).get("content-type", ""))
    if kind == "pdf":
        return pdf_document(data, url)
    if kind in ("docx", "xlsx", "xls"):
        return office_document(data, kind, url)
    if kind == "doc":
        return legacy_document(data, "wps" if (name or url).lower().endswith(".wps") else "doc", url)
    if kind == "text":
        return text_document(data, url)
    return extract_document(data, url, headers)


def readable(doc: Document) -> str:
    lines = [f"title:     {doc.title}", f"published: {doc.published}", f"source:    {doc.source}"]
    if doc.url:
        lines.append(f"url:       {doc.url}")
    if doc.site:
        lines.append("site:      " + "; ".join(f"{k}={v}" for k, v in doc.site.items()))
    if doc.breadcrumb:
        lines.append("path:      " + " > ".join(doc.breadcrumb))
    for k, v in doc.index_block.items():
        lines.append(f"  {k}: {v}")
    lines.append(f"encoding:  {doc.encoding}   script: {doc.script}   tables: {len(doc.tables)}")
    for a in doc.attachments:
        lines.append(f"attachment: [{a.ext}] {a.text} <{a.url}>")
    for w in doc.warnings:
        lines.append(f"warning:   {w}")
    lines.append("")
    lines.append(doc.text)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    src: str = args.source
    if src.startswith(("http://", "https://")):
        try:
            data, headers = fetch(src, args.timeout)
        except FetchError as e:
            print(f"zwgk extract: cannot fetch {src}: {e}", file=sys.stderr)
            return 2
        doc = document_for(data, src.split("?")[0], args.url or src, headers)
    elif "://" in src:
        print(f"zwgk extract: unsupported URL scheme: {src}", file=sys.stderr)
        return 2
    elif src == STDIN or Path(src).is_dir():
        return _run_inputs(args)
    else:
        path = Path(src)
        if not path.is_file():
            print(f"zwgk extract: no such file: {src}", file=sys.stderr)
            return 2
        if path.stat().st_size > MAX_BYTES:
            print(f"zwgk extract: {src} is larger than {MAX_BYTES} bytes", file=sys.stderr)
            return 2
        doc = document_for(path.read_bytes(), path.name, args.url)
    if args.json:
        print(json.dumps(doc.to_dict(), ensure_ascii=False))
    else:
        print(readable(doc))
    return 0


def _run_inputs(args: argparse.Namespace) -> int:
    """Standard input, or every report file of a folder (one JSON line, or one block, per file)."""
    try:
        inputs = expand([args.source])
    except InputError as exc:
        print(f"zwgk extract: {exc}", file=sys.stderr)
        return 2
    failed = 0
    for inp in inputs:
        try:
            data = inp.read()
            if len(data) > MAX_BYTES:
                raise ValueError(f"larger than {MAX_BYTES} bytes")
            doc = document_for(data, inp.filename, args.url)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
            failed += 1
            print(f"zwgk extract: {inp.name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            continue
        if args.json:
            print(json.dumps({"path": inp.name, **doc.to_dict()}, ensure_ascii=False), flush=True)
        else:
            print(f"== {inp.name}\n{readable(doc)}", flush=True)
    return 1 if failed else 0
