"""Find a portal's 政府信息公开 directory and its annual-report columns from one page's links.

Pure functions over HTML: the spider fetches the start page, asks find_columns for the links worth
following (best first), fetches those within its depth/page budget, and asks again on each. Scores
add up text signals (政府信息公开年报, 年度报告, 年报, 信息公开 …) and URL signals (zfxxgknb, xxgknb,
ndbg, gknb, zfxxgk …); department and town sub-directories (部门/乡镇/街道 信息公开, or an agency name
linking into an xxgk path) score too, since their reports live in their own columns.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urldefrag, urlsplit

from lxml import etree

from crawler.paging.common import (
    absolute,
    base_url,
    clean_text,
    is_detail_url,
    is_pager_text,
    iter_anchors,
    link_text,
    parse_html,
)
from crawler.paging.types import Link

_ANNUAL_TEXT = re.compile(r"年报|年度报告")
_FULL_ANNUAL = re.compile(r"政府信息公开(工作)?(年报|年度报告)|信息公开年报|政务公开年报")
_ANNUAL_SLUG = re.compile(
    r"(zfxxgknb|xxgknb|zfxxgkndbg|xxgkndbg|zwgknb|gknb|ndbg|xxgkannualreport|annualreport|zfxxgkgzndbg|nbsz)", re.I
)
_NB_SEGMENT = re.compile(r"(^|[/_])(nb|\d{4}n?nb|nb\d{4})([/_.]|$)", re.I)
_DIRECTORY_SLUG = re.compile(r"(zfxxgk|xxgk|zwgk|gkml|gkmlpt|govinfo|govpublic|zfgk|xxgkml|zdgk)", re.I)
_SUBDIR_SLUG = re.compile(r"(bmxxgk|xzxxgk|jdxxgk|bmgk|xzjd|zfbm|bmnb|xznb|jdnb|xzjdnb|bmxx|qzfbm|szfbm|xjbm)", re.I)
_SUBDIR_TEXT = re.compile(r"(部门|乡镇|街道|镇街|县直|市直|区直|县区|区县|委办局)")
_AGENCY_SUFFIX = re.compile(r"(局|委员会|委|办公室|办|人民政府|政府|街道办事处|办事处|管委会|中心|厅)$")
_NEGATIVE_TEXT = re.compile(r"(指南|制度|申请|意见|征集|解读|新闻|动态|招聘|招标|通知公告|留言|信箱|登录|注册)")
_DIRECTORY_TEXT = [
    (re.compile(r"政府信息公开"), 5),
    (re.compile(r"信息公开"), 4),
    (re.compile(r"公开目录|目录"), 2),
    (re.compile(r"政务公开"), 2),
]


def site_key(host: str) -> str:
    """The registrable part of a host: x.gov.cn for any *.x.gov.cn, the address itself for IPs."""
    host = host.split(":", 1)[0].lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in ("gov", "com", "org", "net", "edu", "ac"):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _text_score(text: str) -> float:
    text = text.replace(" ", "")  # menus break 政府信息<br>公开年报 over lines
    score = 0.0
    if _FULL_ANNUAL.search(text):
        score += 10
    elif _ANNUAL_TEXT.search(text):
        score += 8
    else:
        for pattern, points in _DIRECTORY_TEXT:
            if pattern.search(text):
                score += points
                break
    if score and _SUBDIR_TEXT.search(text):
        score += 3
    if _NEGATIVE_TEXT.search(text) and not _ANNUAL_TEXT.search(text):
        score -= 4
    return score


def _url_score(url: str) -> float:
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    score = 0.0
    if _ANNUAL_SLUG.search(path):
        score += 8
    elif _NB_SEGMENT.search(parts.path):
        score += 4
    if _DIRECTORY_SLUG.search(path):
        score += 3
    if _SUBDIR_SLUG.search(path):
        score += 2
    return score


def _is_column_url(url: str) -> bool:
    """Columns are directories or list pages; a report article or attachment is not a column."""
    low = url.lower()
    if "xxgkannualreport" in low:
        return "fbtime=" not in low  # the module without a year lists every year
    return not is_detail_url(url)


def column_score(url: str, text: str) -> float:
    """How strongly a link looks like the 政府信息公开 directory or an annual-report column (0 = not)."""
    if not _is_column_url(url):
        return 0.0
    text = clean_text(text)
    score = _text_score(text) + _url_score(url)
    # An agency's name linking into an xxgk path is that agency's own disclosure directory.
    if _AGENCY_SUFFIX.search(text) and len(text) <= 20 and _DIRECTORY_SLUG.search(url):
        score += 2
    return max(score, 0.0)


def is_annual_report_column(url: str, text: str) -> bool:
    """True for a link to a 政府信息公开年报 column (not to one report, not to the general directory)."""
    if not _is_column_url(url):
        return False
    text = clean_text(text)
    if _ANNUAL_TEXT.search(text):
        return True
    path = urlsplit(url).path + "?" + urlsplit(url).query
    return bool(_ANNUAL_SLUG.search(path) or _NB_SEGMENT.search(urlsplit(url).path)) and not _NEGATIVE_TEXT.search(text)


def find_columns(url: str, page: str | etree._Element, min_score: float = 4.0) -> list[Link]:
    """Links on the page to the 政府信息公开 directory and annual-report columns, best first.

    page: the HTML, or its lxml.html tree when the caller already parsed it (read only here).
    Only links within the page's site (same registrable domain, e.g. any *.liuzhou.gov.cn from
    www.liuzhou.gov.cn) are returned; Link.date is left empty.
    """
    doc = parse_html(page) if isinstance(page, str) else page
    if doc is None:
        return []
    base = base_url(url, doc)
    here = urldefrag(url)[0]
    home = site_key(urlsplit(url).netloc)
    best: dict[str, tuple[float, int, str]] = {}
    for index, a in enumerate(iter_anchors(doc)):
        target = absolute(base, a.get("href"))
        if not target or target == here or site_key(urlsplit(target).netloc) != home:
            continue
        text = link_text(a)
        if is_pager_text(text):
            continue  # a list's own pager, handled by crawler.paging
        score = column_score(target, text)
        if score < min_score:
            continue
        if target not in best or score > best[target][0]:
            best[target] = (score, best.get(target, (0, index, ""))[1], text)
    ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
    return [Link(target, text) for target, (_score, _index, text) in ranked]
