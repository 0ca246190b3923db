"""Tool headers above saved text (标题：… 原文链接：… ===== 正文 =====) and title suffixes."""

from __future__ import annotations

import pytest

from crawler.extract import clean_plain_text, extract_document
from crawler.extract.header import split_header
from crawler.extract.metadata import clean_title, prefer_heading, strip_agency_suffix

ARCHIVED = (
    "标题: 某某区2021年度政府信息公开工作年度报告\n"
    "发布时间: 2022-01-25 09:30\n"
    "文号: \n"
    "发布机构: 某某区人民政府办公室\n"
    "栏目: 政府信息公开年报\n"
    "原文链接: https://www.example.gov.cn/zwgk/nb/202201/t20220125_1.htm\n"
    "本地目录: zwgk/nb/202201/1_某某区2021年度政府信息公开工作年度报告\n"
    "页面链接与图片详见 links.tsv(同目录)\n"
    "==================== 正文 ====================\n"
    "本报告根据《条例》要求编制。一、总体情况 2021年全区主动公开政府信息1200条。\n"
)


def test_archiver_header_gives_metadata_and_leaves_the_text():
    doc = clean_plain_text(ARCHIVED)
    assert doc.title == "某某区2021年度政府信息公开工作年度报告"
    assert doc.published == "2022-01-25T09:30"
    assert doc.source == "某某区人民政府办公室"
    assert doc.url == "https://www.example.gov.cn/zwgk/nb/202201/t20220125_1.htm"
    assert doc.text == "本报告根据《条例》要求编制。一、总体情况 2021年全区主动公开政府信息1200条。"
    assert doc.index_block["发布机构"] == "某某区人民政府办公室"
    assert "文号" not in doc.index_block  # empty values are not kept


def test_full_width_colons_名称_label_and_a_url_as_来源():
    text = (
        "名称：某某县发展和改革局2023年政府信息公开年度报告-某某县发改局\n"
        "单位：某某县发改局\n"
        "来源：http://www.example.gov.cn/fgj/gknb/202401/abc.shtml\n"
        "采集时间：2025-12-30T21:37:37+08:00\n\n"
        "根据《条例》要求，现向社会公布本局2023年度报告。\n一、总体情况\n"
    )
    doc = clean_plain_text(text)
    assert doc.title == "某某县发展和改革局2023年政府信息公开年度报告"
    assert doc.source == "某某县发改局"  # a web address is not a publisher
    assert doc.url == "http://www.example.gov.cn/fgj/gknb/202401/abc.shtml"
    assert doc.published == ""  # 采集时间 is when the tool saved the page
    assert doc.text.split("\n") == ["根据《条例》要求，现向社会公布本局2023年度报告。", "一、总体情况"]


def test_front_matter_and_a_passed_url_wins():
    text = "---\ntitle: 某市2020年政府信息公开工作年度报告\ndate: 2021-02-03\nsource: 某市人民政府\n---\n一、总体情况\n全年公开信息10条。"
    doc = clean_plain_text(text, url="https://a.example/1.htm")
    assert (doc.title, doc.published, doc.source) == ("某市2020年政府信息公开工作年度报告", "2021-02-03", "某市人民政府")
    assert doc.url == "https://a.example/1.htm"
    assert doc.text.split("\n") == ["一、总体情况", "全年公开信息10条。"]


def test_header_below_a_heading_line():
    text = "# 某县2023年工作总结\n\n> 来源：某县农业农村局\n> 发布日期：2024年1月5日\n\n2023年以来，我局坚持不懈抓好三农工作。"
    doc = clean_plain_text(text)
    assert doc.title == "某县2023年工作总结"
    assert doc.source == "某县农业农村局"
    assert doc.published == "2024-01-05"
    assert "来源" not in doc.text and "2023年以来，我局坚持不懈抓好三农工作。" in doc.text


def test_bare_正文_banner_is_dropped():
    doc = clean_plain_text("正文\n2025 年某某办公厅政府信息公开\n工作年度报告\n本年度报告根据《条例》编制。")
    assert doc.text.split("\n")[0] == "2025 年某某办公厅政府信息公开"
    assert doc.title == "2025年某某办公厅政府信息公开工作年度报告"


@pytest.mark.parametrize(
    "text",
    [
        # a report that opens with a sentence, then a labelled line deeper in: no header
        "一、总体情况\n标题：本节说明\n全年公开信息10条。",
        # a lone 时间 line is not enough to call the top a header
        "时间：2023年1月1日至12月31日\n一、总体情况\n全年公开信息10条。",
        # a labelled line whose value is a sentence is text
        "来源：本报告数据来源于各单位报送。统计口径与上年一致。\n一、总体情况",
    ],
)
def test_no_header(text: str):
    assert split_header(text.split("\n")).body_start == 0


def test_traditional_header_is_read_as_simplified():
    text = "標題：某縣2022年政府資訊公開工作年度報告\n發布日期：2023-01-10\n來源：某縣政府\n\n一、總體情況\n全年公開資訊10條。"
    doc = clean_plain_text(text)
    assert doc.title == "某县2022年政府资讯公开工作年度报告"
    assert doc.published == "2023-01-10"
    assert doc.source == "某县政府"


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("某某县发展和改革局2023年政府信息公开年度报告-某某县发改局", "某某县发展和改革局2023年政府信息公开年度报告"),
        ("某某市2022年政府信息公开工作年度报告—某某市人民政府", "某某市2022年政府信息公开工作年度报告"),
        ("某某市2022年政府信息公开工作年度报告 - 某某市政府门户网站", "某某市2022年政府信息公开工作年度报告"),
        ("1-10月某县固定资产投资结构趋稳趋优", "1-10月某县固定资产投资结构趋稳趋优"),
        ("关于2023-2024学年校历安排的通知", "关于2023-2024学年校历安排的通知"),
        ("坚持为民服务——记某某县发改局", "坚持为民服务——记某某县发改局"),
        ("某局-某某市公安局", "某局-某某市公安局"),
    ],
)
def test_title_suffixes(raw: str, clean: str):
    assert clean_title(raw, {}) == clean


def test_site_name_suffix_without_spaces():
    assert strip_agency_suffix("某某县2023年报告-花乡某某", {"SiteName": "花乡某某"}) == "某某县2023年报告"
    assert strip_agency_suffix("某某县2023年报告-花乡某某", {}) == "某某县2023年报告-花乡某某"


def test_heading_preferred_when_title_is_heading_plus_suffix():
    assert prefer_heading("x", "2023年工作总结-花乡某某", ["网站首页", "2023年工作总结"]) == "2023年工作总结"
    # a heading that is only the start of the title, not followed by a separator, is not preferred
    assert prefer_heading("x", "2023年工作总结和2024年计划", ["2023年工作总结"]) == "x"


def _page(title: str, h1: str, extra: str = "") -> bytes:
    body = "".join(f"<p>第{i}段：本局认真贯彻条例要求，全年主动公开政府信息{i}条，依申请公开办理及时。</p>" for i in range(8))
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{extra}"
            f"<div class='article'><h1>{h1}</h1>{body}</div></body></html>").encode()


def test_html_title_with_a_suffix_takes_the_h1():
    doc = extract_document(_page("某县发改局2023年政府信息公开年度报告-花乡某县", "某县发改局2023年政府信息公开年度报告"))
    assert doc.title == "某县发改局2023年政府信息公开年度报告"


def test_html_logo_h1_does_not_replace_the_title():
    doc = extract_document(_page("某省品牌丝路行正式启动 - 某省人民政府门户网站", "某省人民政府网站"))
    assert doc.title == "某省品牌丝路行正式启动"


def test_index_block_名称_cleans_the_title():
    block = ("<table><tr><td>索引号：</td><td>0143/2024-00002</td></tr><tr><td>名称：</td>"
             "<td>某县2023年政府信息公开年度报告</td></tr><tr><td>发布机构：</td><td>某县发改局</td></tr></table>")
    html = _page("某县2023年政府信息公开年度报告-花乡某县", "", block).replace(b"<h1></h1>", b"")
    doc = extract_document(html)
    assert doc.title == "某县2023年政府信息公开年度报告"


def _saved_page(info: str) -> bytes:
    """A page as a saving tool writes it: its own 标题/来源/采集时间 block above the portal page."""
    body = "".join(f"<p>第{i}段：本局认真贯彻条例要求，全年主动公开政府信息{i}条，依申请公开办理及时。</p>" for i in range(8))
    return (
        "<html><head><meta charset='utf-8'><title>某县2023年报告-某县发改局</title></head><body>"
        "<div class='meta'><div><strong>标题：</strong>某县2023年报告-某县发改局</div>"
        "<div><strong>来源：</strong><a href='http://x.example/a.shtml'>http://x.example/a.shtml</a></div>"
        "<div><strong>采集时间：</strong>2025-12-30T21:37:37+08:00</div></div>"
        f"<article><div class='article'>{info}{body}</div></article></body></html>"
    ).encode()


def test_saving_tool_time_and_address_are_not_date_and_source():
    doc = extract_document(_saved_page(""))
    assert doc.published == ""
    assert doc.source == ""
    assert "采集时间" not in doc.text


def test_date_and_source_line_inside_the_body_container():
    doc = extract_document(_saved_page("<div class='info'>发布时间：2024-01-17 来源：某县发改局</div>"))
    assert (doc.published, doc.source) == ("2024-01-17", "某县发改局")
    assert "发布时间" not in doc.text


@pytest.mark.parametrize("line", ["采集时间：2025-12-30T21:37:37+08:00", "抓取时间: 2024-01-01 10:00"])
def test_saving_time_lines_are_dropped(line: str):
    doc = clean_plain_text(f"某县2023年政府信息公开工作年度报告\n{line}\n一、总体情况\n全年公开信息10条。")
    assert line not in doc.text and doc.published == ""


def test_a_dated_report_sentence_is_text_not_a_publication_date():
    doc = clean_plain_text("某县2023年政府信息公开工作年度报告\n统计时间：2023年1月1日至2023年12月31日\n一、总体情况\n全年公开信息10条。")
    assert doc.published == ""
    assert "统计时间：2023年1月1日至2023年12月31日" in doc.text


def test_saving_tool_block_inside_the_body_is_read_and_cut():
    body = "".join(f"<p>第{i}段：本局认真贯彻条例要求，全年主动公开政府信息{i}条，依申请公开办理及时。</p>" for i in range(8))
    html = (
        "<html><head><meta charset='utf-8'></head><body><div>"
        "<div><b>标题：</b>某县发改局2023年政府信息公开年度报告-某县发改局</div><div><b>单位：</b>某县发改局</div>"
        "<div><b>来源：</b>http://x.example/a.shtml</div><div><b>采集时间：</b>2025-12-30T21:37:37+08:00</div>"
        f"{body}</div></body></html>"
    )
    doc = extract_document(html.encode())
    assert doc.title == "某县发改局2023年政府信息公开年度报告"
    assert (doc.source, doc.url, doc.published) == ("某县发改局", "http://x.example/a.shtml", "")
    assert doc.text.startswith("第0段") and "单位" not in doc.text


def test_two_fields_on_one_header_line():
    doc = clean_plain_text("# 某县2023年工作总结\n\n> 来源：某县农业农村局 发布日期：2024年1月5日\n\n2023年以来，我局抓好三农工作。")
    assert (doc.title, doc.source, doc.published) == ("某县2023年工作总结", "某县农业农村局", "2024-01-05")
    assert "来源" not in doc.text
