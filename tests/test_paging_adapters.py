"""Each paging adapter on its synthetic fixture (tests/fixtures/paging), modelled on real portals."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, urlsplit

from crawler.paging import analyse_list_page, parse_api_response

FIX = Path(__file__).parent / "fixtures" / "paging"


def _text(name: str) -> str:
    return (FIX / name).read_text(encoding="utf-8")


# --- Hanweb -------------------------------------------------------------------------------------

HANWEB_URL = "http://www.nbjb.gov.cn/col/col1229214366/index.html"


def _records(xml: str) -> list[str]:
    return re.findall(r'<record><!\[CDATA\[<li><a href="([^"]+)"', xml)


def test_hanweb_first_group_comes_from_the_datastore() -> None:
    html = _text("hanweb-col-page.html")
    page = analyse_list_page(HANWEB_URL, html)
    assert page.adapter == "hanweb"
    expected = ["http://www.nbjb.gov.cn" + p for p in _records(html)]
    assert len(expected) == 45
    assert [i.url for i in page.items] == expected
    # Footer and menu links (联系我们 is an /art/ page too) are not list entries.
    assert not any("art_1229214101" in i.url for i in page.items)
    assert all(i.date and "年度报告" in i.text for i in page.items)
    assert page.total_pages == 4  # 52 records, 15 per page


def test_hanweb_next_is_the_dataproxy_post() -> None:
    page = analyse_list_page(HANWEB_URL, _text("hanweb-col-page.html"))
    assert len(page.next) == 1
    spec = page.next[0]
    parts = urlsplit(spec.url)
    assert parts.path == "/module/web/jpage/dataproxy.jsp"
    assert parse_qs(parts.query) == {"startrecord": ["46"], "endrecord": ["90"], "perpage": ["15"]}
    assert spec.method == "POST" and spec.kind == "api:hanweb"
    form = dict(parse_qsl(spec.body))
    assert form == {
        "col": "1", "appid": "1", "webid": "3185", "path": "/", "columnid": "1229214366",
        "sourceContentType": "1", "unitid": "7075466", "webname": "宁波市江北区人民政府", "permissiontype": "0",
    }


def test_hanweb_dataproxy_answer_last_group() -> None:
    page = analyse_list_page(HANWEB_URL, _text("hanweb-col-page.html"))
    spec = page.next[0]
    xml = (FIX / "hanweb-dataproxy-46-90.xml").read_bytes()
    result = parse_api_response(spec.kind, spec.url, xml, spec.body)
    assert [i.url for i in result.items] == ["http://www.nbjb.gov.cn" + p for p in _records(xml.decode())]
    assert len(result.items) == 7
    assert result.next == []  # 90 >= 52 records


def test_hanweb_dataproxy_answer_continues_when_more_records() -> None:
    page = analyse_list_page(HANWEB_URL, _text("hanweb-col-page.html"))
    spec = page.next[0]
    xml = _text("hanweb-dataproxy-46-90.xml").replace("<totalrecord>52<", "<totalrecord>200<")
    result = parse_api_response(spec.kind, spec.url, xml, spec.body)
    assert len(result.next) == 1
    nxt = result.next[0]
    assert parse_qs(urlsplit(nxt.url).query)["startrecord"] == ["91"]
    assert parse_qs(urlsplit(nxt.url).query)["endrecord"] == ["135"]
    assert nxt.body == spec.body and nxt.method == "POST"


def test_hanweb_without_parameters_warns_instead_of_guessing() -> None:
    html = _text("hanweb-col-page.html")
    html = re.sub(r"<nextgroup>.*?</nextgroup>", "", html, flags=re.S)
    html = re.sub(r"ajaxParam: \{.*?\},", "", html, flags=re.S)
    html = html.replace('<div id="7075466">', "<div>")
    page = analyse_list_page("http://www.nbjb.gov.cn/list/index.html", html)
    assert page.adapter == "hanweb" and len(page.items) == 45
    assert page.next == []
    assert any("missing" in w for w in page.warnings)


# --- gkmlpt -------------------------------------------------------------------------------------

GK_INDEX = "http://www.szpsq.gov.cn/pszfxxgk/gkmlpt/index"


def test_gkmlpt_index_with_category_fragment() -> None:
    page = analyse_list_page(GK_INDEX + "#2811", _text("gkmlpt-index.html"))
    assert page.adapter == "gkmlpt"
    assert [s.url for s in page.next] == ["http://www.szpsq.gov.cn/pszfxxgk/gkmlpt/api/all/2811?page=1&sid=755031"]
    assert page.next[0].kind == "api:gkmlpt"


def test_gkmlpt_index_without_fragment_uses_annual_report_categories() -> None:
    page = analyse_list_page(GK_INDEX, _text("gkmlpt-index.html"))
    cats = [urlsplit(s.url).path.rsplit("/", 1)[-1] for s in page.next]
    tree = json.loads(re.search(r"var TREE = (\[.*?\]);", _text("gkmlpt-index.html")).group(1))
    assert cats == [str(n["id"]) for n in tree if "年报" in n["name"]]


def test_gkmlpt_api_pages() -> None:
    url1 = "http://www.szpsq.gov.cn/pszfxxgk/gkmlpt/api/all/2811?page=1&sid=755031"
    data = json.loads(_text("gkmlpt-api-page1.json"))
    first = parse_api_response("api:gkmlpt", url1, (FIX / "gkmlpt-api-page1.json").read_bytes())
    assert len(first.items) == len(data["articles"]) == 100
    # Protocol-relative article URLs take the API's scheme.
    assert all(i.url.startswith("http://www.szpsq.gov.cn/pszfxxgk/gkmlpt/content/") for i in first.items)
    assert [i.text for i in first.items] == [a["title"] for a in data["articles"]]
    assert first.items[0].date == "2024-01-23"  # display_publish_time 1706000000 in Beijing time
    assert first.total_pages == 2
    assert [s.url for s in first.next] == [url1.replace("page=1", "page=2")]
    second = parse_api_response("api:gkmlpt", first.next[0].url, _text("gkmlpt-api-page2.json"))
    assert len(second.items) == 5 and second.next == []


def test_gkmlpt_api_without_total_warns() -> None:
    body = json.dumps({"articles": [{"title": "x", "url": "//a.gov.cn/gkmlpt/content/1/1/post_1.html"}]})
    result = parse_api_response("api:gkmlpt", "http://a.gov.cn/gkmlpt/api/all/5?page=1&sid=2", body)
    assert len(result.items) == 1 and result.next == [] and result.warnings


# --- fjdzapp (Pingtan pattern) API answers ------------------------------------------------------


def test_fjdzapp_answer_items_and_next_page() -> None:
    body = "channelid=200210&sortfield=-docorderpri%2C-docreltime&classsql=chnlid%3D1813&page=2&prepage=10"
    result = parse_api_response(
        "api:fjdzapp", "https://www.pingtan.gov.cn/fjdzapp/search", (FIX / "fjdzapp-search-page2.json").read_bytes(), body
    )
    data = json.loads(_text("fjdzapp-search-page2.json"))
    assert len(result.items) == len(data["data"])
    # docpuburl first, chnldocurl when docpuburl is empty, relative URLs made absolute; tags stripped.
    assert result.items[1].url.endswith("t20150331_80440.htm")
    assert result.items[2].url == "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/201403/t20140328_80421.htm"
    assert "<em>" not in result.items[1].text
    assert [i.date for i in result.items] == ["2016-03-30", "2015-03-31", "2014-03-28"]
    assert result.total_pages == 3
    assert dict(parse_qsl(result.next[0].body))["page"] == "3"
    last = parse_api_response("api:fjdzapp", result.next[0].url, _text("fjdzapp-search-page2.json"),
                              result.next[0].body)
    assert last.next == []


# --- static and TRS variants ---------------------------------------------------------------------


def test_static_pager_next_link_and_total() -> None:
    page = analyse_list_page("http://www.x.gov.cn/zwgk/xxgknb/list_2.html", _text("static-pager-list.html"))
    assert page.adapter == "static"
    assert len(page.items) == 5  # two <ul> blocks of one list; not 热点 news, crumbs or footer
    assert page.items[3].date == "2024-01-22"  # 2024年1月22日
    assert page.items[4].url.endswith(".pdf")
    assert [s.url for s in page.next] == ["http://www.x.gov.cn/zwgk/xxgknb/list_3.html"]
    assert page.total_pages == 9


def test_static_numbered_pager_without_next_text() -> None:
    page = analyse_list_page("http://www.x.gov.cn/gk/nb/?page=2", _text("static-numbered-only.html"))
    assert [i.date for i in page.items] == ["2024-01-30", "2023-01-31"]
    assert [s.url for s in page.next] == ["http://www.x.gov.cn/gk/nb/?page=3"]


def test_trs_createpage_with_element_id_and_variables() -> None:
    page = analyse_list_page("http://www.x.gov.cn/zwgk/nb/index_2.shtml", _text("trs-createpage-variant.html"))
    assert page.adapter == "trs"
    assert page.total_pages == 4
    assert [s.url for s in page.next] == ["http://www.x.gov.cn/zwgk/nb/index_3.shtml"]
    assert [i.url.rsplit("/", 1)[-1] for i in page.items] == ["t20250123_14199024.html", "t20240125_12860737.html"]


def test_trs_plain_call_and_last_page() -> None:
    html = "<html><body><ul><li><a href='./202401/t20240101_1.html'>某局2023年政府信息公开工作年度报告</a>" \
           "<span>2024-01-01</span></li></ul><script>createPageHTML(3, 0, \"index\", \"html\");</script></body></html>"
    first = analyse_list_page("http://a.gov.cn/nb/", html)
    assert [s.url for s in first.next] == ["http://a.gov.cn/nb/index_1.html"]
    last = analyse_list_page("http://a.gov.cn/nb/", html.replace("(3, 0,", "(3, 2,"))
    assert last.next == [] and last.total_pages == 3


def test_rows_with_several_links_keep_title_and_attachments() -> None:
    html = """<html><body><table class="list">
      <tr><td><a href="/bm/jyj/">教育局</a></td><td><a href="/nb/202401/t20240120_1.html">某市教育局2023年政府信息公开工作年度报告</a></td>
          <td><a href="/nb/P020240120.pdf">PDF</a></td><td>2024-01-20</td></tr>
      <tr><td><a href="/bm/wjw/">卫健委</a></td><td><a href="/nb/202401/t20240118_2.html">某市卫生健康委员会2023年政府信息公开工作年度报告</a></td>
          <td></td><td>2024-01-18</td></tr>
    </table></body></html>"""
    page = analyse_list_page("http://www.a.gov.cn/nb/index.html", html)
    assert [i.url.rsplit("/", 1)[-1] for i in page.items] == ["t20240120_1.html", "P020240120.pdf", "t20240118_2.html"]
    assert all(i.date for i in page.items)
