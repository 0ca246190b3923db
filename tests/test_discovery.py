"""Discovery of 政府信息公开 directories and annual-report columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.discovery import column_score, find_columns, is_annual_report_column, site_key

FIX = Path(__file__).parent / "fixtures" / "paging"
PAGES = Path(__file__).parents[1].parent / "shared" / "corpus" / "pages"
needs_corpus = pytest.mark.skipif(not PAGES.is_dir(), reason=f"real corpus not found at {PAGES}")


def test_home_page_columns_best_first() -> None:
    links = find_columns("http://www.example.gov.cn/", (FIX / "portal-home.html").read_text(encoding="utf-8"))
    urls = [link.url for link in links]
    # The annual-report columns lead, the directory and the sub-directories follow.
    assert urls[:2] == [
        "http://www.example.gov.cn/zwgk/zfxxgk/zfxxgknb/",
        "http://www.example.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=001008003002012",
    ]
    assert links[0].text == "政府信息公开年报"  # <br> inside the anchor
    assert "http://www.example.gov.cn/zwgk/zfxxgk/" in urls
    assert "http://www.example.gov.cn/xzjdxxgk/" in urls  # 乡镇（街道）信息公开
    assert "http://zjj.example.gov.cn/zwgk/xxgk/" in urls  # a department's own site, same registrable domain
    assert "http://www.example.gov.cn/zwgk/bmxxgk/jyj/" in urls
    # Not columns: single reports, news, other sites, pager links, 依申请公开.
    assert not any("t20250120_88001" in u or "fbtime=" in u for u in urls)
    assert not any("other.gov.cn" in u or "www.gov.cn" in u for u in urls)
    assert not any(u.endswith("index_1.html") for u in urls)
    assert "http://www.example.gov.cn/zwgk/zfxxgk/ysqgk/" not in urls
    assert urls.index("http://www.example.gov.cn/zwgk/zfxxgk/") < urls.index("http://www.example.gov.cn/zwgk/zfxxgk/zfxxgkzn/")


@needs_corpus
def test_real_report_page_leads_back_to_its_column() -> None:
    html = (PAGES / "pingtan-2023-annual-report.html").read_text(encoding="utf-8")
    links = find_columns("https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_87885.htm", html)
    assert links[0].url == "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/"
    assert is_annual_report_column(links[0].url, links[0].text)
    assert not any(is_annual_report_column(link.url, link.text) for link in links[1:])


@needs_corpus
def test_real_list_page_without_annual_column_finds_only_directories() -> None:
    html = (PAGES / "handan-xxgk-list.jsp.html").read_text(encoding="utf-8")
    links = find_columns("http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index.html", html)
    assert "http://hdzfxxgk.hd.gov.cn/" in [link.url for link in links]
    assert not any(is_annual_report_column(link.url, link.text) for link in links)


@pytest.mark.parametrize(
    ("url", "text", "expected"),
    [
        ("http://a.gov.cn/zwgk/zfxxgknb/", "政府信息公开年报", True),
        ("http://a.gov.cn/xxgk/ndbg/", "", True),
        ("http://a.gov.cn/col/col1229114230/index.html", "政府信息公开工作年度报告", True),
        ("http://a.gov.cn/zfxxgk/zfxxgknb/2025nb/", "2025年度", True),
        ("http://a.gov.cn/zwgk/zfxxgknb/202501/t20250123_1.html", "2024年政府信息公开工作年度报告", False),
        ("http://a.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=1&fbtime=2022", "2022年度报告", False),
        ("http://a.gov.cn/zwgk/zfxxgk/", "政府信息公开", False),
        ("http://a.gov.cn/xxgk/gknb/zn/", "政府信息公开指南", False),
        ("http://a.gov.cn/files/nb.pdf", "年报", False),
    ],
)
def test_is_annual_report_column(url: str, text: str, expected: bool) -> None:
    assert is_annual_report_column(url, text) is expected


def test_scores_order_signals() -> None:
    assert column_score("http://a.gov.cn/xxgk/zfxxgknb/", "政府信息公开年报") > column_score(
        "http://a.gov.cn/xxgk/", "政府信息公开"
    ) > column_score("http://a.gov.cn/news/", "新闻动态")
    assert column_score("http://a.gov.cn/xxgk/2024/t20240101_1.html", "政府信息公开年报") == 0


def test_site_key() -> None:
    assert site_key("zjj.liuzhou.gov.cn") == site_key("www.liuzhou.gov.cn") == "liuzhou.gov.cn"
    assert site_key("61.150.65.235:8080") == "61.150.65.235"
    assert site_key("www.example.com") == "example.com"


def test_bad_html_gives_no_columns() -> None:
    assert find_columns("http://a.gov.cn/", "") == []
    assert find_columns("http://a.gov.cn/", "<a href='javascript:void(0)'>政府信息公开年报</a>") == []
