"""Guangdong 政府信息公开目录平台 (gkmlpt): ``…/gkmlpt/index#CATID`` rendered by script from JSON.

The page carries the site id in its config script (``SID: '755031'``) and the category tree
(``var TREE = [...]`` / ``TREE: [...]``); the list itself comes from
``…/gkmlpt/api/all/{catid}?page=N&sid=SID``, which answers
``{"classify": {...}, "total": 137, "offset": 0, "articles": [{"title", "url", "display_publish_time" …}]}``.
The category is the URL fragment when there is one, else every category whose name says 年报.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

from crawler.paging.base import Page
from crawler.paging.common import clean_text, extract_list_items, find_date
from crawler.paging.types import Link, ListPage, RequestSpec

NAME = "gkmlpt"
KIND = "api:gkmlpt"

_SID = re.compile(r"\bSID\b['\"]?\s*[:=]\s*['\"]?(\d+)")
_TREE_NODE = re.compile(r"\{[^{}]*?\"id\"\s*:\s*(\d+)[^{}]*?\"name\"\s*:\s*\"([^\"]*)\"", re.S)
_ANNUAL = re.compile(r"年报|年度报告")
_BJT = timezone(timedelta(hours=8))


def detect(page: Page) -> bool:
    return "/gkmlpt/" in page.url and bool(_SID.search(page.scripts))


def _root(url: str) -> str:
    """The URL up to and including '/gkmlpt/'."""
    return url[: url.index("/gkmlpt/") + len("/gkmlpt/")]


def _api(root: str, catid: str, page: int, sid: str, referer: str) -> RequestSpec:
    return RequestSpec(
        url=urljoin(root, f"api/all/{catid}?{urlencode({'page': page, 'sid': sid})}"),
        headers={"Referer": referer, "X-Requested-With": "XMLHttpRequest"},
        kind=KIND,
    )


def analyse(page: Page) -> ListPage:
    warnings: list[str] = []
    m = _SID.search(page.scripts)
    sid = m.group(1) if m else ""
    # The page body is built by script; any links already in it are kept if they are articles.
    items = [i for i in extract_list_items(page.url, page.doc) if "/gkmlpt/content/" in i.url]
    fragment = urlsplit(page.url).fragment
    catids: list[str] = []
    if fragment.isdigit():
        catids = [fragment]
    else:
        for cid, name in _TREE_NODE.findall(page.scripts):
            if _ANNUAL.search(name) and cid not in catids:
                catids.append(cid)
    nxt: list[RequestSpec] = []
    if not sid:
        warnings.append("gkmlpt: no SID in the page config")
    elif not catids:
        warnings.append("gkmlpt: no category in the URL fragment and no 年报 category in the tree")
    else:
        root = _root(page.url)
        nxt = [_api(root, cid, 1, sid, page.url.split("#", 1)[0]) for cid in catids]
    return ListPage(items, nxt, NAME, None, warnings)


def _date(article: dict) -> str:
    for key in ("display_publish_time", "first_publish_time", "publish_time", "create_time", "date"):
        value = article.get(key)
        if isinstance(value, bool) or value in (None, ""):
            continue
        if isinstance(value, int | float) and value > 0:
            seconds = value / 1000 if value > 1e11 else value
            try:
                return datetime.fromtimestamp(seconds, _BJT).date().isoformat()
            except (OverflowError, OSError, ValueError):
                continue
        if isinstance(value, str):
            if value.isdigit():
                return _date({key: int(value)})
            found = find_date(value)
            if found:
                return found
    return ""


def parse_api(url: str, body: str) -> ListPage:
    try:
        data = json.loads(body)
    except ValueError:
        return ListPage([], [], NAME, None, ["gkmlpt api answer is not JSON"])
    if not isinstance(data, dict) or not isinstance(data.get("articles"), list):
        return ListPage([], [], NAME, None, ["gkmlpt api answer has no articles list"])
    warnings: list[str] = []
    items: list[Link] = []
    for article in data["articles"]:
        if not isinstance(article, dict):
            warnings.append("gkmlpt: skipped an article that is not an object")
            continue
        href = article.get("url") or article.get("post_url")
        title = clean_text(re.sub(r"<[^>]+>", "", str(article.get("title") or "")))
        if not isinstance(href, str) or not href.strip():
            warnings.append(f"gkmlpt: article without url skipped ({title or article.get('id')})")
            continue
        items.append(Link(urljoin(url, href.strip()), title, _date(article)))
    query = parse_qs(urlsplit(url).query)
    try:
        page = int(query.get("page", ["1"])[0])
    except ValueError:
        page = 1
    total = data.get("total")
    total = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
    offset = data.get("offset")
    n = len(data["articles"])
    nxt: list[RequestSpec] = []
    pages = None
    if total is None:
        warnings.append("gkmlpt api answer has no total")
    elif n:
        seen = (offset if isinstance(offset, int) and not isinstance(offset, bool) else (page - 1) * n) + n
        # A full page before the end tells the page size; the last page tells only its own number.
        pages = -(-total // n) if seen < total else page
        if seen < total:
            sid = query.get("sid", [""])[0]
            path = urlsplit(url).path
            catid = path.rstrip("/").rsplit("/", 1)[-1]
            nxt.append(_api(_root(url), catid, page + 1, sid, url))
    return ListPage(items, nxt, NAME, pages, warnings)

