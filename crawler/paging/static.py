"""Static pagers: rendered "下一页" / numbered links (index_N.html, ?page=N, list_N.html …).

The fallback adapter: it applies to every page, and reports no next page when the page has no pager.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urldefrag, urlsplit

from crawler.paging.base import Page
from crawler.paging.common import absolute, base_url, clean_text, extract_list_items, iter_anchors
from crawler.paging.types import ListPage, RequestSpec

NAME = "static"

_NEXT = re.compile(r"^(下一页|下页|后页|下一頁|next|›|>|»|>>)$", re.I)
_LAST = re.compile(r"^(尾页|末页|最后一页|last|»»)$", re.I)
_PREV_FIRST = re.compile(r"^(首页|上一页|上页|前页|上一頁|first|prev(ious)?|‹|<|«|<<)$", re.I)
_TOTAL = re.compile(r"共\s*(\d+)\s*页")
_CURRENT_CLASS = re.compile(r"(^|[\s_-])(cur|now|active|current|sel(ected)?|on)($|[\s_-])", re.I)
# Page number carried by a list URL: index_3.html (TRS counts from 0: page 4), list_3.html,
# page_3.html, ?page=3, pageNum=3.
_INDEX_N = re.compile(r"/(index|default)_(\d+)\.\w+$", re.I)
_LIST_N = re.compile(r"/(list|page|list_page)[_-](\d+)\.\w+$", re.I)
_QUERY_KEYS = ("page", "pageNum", "pageno", "pageNo", "curpage", "currentPage", "pageIndex", "p")


def page_number(url: str) -> int | None:
    """1-based page number a list URL stands for, when its shape says so."""
    parts = urlsplit(url)
    m = _INDEX_N.search(parts.path)
    if m:
        return int(m.group(2)) + 1
    m = _LIST_N.search(parts.path)
    if m:
        return int(m.group(2))
    query = parse_qs(parts.query)
    for key in _QUERY_KEYS:
        if key in query and query[key][0].isdigit():
            return int(query[key][0])
    if re.search(r"/(index|default)\.\w+$", parts.path) or parts.path.endswith("/"):
        return 1
    return None


def _text(a) -> str:
    return clean_text(a.text_content() or a.get("title") or "").strip("[]【】()（） ")


def analyse(page: Page) -> ListPage:
    doc = page.doc
    items = extract_list_items(page.url, doc)
    if doc is None:
        return ListPage(items, [], NAME, None, ["page could not be parsed as HTML"])
    here = urldefrag(page.url)[0]
    host = urlsplit(here).netloc
    base = base_url(page.url, doc)
    next_url = ""
    last_pages: list[int] = []
    numbered: dict[int, str] = {}
    for a in iter_anchors(doc):
        target = absolute(base, a.get("href"))
        if not target or urlsplit(target).netloc != host or target == here:
            continue
        text = _text(a)
        if _NEXT.match(text) and not next_url:
            next_url = target
        elif _LAST.match(text):
            n = page_number(target)
            if n:
                last_pages.append(n)
        elif text.isdigit() and len(text) <= 4 and not _PREV_FIRST.match(text):
            n = page_number(target)
            # A numbered link counts only when its URL agrees with its number (or has none).
            if n is None or n == int(text):
                numbered.setdefault(int(text), target)
    total = max(last_pages) if last_pages else None
    m = _TOTAL.search(clean_text(doc.text_content()))
    if m and total is None:
        total = int(m.group(1))
    warnings: list[str] = []
    if not next_url and numbered:
        current = _current_number(page) or page_number(here) or 1
        following = sorted(n for n in numbered if n > current)
        if following:
            next_url = numbered[following[0]]
    nxt = [RequestSpec(url=next_url, headers={"Referer": here})] if next_url else []
    return ListPage(items, nxt, NAME, total, warnings)


def _current_number(page: Page) -> int | None:
    """The page number the pager shows as current (an unlinked number with a current-ish class)."""
    if page.doc is None:
        return None
    for el in page.doc.iter("span", "em", "b", "strong", "li", "font", "a"):
        cls = (el.get("class") or "") + " " + (el.get("id") or "")
        text = clean_text(el.text_content())
        if text.isdigit() and len(text) <= 4 and _CURRENT_CLASS.search(cls):
            if el.tag != "a" or not el.get("href") or el.get("href", "").startswith(("javascript", "#")):
                return int(text)
    return None
