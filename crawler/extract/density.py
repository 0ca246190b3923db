"""Text-density pick: the block with the most prose and the fewest links, for pages with no known container.

One post-order pass accumulates, per block element, its characters, link characters and punctuation
marks, so the cost stays linear in the size of the page.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.etree import _Element

_BLOCKS = frozenset({"div", "td", "article", "section", "main", "body", "table", "tbody", "tr", "ul", "form",
                     "center", "font", "span", "p"})
_WS = re.compile(r"\s+")
# sentence marks only: the colons of 主办单位：/ 地址：footers are not prose
_PUNCT = re.compile(r"[，。；、！？]")


def _own(el: _Element) -> str:
    parts = [el.text or ""]
    for child in el:
        if child.tail:
            parts.append(child.tail)
    return _WS.sub("", "".join(parts))


def density_pick(root: _Element) -> _Element | None:
    """The block holding the main prose, or None when nothing on the page reads like prose."""
    stats: dict[int, list[int]] = {}  # id(el) -> [chars, link_chars, punct]
    elements: dict[int, _Element] = {}
    alive: list[_Element] = []  # keeps every proxy referenced, so that no id is reused mid-walk
    for _event, el in etree.iterwalk(root, events=("end",)):
        if not isinstance(el.tag, str):
            continue
        alive.append(el)
        own = _own(el)
        s = [len(own), 0, len(_PUNCT.findall(own))]
        for child in el:
            cs = stats.get(id(child))
            if cs:
                s[0] += cs[0]
                s[1] += cs[1]
                s[2] += cs[2]
        if el.tag == "a":
            s[1] = s[0]
        stats[id(el)] = s
        if el.tag in _BLOCKS:
            elements[id(el)] = el
    best_id, best_score = None, 0.0
    for key in elements:
        chars, links, punct = stats[key]
        if chars < 20 or punct < 1:
            continue
        score = punct * (1 - links / chars) ** 2
        if score > best_score:
            best_id, best_score = key, score
    if best_id is None:
        return None
    best = elements[best_id]
    # Descend while one child keeps nearly all of the prose (drop the wrapper's side lists).
    while True:
        total = stats[id(best)][2]
        nxt = None
        for child in best:
            cs = stats.get(id(child))
            if cs and id(child) in elements and cs[2] >= 0.9 * total and cs[0] >= 50:
                nxt = child
                break
        if nxt is None:
            return best
        best = nxt
