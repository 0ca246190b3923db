"""Choosing a report page's table pictures (crawler/pictures.py) on real-looking pages: the pictures
of a "图片版" report are chosen, QR codes, logos, share icons, banners and tracking pixels are not,
and a page whose tables are HTML fetches none."""

from __future__ import annotations

from parsel import Selector

from crawler.demo.site import DemoPortal
from crawler.pictures import TEMPLATE_TABLES, choose_pictures, size_rejects

PAGE = "https://www.example.gov.cn/zwgk/zfxxgknb/202401/t20240120_123456.html"

FRAME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>某某市人民政府2023年政府信息公开工作年度报告</title></head>
<body>
<div class="header"><a href="/" class="logo"><img src="/images/logo.png" alt="某某市人民政府"></a>
<img src="/images/banner_2024.jpg" width="1200" height="120"></div>
<div class="nav"><ul><li><a href="/">首页</a></li></ul></div>
<div class="main">
<div class="article"><h1>某某市人民政府2023年政府信息公开工作年度报告</h1>
<div class="share"><img src="/images/wx.png" alt="分享到微信"><img src="/images/wb.png" alt="分享到微博"></div>
<div class="article-content" id="zoom"><div class="TRS_Editor">
<p>一、总体情况</p><p>2023年，我市认真贯彻落实《中华人民共和国政府信息公开条例》……</p>
<p>二、主动公开政府信息情况</p>
{body}
<p>五、存在的主要问题及改进情况</p><p>……</p>
</div></div>
<div class="qrcode"><img src="/images/qrcode.png" alt="二维码"><p>扫一扫在手机打开当前页面</p></div>
</div></div>
<img src="https://stat.example.gov.cn/pixel.gif?id=1" width="1" height="1">
<div class="footer"><p>主办单位：某某市人民政府办公室</p><img src="/images/dzjg.png" alt="党政机关">
<img src="/images/gongan.png"></div>
</body></html>"""


def _choose(body: str, max_pictures: int = 8) -> list[str]:
    return [p.url for p in choose_pictures(Selector(text=FRAME.format(body=body)), PAGE, max_pictures).pictures]


def test_table_pictures_in_the_body_are_chosen_in_page_order_and_chrome_is_not() -> None:
    body = ('<p style="text-align:center"><img src="W020240120123456789012.png" alt="表格"></p>'
            '<p>三、收到和处理政府信息公开申请情况</p>'
            '<p><a href="W020240120123456789013.jpg"><img src="W020240120123456789013.jpg" width="640" height="900"></a></p>'
            '<p>四、政府信息公开行政复议、行政诉讼情况</p><p><img src="./tj_4.gif" title="行政复议行政诉讼情况统计表"></p>'
            '<p><img src="/images/icon_print.gif" width="16" height="16">打印</p>'
            '<p><img src="/static/images/common/back_img.jpg"><img src="/static/images/common/dayin.png"></p>')
    choice = choose_pictures(Selector(text=FRAME.format(body=body)), PAGE, 8)
    assert (choice.number_tables, choice.headings, choice.needed) == (0, True, True)
    assert _choose(body) == [
        "https://www.example.gov.cn/zwgk/zfxxgknb/202401/W020240120123456789012.png",
        "https://www.example.gov.cn/zwgk/zfxxgknb/202401/W020240120123456789013.jpg",
        "https://www.example.gov.cn/zwgk/zfxxgknb/202401/tj_4.gif",
    ]


def test_qr_codes_seals_and_icons_in_the_body_are_not_chosen() -> None:
    body = ('<p><img src="erweima.jpg"></p><p><img src="W0202401.png" width="180" height="180"></p>'
            '<p><img src="W0202402.png" style="width:24px;height:24px"></p>'
            '<p><img src="data:image/png;base64,iVBORw0KGgo="></p><p><img src="W0202403.png" alt="扫一扫"></p>')
    assert _choose(body) == []


def test_the_bound_per_page_counts_the_rest() -> None:
    body = "".join(f'<p><img src="W02024012{i:02d}.png" alt="附件{i}"></p>' for i in range(12))
    choice = choose_pictures(Selector(text=FRAME.format(body=body)), PAGE, 8)
    assert len(choice.pictures) == 8 and choice.skipped == 4
    assert choice.pictures[0].url.endswith("W0202401200.png")


def test_a_picture_shown_twice_is_fetched_once() -> None:
    body = '<p><img src="W1.png"></p><p><a href="W1.png"><img src="W1.png"></a></p>'
    assert len(_choose(body)) == 1


def test_named_picture_outside_a_known_container_is_chosen() -> None:
    page = ('<html><body><div class="wrap"><p>2023年度报告</p><center><img src="/u/cms/2024/nianbao_biao1.png">'
            '<img src="/u/cms/2024/photo1.jpg"></center></div></body></html>')
    choice = choose_pictures(Selector(text=page), PAGE, 8)
    assert [p.url for p in choice.pictures] == ["https://www.example.gov.cn/u/cms/2024/nianbao_biao1.png"]


def test_sizes() -> None:
    assert size_rejects(1, 1) == "tracking pixel"
    assert "square" in size_rejects(200, 210)
    assert size_rejects(1200, 100) == "banner"
    assert size_rejects(32, None) == "narrow (icon)"
    assert size_rejects(700, 700) == ""  # a square table picture, large
    assert size_rejects(None, None) == ""


def test_a_demo_report_page_with_html_tables_fetches_no_pictures() -> None:
    portal = DemoPortal(seed=3, n_reports=2, n_other=0)
    g = next(g for g in portal.ground_truth if g.kind == "html")
    page = portal.get(g.path)
    assert page is not None
    choice = choose_pictures(Selector(text=page.body.decode(g.encoding)), "http://x/" + g.path, 8)
    assert choice.number_tables >= TEMPLATE_TABLES and choice.pictures == []


def test_pages_still_waiting_for_pictures_at_the_end_are_counted_failed_with_an_error() -> None:
    """A crawl that ends while a page waits for its pictures does not store it: the portal's summary
    (and through the runner, the run record) says so, not only the log."""
    from types import SimpleNamespace

    from crawler.items import ReportItem
    from pipelines.portalstats import PortalStats
    from spiders.portal import PortalSpider

    spider = PortalSpider(url="http://127.0.0.1:1/zwgk/index.html")
    spider.stats = PortalStats(SimpleNamespace(stats=None, settings={}))
    waiting = ReportItem(url="http://127.0.0.1:1/a.html", body=b"", portal="p")
    spider.picture_pages["http://127.0.0.1:1/a.html"] = {"item": waiting, "left": 2}
    spider.delivering["http://127.0.0.1:1/b.html"] = ReportItem(url="http://127.0.0.1:1/b.html", body=b"", portal="p")
    spider.closed("shutdown")
    portal = spider.stats.portal("p")
    assert portal["counts"]["failed"] == 2
    assert any("a.html" in e and "2 table picture(s)" in e and "not stored" in e for e in portal["errors"])
    assert any("b.html" in e and "handed over" in e for e in portal["errors"])
