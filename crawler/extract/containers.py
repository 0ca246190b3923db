"""Known body containers of the CMSs behind Chinese government portals.

TRS (TRS_Editor / TRS_UEDITOR / Custom_UnionStyle), Hanweb/大汉 (#zoom, bt_content), 开普云 ucap
(UCAP-CONTENT), gkmlpt and many in-house templates (article-content, wenzhang-content, pages_content,
xxgk_content …). Strong names are CMS editor wrappers that hold nothing but the article; generic names
(content, article, text, zhengwen …) are only trusted when the element reads like prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import _Element

from crawler.extract.chrome import name_parts

# Whole class tokens or ids (lower case) written by a CMS editor around the article body.
STRONG = frozenset({
    "trs_editor", "trs_ueditor", "trs_paper_default", "trs_paper", "trs_word", "custom_unionstyle",
    "zoom", "zoomcon", "bt_content", "ucap-content", "ucap_content", "ucapcontent",
    "article-content", "article_content", "articlecontent", "art_con", "artcon", "art-con",
    "wenzhang-content", "wenzhang_content", "pages_content", "pages-content", "page_content",
    "xxgk_content", "zwgk_content", "gkml_content", "content_text", "contenttext", "text_content",
    "textcontent", "news_content", "newscontent", "news-content", "news_text", "info_content",
    "infocontent", "detail-content", "detail_content", "details-content", "detailcontent",
    "article-body", "article_body", "articlebody", "con_text", "contxt", "zhengwen", "zw_content",
    "main-txt", "main_txt", "content_detail", "content-detail", "nr_content", "view_content",
    "mainbody", "main_body", "fontzoom", "newstext", "article-text", "articletext", "doccontent",
})
# Parts of class/id names that suggest a body, to be confirmed by the text itself.
GENERIC = frozenset({"content", "contents", "article", "text", "txt", "zhengwen", "zw", "body",
                     "detail", "details", "wenzhang", "neirong", "nr", "con", "main", "editor", "zoom"})
_TAGS = ("div", "td", "article", "section", "main", "span", "font")
_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[，。；：、！？,;]")


@dataclass
class Candidate:
    el: _Element
    strong: bool
    chars: int  # non-space characters
    link_chars: int
    punct: int

    @property
    def link_density(self) -> float:
        return self.link_chars / self.chars if self.chars else 1.0


def text_stats(el: _Element) -> tuple[int, int, int]:
    """(non-space chars, chars inside links, punctuation marks) of an element."""
    text = _WS.sub("", el.text_content())
    links = sum(len(_WS.sub("", a.text_content())) for a in el.iter("a"))
    return len(text), min(links, len(text)), len(_PUNCT.findall(text))


def find_candidates(root: _Element) -> list[Candidate]:
    out: list[Candidate] = []
    for el in root.iter(*_TAGS):
        cls, ident = el.get("class"), el.get("id")
        if not cls and not ident:
            continue
        tokens = {t.lower() for t in (cls or "").split()}
        if ident:
            tokens.add(ident.strip().lower())
        strong = bool(tokens & STRONG)
        if not strong and not (name_parts(el) & GENERIC):
            continue
        chars, links, punct = text_stats(el)
        if chars < 20:
            continue
        out.append(Candidate(el, strong, chars, links, punct))
    return out


def _is_ancestor(a: _Element, b: _Element) -> bool:
    return any(x is a for x in b.iterancestors())


def pick_container(root: _Element) -> Candidate | None:
    """The element that holds the article body, or None when no known container reads like one."""
    cands = find_candidates(root)
    strong = [c for c in cands if c.strong and c.link_density < 0.5 and (c.punct >= 2 or c.chars >= 200)]
    if strong:
        best = max(strong, key=lambda c: c.chars)
        # A tighter strong container inside (Custom_UnionStyle in TRS_Editor) that keeps the text wins.
        inner = [c for c in strong if c is not best and c.chars >= 0.95 * best.chars and _is_ancestor(best.el, c.el)]
        return inner[-1] if inner else best
    generic = [c for c in cands if c.link_density < 0.3 and c.punct >= 5 and c.chars >= 100]
    if not generic:
        return None
    best = max(generic, key=lambda c: c.punct * (1 - c.link_density))
    # Walk down to the tightest generic candidate that still holds most of the prose.
    changed = True
    while changed:
        changed = False
        for c in generic:
            if c is not best and c.punct >= 0.85 * best.punct and _is_ancestor(best.el, c.el):
                best, changed = c, True
                break
    return best


def _ident(el: _Element) -> tuple[str, str]:
    return (el.get("class") or "").strip().lower(), (el.get("id") or "").strip().lower()


def pick_regions(root: _Element) -> list[_Element]:
    """The body container, plus its split-off parts: further elements with the same CMS class
    (an editor that wrote the report as two TRS_Editor blocks), in document order."""
    best = pick_container(root)
    if best is None:
        return []
    if not best.strong:
        return [best.el]
    cls, ident = _ident(best.el)
    regions = [best.el]
    if not cls:
        return regions
    for c in find_candidates(root):
        if c.el is best.el or _ident(c.el)[0] != cls or c.link_density >= 0.5 or c.punct < 2:
            continue
        if any(_is_ancestor(r, c.el) or _is_ancestor(c.el, r) for r in regions):
            continue
        regions.append(c.el)
    if len(regions) > 1:
        order = {id(el): i for i, el in enumerate(root.iter()) if any(el is r for r in regions)}
        regions.sort(key=lambda r: order.get(id(r), 0))
    return regions
