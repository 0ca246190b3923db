"""Helpers shared by the paging adapters: HTML parsing, URL tests, dates, and list-item extraction.

The list extractor does not know any site. It groups the page's links by the list row that holds
them (li / tr / dl, else the link's block parent) and the rows by their container, then keeps the
containers whose rows carry dates (lists of articles almost always show a date; menus, footers and
link walls never do). When no container has dates it falls back to rows whose links look like
article addresses with title-length text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.paging.types import Link

# Dates as lists print them: 2024-03-08, 2024/3/8, 2024.03.08, 2024年3月8日.
_DATE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(0?[1-9]|1[0-2])\s*[-/.月]\s*(0?[1-9]|[12]\d|3[01])(?!\d)"
)
_DETAIL_PATTERNS = [
    re.compile(p, re.I)
    for p in (
        r"/t\d{8}_\d+(_\w+)?\.s?html?$",  # TRS
        r"/art/\d{4}/\d{1,2}/\d{1,2}/art_",  # Hanweb
        r"/m?post_\d+\.html?$",  # Guangdong content/post_N
        r"/\d{6,8}/[0-9a-z_-]{6,}\.(s?html?|jhtml)$",  # YYYYMM(DD)/<id>.html
        r"/info/\d+/\d+\.s?html?$",  # VSB
        r"/(\d{5,}|[0-9a-f]{24,})\.(s?html?|jhtml)$",  # numeric or hash id file
        r"/(doc|art|content|article)_[0-9a-z]{6,}\.s?html?$",
        r"[?&](id|docid|newsid|wbnewsid|articleid|infoid|contentid|fbtime)=\w+",
        r"\.(pdf|docx?|wps|xlsx?|ofd)$",
    )
]
_LISTING_FILE = re.compile(r"/(index|list|default|nlist)(_\d+)?\.(s?html?|jsp|php|aspx?)$", re.I)
_PAGER_TEXT = re.compile(
    r"^(首页|尾页|末页|上一页|下一页|上页|下页|前页|后页|上一頁|下一頁|第一页|最后一页|"
    r"next|prev(ious)?|first|last|more|更多|[<>«»‹›]+|\d{1,4}|\.\.\.|…|跳转|go|确定)$",
    re.I,
)
_ROW_TAGS = {"li", "tr", "dl"}
_INLINE = {"span", "font", "b", "strong", "em", "i", "td", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "p"}
# Class/id words of page chrome: links inside such blocks are navigation, not list entries.
_CHROME = re.compile(
    r"(^|[-_\s])(foot(er)?|nav(bar|s)?|menu|header|top(bar)?|bottom|copyright|banner|(bread)?crumbs?|"
    r"sidebar|yqlj|friend(link)?s?|share|toolbar|dh|daohang|wzdh|logo|search)($|[-_\s\d])",
    re.I,
)
_CHROME_TAGS = {"nav", "header", "footer"}


def parse_html(html: str) -> etree._Element | None:
    """Parse an HTML string; None when there is nothing to parse."""
    text = html.lstrip("\ufeff")
    # lxml refuses str input that still carries an XML encoding declaration.
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    if not text.strip():
        return None
    try:
        return lxml.html.fromstring(text)
    except (etree.ParserError, ValueError):
        return None


def clean_text(text: str | None) -> str:
    """Collapse whitespace (including full-width and nbsp) to single spaces."""
    if not text:
        return ""
    return re.sub(r"[\s\u3000\xa0]+", " ", text).strip()


def find_date(text: str) -> str:
    """First date in text as YYYY-MM-DD, or ""."""
    m = _DATE.search(text or "")
    if not m:
        return ""
    return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"


def absolute(base: str, href: str | None) -> str:
    """Absolute http(s) URL for href (fragment dropped), or "" when it is not a followable link."""
    if not href:
        return ""
    href = href.strip().replace("\\", "/")
    low = href.lower()
    if not href or low.startswith(("javascript:", "mailto:", "tel:", "#", "data:", "about:")):
        return ""
    try:
        url = urldefrag(urljoin(base, href))[0]
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return url


def base_url(url: str, doc: etree._Element | None) -> str:
    """The URL relative links resolve against (the page's <base href> when it has one)."""
    if doc is not None:
        for b in doc.iter("base"):
            href = b.get("href")
            if href:
                return urljoin(url, href.strip())
    return url


def origin(url: str) -> str:
    """scheme://host[:port] of url."""
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def is_detail_url(url: str) -> bool:
    """True when the URL's shape is that of an article or attachment, not a list or directory."""
    path = urlsplit(url).path
    if _LISTING_FILE.search(path) or path.endswith("/"):
        return False
    target = path + ("?" + urlsplit(url).query if urlsplit(url).query else "")
    return any(p.search(target) for p in _DETAIL_PATTERNS)


def is_pager_text(text: str) -> bool:
    """True for the texts pagers use (下一页, 尾页, page numbers, arrows)."""
    return bool(_PAGER_TEXT.match(clean_text(text).strip("[]【】()（） ")))


def link_text(a: etree._Element) -> str:
    """Anchor text; the title attribute when the text is missing or visibly truncated."""
    text = clean_text(a.text_content())
    title = clean_text(a.get("title"))
    if title and (not text or text.endswith(("...", "…")) or (len(title) > len(text) and text in title)):
        return title
    return text


def _is_chrome(el: etree._Element) -> bool:
    """True when el or an ancestor is a nav/header/footer block (by tag, class or id)."""
    node: etree._Element | None = el
    while node is not None and isinstance(node.tag, str):
        if node.tag in _CHROME_TAGS:
            return True
        for attr in ("class", "id"):
            value = node.get(attr)
            if value and _CHROME.search(value):
                return True
        node = node.getparent()
    return False


def _row_of(a: etree._Element) -> etree._Element:
    """The list row holding anchor a: nearest li/tr/dl within 4 levels, else its block parent."""
    node = a.getparent()
    depth = 0
    while node is not None and depth < 4 and isinstance(node.tag, str):
        if node.tag in _ROW_TAGS:
            return node
        node = node.getparent()
        depth += 1
    parent = a.getparent()
    if parent is None:
        return a
    while parent.tag in _INLINE and parent.getparent() is not None:
        parent = parent.getparent()
    return parent


def _signature(el: etree._Element) -> tuple[str, ...]:
    """Tag and class path from the root: containers with the same signature are one list split up."""
    parts = []
    node: etree._Element | None = el
    while node is not None and isinstance(node.tag, str):
        parts.append(f"{node.tag}.{clean_text(node.get('class'))}")
        node = node.getparent()
    return tuple(reversed(parts))


class _Row:
    __slots__ = ("link", "dated", "article", "long", "row")

    def __init__(self, link: Link, dated: bool, article: bool, long: bool, row: int) -> None:
        self.link = link
        self.dated = dated
        self.article = article
        self.long = long
        self.row = row


_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|ofd|zip|rar)$", re.I)


def _main_links(rows: list[_Row]) -> list[_Row]:
    """Per list row, the title link (longest text) plus attachment links; drops 部门/栏目 side links."""
    best: dict[int, _Row] = {}
    for r in rows:
        if r.row not in best or len(r.link.text) > len(best[r.row].link.text):
            best[r.row] = r
    return [r for r in rows if best[r.row] is r or _ATTACHMENT.search(urlsplit(r.link.url).path)]


def iter_anchors(doc: etree._Element) -> Iterable[etree._Element]:
    """Anchors with an href, outside script/style/template content."""
    for a in doc.iter("a"):
        if a.get("href") is not None:
            yield a


def extract_list_items(url: str, doc: etree._Element | None, skip: set[str] | None = None) -> list[Link]:
    """Article links of the page's main list, in page order (see the module docstring)."""
    if doc is None:
        return []
    base = base_url(url, doc)
    page = urldefrag(url)[0]
    skip = skip or set()
    groups: dict[int, list[_Row]] = {}
    containers: dict[int, etree._Element] = {}
    chrome: dict[int, bool] = {}
    # lxml creates element proxies on demand and frees them when unreferenced, after which id()
    # values are reused: keep every row keyed by id() alive until the grouping is done.
    alive: list[etree._Element] = []
    for a in iter_anchors(doc):
        target = absolute(base, a.get("href"))
        if not target or target == page or target in skip:
            continue
        text = link_text(a)
        if not text or is_pager_text(text):
            continue
        row = _row_of(a)
        container = row.getparent() if row.getparent() is not None else row
        row_text = clean_text(row.text_content())
        date = find_date(row_text.replace(clean_text(a.text_content()), " ", 1))
        key = id(container)
        containers[key] = container
        alive.append(row)
        if key not in chrome:
            chrome[key] = _is_chrome(container)
        groups.setdefault(key, []).append(
            _Row(Link(target, text, date), bool(date), is_detail_url(target), len(text) >= 6, id(row))
        )
    groups = {k: _main_links(rows) for k, rows in groups.items()}

    def pick(qualifies) -> list[int]:
        good = [k for k, rows in groups.items() if not chrome[k] and qualifies(rows)]
        if not good:
            return []
        best = max(good, key=lambda k: sum(2 * r.dated + r.article + r.long for r in groups[k]))
        sig = _signature(containers[best])
        # Lists split into several <ul> blocks share the container signature; keep them all.
        return [k for k in good if _signature(containers[k]) == sig]

    chosen = pick(lambda rows: sum(r.dated for r in rows) * 2 >= len(rows) and any(r.long for r in rows))
    if not chosen:
        chosen = pick(lambda rows: sum(r.article and r.long for r in rows) * 2 > len(rows))
    order = {id(el): i for i, el in enumerate(doc.iter())}
    items: list[Link] = []
    seen: set[str] = set()
    for key in sorted(chosen, key=lambda k: order.get(k, 0)):
        for r in groups[key]:
            if r.link.url not in seen:
                seen.add(r.link.url)
                items.append(r.link)
    return items


def script_texts(doc: etree._Element | None, html: str) -> str:
    """All inline script text of the page (the raw HTML when it could not be parsed)."""
    if doc is None:
        return html
    return "\n".join(s.text or "" for s in doc.iter("script"))
