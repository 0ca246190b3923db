"""Hanweb (大汉 JCMS) columns: ``/col/colN/index.html`` with a jpage list.

The first group of records is embedded in ``<script type="text/xml"><datastore>…<recordset>
<record><![CDATA[<li>…</li>]]></record>``; later groups come from a POST to
``/module/web/jpage/dataproxy.jsp?startrecord=S&endrecord=E&perpage=P`` with a form body
(col, appid, webid, path, columnid, sourceContentType, unitid, webname, permissiontype) and answer
the same ``<datastore>`` XML with ``<totalrecord>``. The parameters are read from the page: the
jpage call's options (``ajaxParam``, ``perPage``, ``groupSize``, ``totalRecord``, ``proxyUrl``), the
``<nextgroup>`` link and the id of the div that holds the datastore (the unitid).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, parse_qsl, urlencode, urljoin, urlsplit

from crawler.paging.base import Page
from crawler.paging.common import (
    absolute,
    clean_text,
    find_date,
    is_pager_text,
    iter_anchors,
    link_text,
    parse_html,
)
from crawler.paging.types import Link, ListPage, RequestSpec

NAME = "hanweb"
KIND = "api:hanweb"

_DATASTORE = re.compile(r"<datastore>(.*?)(?:</datastore>|$)", re.S | re.I)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S | re.I)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href\s*=\s*['\"]([^'\"]+)", re.S | re.I)
_UNIT_DIV = re.compile(r"<div[^>]*\bid\s*=\s*['\"]?(\d+)['\"]?[^>]*>\s*<script[^>]*text/xml", re.I)
_FORM_KEYS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
_DEFAULT_PROXY = "/module/web/jpage/dataproxy.jsp"
_FORM_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    "X-Requested-With": "XMLHttpRequest",
}


def detect(page: Page) -> bool:
    low = page.html.lower()
    return "<datastore>" in low and ("<recordset>" in low or "<record>" in low)


def records(xml: str, base: str) -> list[Link]:
    """The article links in a datastore's records (one per record, the record's first real link)."""
    items: list[Link] = []
    seen: set[str] = set()
    for fragment in _RECORD.findall(xml):
        doc = parse_html(f"<div>{fragment}</div>")
        if doc is None:
            continue
        for a in iter_anchors(doc):
            target = absolute(base, a.get("href"))
            text = link_text(a)
            if not target or not text or is_pager_text(text):
                continue
            rest = clean_text(doc.text_content()).replace(clean_text(a.text_content()), " ", 1)
            if target not in seen:
                seen.add(target)
                items.append(Link(target, text, find_date(rest)))
            break
    return items


def _total(xml: str, page: Page | None = None) -> int | None:
    m = re.search(r"<totalrecord>\s*(\d+)", xml, re.I)
    if m:
        return int(m.group(1))
    return page.script_int("totalRecord", "totalrecord") if page is not None else None


def _form(page: Page, nextgroup: str) -> dict[str, str]:
    """The dataproxy form fields, from the nextgroup link first, then the jpage options."""
    form: dict[str, str] = {}
    if nextgroup:
        for key, value in parse_qsl(urlsplit(nextgroup).query, keep_blank_values=True):
            if key in _FORM_KEYS:
                form[key] = value
    for key in _FORM_KEYS:
        if key in form:
            continue
        value = page.script_str(key)
        if value is None:
            number = page.script_int(key)
            value = str(number) if number is not None else None
        if value is not None:
            form[key] = value
    if "unitid" not in form:
        m = _UNIT_DIV.search(page.html)
        if m:
            form["unitid"] = m.group(1)
    if "columnid" not in form:
        m = re.search(r"/col/col(\d+)/", page.url)
        if m:
            form["columnid"] = m.group(1)
    form.setdefault("col", "1")
    form.setdefault("appid", "1")
    form.setdefault("path", "/")
    form.setdefault("permissiontype", "0")
    return {k: form[k] for k in _FORM_KEYS if k in form}


def _spec(proxy: str, start: int, end: int, perpage: int, body: str, referer: str) -> RequestSpec:
    query = urlencode({"startrecord": start, "endrecord": end, "perpage": perpage})
    return RequestSpec(
        url=f"{proxy}?{query}",
        method="POST",
        body=body,
        headers={**_FORM_HEADERS, "Referer": referer},
        kind=KIND,
    )


def _pages(total: int | None, perpage: int) -> int | None:
    return -(-total // perpage) if total is not None and perpage > 0 else None


def analyse(page: Page) -> ListPage:
    m = _DATASTORE.search(page.html)
    xml = m.group(1) if m else ""
    items = records(xml, page.url)
    warnings: list[str] = []
    total = _total(xml, page)
    perpage = page.script_int("perPage", "perpage") or 15
    group = page.script_int("groupSize") or 3
    ng = _NEXTGROUP.search(xml)
    nextgroup = ng.group(1) if ng else ""
    form = _form(page, nextgroup)
    missing = [k for k in ("webid", "columnid", "unitid") if k not in form]
    proxy = urljoin(page.url, page.script_str("proxyUrl") or _DEFAULT_PROXY)
    nxt: list[RequestSpec] = []
    done = len(items)
    more = done < total if total is not None else done >= perpage * group
    if not items:
        warnings.append("hanweb datastore holds no records")
    elif more and missing:
        warnings.append(f"hanweb: cannot build the dataproxy request, missing {', '.join(missing)}")
    elif more:
        batch = perpage * group
        nxt.append(_spec(proxy, done + 1, done + batch, perpage, urlencode(form), page.url))
    if total is None:
        warnings.append("hanweb: total record count not found on the page")
    return ListPage(items, nxt, NAME, _pages(total, perpage), warnings)


def parse_api(url: str, body: str, request_body: str) -> ListPage:
    """A dataproxy.jsp answer: its records, and the request for the following group."""
    m = _DATASTORE.search(body)
    if not m:
        return ListPage([], [], NAME, None, ["hanweb dataproxy answer holds no <datastore>"])
    xml = m.group(1)
    items = records(xml, url)
    total = _total(xml)
    query = parse_qs(urlsplit(url).query)
    warnings: list[str] = []
    nxt: list[RequestSpec] = []
    try:
        start = int(query["startrecord"][0])
        end = int(query["endrecord"][0])
        perpage = int(query.get("perpage", ["15"])[0])
    except (KeyError, ValueError):
        return _parse_paged(url, xml, items, total)
    more = end < total if total is not None else len(items) >= end - start + 1
    if items and more:
        proxy = url.split("?", 1)[0]
        batch = end - start + 1
        nxt.append(_spec(proxy, end + 1, end + batch, perpage, request_body, url))
    if total is None:
        warnings.append("hanweb dataproxy answer has no <totalrecord>")
    return ListPage(items, nxt, NAME, _pages(total, perpage), warnings)


def _parse_paged(url: str, xml: str, items: list[Link], total: int | None) -> ListPage:
    """GET form ``dataproxy.jsp?page=N&…`` (the nextgroup link): follow page+1 up to <totalpage>."""
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    m = re.search(r"<totalpage>\s*(\d+)", xml, re.I)
    pages = int(m.group(1)) if m else None
    nxt: list[RequestSpec] = []
    warnings: list[str] = []
    if "page" in query and query["page"].isdigit():
        n = int(query["page"])
        if items and pages is not None and n < pages:
            query["page"] = str(n + 1)
            nxt.append(RequestSpec(url=f"{url.split('?', 1)[0]}?{urlencode(query)}", kind=KIND))
    else:
        warnings.append("hanweb dataproxy URL has neither startrecord/endrecord nor page")
    return ListPage(items, nxt, NAME, pages, warnings)
