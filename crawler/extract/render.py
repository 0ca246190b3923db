"""Plain text of an element: blocks on their own lines, table rows as `| a | b |` (like trafilatura)."""

from __future__ import annotations

import re

from lxml import etree
from lxml.etree import _Element

from crawler.limits import check_cell_count
from crawler.tablegrid import cell_span, cell_text, own_rows

BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                        "section", "article", "main", "blockquote", "pre", "dd", "dt", "dl", "center",
                        "form", "header", "hr", "address", "figure", "figcaption", "caption", "tbody",
                        "thead", "tfoot", "body", "html"})
_SPACE = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
_NL = re.compile(r"\s*\n\s*")


def _table_lines(table: _Element) -> list[str]:
    """Rows as `| a | b |` lines: a merged cell's text once, blanks where its span reaches (as
    trafilatura writes them), so that columns stay aligned and no figure is repeated."""
    taken: set[tuple[int, int]] = set()
    rows: list[list[str]] = []
    for r, tr in enumerate(own_rows(table)):
        row: dict[int, str] = {}
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while (r, c) in taken:
                row.setdefault(c, "")
                c += 1
            rs, cs = cell_span(cell, "rowspan"), cell_span(cell, "colspan")
            row[c] = cell_text(cell)
            for dr in range(rs):
                for dc in range(cs):
                    taken.add((r + dr, c + dc))
                    if dr == 0 and dc:
                        row[c + dc] = ""
            c += cs
            check_cell_count(len(taken))  # staggered spans of a hostile page
        while (r, c) in taken:  # spans from above reaching past the last cell
            row.setdefault(c, "")
            c += 1
        rows.append([row.get(i, "") for i in range(max(row) + 1)] if row else [])
    return ["| " + " | ".join(cells) + " |" for cells in rows if any(cells)]


def element_text(root: _Element) -> str:
    """Serialise root to text without recursion (deep markup must not hit the recursion limit)."""
    out: list[str] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if not tag:  # comment / processing instruction: only its tail is text
                walker.skip_subtree()
                if el.tail and el is not root:
                    out.append(el.tail)
                continue
            if tag == "table":
                out.append("\n" + "\n".join(_table_lines(el)) + "\n")
                walker.skip_subtree()
                if el.tail and el is not root:
                    out.append(el.tail)
                continue
            if tag == "br" or tag in BLOCK_TAGS:
                out.append("\n")
            if el.text:
                out.append(el.text)
        else:
            if not tag or tag == "table":
                continue
            if tag in BLOCK_TAGS:
                out.append("\n")
            if el.tail and el is not root:
                out.append(el.tail)
    text = _SPACE.sub(" ", "".join(out))
    return _NL.sub("\n", text).strip()
