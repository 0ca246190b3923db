"""Table text as lines of cells, whatever flattened it: HTML grids, PDF tables, `a | b` rows,
one cell per line, tab-separated or space-separated PDF text, markdown.

The walker `segment` then cuts the cell stream into rows: the text cells before a run of values
are that run's label. Row boundaries inside one-cell-per-line text are not known, so a run of
values continues across lines until a text cell comes, except that a line which is itself a full
row of values (two or more numbers) after another full row starts a new, unlabelled run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from crawler.report.values import Cell, norm, parse_cell

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
    spans: set[int] = set()  # colspans of the latest header row, learnt from its repeated cells
    for i, row in enumerate(grid):
        if value_start is not None and i > header_row and len(row) >= value_start + n_values:
            start = value_start - _shift(row, value_start, n_values)
            label: list[Cell] = []
            for raw in row[:start]:
                c = parse_cell(raw or "")
                if c.kind == "text" and not (label and label[-1].raw == c.raw):
                    label.append(c)
            values = [parse_cell(raw or "") for raw in row[start : start + n_values]]
            # a label cell that reads as a number (a row numbered 1) is still a label here
            out.append(label + values)
            continue
        cells: list[Cell] = []
        parsed = [None if raw is None else parse_cell(raw) for raw in row]
        if any(c is not None and c.kind == "text" for c in parsed) and not any(
            c is not None and c.kind == "num" for c in parsed
        ):
            spans = _header_spans(row)
        for j, c in enumerate(parsed):
            if c is None:
                continue  # pdfplumber: a position covered by a merged cell, not a cell of its own
            if c.kind == "text" and cells and cells[-1].kind == "text" and cells[-1].raw == c.raw:
                continue
            prev = parsed[j - 1] if j else None
            if (j - 1 in spans and c.kind != "text" and prev is not None and prev.kind != "text"
                    and norm(prev.raw) == norm(c.raw)):
                continue  # a value cell spanning the same columns as its header (colspan expanded)
            cells.append(c)
        out.append(_finish(cells))
    return out


def _shift(row: Sequence[str | None], value_start: int, n_values: int) -> int:
    """How many columns a row's numbers stand left (positive) or right (negative) of the header's
    value columns. A row that lost a cell, or that a rowspan cut from a broken paste pushes over,
    has numbers in the label area and blanks at its end, or label text at the start of the value
    area and numbers past its end. Its numbers are read where they are: reading the header's
    positions would shift every value into a neighbouring column."""
    kinds: list[str] = []
    for raw in row:  # a covered position (None) is part of the merged cell left of it
        kinds.append(kinds[-1] if raw is None and kinds else parse_cell(raw or "").kind)
    tail = kinds[value_start : value_start + n_values]
    blank_end = len(tail) - len("".join(k[0] for k in tail).rstrip("a"))
    k = 0
    while k < blank_end and value_start - k - 1 >= 0 and kinds[value_start - k - 1] == "num":
        k += 1
    if k:
        return k
    text_start = len("".join(k[0] for k in tail)) - len("".join(k[0] for k in tail).lstrip("t"))
    after = kinds[value_start + n_values : value_start + n_values + text_start]
    if text_start and len(after) == text_start and all(x == "num" for x in after):
        return -text_start
    return 0


def _header_spans(row: Sequence[str | None]) -> set[int]:
    """Columns j whose header cell also covers column j + 1 (a colspan expanded into copies)."""
    return {j for j in range(len(row) - 1)
            if row[j] and row[j + 1] is not None and norm(row[j] or "") == norm(row[j + 1] or "")}


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


# ---------------------------------------------------------------- tables flattened into one line

# Archivers save a page's text as one line: the tables' rows follow one another with their numbers
# glued to the labels (行政许可10690第二十条…) or spaced (（六）其他处理4 0 0 0 0 0 4).
_FLAT_MIN = 300  # a line this long that holds table words is a flattened page, not a row
_FLAT_START = re.compile(
    r"[二2][、.]\s*主动公开政府信息情况(?=\s*第二十条)|第二十条第|申请人情况|本年新收政府信息公开申请"
)
_FLAT_END = re.compile(r"[五六5-6][、.]\s*(?:政府信息公开工作)?(?:存在的?主要问题|主要问题|其他需要报告)")
_FLAT_HEAD = re.compile(
    r"[二三四2-4][、.]\s*(?:主动公开政府信息情况|收到和处理政府信息公开申请情况"
    r"|(?:因政府信息公开申请)?(?:政府信息公开)?行政法?复议[、和及]\s*(?:提起)?行政诉讼的?情况)"
    r"|第二十条第\([一二三四五六七八九十]{1,2}\)项"
)
_NUM_TOKEN = r"(?:增加|减少)?[-+]?\d+(?:\.\d+)?(?:万元|亿元|元)?"
_BLANK_TOKEN = r"(?:[—－–\-]+|无)(?=[ \t\u3000]|$)"  # a blank or 无 cell, standing alone
# a run of cells: numbers spaced or split only by a sign (35-15: two cells), blanks spaced
_FLAT_RUN = re.compile(
    rf"(?<![\d.])(?:{_NUM_TOKEN}|(?<=[ \t\u3000]){_BLANK_TOKEN})"
    rf"(?:[ \t\u3000]*(?<=[\d元 \t\u3000]){_NUM_TOKEN}|[ \t\u3000]+{_BLANK_TOKEN})*"
)
_ORDINAL_NEXT = re.compile(r"^[.、](?=[^\d\s])")


def unflatten(text: str) -> tuple[str, list[str]]:
    """A table region flattened into one long line, back to one line per row.

    The line is cut at the table headings and wherever a run of numbers ends; each label is put on
    a line with its numbers, tab-separated. Numbers glued together stay one cell (several columns of
    a row cannot be told apart), so only spaced numbers or a single number fill columns. A run
    glued to the next row's ordinal (…00000002.其他法律…) is not kept at all: where the number
    ends and the ordinal begins cannot be known."""
    out: list[str] = []
    warnings: list[str] = []
    glued_ordinal = 0
    for line in text.splitlines():
        flat = unicodedata.normalize("NFKC", line)
        start = _FLAT_START.search(flat) if len(flat) >= _FLAT_MIN else None
        if start is None:
            out.append(line)
            continue
        # the table's heading just before (三、收到和处理…（本列数据的勾稽关系…）申请人情况)
        m_head = next(_FLAT_HEAD.finditer(flat, max(0, start.start() - 80), start.end()), None)
        begin = min(m_head.start(), start.start()) if m_head else start.start()
        end_m = _FLAT_END.search(flat, begin)
        end = end_m.start() if end_m else len(flat)
        out.append(flat[:begin])
        label_start = begin
        pos = begin
        while pos < end:
            run = _FLAT_RUN.search(flat, pos, end)
            if run is None:
                break
            tokens = run.group(0).split()
            if _ORDINAL_NEXT.match(flat[run.end() : run.end() + 2]):
                if len(tokens) == 1 and len(tokens[0]) <= 2 and tokens[0].isdigit():
                    pos = run.end()  # a label's own ordinal (1.属于国家秘密): part of the label
                    continue
                if len(tokens) > 1 and len(tokens[-1]) == 1:
                    tokens = tokens[:-1]  # the next row's ordinal, standing apart
                    nxt = run.end() - 1
                else:
                    # the next row's ordinal glued to this row's last number (…00000002.其他)
                    tokens, nxt = [], run.end()
                    glued_ordinal += 1
            else:
                nxt = run.end()
            label = flat[label_start : run.start()]
            cells = [c for t in tokens for c in (re.findall(_NUM_TOKEN, t) if re.search(r"\d", t) else [t])]
            out.extend(_flat_heads(label, cells))
            label_start = pos = nxt
        out.extend(_flat_heads(flat[label_start:end], []))
        out.append(flat[end:])
        warnings.append("a table flattened into one line was split at its rows; numbers glued together are not read")
    if glued_ordinal:
        warnings.append(f"{glued_ordinal} rows of numbers glued to the next row's number were not read")
    return "\n".join(out), warnings


# Table 二's row names: each starts a line of its own (a header or a blank cell may stand glued
# before it: 现行有效件数规章 …, 行政处罚 —行政强制 …).
_FLAT_ACTIVE_ROW = re.compile(
    r"(?:行政)?规范性文件|(?<![\u4e00-\u9fff])规章|行政许可|其他对外管理服务事项|行政处罚|行政强制|行政事业性收费"
    r"|政府集中采购|(?<=[数量件)])规章"
)


def _flat_heads(label: str, cells: list[str]) -> list[str]:
    """Headings and table 二 row names on lines of their own, then the label with its cells."""
    lines: list[str] = []
    pos = 0
    for m in _FLAT_HEAD.finditer(label):
        if label[pos : m.start()].strip():
            lines.extend(_flat_rows(label[pos : m.start()]))
        lines.append(m.group(0))
        pos = m.end()
    parts = _flat_rows(label[pos:])
    rest = parts.pop() if parts else ""
    lines.extend(parts)
    if cells:
        lines.append("\t".join([rest, *cells] if rest else cells))
    elif rest:
        lines.append(rest)
    return lines


def _flat_rows(text: str) -> list[str]:
    """Text cut before each table 二 row name."""
    cuts = [m.start() for m in _FLAT_ACTIVE_ROW.finditer(text) if m.start() > 0]
    pieces = [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return [p for p in pieces if p]
