"""Routing decisions: which links are reports, what kind a response is."""

from __future__ import annotations

import pytest

from crawler.report.detect import is_report_title, title_year
from crawler.report.parse import parse_text
from crawler.routing import content_kind, is_attachment_url, link_decision


@pytest.mark.parametrize(
    "title",
    [
        "平潭综合实验区2023年度政府信息公开工作年度报告",
        "县住建局2020年政府信息公开工作年度总结",
        "安顺市住房和城乡建设局2024年政府信息公开工作年度报告",
        "２０２２年政务公开工作年报",
        "二〇二一年政府信息公开工作年度报告",
    ],
)
def test_report_titles(title: str) -> None:
    assert is_report_title(title)
    assert link_decision(title) == "report"


@pytest.mark.parametrize(
    "title",
    ["关于做好2023年政府信息公开工作的通知", "2023年统计年报发布", "山西品牌丝路行（南美站）正式启动", "政府信息公开指南"],
)
def test_non_report_titles(title: str) -> None:
    assert not is_report_title(title)
    assert link_decision(title) == "skip"


@pytest.mark.parametrize(
    "title",
    [
        "2023年政府信息公开工作年度报告解读",
        "图解：某市2022年政府信息公开工作年度报告",
        "关于报送2023年政府信息公开工作年度报告的通知",
        "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知",
        "某省2021年度政府信息公开工作年度报告第三方评估报告",
    ],
)
def test_pages_about_reports_are_not_reports(title: str) -> None:
    """Interpretations, notices and reviews name the report in their titles but are not one: kept
    out, also inside a 年报 column, so they never stand for the agency's year in the corpus."""
    assert not is_report_title(title)
    assert link_decision(title, in_report_column=True) == "skip"
    rep = parse_text(f"{title}\n一、总体情况\n二、主动公开政府信息情况\n三、收到和处理政府信息公开申请情况\n"
                     "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n政府信息公开工作。")
    assert rep.is_report is False
    assert is_report_title("关于2021年度政府信息公开工作年度报告的公告")  # announces the report itself


def test_title_year_reads_fullwidth_and_chinese_numerals() -> None:
    assert title_year("２０２２年政务公开工作年报") == 2022
    assert title_year("二〇二一年政府信息公开工作年度报告") == 2021
    assert title_year("政府信息公开指南") is None
    assert title_year("某区政府信息公开工作年度报告2021") == 2021
    assert title_year("政府信息公开工作年度报告（2022）") == 2022
    assert title_year("政府信息公开工作年度报告（2022年度）") == 2022
    assert title_year("关于印发第2号文件的通知2023-05-06") is None


def test_truncated_titles_are_fetched_and_judged_by_the_page() -> None:
    assert link_decision("平潭综合实验区2023年度政府信息公开工…") == "maybe"


def test_since_year_skips_older_reports() -> None:
    assert link_decision("某某县2018年政府信息公开工作年度报告", since_year=2020) == "skip"
    assert link_decision("某某县2021年政府信息公开工作年度报告", since_year=2020) == "report"


def test_report_column_accepts_short_titles() -> None:
    assert link_decision("市住建局2023年度报告") == "skip"
    assert link_decision("市住建局2023年度报告", in_report_column=True) == "report"


@pytest.mark.parametrize(
    ("url", "ctype", "head", "kind"),
    [
        ("http://a.gov.cn/x.html", "text/html; charset=gbk", b"<html>", "html"),
        ("http://a.gov.cn/x.pdf", "application/octet-stream", b"%PDF-1.7", "pdf"),
        ("http://a.gov.cn/download?id=3", "text/html", b"%PDF-1.4", "pdf"),
        ("http://a.gov.cn/r.docx", "application/octet-stream", b"PK\x03\x04", "docx"),
        ("http://a.gov.cn/r.doc", "", b"\xd0\xcf\x11\xe0\xa1\xb1", "doc"),
        ("http://a.gov.cn/r.wps", "", b"\xd0\xcf\x11\xe0\xa1\xb1", "wps"),
    ],
)
def test_content_kind_trusts_magic_bytes(url: str, ctype: str, head: bytes, kind: str) -> None:
    assert content_kind(url, ctype, head) == kind


def test_attachment_urls() -> None:
    assert is_attachment_url("http://a.gov.cn/P020240308.pdf")
    assert is_attachment_url("/files/report.DOCX")
    assert not is_attachment_url("http://a.gov.cn/t20240308_1.html")
