"""HTML tables as rectangular grids of cell text, with rowspan/colspan expanded.

A merged cell is repeated into every grid position it covers, so that a row label
spanning 22 rows (the 本年度办理结果 block of table 三) is present on each of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence

from lxml import html as lxml_html
from lxml.etree import _Element

from crawler.limits import check_cell_count, check_cells

Grid = list[list[str]]
# A merged cell: (row, column, rowspan, colspan) of a cell spanning more than one position.
Merge = tuple[int, int, int, int]

_WS = re.compile(r"[\s\u3000\xa0]+")
# Invisible characters pasted in from Word or WeChat; they would split numbers and labels.
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
# Elements that start a new line inside a cell, and footnote-mark elements.
_BREAKS = frozenset({"br", "p", "div", "li", "tr"})
_MARKS = frozenset({"sup", "sub"})
# Real portals write absurd spans (colspan="1000"); cap them so a grid stays small.
_MAX_SPAN = 60


def _span(cell: _Element, attr: str) -> int:
    raw = (cell.get(attr) or "1").strip()
    m = re.match(r"\d+", raw)
    n = int(m.group(0)) if m else 1
    return max(1, min(n, _MAX_SPAN))


def cell_text(cell: _Element) -> str:
    """Text of a cell with whitespace folded. A <br> or block break is a space (digits on two
    lines are two pieces, not one number; labels lose the space when matched), and digits in
    <sup>/<sub> are footnote marks, left out so that 12<sup>1</sup> does not read as 121."""
    parts: list[str] = []

    def walk(el: _Element) -> None:
        if el is not cell and isinstance(el.tag, str) and el.tag in _MARKS and (el.text_content() or "").strip().isdigit():
            parts.append(el.tail or "")
            return
        if isinstance(el.tag, str) and el.tag in _BREAKS and el is not cell:
            parts.append(" ")
        parts.append((el.text or "") if isinstance(el.tag, str) else "")  # not a comment's text
        for child in el:
            walk(child)
        if el is not cell:
            parts.append(el.tail or "")

    walk(cell)
    return _WS.sub(" ", ZERO_WIDTH.sub("", "".join(parts))).strip()


def _own_rows(table: _Element) -> Iterable[_Element]:
    """Rows of this table, not of tables nested inside its cells."""
    for tr in table.iter("tr"):
        parent = tr.getparent()
        while parent is not None and parent.tag not in ("table",):
            parent = parent.getparent()
        if parent is table:
            yield tr


def table_grid(table: _Element) -> Grid:
    """Expand one <table> element into a rectangular grid of strings."""
    return table_cells(table)[0]


def _placed(table: _Element, span: Callable[[_Element, str], int]) -> Iterator[tuple[int, int, int, int, _Element]]:
    """(row, column, rowspan, colspan, cell) of every cell, placed as browsers place them (a cell
    goes to the first column its row's earlier rowspans leave free). Raises LimitError past
    MAX_TABLE_CELLS positions (staggered spans of a hostile page would fill millions)."""
    taken: set[tuple[int, int]] = set()
    width = 0
    r = 0
    for tr in _own_rows(table):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rs, cs = span(cell, "rowspan"), span(cell, "colspan")
            taken.update((r + dr, c + dc) for dr in range(rs) for dc in range(cs))
            yield r, c, rs, cs, cell
            c += cs
            width = max(width, c)
            check_cell_count(len(taken))
        r += 1
    check_cells(r, width)


def table_cells(table: _Element) -> tuple[Grid, list[Merge]]:
    """The expanded grid of one <table>, and where its merged cells are: a repeated text alone
    cannot tell a colspan copy from two equal cells, and header and value rows of one table often
    split their columns differently (上一年项目数量 one column in the header, two in the rows).

    Raises LimitError when the expanded grid would exceed MAX_TABLE_CELLS."""
    grid: dict[tuple[int, int], str] = {}
    merges: list[Merge] = []
    rows = width = 0
    for r, c, rs, cs, cell in _placed(table, _span):
        text = cell_text(cell)
        for dr in range(rs):
            for dc in range(cs):
                grid.setdefault((r + dr, c + dc), text)
        if rs > 1 or cs > 1:
            merges.append((r, c, rs, cs))
        rows, width = max(rows, r + 1), max(width, c + cs)
    rows = max(rows, sum(1 for _ in _own_rows(table)))  # empty rows count, as before
    # A rowspan reaching past the last row is clipped there, as browsers do: a table split in
    # two (续表) must not grow phantom rows of its spanning labels.
    merges = [(i, j, min(rs, rows - i), cs) for i, j, rs, cs in merges]
    return [[grid.get((i, j), "") for j in range(width)] for i in range(rows)], merges


def uncover(grid: Grid, merges: Iterable[Sequence[int]]) -> list[list[str | None]]:
    """The grid with the positions a colspan covers (right of a merged cell's first column) set to
    None, as the PDF and DOCX readers mark them; the first column keeps its text on every row a
    rowspan covers, so each row still has its label."""
    out: list[list[str | None]] = [list(row) for row in grid]
    for i, j, rs, cs in merges:
        for dr in range(rs):
            row = out[i + dr] if i + dr < len(out) else None
            if row is None:
                break
            for dc in range(1, cs):
                if j + dc < len(row):
                    row[j + dc] = None
    return out


# trafilatura expands spans up to 100; the pre-check must bound its work as well as ours.
_EXTRACTOR_MAX_SPAN = 100


def check_table_size(table: _Element) -> None:
    """LimitError when expanding the table's spans (as any of the page's readers does) would fill
    more than MAX_TABLE_CELLS positions; run before the extractors touch a page's tables."""
    for _ in _placed(table, lambda cell, attr: min(_EXTRACTOR_MAX_SPAN, _raw_span(cell, attr))):
        pass


def _raw_span(cell: _Element, attr: str) -> int:
    m = re.match(r"\d+", (cell.get(attr) or "1").strip())
    return max(1, int(m.group(0))) if m and len(m.group(0)) < 10 else 1


# Public names for the row and span rules (render.py writes table text with the same rules).
own_rows = _own_rows
cell_span = _span


def grids_from_element(root: _Element) -> list[Grid]:
    """Every table under root (nested tables included), outermost first, as grids."""
    return [g for t in root.iter("table") if (g := table_grid(t))]


def grids_from_html(markup: str | bytes) -> list[Grid]:
    """Parse an HTML fragment or page and return its tables as grids."""
    if not markup or not (markup.strip() if isinstance(markup, str) else markup.strip()):
        return []
    root = lxml_html.fromstring(markup)
    return grids_from_element(root)
