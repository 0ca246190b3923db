"""The demo portal: site structure, ground truth, encodings, the PDF attachment, and the loopback server."""

from __future__ import annotations

import io
import re
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin

import pdfplumber
import pytest
from lxml import html as lxml_html

from crawler.demo.generator import failed_checks, template_keys
from crawler.demo.server import serve_portal
from crawler.demo.site import COLUMN, DemoPortal

PAGER = re.compile(r'createPageHTML\((\d+),\s*(\d+),\s*"(\w+)",\s*"(\w+)"\)')


def _doc(portal: DemoPortal, path: str) -> lxml_html.HtmlElement:
    page = portal.get(path)
    assert page is not None, path
    charset = page.content_type.partition("charset=")[2] or "utf-8"
    return lxml_html.fromstring(page.body.decode(charset))


def _links(portal: DemoPortal, path: str) -> list[str]:
    """Absolute paths of the page's <a href> links (javascript: and off-site links left out)."""
    out = []
    for href in _doc(portal, path).xpath("//a/@href"):
        url = urljoin("http://demo" + path, href)
        if url.startswith("http://demo/"):
            out.append(url[len("http://demo"):])
    return out


def _crawl_column(portal: DemoPortal) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """List pages reachable from the column (static links + createPageHTML), and their items."""
    seen, todo, items = [], [COLUMN + "index.html"], {}
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.append(path)
        doc = _doc(portal, path)
        for li in doc.xpath('//ul[@class="list"]/li'):
            a = li.find("a")
            items[urljoin(path, a.get("href"))] = (a.text_content(), li.findtext("span"))
        nxt = [p for p in _links(portal, path) if re.fullmatch(re.escape(COLUMN) + r"index(_\d+)?\.html", p)]
        for script in doc.xpath("//script/text()"):
            for m in PAGER.finditer(script):
                count, name, ext = int(m.group(1)), m.group(3), m.group(4)
                nxt += [COLUMN + (f"{name}.{ext}" if i == 0 else f"{name}_{i}.{ext}") for i in range(count)]
        todo += nxt
    return seen, items


@pytest.fixture(scope="module")
def portal() -> DemoPortal:
    return DemoPortal(seed=0)


def test_navigation_from_home_to_column(portal: DemoPortal) -> None:
    assert "/zwgk/index.html" in _links(portal, "/index.html")
    assert COLUMN + "index.html" in _links(portal, "/zwgk/index.html")
    assert portal.get("/") == portal.get("/index.html")
    assert portal.get(COLUMN) == portal.get(COLUMN + "index.html")
    assert portal.get("/nope.html") is None
    assert portal.get(COLUMN + "index_99.html") is None


def test_pagers_static_then_script_only(portal: DemoPortal) -> None:
    assert portal.n_list_pages >= 4
    first = _links(portal, COLUMN + "index.html")
    assert COLUMN + "index_1.html" in first and COLUMN + "index_2.html" in first
    # Later pages exist only through the TRS script on pages 1..n-1.
    last = COLUMN + f"index_{portal.n_list_pages - 1}.html"
    assert last not in first
    for n in range(1, portal.n_list_pages):
        page = portal.get(COLUMN + f"index_{n}.html")
        assert page is not None
        assert f'createPageHTML({portal.n_list_pages}, {n}, "index", "html")' in page.body.decode()
        assert not [p for p in _links(portal, COLUMN + f"index_{n}.html") if "/index_" in p]


def test_column_lists_every_report_exactly_once_with_dates(portal: DemoPortal) -> None:
    pages, items = _crawl_column(portal)
    assert len(pages) == portal.n_list_pages
    truth = {g.path: g for g in portal.ground_truth}
    assert len(truth) == len(portal.ground_truth) == 12
    assert set(truth) <= set(items)
    for path, (title, date) in items.items():
        assert re.fullmatch(re.escape(COLUMN) + r"\d{6}/t\d{8}_\d+\.html", path)
        assert path[len(COLUMN) + 8:len(COLUMN) + 16] == date.replace("-", "")
        if path in truth:
            assert (title, date) == (truth[path].title, truth[path].published)
    others = [t for p, (t, _) in items.items() if p not in truth]
    assert len(others) == 10
    assert not set(others) & {g.title for g in portal.ground_truth}
    assert not [t for t in others if "工作年度报告" in t]
    assert any(t.startswith("关于做好") or "统计年报" in t or "要点" in t for t in others)


def test_ground_truth_is_complete(portal: DemoPortal) -> None:
    assert {g.template for g in portal.ground_truth} == {"2019", "2021"}
    assert sum(g.year <= 2020 for g in portal.ground_truth) >= 2
    assert len({(g.agency, g.year) for g in portal.ground_truth}) == len(portal.ground_truth)
    assert [g.kind for g in portal.ground_truth].count("pdf") >= 1
    assert [g.encoding for g in portal.ground_truth].count("gbk") == 1
    for g in portal.ground_truth:
        assert set(g.values) == set(template_keys(g.template))
        assert failed_checks(g.values, g.template) == []
        assert g.agency in g.title and str(g.year) in g.title
        assert g.published.startswith(str(g.year + 1)) and g.published_at.startswith(g.published)
        assert g.region_code.startswith(portal.region.city_code[:4])  # the site's own prefecture


def test_report_page_chrome_and_meta(portal: DemoPortal) -> None:
    g = next(g for g in portal.ground_truth if g.kind == "html" and g.encoding == "utf-8")
    doc = _doc(portal, g.path)
    meta = {m.get("name"): m.get("content") for m in doc.xpath("//meta[@name]")}
    assert meta["ArticleTitle"] == g.title and meta["PubDate"] == g.published_at
    assert meta["ContentSource"] == g.agency and meta["ColumnName"] == "政府信息公开年报"
    assert meta["SiteIDCode"] == portal.site_code and meta["SiteName"] == portal.site_name
    assert meta["SiteDomain"] == portal.domain
    text = doc.text_content()
    for chrome in ("当前位置：", "首页", "政务公开", "字体", "打印", "关闭", "扫一扫在手机打开当前页面",
                   "相关文章", f"网站标识码：{portal.site_code}"):
        assert chrome in text, chrome
    assert re.search(r"[\u4e00-\u9fff]ICP备\d{8}号", text)
    assert doc.xpath('//img[following-sibling::p[contains(., "扫一扫")]]')
    body = doc.xpath('//div[@class="TRS_Editor"]')
    assert len(body) == 1 and len(body[0].findall(".//table")) == 3
    # Breadcrumb links are relative and resolve to real pages.
    for href in doc.xpath('//div[@class="bread"]/a/@href'):
        assert href.startswith("../") and portal.get(urljoin(g.path, href)) is not None
    related = doc.xpath('//div[@class="related"]//a/@href')
    assert related and all(portal.get(urljoin(g.path, h)) is not None for h in related)


def test_gbk_page(portal: DemoPortal) -> None:
    g = next(g for g in portal.ground_truth if g.encoding == "gbk")
    page = portal.get(g.path)
    assert page is not None and page.content_type == "text/html; charset=gbk"
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    text = page.body.decode("gb18030")
    assert 'content="text/html; charset=gbk"' in text and g.title in text
    assert "三、本年度办理结果" in text


def test_every_report_page_could_be_the_gbk_one() -> None:
    for seed in range(4):
        p = DemoPortal(seed)
        for g in p.ground_truth:
            page = p.get(g.path)
            assert page is not None
            page.body.decode(g.encoding).encode("gbk")  # raises if a character has no GBK code


def test_pdf_only_report(portal: DemoPortal) -> None:
    g = next(g for g in portal.ground_truth if g.kind == "pdf")
    assert g.attachment and g.attachment.endswith(".pdf")
    doc = _doc(portal, g.path)
    body = doc.xpath('//div[@class="TRS_Editor"]')[0]
    assert not body.findall(".//table")
    assert [urljoin(g.path, h) for h in body.xpath(".//a/@href")] == [g.attachment]
    pdf = portal.get(g.attachment)
    assert pdf is not None and pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(pdf.body)) as f:
        text = "".join(p.extract_text() or "" for p in f.pages)
        assert sum(len(p.extract_tables()) for p in f.pages) >= 3
    assert g.title in re.sub(r"\s+", "", text)


def test_deterministic() -> None:
    a, b = DemoPortal(5), DemoPortal(5)
    assert a.ground_truth == b.ground_truth
    assert list(a.pages) == list(b.pages)
    for path in list(a.pages)[:40]:
        assert a.pages[path] == b.pages[path]
    assert DemoPortal(6).ground_truth != a.ground_truth


def test_extra_list_pages_add_no_reports() -> None:
    base, more = DemoPortal(2), DemoPortal(2, extra_list_pages=3)
    assert more.n_list_pages == base.n_list_pages + 3
    assert more.ground_truth == base.ground_truth
    pages, items = _crawl_column(more)
    assert len(pages) == more.n_list_pages
    assert {g.path for g in more.ground_truth} <= set(items)
    # The column stays in date order, newest first, across all its pages.
    dates = [d for n in range(more.n_list_pages)
             for d in _doc(more, more.list_path(n)).xpath('//ul[@class="list"]/li/span/text()')]
    assert len(dates) == len(items) and dates == sorted(dates, reverse=True)
    png = more.get("/images/qrcode.png")
    assert png is not None and png.content_type == "image/png" and png.body.startswith(b"\x89PNG")


def test_big_portal_is_lazy_and_quick() -> None:
    t = time.perf_counter()
    p = DemoPortal(1, n_reports=10_000, n_other=9_000)
    assert time.perf_counter() - t < 10
    assert len(p.pages) > 19_000
    assert len({(g.agency, g.year) for g in p.ground_truth}) == 10_000
    g = p.ground_truth[-1]
    page = p.get(g.path)
    assert page is not None and g.title.encode() in page.body or g.encoding == "gbk"
    assert p.get(p.list_path(p.n_list_pages - 1)) is not None
    with pytest.raises(ValueError, match="n_reports"):
        DemoPortal(1, n_reports=10**6)


def _fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_server_serves_and_answers_304(portal: DemoPortal) -> None:
    g = next(g for g in portal.ground_truth if g.encoding == "gbk")
    with serve_portal(portal) as base:
        assert base.startswith("http://127.0.0.1:")
        status, headers, body = _fetch(base + g.path)
        assert status == 200 and headers["Content-Type"] == "text/html; charset=gbk"
        assert body == portal.get(g.path).body
        etag, modified = headers["ETag"], headers["Last-Modified"]
        assert _fetch(base + g.path, {"If-None-Match": etag})[:3:2] == (304, b"")
        assert _fetch(base + g.path, {"If-Modified-Since": modified})[0] == 304
        assert _fetch(base + g.path, {"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
        assert _fetch(base + g.path, {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})[0] == 200
        assert _fetch(base + g.path, {"If-Modified-Since": "garbage"})[0] == 200
        status, headers, body = _fetch(base + g.path, method="HEAD")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(portal.get(g.path).body)
        assert _fetch(base + "/missing.html")[0] == 404
        status, headers, body = _fetch(base + "/robots.txt")
        assert status == 200 and b"User-agent: *" in body and b"Disallow: /" not in body
        pdf = next(g for g in portal.ground_truth if g.kind == "pdf")
        status, headers, body = _fetch(base + pdf.attachment)
        assert status == 200 and headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")
        # Concurrent requests are served (threaded server).
        paths = [p for p in portal.paths() if p.endswith(".html")]
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda p: _fetch(base + p)[0], paths))
        assert statuses == [200] * len(paths)
    # Shut down on exit: the port no longer answers, the thread is gone.
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(base + "/robots.txt", timeout=2)
    assert not [t for t in threading.enumerate() if t.name == "zwgk-demo-portal"]


def test_add_report_changes_only_lists_and_home() -> None:
    p = DemoPortal(4)
    before = {path: p.get(path) for path in p.paths()}
    g = p.add_report(kind="pdf")
    h = p.add_report()
    assert p.ground_truth[-2:] == [g, h]
    assert (g.year, h.year) == (2025, 2025) and g.agency != h.agency
    assert h.published_at > g.published_at > max(x.published_at for x in p.ground_truth[:-2])
    assert g.attachment and p.get(g.attachment).body.startswith(b"%PDF")
    changed = {path for path, page in before.items() if p.get(path) != page}
    assert changed and all(path.endswith("index.html") or "/index_" in path for path in changed)
    _, items = _crawl_column(p)
    assert {x.path for x in p.ground_truth} <= set(items)
    first = _doc(p, COLUMN + "index.html").xpath('//ul[@class="list"]/li/a/@title')
    assert first[:2] == [h.title, g.title]
    with pytest.raises(ValueError, match="kind"):
        p.add_report(kind="doc")


def test_server_sees_a_report_added_while_serving() -> None:
    p = DemoPortal(4)
    with serve_portal(p) as base:
        old = p.ground_truth[0].path
        _, h_old, _ = _fetch(base + old)
        _, h_list, _ = _fetch(base + COLUMN + "index.html")
        g = p.add_report()
        assert _fetch(base + old, {"If-None-Match": h_old["ETag"]})[0] == 304
        status, h_new, body = _fetch(base + COLUMN + "index.html", {"If-None-Match": h_list["ETag"]})
        assert status == 200 and h_new["ETag"] != h_list["ETag"] and g.title in body.decode()
        assert _fetch(base + g.path)[0] == 200
