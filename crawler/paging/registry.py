"""Choose the paging adapter from the page itself, and route API answers back to their adapter."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from crawler.paging import fjdzapp, gkmlpt, hanweb, static, trs
from crawler.paging.base import Page
from crawler.paging.types import ListPage

# Most specific first: a Hanweb or gkmlpt page may also carry TRS-like pager scripts, and every
# page qualifies for the static adapter.
ADAPTERS: list[tuple[str, Callable[[Page], bool], Callable[[Page], ListPage]]] = [
    (hanweb.NAME, hanweb.detect, hanweb.analyse),
    (gkmlpt.NAME, gkmlpt.detect, gkmlpt.analyse),
    (fjdzapp.NAME, fjdzapp.detect, fjdzapp.analyse),
    (trs.NAME, trs.detect, trs.analyse),
]


def analyse_list_page(url: str, html: str, doc: etree._Element | None = None) -> ListPage:
    """Items and next list pages of one list page, by the first adapter that recognises it.

    doc: the page already parsed (an lxml.html tree of html, read only here), so a page is parsed once.
    """
    page = Page.from_html(url, html, doc)
    for _name, detect, analyse in ADAPTERS:
        if detect(page):
            return analyse(page)
    return static.analyse(page)


def parse_api_response(kind: str, url: str, body: bytes | str, request_body: str = "") -> ListPage:
    """Items and further requests from a JSON/XML API answer requested with RequestSpec.kind `kind`."""
    name = kind.split(":", 1)[1] if kind.startswith("api:") else kind
    if isinstance(body, bytes):
        text = _decode(body)
    else:
        text = body
    if name == hanweb.NAME:
        return hanweb.parse_api(url, text, request_body)
    if name == gkmlpt.NAME:
        return gkmlpt.parse_api(url, text)
    if name == fjdzapp.NAME:
        return fjdzapp.parse_api(url, text, request_body)
    return ListPage([], [], name, None, [f"unknown API kind {kind!r}"])


def _decode(body: bytes) -> str:
    """API answers are UTF-8 almost everywhere; fall back to GB18030 for older Hanweb installs."""
    head = body[:200].lower()
    if b"encoding=\"gb" in head or b"encoding='gb" in head:
        return body.decode("gb18030", errors="replace")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("gb18030", errors="replace")
