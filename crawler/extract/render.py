"""Plain text of an element: blocks on their own lines, table rows as `| a | b |` (like trafilatura)."""

from __future__ import annotations

import re

from lxml import etree
from lxml.etree import _Element

from crawler.tablegrid import cell_text

BLOCK_TAGS = frozenset({"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
                        "section", "article", "main", "blockquote", "pre", "dd", "dt", "dl", "center",
                        "form", "header", "hr", "address", "figure", "figcaption", "caption", "tbody",
                        "thead", "tfoot", "body", "html"})
_SPACE = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
_NL = re.compile(r"\s*\n\s*")


def _row_line(tr: _Element) -> str:
    cells = [cell_text(c) for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
    if not any(cells):
        return ""
    return "| " + " | ".join(cells) + " |"


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
            if tag == "tr":
                out.append("\n" + _row_line(el) + "\n")
                walker.skip_subtree()
                if el.tail and el is not root:
                    out.append(el.tail)
                continue
            if tag == "br" or tag in BLOCK_TAGS:
                out.append("\n")
            if el.text:
                out.append(el.text)
        else:
            if not tag or tag == "tr":
                continue
            if tag in BLOCK_TAGS:
                out.append("\n")
            if el.tail and el is not root:
                out.append(el.tail)
    text = _SPACE.sub(" ", "".join(out))
    return _NL.sub("\n", text).strip()
