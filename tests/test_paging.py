"""Paging on the real list pages of ../shared/corpus/pages (Pingtan 动静结合, Handan TRS countPage)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qsl, urljoin

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.paging import analyse_list_page, parse_api_response

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
PAGES = CORPUS / "pages"
PINGTAN_URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/index.htm"
HANDAN_URL = "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index.html"

needs_corpus = pytest.mark.skipif(not PAGES.is_dir(), reason=f"real corpus not found at {PAGES}")


def _read(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


@needs_corpus
def test_pingtan_items_are_exactly_the_ten_static_reports() -> None:
    html = _read("pingtan-annual-report-list.html")
    page = analyse_list_page(PINGTAN_URL, html)
    # Reference: the static block's anchors, read with a page-specific XPath the adapter does not use.
    tree = lxml.html.fromstring(html)
    block = tree.xpath('//div[@ms-visible="showStatic"]//a[@href]')
    expected = [urljoin(PINGTAN_URL, a.get("href")) for a in block]
    assert len(expected) == 10
    assert [i.url for i in page.items] == expected
    assert all(re.search(r"/\d{6}/t\d{8}_\d+\.htm$", i.url) for i in page.items)
    years = sorted(int(re.search(r"(\d{4})年度", i.text).group(1)) for i in page.items)
    assert years == list(range(2016, 2026))
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", i.date) for i in page.items)
    assert page.items[0].date == "2026-03-10"


@needs_corpus
def test_pingtan_next_is_the_search_api_for_page_two() -> None:
    page = analyse_list_page(PINGTAN_URL, _read("pingtan-annual-report-list.html"))
    assert page.adapter == "fjdzapp"
    assert page.total_pages == 2  # recordCount '20' / prepage 10
    assert len(page.next) == 1
    spec = page.next[0]
    assert spec.url == "https://www.pingtan.gov.cn/fjdzapp/search"
    assert spec.method == "POST"
    assert spec.kind == "api:fjdzapp"
    form = dict(parse_qsl(spec.body))
    assert form == {
        "channelid": "200210",  # SiteInfo.searchId
        "classsql": "chnlid=1813",
        "sortfield": "-docorderpri,-docreltime",
        "page": "2",
        "prepage": "10",
    }
    assert spec.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


@needs_corpus
def test_handan_rows_and_pager() -> None:
    html = _read("handan-xxgk-list.jsp.html")
    page = analyse_list_page(HANDAN_URL, html)
    tree = lxml.html.fromstring(html)
    rows = tree.xpath("//table//tr[td/a[@href]]")
    expected = [(r.xpath("td/a/@href")[0], r.xpath("td")[-1].text_content().strip()) for r in rows]
    assert [(i.url, i.date) for i in page.items] == expected
    assert page.items[0].text.startswith("邯郸市教育局关于印发")
    assert page.adapter == "trs"
    assert page.total_pages == 56
    assert [s.url for s in page.next] == ["http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index_1.html"]
    assert page.next[0].kind == "list"


@needs_corpus
def test_handan_later_page_points_to_the_following_one() -> None:
    # The same markup served as index_54.html: the URL wins over the script's currentPage=0.
    page = analyse_list_page(HANDAN_URL.replace("index.html", "index_54.html"), _read("handan-xxgk-list.jsp.html"))
    assert [s.url for s in page.next] == ["http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index_55.html"]
    assert any("URL" in w for w in page.warnings)
    last = analyse_list_page(HANDAN_URL.replace("index.html", "index_55.html"), _read("handan-xxgk-list.jsp.html"))
    assert last.next == []


@needs_corpus
def test_detail_pages_are_not_taken_for_lists() -> None:
    # The Pingtan report page calls the same search API for related documents; it has no pager.
    page = analyse_list_page(
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm",
        _read("pingtan-2023-annual-report.html"),
    )
    assert page.adapter != "fjdzapp"
    assert page.next == []


def test_empty_and_garbage_pages_do_not_crash() -> None:
    for html in ("", "   ", "<html>", "\x00\x01binary", '<?xml version="1.0" encoding="gbk"?><a href="/x">x</a>'):
        page = analyse_list_page("http://example.gov.cn/list/index.html", html)
        assert page.items == [] and page.next == []


def test_unknown_api_kind_and_bad_bodies_are_warnings() -> None:
    assert parse_api_response("api:nope", "http://x.gov.cn/a", b"{}").warnings
    for kind in ("api:hanweb", "api:gkmlpt", "api:fjdzapp"):
        result = parse_api_response(kind, "http://x.gov.cn/api?page=1", b"\xff\xfe not json <", "page=1")
        assert result.items == [] and result.next == [] and result.warnings


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_analyse_never_raises(text: str) -> None:
    page = analyse_list_page("http://example.gov.cn/col/col1/index.html", text)
    assert isinstance(page.items, list)
