"""Extraction on generated pages in the styles of CMSs the corpus does not hold, and unit rules."""

from __future__ import annotations

import pytest

from crawler.extract import clean_plain_text, extract_document
from crawler.extract.chrome import is_chrome_line, strip_glued
from crawler.extract.convert import detect_script
from crawler.extract.metadata import clean_title, parse_date
from crawler.extract.textclean import clean_lines

BODY = """<p>　　根据《中华人民共和国政府信息公开条例》（以下简称《条例》）规定，现公布某某县人民政府2022年政府信息公开工作年度报告。</p>
<p>一、总体情况</p>
<p>　　2022年，某某县坚持以习近平新时代中国特色社会主义思想为指导，全年主动公开政府信息2156条。</p>
<p>二、主动公开政府信息情况</p>
<table border="1"><tr><td rowspan="2">信息内容</td><td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td></tr>
<tr><td>1</td><td>2</td><td>3</td></tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr></table>
<p>六、其他需要报告的事项</p><p>　　本年度共收取信息处理费0元。</p>"""
NAV = (
    '<div class="head"><ul class="mainNav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
    '<li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>'
)
FOOT = (
    '<div class="bottom_bg"><p>主办单位：某某县人民政府办公室  承办单位：某某县大数据中心</p>'
    "<p>网站标识码：3411220001  皖ICP备05001234号-1  皖公网安备 34112202000123号</p>"
    "<p>地址：某某县政务中心 邮编：239000</p></div>"
)
TITLE = "某某县人民政府2022年政府信息公开工作年度报告"
CHROME = [
    "首页 >",
    "政务公开 >",
    "浏览次数",
    "字体",
    "打印",
    "关闭",
    "相关链接",
    "2021年政府信息公开工作年度报告",
    "主办单位",
    "网站标识码",
    "ICP备",
    "公网安备",
    "邮编",
    "分享到",
    "扫一扫",
    "互动交流",
]
URL = "https://www.example.gov.cn/zwgk/nb/202301/t20230118_1.html"

PAGES = {
    # 开普云 ucap: UCAP-CONTENT, info line with counters and font sizes, related links, print/close
    "ucap": f"""<html><head><meta charset="utf-8"><title>{TITLE}_年度报告_某某县人民政府</title>
<meta name="PubDate" content="2023-01-18 09:30"></head><body>{NAV}
<div class="wrap"><div class="crumbs">您当前的位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="#">年度报告</a></div>
<div class="detail"><h1 class="title">{TITLE}</h1>
<div class="info">发布时间：2023-01-18 09:30　来源：县政府办　浏览次数：<span id="count">123</span>　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div id="UCAP-CONTENT">{BODY}</div>
<div class="tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
<div class="xgwj"><h3>相关链接</h3><ul><li><a href="/a.html">某某县人民政府2021年政府信息公开工作年度报告</a></li>
<li><a href="/b.html">某某县人民政府2020年政府信息公开工作年度报告</a></li></ul></div>
</div></div>{FOOT}</body></html>""",
    # old table layout, GBK, body in a bt_content cell, breadcrumb as plain text
    "tablelayout": f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>{TITLE}</title></head><body>
<table width="1000"><tr><td>{NAV}</td></tr><tr><td>
<table width="100%"><tr><td class="wz">当前位置：首页 &gt; 信息公开 &gt; 年报</td></tr>
<tr><td align="center"><b>{TITLE}</b></td></tr>
<tr><td>发布日期：2023年01月18日 信息来源：县政府办 点击数：88</td></tr>
<tr><td class="bt_content">{BODY}</td></tr>
<tr><td align="right">【<a href="#" onclick="window.print()">打印</a>】【<a href="#" onclick="window.close()">关闭</a>】</td></tr>
</table></td></tr><tr><td>{FOOT}</td></tr></table></body></html>""",
    # no container name anyone knows: the text-density pick has to find the body
    "noname": f"""<html><head><meta charset="utf-8"><title>{TITLE} - 某某县人民政府门户网站</title></head><body>{NAV}
<div class="l"><ul><li><a href="/1">通知公告一</a></li><li><a href="/2">通知公告二</a></li><li><a href="/3">通知公告三</a></li></ul></div>
<div class="r"><div class="x1">{TITLE}</div><div class="x2">发布日期：2023-01-18 来源：县政府办</div><div class="x3">{BODY}</div>
<div class="x4">扫一扫在手机打开当前页</div></div>{FOOT}</body></html>""",
    # gkmlpt-like: index table with th/td, article-content, attachments, share box
    "gkmlpt": f"""<html><head><meta charset="utf-8"><title>{TITLE}</title></head><body>{NAV}
<div class="classify"><table><tr><th>索引号：</th><td>11440300MB2C12345X/2023-00012</td><th>分类：</th><td>政务公开</td></tr>
<tr><th>发布机构：</th><td>某某县人民政府办公室</td><th>成文日期：</th><td>2023-01-16</td></tr>
<tr><th>名称：</th><td colspan="3">{TITLE}</td></tr>
<tr><th>文号：</th><td></td><th>发布日期：</th><td>2023-01-18</td></tr></table></div>
<div class="content"><h1>{TITLE}</h1><div class="article-content">{BODY}
<p>附件：<a href="/attachment/0/123/123456/2022年报.pdf">{TITLE}.pdf</a></p>
<p><a href="../../files/表格.xls" title="统计表">下载</a> <a href="report.docx?id=3">附表</a></p></div></div>
<div class="share">分享到：<a>微信</a><a>微博</a></div>{FOOT}</body></html>""",
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_unseen_cms_styles(name: str):
    html = PAGES[name]
    raw = html.encode("gb18030" if "gb2312" in html else "utf-8")
    doc = extract_document(raw, URL)
    assert doc.title == TITLE
    assert doc.published.startswith("2023-01-18")
    assert doc.source in ("县政府办", "某某县人民政府办公室")
    for s in (
        "根据《中华人民共和国政府信息公开条例》",
        "全年主动公开政府信息2156条",
        "本年度共收取信息处理费0元",
    ):
        assert doc.text.count(s) == 1, (name, s)
    for s in CHROME:
        assert s not in doc.text, (name, s)
    assert doc.text.count("一、总体情况") == 1
    # the table: grid with the rowspan expanded, cells in the text
    assert doc.tables == [
        [
            ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
            ["信息内容", "1", "2", "3"],
            ["规章", "0", "0", "0"],
        ]
    ]
    assert "| 规章 | 0 | 0 | 0 |" in doc.text


def test_gkmlpt_index_block_and_attachments():
    doc = extract_document(PAGES["gkmlpt"].encode(), URL)
    assert doc.index_block == {
        "索引号": "11440300MB2C12345X/2023-00012",
        "主题分类": "政务公开",
        "发布机构": "某某县人民政府办公室",
        "成文日期": "2023-01-16",
        "名称": TITLE,
        "发布日期": "2023-01-18",
    }
    got = {(a.ext, a.url, a.text) for a in doc.attachments}
    assert got == {
        ("pdf", "https://www.example.gov.cn/attachment/0/123/123456/2022年报.pdf", f"{TITLE}.pdf"),
        ("xls", "https://www.example.gov.cn/zwgk/files/表格.xls", "下载"),
        ("docx", "https://www.example.gov.cn/zwgk/nb/202301/report.docx?id=3", "附表"),
    }


def test_breadcrumbs():
    ucap = extract_document(PAGES["ucap"].encode(), URL)
    assert ucap.breadcrumb == ["首页", "政务公开", "年度报告"]
    table = extract_document(PAGES["tablelayout"].encode("gb18030"), URL)
    assert table.breadcrumb == ["首页", "信息公开", "年报"]
    assert table.encoding == "gb18030"


def test_traditional_page_is_read_as_simplified_and_keeps_the_original():
    import opencc

    trad = opencc.OpenCC("s2t").convert(PAGES["ucap"])
    assert "報告" in trad
    doc = extract_document(trad.encode(), URL)
    assert doc.script == "traditional"
    assert doc.title == TITLE
    assert "全年主动公开政府信息2156条" in doc.text
    assert "全年主動公開政府信息2156條" in doc.text_original
    assert "浏览次数" not in doc.text and "瀏覽次數" not in doc.text_original
    assert doc.source == "县政府办"


def test_script_detection():
    assert detect_script("本報告根據《中華人民共和國政府資訊公開條例》編製") == "traditional"
    assert detect_script("本报告根据《中华人民共和国政府信息公开条例》编制，著作权显著") == "simplified"


def test_navigation_only_page_gives_empty_text_and_warning():
    html = f"""<html><head><title>某某市人民政府</title></head><body>{NAV}
<div class="menu2"><a href="/x">登录</a> | <a href="/y">个人中心</a> | <a href="/z">无障碍</a> | <a href="/e">邮箱</a></div>
<div id="app"></div><script>loadArticle()</script>{FOOT}</body></html>"""
    doc = extract_document(html.encode(), URL)
    assert doc.text == ""
    assert any("no article body" in w for w in doc.warnings)


def test_hidden_duplicate_and_repeated_summary_kept_once():
    para = "　　1-10月，全县固定资产投资完成246.79亿元，完成年度计划82.3%，同比增长15.3%，位列三县两区第一。"
    html = f"""<html><head><meta charset="utf-8"><title>投资运行</title></head><body>
<div class="summary">1-10月，全县固定资产投资完成246.79亿元，完成年度计划82.3%</div>
<div class="TRS_Editor"><p>{para}</p><p>　　其中第三产业投资完成119.90亿元，同比增长15.2%，位列三县两区第二。</p></div>
<div class="ng-hide"><div class="TRS_Editor"><p>{para}</p></div></div>
<div style="display:none"><p>{para}</p></div></body></html>"""
    doc = extract_document(html.encode(), URL)
    assert doc.text.count("全县固定资产投资完成246.79亿元") == 1
    assert "119.90亿元" in doc.text


def test_container_text_keeps_every_paragraph():
    # trafilatura 2.3 drops numbered <h3> headings ("1、标题1") from this body; the container's own text
    # (trafilatura is not run on a known container) keeps them.
    body = "".join(
        f"<h3>{i}、标题{i}</h3><p>第{i}项：本年度办理政府信息公开申请{i}件，均按期答复。</p>"
        for i in range(1, 12)
    )
    html = f'<html><head><title>t</title></head><body><div class="TRS_Editor">{body}</div></body></html>'
    doc = extract_document(html.encode(), URL)
    for i in (1, 6, 11):
        assert f"{i}、标题{i}" in doc.text
        assert f"本年度办理政府信息公开申请{i}件" in doc.text
    assert doc.method == "container"


def test_report_text_in_a_widget_named_div_inside_the_body_is_kept():
    html = """<html><head><title>t</title></head><body><div class="TRS_Editor">
<p>一、总体情况</p><p>本年度主动公开信息100条，依申请公开3件。</p>
<div class="share-info"><p>本年度行政复议3件，行政诉讼2件，均已审结。</p></div>
<div class="share"><a href="#">微信</a><a href="#">微博</a></div></div></body></html>"""
    doc = extract_document(html.encode(), URL)
    assert "本年度行政复议3件，行政诉讼2件，均已审结。" in doc.text
    assert "微博" not in doc.text


@pytest.mark.parametrize(
    "line",
    [
        "扫一扫在手机打开当前页",
        "扫一扫在手机上查看当前页面",
        "手机扫一扫打开此页",
        "您当前的位置：首页 > 信息公开",
        "当前位置：首页>政务公开>年报",
        "浏览次数：123",
        "【字体：大 中 小】",
        "字号：T|T",
        "打印本页 关闭窗口",
        "【打印】【关闭】",
        "分享到：微信 微博",
        "网站标识码：3590000001",
        "闽ICP备05012345号-1",
        "京公网安备 11010202000001号",
        "主办单位：某某市人民政府办公室",
        "版权所有：某某市人民政府",
        "政策咨询",
        "如果您对该政策文件有疑问,可以拨打标题上方的电话咨询相关部门。",
        "- 4 -",
        "第 2 页 共 9 页",
        "网站地图 | 联系我们",
    ],
)
def test_chrome_lines(line: str):
    assert is_chrome_line(strip_glued(line)) or not strip_glued(line).strip()


@pytest.mark.parametrize(
    "line",
    [
        "一、总体情况",
        "2023年，无收取信息处理费情况。",
        "（德清县发改局）",
        "| 行政规范性文件 | 77 | 132 | 470 |",
        "本报告的电子版可在“平潭综合实验区党工委管委会”网站上（www.pingtan.gov.cn）下载。如对本报告有任何疑问，请与平潭综合实验区管委会办公室联系。通讯地址：平潭综合实验区商务营运中心7号楼14层；邮编：350400；电话：0591-23165385。",
        "六、其他需要报告的事项",
        "0 |",
        "打印机采购项目按规定公开。",
    ],
)
def test_report_lines_are_not_chrome(line: str):
    assert not is_chrome_line(line)
    assert [s for _, s in clean_lines([line])] == [line]


def test_link_list_after_heading_is_cut_until_prose():
    lines = [
        "六、其他需要报告的事项",
        "无。",
        "相关文章",
        "某某局2019年政府信息公开工作年度报告",
        "某某局2018年年报",
        "七、附则",
        "本报告由某某局负责解释。",
    ]
    assert [s for _, s in clean_lines(lines)] == [
        "六、其他需要报告的事项",
        "无。",
        "七、附则",
        "本报告由某某局负责解释。",
    ]


def test_clean_title():
    site = {"SiteName": "平潭综合实验区党工委管委会", "ColumnName": "政府信息公开年报"}
    assert (
        clean_title(
            "平潭综合实验区2023年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会", site
        )
        == "平潭综合实验区2023年度政府信息公开工作年度报告"
    )
    assert clean_title("某某县2022年报 - 某某县人民政府门户网站", {}) == "某某县2022年报"
    assert (
        clean_title("某某县人民政府 | 某某县2022年政府信息公开工作年度报告", {})
        == "某某县2022年政府信息公开工作年度报告"
    )


@pytest.mark.parametrize(
    "raw,iso",
    [
        ("2024-03-08 15:34", "2024-03-08T15:34"),
        ("2020年08月02日", "2020-08-02"),
        ("2007-08-20-23:59:59", "2007-08-20T23:59:59"),
        ("2016/11/22", "2016-11-22"),
        ("发布于 2023.1.5", "2023-01-05"),
        ("2023-13-45", ""),
        ("无", ""),
    ],
)
def test_parse_date(raw: str, iso: str):
    assert parse_date(raw) == iso


def test_plain_text_cleaning_and_metadata():
    text = (
        "您当前的位置:首页 > 信息公开 > 某某县住建局 > 年报\n\n某某县住建局2020年政府信息公开工作年度报告\n\n"
        "浏览次数: 发表时间:2021-01-11 10:46 信息来源:某某县住建局  字体:[  ]\n\n"
        "扫一扫在手机打开当前页面根据《条例》规定，现将本局2020年政府信息公开工作报告如下。\n一、总体情况\n"
        "全年主动公开信息87条。\n政策咨询\n如果您对该政策文件有疑问,可以拨打标题上方的电话咨询相关部门。\n扫一扫在手机打开当前页"
    )
    doc = clean_plain_text(text)
    assert doc.title == "某某县住建局2020年政府信息公开工作年度报告"
    assert doc.published == "2021-01-11T10:46"
    assert doc.source == "某某县住建局"
    assert doc.breadcrumb == ["首页", "信息公开", "某某县住建局", "年报"]
    assert doc.text.split("\n") == [
        "某某县住建局2020年政府信息公开工作年度报告",
        "根据《条例》规定，现将本局2020年政府信息公开工作报告如下。",
        "一、总体情况",
        "全年主动公开信息87条。",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "（责任编辑：张三）",
        "责任编辑：李四 审核：王五",
        "苏ICP备05009178号-1",
        "浙ICP备05001234号",
        "京ICP证030173号",
        "网站标识码bm55000001 京ICP备2023000001号 京公网安备 11010202000001号",
    ],
)
def test_footer_and_editor_lines(line: str):
    assert is_chrome_line(line)


def test_report_sentences_about_icp_filing_are_kept():
    line = "全年办理ICP备案审核1200件，依法查处未备案网站5家。"
    assert not is_chrome_line(line)


def test_body_split_over_two_editor_blocks_is_joined():
    html = """<html><head><title>t</title></head><body><div class="TRS_Editor"><p>一、总体情况</p>
<p>本年度主动公开政府信息321条，依申请公开5件。</p></div>
<div class="ad"><a href="/x">广告</a></div>
<div class="TRS_Editor"><p>二、行政复议和行政诉讼情况</p><p>本年度行政复议3件，行政诉讼2件，均已审结。</p></div>
<div class="related"><div class="TRS_Editor_list"><a href="/y">其他文章</a></div></div></body></html>"""
    doc = extract_document(html.encode(), URL)
    assert doc.text.split("\n") == [
        "一、总体情况",
        "本年度主动公开政府信息321条，依申请公开5件。",
        "二、行政复议和行政诉讼情况",
        "本年度行政复议3件，行政诉讼2件，均已审结。",
    ]
    assert any("joined" in w for w in doc.warnings)


def test_small_widget_with_a_container_name_does_not_hide_the_body():
    body = "".join(
        f"<p>第{i}项：本年度办理政府信息公开申请{i}件，均按期答复，群众满意。</p>" for i in range(1, 15)
    )
    html = f"""<html><head><title>t</title></head><body>
<div id="zoom">调整字号：<a>大</a><a>中</a><a>小</a>。本页支持无障碍阅读，默认字号适合大多数读者，也可以自行调整。</div>
<div class="wrapper"><div class="mid">{body}</div></div></body></html>"""
    doc = extract_document(html.encode(), URL)
    assert "本年度办理政府信息公开申请14件" in doc.text
    assert doc.method in ("trafilatura", "density")
    assert any("container was ignored" in w for w in doc.warnings)


def test_method_is_recorded():
    assert extract_document(PAGES["ucap"].encode(), URL).method == "container"
    assert clean_plain_text("一、总体情况\n本年度主动公开信息100条。").method == "plain"


def test_dates_inside_report_sentences_are_not_publication_dates():
    doc = clean_plain_text(
        "某县2023年政府信息公开工作年度报告\n本报告统计时间：2023年1月1日至2023年12月31日，数据来源：各单位报送。\n"
    )
    assert doc.published == "" and doc.source == ""


def test_own_table_text_keeps_columns_and_each_figure_once():
    import lxml.html

    from crawler.extract.render import element_text

    html = ('<div><table><tr><td rowspan="3">三、本年度办理结果</td><td colspan="2">（一）予以公开</td><td>22</td></tr>'
            '<tr><td rowspan="2">（三）不予公开</td><td>1.属于国家秘密</td><td>0</td></tr>'
            '<tr><td>2.其他法律行政法规禁止公开</td><td>7</td></tr></table></div>')
    lines = element_text(lxml.html.fromstring(html)).split("\n")
    assert lines == ["| 三、本年度办理结果 | （一）予以公开 | | 22 |",
                     "| | （三）不予公开 | 1.属于国家秘密 | 0 |",
                     "| | | 2.其他法律行政法规禁止公开 | 7 |"]


def test_body_in_a_frame_is_named_in_the_warning():
    html = ('<html><head><title>某县2022年政府信息公开工作年度报告</title></head><body>' + NAV +
            '<iframe src="content/nb2022.html" width="100%"></iframe></body></html>')
    doc = extract_document(html.encode(), URL)
    assert doc.text == ""
    assert any("https://www.example.gov.cn/zwgk/nb/202301/content/nb2022.html" in w for w in doc.warnings)


_UCAP = """<html><head><meta charset="utf-8">
<meta name="ArticleTitle" content="某县2022年国民经济和社会发展统计公报">
<meta name="PubDate" content="2023-08-16 10:33:59">
{others}
</head><body>
<dl><dd><label>索引号：</label><div>014742224A/2023-0043406</div></dd>
<dd><label>生成日期：</label><div>2023-05-11</div></dd></dl>
<div class="article-content"><ucapcontent><p>2022年，全县上下坚持稳中求进工作总基调，经济运行总体平稳，主要指标好于预期。</p>
<p>全年地区生产总值比上年增长4.5%，其中第一产业增加值增长3.9%，第二产业增加值增长5.1%。</p></ucapcontent></div>
</body></html>"""


@pytest.mark.parametrize(("others", "published"), [
    # PubDate is only the page's regeneration time (开普云 states it): the index block's date wins
    ('<meta name="others" content="页面生成时间 2023-08-16 10:33:59">', "2023-05-11"),
    ("", "2023-08-16T10:33:59"),
])
def test_page_build_time_is_not_the_publication_date(others: str, published: str):
    doc = extract_document(_UCAP.format(others=others).encode(), URL)
    assert doc.published == published


def test_zero_width_characters_do_not_split_words_or_numbers():
    page = ('<html><body><div class="TRS_Editor"><p>2023年，本局认\u200b真贯彻《条例》，共收到申请5件，'
            '已全部办结，群众满意度较高。</p><table><tr><td>行政\u200b复议</td><td>\ufeff3</td></tr></table>'
            '</div></body></html>')
    doc = extract_document(page.encode(), URL)
    assert "认真贯彻" in doc.text and "\u200b" not in doc.text
    assert doc.tables == [[["行政复议", "3"]]]
