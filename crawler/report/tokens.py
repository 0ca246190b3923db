"""Table text as lines of cells, whatever flattened it: HTML grids, PDF tables, `a | b` rows,
one cell per line, tab-separated or space-separated PDF text, markdown.

The walker `segment` then cuts the cell stream into rows: the text cells before a run of values
are that run's label. Row boundaries inside one-cell-per-line text are not known, so a run of
values continues across lines until a text cell comes, except that a line which is itself a full
row of values (two or more numbers) after another full row starts a new, unlabelled run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.report.values import Cell, parse_cell

Line = list[Cell]

_PAGE_NO = re.compile(r"^\s*(?:[-－—–]\s*\d{1,3}\s*[-－—–]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*$")
_MD_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_MD_HEADING = re.compile(r"^#{1,6}\s*")
# A label may hold at most this many characters before trailing numbers are split from it:
# longer lines are prose that happens to end in a number.
_MAX_LABEL = 60


def _finish(cells: list[Cell]) -> Line:
    """Drop blank cells that stand before the last text cell of a line (merged label area)."""
    last_text = max((i for i, c in enumerate(cells) if c.kind == "text"), default=-1)
    return [c for i, c in enumerate(cells) if not (i < last_text and c.kind == "absent")]


def split_line(line: str) -> Line:
    """One line of flattened text as cells."""
    s = line.strip()
    if not s or _PAGE_NO.match(s) or _MD_SEP.match(s):
        return []
    s = _MD_HEADING.sub("", s)
    if "\t" in line and "|" not in s:
        # tabs separate cells, so a leading or trailing tab is an empty cell
        return _finish([parse_cell(p) for p in line.strip(" \r\n").split("\t")])
    if "|" in s:
        pieces = s.split("|")
        if pieces and not pieces[-1].strip():
            pieces = pieces[:-1]  # the pipe closes the cell before it
        if s.startswith("|") and s.strip("| \t") and pieces and not pieces[0].strip():
            pieces = pieces[1:]  # markdown row: the pipe opens the first cell
        return _finish([parse_cell(p) for p in pieces])
    parts = s.split()
    if len(parts) > 1:
        cells = [parse_cell(p) for p in parts]
        k = len(cells)
        while k > 0 and cells[k - 1].kind != "text":
            k -= 1
        if any(c.kind == "num" for c in cells[k:]):
            label = " ".join(parts[:k])
            if len(label) <= _MAX_LABEL:
                return ([parse_cell(label)] if label else []) + cells[k:]
    return [parse_cell(s)]


def lines_from_text(text: str) -> list[Line]:
    return [split_line(ln) for ln in (text or "").splitlines()]


def lines_from_grid(grid: Sequence[Sequence[str | None]], value_start: int | None = None,
                    n_values: int = 0, header_row: int = -1) -> list[Line]:
    """A grid row is a line; merged label cells repeated by span expansion are kept once.

    With value_start, rows below header_row are read by position: the n_values cells from
    value_start are the values (empty or merged ones blank), the cells before it the label."""
    out: list[Line] = []
    for i, row in enumerate(grid):
        if value_start is not None and i > header_row and len(row) >= value_start + n_values:
            label: list[Cell] = []
            for raw in row[:value_start]:
                c = parse_cell(raw or "")
                if c.kind == "text" and not (label and label[-1].raw == c.raw):
                    label.append(c)
            values = [parse_cell(raw or "") for raw in row[value_start : value_start + n_values]]
            # a label cell that reads as a number (a row numbered 1) is still a label here
            out.append(label + values)
            continue
        cells: list[Cell] = []
        for raw in row:
            if raw is None:
                continue  # pdfplumber: a position covered by a merged cell, not a cell of its own
            c = parse_cell(raw)
            if c.kind == "text" and cells and cells[-1].kind == "text" and cells[-1].raw == c.raw:
                continue
            cells.append(c)
        out.append(_finish(cells))
    return out


@dataclass
class Row:
    """A run of values and the text cells before it."""

    texts: list[str] = field(default_factory=list)  # label cells since the previous run
    own: list[str] = field(default_factory=list)  # label cells on the line of the first value
    values: list[Cell] = field(default_factory=list)
    line: int = 0

    @property
    def nonblank(self) -> int:
        return sum(1 for c in self.values if c.kind == "num")


def segment(lines: Iterable[Line]) -> tuple[list[Row], list[str]]:
    """Cut lines into rows; also return the text cells after the last run (trailing headers)."""
    rows: list[Row] = []
    texts: list[tuple[str, int]] = []
    vals: list[Cell] = []
    first_line = -1
    last_line_full = False

    def flush() -> None:
        nonlocal vals, texts
        if vals:
            rows.append(Row([t for t, _ in texts], [t for t, li in texts if li == first_line], vals, first_line))
        vals, texts = [], []

    for li, line in enumerate(lines):
        if not line:
            continue
        n_num = sum(1 for c in line if c.kind == "num")
        has_text = any(c.kind == "text" for c in line)
        full = n_num >= 2 or (has_text and n_num >= 1)
        started_here = False
        added = False
        for c in line:
            if c.kind == "text":
                if vals:
                    flush()
                texts.append((c.raw, li))
            else:
                if vals and not started_here and li != first_line and full and last_line_full and not has_text:
                    flush()  # a second full row of numbers with no label of its own
                if not vals:
                    first_line = li
                    started_here = True
                vals.append(c)
                added = True
        if added:
            last_line_full = full
    flush()
    return rows, [t for t, _ in texts]
