"""TRS WCM pagers written by script: index.html, index_1.html … index_{N-1}.html.

Seen forms:
- ``createPageHTML(56, 0, "index", "html")`` (page count, 0-based current page, file name, extension);
- the same call with a leading element id and/or a trailing record count
  (``createPageHTML('page_div', 56, 0, 'index', 'html', 1120)``) or with variables as arguments;
- no call at all, but ``var countPage = 56`` / ``var currentPage = 0`` and a ``document.write`` of
  ``"index"+"_"+nextPage+"."+"html"`` links (handan-xxgk-list).
"""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urljoin, urlsplit

from crawler.paging.base import Page
from crawler.paging.common import extract_list_items
from crawler.paging.types import ListPage, RequestSpec

NAME = "trs"

_CALL = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_COUNT_NAMES = ("countPage", "_nPageCount", "pageCount", "nPageCount")
_CURRENT_NAMES = ("currentPage", "_nCurrIndex", "curPage", "nCurrIndex")


def detect(page: Page) -> bool:
    if _call_args(page) is not None:
        return True
    return page.script_int(*_COUNT_NAMES[:2]) is not None and page.script_int(*_CURRENT_NAMES[:2]) is not None


def _split_args(raw: str) -> list[str]:
    return [a.strip() for a in raw.split(",") if a.strip()]


def _call_args(page: Page) -> tuple[int, int, str | None, str | None] | None:
    """(pages, current, name, ext) from the first createPageHTML call with resolvable numbers."""
    for m in _CALL.finditer(page.scripts):
        before = page.scripts[max(0, m.start() - 12) : m.start()]
        if "function" in before:
            continue  # the definition, not a call
        ints: list[int] = []
        strs: list[str] = []
        for arg in _split_args(m.group(1)):
            quoted = re.fullmatch(r"(['\"])(.*)\1", arg)
            if quoted:
                if len(ints) >= 2:
                    strs.append(quoted.group(2))
                continue
            if arg.isdigit():
                ints.append(int(arg))
            elif re.fullmatch(r"[A-Za-z_$][\w$]*", arg):
                value = page.script_int(arg)
                if value is None:
                    break
                ints.append(value)
        if len(ints) >= 2:
            return ints[0], ints[1], strs[0] if strs else None, strs[1] if len(strs) > 1 else None
    return None


def _file_parts(page: Page) -> tuple[str | None, str | None]:
    """File name and extension the pager script writes (``"index"+"_"+n+"."+"html"``)."""
    s = page.scripts
    name = page.script_str("_sPageName", "sPageName")
    ext = page.script_str("_sPageExt", "sPageExt")
    if name is None:
        m = re.search(r"([A-Za-z]\w*)\"\s*\+\s*\"_\"", s) or re.search(r"([A-Za-z]\w*)_\"\s*\+\s*\w+", s)
        name = m.group(1) if m else None
    if ext is None:
        m = re.search(r"\"\.\"\s*\+\s*\"(s?html?)", s) or re.search(r"\+\s*\"\.(s?html?)", s)
        ext = m.group(1) if m else None
    return name, ext


def analyse(page: Page) -> ListPage:
    items = extract_list_items(page.url, page.doc)
    warnings: list[str] = []
    args = _call_args(page)
    if args is not None:
        pages, current, name, ext = args
    else:
        pages = page.script_int(*_COUNT_NAMES) or 0
        current = page.script_int(*_CURRENT_NAMES) or 0
        name, ext = None, None
    if name is None or ext is None:
        found_name, found_ext = _file_parts(page)
        name = name or found_name
        ext = ext or found_ext
    here = urldefrag(page.url)[0]
    path = urlsplit(here).path
    m = re.search(r"/([A-Za-z]\w*?)(?:_\d+)?\.(s?html?)$", path)
    if name is None:
        name = m.group(1) if m else "index"
        warnings.append(f"trs pager: file name not in script, using {name!r}")
    if ext is None:
        ext = m.group(2) if m else "html"
        warnings.append(f"trs pager: extension not in script, using {ext!r}")
    m_here = re.search(rf"/{re.escape(name)}_(\d+)\.{re.escape(ext)}$", path)
    if m_here and int(m_here.group(1)) != current:
        warnings.append(f"trs pager says page {current} but the URL is page {m_here.group(1)}; using the URL")
        current = int(m_here.group(1))
    nxt: list[RequestSpec] = []
    if current + 1 < pages:
        nxt.append(RequestSpec(url=urljoin(here, f"{name}_{current + 1}.{ext}"), headers={"Referer": here}))
    return ListPage(items, nxt, NAME, pages if pages > 0 else None, warnings)
