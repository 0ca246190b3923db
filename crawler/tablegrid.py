"""HTML tables as rectangular grids of cell text, with rowspan/colspan expanded.

A merged cell is repeated into every grid position it covers, so that a row label
spanning 22 rows (the 本年度办理结果 block of table 三) is present on each of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import html as lxml_html
from lxml.etree import _Element

from crawler.limits import check_cell_count, check_cells

Grid = list[list[str]]

_WS = re.compile(r"[\s\u3000\xa0]+")
# Invisible characters pasted in from Word or WeChat; they would split numbers and labels.
ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")
# Real portals write absurd spans (colspan="1000"); cap them so a grid stays small.
_MAX_SPAN = 60


def _span(cell: _Element, attr: str) -> int:
    raw = (cell.get(attr) or "1").strip()
    m = re.match(r"\d+", raw)
    n = int(m.group(0)) if m else 1
    return max(1, min(n, _MAX_SPAN))


def cell_text(cell: _Element) -> str:
    """Text of a cell with whitespace folded (words broken by <br> are joined)."""
    parts = []
    for t in cell.itertext():
        parts.append(t)
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
    """Expand one <table> element into a rectangular grid of strings.

    Raises LimitError when the expanded grid would exceed MAX_TABLE_CELLS (staggered spans of a
    hostile page would otherwise fill millions of positions)."""
    grid: dict[tuple[int, int], str] = {}
    width = 0
    r = 0
    for tr in _own_rows(table):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = cell_text(cell)
            rs, cs = _span(cell, "rowspan"), _span(cell, "colspan")
            for dr in range(rs):
                for dc in range(cs):
                    grid.setdefault((r + dr, c + dc), text)
            c += cs
            width = max(width, c)
            check_cell_count(len(grid))
        r += 1
    check_cells(r, width)
    # A rowspan reaching past the last row is clipped there, as browsers do: a table split in
    # two (续表) must not grow phantom rows of its spanning labels.
    return [[grid.get((i, j), "") for j in range(width)] for i in range(r)]


# trafilatura expands spans up to 100; the pre-check must bound its work as well as ours.
_EXTRACTOR_MAX_SPAN = 100


def check_table_size(table: _Element) -> None:
    """LimitError when expanding the table's spans (as any of the page's readers does) would fill
    more than MAX_TABLE_CELLS positions; run before the extractors touch a page's tables."""
    taken: set[tuple[int, int]] = set()
    width = 0
    r = -1
    for r, tr in enumerate(_own_rows(table)):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                c += 1
            rs = min(_EXTRACTOR_MAX_SPAN, _raw_span(cell, "rowspan"))
            cs = min(_EXTRACTOR_MAX_SPAN, _raw_span(cell, "colspan"))
            taken.update((r + dr, c + dc) for dr in range(rs) for dc in range(cs))
            c += cs
            width = max(width, c)
            check_cell_count(len(taken))
    check_cells(r + 1, width)


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
