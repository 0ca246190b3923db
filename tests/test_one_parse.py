"""One HTML parse per list page: the spider hands the tree Scrapy already built (response.selector.root)
to analyse_list_page and find_columns, which must then give exactly what they give from the text."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, XmlResponse

from crawler.bodychars import body_text_chars
from crawler.demo.site import DemoPortal
from crawler.discovery import find_columns
from crawler.paging import analyse_list_page
from spiders.portal import _html_tree

FIXTURES = Path(__file__).parent / "fixtures" / "paging"
CORPUS_PAGES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages"
LIST_URL = "http://www.example.gov.cn/zwgk/zfxxgknb/index.html"


def _pages() -> list[tuple[str, str, bytes]]:
    """(name, url, body): the paging fixtures, the real corpus pages, every HTML page of a demo portal."""
    out = [(f.name, LIST_URL, f.read_bytes()) for f in sorted(FIXTURES.glob("*.html"))]
    out += [(f.name, LIST_URL, f.read_bytes()) for f in sorted(CORPUS_PAGES.glob("*.htm*"))]
    portal = DemoPortal(seed=3, extra_list_pages=2)
    for path, page in portal.pages.items():
        if page.content_type.startswith("text/html"):
            out.append((path, f"http://{portal.domain}{path}", page.body))
    return out


PAGES = _pages()


def test_the_pages_include_real_list_pages() -> None:
    names = {name for name, _, _ in PAGES}
    if not CORPUS_PAGES.is_dir():
        pytest.skip(f"real corpus not found at {CORPUS_PAGES}")
    assert {"handan-xxgk-list.jsp.html", "pingtan-annual-report-list.html"} <= names


@pytest.mark.parametrize(("name", "url", "body"), PAGES, ids=[p[0] for p in PAGES])
def test_the_selector_tree_gives_the_same_list_and_columns(name: str, url: str, body: bytes) -> None:
    response = HtmlResponse(url=url, body=body)
    tree = _html_tree(response)
    assert tree is not None
    from_text = analyse_list_page(url, response.text)
    assert analyse_list_page(url, response.text, tree) == from_text
    assert find_columns(url, tree) == find_columns(url, response.text)
    # the readers leave the tree as it was: the spider reads its title from it afterwards
    assert analyse_list_page(url, response.text, tree) == from_text


def test_a_list_page_with_items_is_read_from_the_tree() -> None:
    """Guards the comparison above against comparing two empty results."""
    name, url, body = next(p for p in PAGES if p[0] == "pingtan-annual-report-list.html") if CORPUS_PAGES.is_dir() \
        else next(p for p in PAGES if p[0] == "static-pager-list.html")
    response = HtmlResponse(url=url, body=body)
    page = analyse_list_page(url, response.text, _html_tree(response))
    assert page.items, name


def test_an_xml_response_is_not_handed_over_as_an_html_tree() -> None:
    response = XmlResponse(url=LIST_URL, body=b"<?xml version='1.0'?><list><a href='x.html'>x</a></list>")
    assert _html_tree(response) is None


_BODY_TEXT_XPATH = (
    "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::a)"
    " and not(ancestor::header) and not(ancestor::footer) and not(ancestor::nav)]"
)
_ODD_MARKUP = [
    "<html><body> a <!-- note --> b<a href='x'> link </a> tail <nav>menu</nav>after<script>x=1</script></body></html>",
    "<html><body><div><header><p>top</p></header><p>  text\u3000</p><?pi data?>pi tail</div>outer tail</body>"
    "</html>",
    "<html><head><title>t</title></head><body>" + "<div>" * 300 + "deep" + "</div>" * 300 + "</body></html>",
    "<html><body></body></html>",
    "<p>no body element written</p> loose text",
]


@pytest.mark.parametrize(
    "body", [b for _, _, b in PAGES] + [m.encode() for m in _ODD_MARKUP],
    ids=[p[0] for p in PAGES] + [f"odd{i}" for i in range(len(_ODD_MARKUP))],
)
def test_body_chars_walk_counts_what_the_xpath_counted(body: bytes) -> None:
    response = HtmlResponse(url=LIST_URL, body=body)
    want = sum(len(t.strip()) for t in response.xpath(_BODY_TEXT_XPATH).getall())
    assert body_text_chars(response.selector.root) == want


def test_body_chars_skip_links_and_chrome() -> None:
    response = HtmlResponse(url=LIST_URL, body="<body><nav>菜单</nav><p>正文两字</p><a href='a.pdf'>附件</a></body>".encode())
    assert body_text_chars(response.selector.root) == len("正文两字")
