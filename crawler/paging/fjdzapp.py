"""TRS "动静结合" lists (平潭 and other Fujian portals): static first page(s), then a search API.

The page renders its first ``maxStaticIndex`` pages as static HTML and loads the rest with the
``list2.trsapi`` model, which POSTs to ``/fjdzapp/search`` a form of ``channelid`` (often
``SiteInfo.searchId``), ``classsql`` (``chnlid=1813``), ``sortfield``, ``page`` and ``prepage``. The
page script also states ``recordCount``. The API answers JSON
``{"data": [{"doctitle", "docpuburl"/"chnldocurl", "docreltime"}], "pageCount": N, …}``
(older ``was5`` search answers use ``docs`` with ``title``/``url``/``time``).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin

from crawler.paging.base import Page
from crawler.paging.common import clean_text, extract_list_items, find_date, origin
from crawler.paging.types import Link, ListPage, RequestSpec

NAME = "fjdzapp"
KIND = "api:fjdzapp"
_PATH = "/fjdzapp/search"
_HEADERS = {
    "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
    "X-Requested-With": "XMLHttpRequest",
}


def detect(page: Page) -> bool:
    s = page.scripts
    # Detail pages call the same API for related documents; only list pages set up a pager.
    listing = "maxStaticIndex" in s or "recordCount" in s or "pagebar" in s
    return ("trsapi" in s or "fjdzapp" in s) and "classsql" in s and listing


def _channelid(page: Page) -> str | None:
    m = re.search(r"channelid\s*:\s*['\"]?([\w.]+)['\"]?", page.scripts)
    if not m:
        return None
    value = m.group(1)
    if value.isdigit():
        return value
    # A reference such as SiteInfo.searchId: look the property up.
    number = page.script_int(value.rsplit(".", 1)[-1])
    return str(number) if number is not None else None


def _classsql(page: Page) -> str | None:
    # classsql: "" || "chnlid=1813" — the template leaves the first operand empty when unset.
    m = re.search(r"classsql\s*:\s*((?:['\"][^'\"]*['\"]\s*(?:\|\|\s*)?)+)(\+?)", page.scripts)
    if not m or m.group(2):
        return None  # built from variables at run time: not a column list
    for value in re.findall(r"['\"]([^'\"]*)['\"]", m.group(1)):
        if value.strip():
            return value.strip()
    return None


def analyse(page: Page) -> ListPage:
    items = extract_list_items(page.url, page.doc)
    warnings: list[str] = []
    channelid = _channelid(page)
    classsql = _classsql(page)
    sortfield = page.script_str("sortfield") or "-docorderpri,-docreltime"
    prepage = page.script_int("prepage") or len(items) or 10
    records = page.script_int("recordCount")
    static_pages = page.script_int("maxStaticIndex") or 1
    pages = -(-records // prepage) if records is not None else None
    nxt: list[RequestSpec] = []
    if channelid is None or classsql is None:
        warnings.append("fjdzapp: channelid or classsql not found in the page script")
    elif pages is not None and pages <= static_pages:
        pass  # every page is static and this adapter saw the first; nothing to load by script
    else:
        if pages is None:
            warnings.append("fjdzapp: recordCount not found; asking the API for page 2")
        form = {"channelid": channelid, "sortfield": sortfield, "classsql": classsql,
                "page": str(static_pages + 1), "prepage": str(prepage)}
        here = urldefrag(page.url)[0]
        nxt.append(RequestSpec(url=urljoin(origin(page.url), _PATH), method="POST", body=urlencode(form),
                               headers={**_HEADERS, "Referer": here}, kind=KIND))
        if static_pages > 1:
            warnings.append(f"fjdzapp: {static_pages} static pages announced; only the first is read, "
                            "the rest come from the API")
    return ListPage(items, nxt, NAME, pages, warnings)


def _doc_date(doc: dict) -> str:
    for key in ("docreltime", "pubdate", "time", "docpubtime", "crtime"):
        value = doc.get(key)
        if isinstance(value, str) and find_date(value):
            return find_date(value)
    return ""


def parse_api(url: str, body: str, request_body: str) -> ListPage:
    try:
        data = json.loads(body)
    except ValueError:
        return ListPage([], [], NAME, None, ["fjdzapp answer is not JSON"])
    if not isinstance(data, dict):
        return ListPage([], [], NAME, None, ["fjdzapp answer is not a JSON object"])
    rows = data.get("data") if isinstance(data.get("data"), list) else data.get("docs")
    if not isinstance(rows, list):
        return ListPage([], [], NAME, None, ["fjdzapp answer has no data/docs list"])
    items: list[Link] = []
    warnings: list[str] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        href = row.get("docpuburl") or row.get("chnldocurl") or row.get("url")
        title = row.get("doctitle") or row.get("title") or ""
        if not isinstance(href, str) or not href.strip():
            warnings.append(f"fjdzapp: record without URL skipped ({title})")
            continue
        title = clean_text(re.sub(r"<[^>]+>", "", str(title)))
        items.append(Link(urljoin(url, href.strip()), title, _doc_date(row)))
    form = dict(parse_qsl(request_body, keep_blank_values=True))
    try:
        page = int(form.get("page", "1"))
    except ValueError:
        page = 1
    pages = None
    for key in ("pageCount", "pagecount", "totalPage", "pagenum_total"):
        value = data.get(key)
        if isinstance(value, int | str) and str(value).isdigit():
            pages = int(value)
            break
    nxt: list[RequestSpec] = []
    if pages is None:
        warnings.append("fjdzapp answer has no pageCount")
    elif items and page < pages:
        form["page"] = str(page + 1)
        nxt.append(RequestSpec(url=url, method="POST", body=urlencode(form),
                               headers={**_HEADERS, "Referer": url}, kind=KIND))
    return ListPage(items, nxt, NAME, pages, warnings)
