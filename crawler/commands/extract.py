"""`zwgk extract PATH_OR_URL [--json]`: print the Document of a page, report file or extracted text."""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from pathlib import Path

from crawler.document import Document
from crawler.exitcodes import EXIT_ALL_FAILED, EXIT_OK, EXIT_USAGE, batch_code
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


def document_for(data: bytes, name: str = "", url: str = "", headers: dict[str, str] | None = None,
                 *, strict: bool = False) -> Document:
    """Route bytes to the right extractor by magic number, name and content type. With `strict`, a
    file its reader cannot read raises instead of giving a Document with a warning."""
    from crawler.extract import extract_document
    from crawler.extract.files import kind_of, legacy_document, office_document, pdf_document, text_document

    kind = kind_of(data, name, (headers or {}).get("content-type", ""))
    if kind == "pdf":
        return pdf_document(data, url, strict=strict)
    if kind in ("docx", "xlsx", "xls"):
        return office_document(data, kind, url, strict=strict)
    if kind == "doc":
        return legacy_document(data, "wps" if (name or url).lower().endswith(".wps") else "doc", url, strict=strict)
    if kind == "text":
        return text_document(data, url)
    return extract_document(data, url, headers)


def extract_one(source: str | bytes, name: str, url: str, headers: dict[str, str] | None, as_json: bool) -> str:
    """The output of one page or file: a path is read here, bytes were fetched by the caller (runs in
    the child process of crawler.isolate)."""
    data = Path(source).read_bytes() if isinstance(source, str) else source
    doc = document_for(data, name, url, headers, strict=True)
    return json.dumps(doc.to_dict(), ensure_ascii=False) if as_json else readable(doc)


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


def _fail(args: argparse.Namespace, src: str, reason: str, code: int) -> int:
    """One error line: on stderr, and with --json also as the result line on stdout."""
    if args.json:
        print(json.dumps({"source": src, "error": reason}, ensure_ascii=False), flush=True)
    print(f"zwgk extract: {src}: {reason}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    from crawler.commands.parse import parse_limits
    from crawler.isolate import Isolated

    src: str = args.source
    try:
        timeout, memory = parse_limits(argparse.Namespace(timeout=None, memory_mb=None))
    except ValueError as exc:
        print(f"zwgk extract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    source: str | bytes
    headers: dict[str, str] | None = None
    if src.startswith(("http://", "https://")):
        try:
            source, headers = fetch(src, args.timeout)
        except FetchError as e:
            return _fail(args, src, f"cannot fetch: {e}", EXIT_ALL_FAILED)
        name, url = src.split("?")[0], args.url or src
    elif "://" in src:
        print(f"zwgk extract: unsupported URL scheme: {src} (give a file or an http(s) URL)", file=sys.stderr)
        return EXIT_USAGE
    elif src == STDIN or Path(src).is_dir():
        return _run_inputs(args, timeout, memory)
    else:
        path = Path(src)
        if not path.is_file():
            return _fail(args, src, "no such file", EXIT_ALL_FAILED)
        if path.stat().st_size > MAX_BYTES:
            return _fail(args, src, f"larger than {MAX_BYTES} bytes", EXIT_ALL_FAILED)
        source, name, url = str(path), path.name, args.url
    try:
        with Isolated(timeout, memory) as child:
            out = child.call(extract_one, source, name, url, headers, bool(args.json))
    except Exception as exc:  # noqa: BLE001 - the reader's error, the limit or the child's death, said once
        return _fail(args, src, f"cannot be read: {type(exc).__name__}: {exc}", EXIT_ALL_FAILED)
    print(out, flush=True)
    return EXIT_OK


def _run_inputs(args: argparse.Namespace, timeout: float, memory: int) -> int:
    """Standard input, or every report file of a folder: one JSON line (or one block) per file,
    each read in the capped child process like a single file."""
    from crawler.isolate import Isolated

    try:
        inputs = expand([args.source])
    except InputError as exc:
        print(f"zwgk extract: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failed = 0
    with Isolated(timeout, memory) as child:
        for inp in inputs:
            try:
                source: str | bytes = str(inp.path) if inp.path is not None else inp.read()
                size = inp.path.stat().st_size if inp.path is not None else len(source)
                if size > MAX_BYTES:
                    raise ValueError(f"larger than {MAX_BYTES} bytes")
                out = child.call(extract_one, source, inp.filename, args.url, None, bool(args.json))
            except Exception as exc:  # noqa: BLE001 - one bad file must not stop the others
                failed += 1
                _fail(args, inp.name, f"cannot be read: {type(exc).__name__}: {exc}", EXIT_ALL_FAILED)
                continue
            if args.json:
                print(json.dumps({"path": inp.name, **json.loads(out)}, ensure_ascii=False), flush=True)
            else:
                print(f"== {inp.name}\n{out}", flush=True)
    return batch_code(failed, len(inputs))
