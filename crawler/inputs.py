"""Command-line inputs: files, directories of report files, and `-` for standard input.

`zwgk parse` and `zwgk extract` take what shell users pass to such tools: a file, a folder (its
report files, recursively, in name order) or `-` (the bytes piped in; the kind is sniffed from them).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

STDIN = "-"
# What a folder is searched for: the kinds the parser and the extractor read.
REPORT_SUFFIXES = frozenset({".html", ".htm", ".shtml", ".xhtml", ".pdf", ".docx", ".doc", ".wps", ".xlsx",
                             ".xls", ".txt", ".md"})


class InputError(ValueError):
    """An input that names nothing readable (a folder without report files, stdin named twice)."""


@dataclass(frozen=True)
class Input:
    name: str  # as shown in output: the path, or "-" for standard input
    path: Path | None  # None for standard input

    @property
    def filename(self) -> str:
        """The file name extractors use as a hint ('' for stdin: the kind is sniffed from the bytes)."""
        return self.path.name if self.path is not None else ""

    def read(self) -> bytes:
        if self.path is None:
            return sys.stdin.buffer.read()
        return self.path.read_bytes()


def expand(args: Iterable[str]) -> list[Input]:
    """One Input per file: folders become their report files; a missing path stays, so reading it
    reports the error for that input alone. Raises InputError as described on the class."""
    out: list[Input] = []
    stdin_seen = False
    for arg in args:
        if arg == STDIN:
            if stdin_seen:
                raise InputError("standard input (-) can be read only once")
            stdin_seen = True
            out.append(Input(STDIN, None))
            continue
        path = Path(arg)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
            if not files:
                raise InputError(f"{arg}: folder holds no report files ({', '.join(sorted(REPORT_SUFFIXES))})")
            out.extend(Input(str(p), p) for p in files)
        else:
            out.append(Input(arg, path))
    return out
