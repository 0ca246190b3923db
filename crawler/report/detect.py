"""Is this an annual 政府信息公开 report, and which year does it report on."""

from __future__ import annotations

import re

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
# 2023年度…报告, 2023年…年报, 二〇二三年…: the reported year sits before 年.
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CN_DIGITS = {"〇": "0", "○": "0", "零": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_CN_YEAR = re.compile(r"([二][〇○零一二三四五六七八九]{3})\s*年")
_REPORT_WORDS = re.compile(r"(年度报告|年报|年度总结|工作报告|年度工作情况)")
_DISCLOSURE = re.compile(r"(信息公开|政务公开|政府信息)")
# Pages about the reports that are not reports: interpretations, notices to compile or submit
# them, reviews of them. Stored as reports they would stand for the agency's year in the corpus.
_ABOUT_REPORTS = re.compile(
    r"解读|图解|读懂|答记者问|报送|编制(?:和|与|及)?发布|做好.{0,24}(?:年度报告|年报).{0,6}(?:工作|通知)"
    r"|(?:年度报告|年报).{0,4}(?:编制|发布)(?:工作)?的?(?:有关事项|相关事项)?的?通知|评估报告|测评|考核|检查情况|点评"
)


def is_about_reports(title: str) -> bool:
    """A page about annual reports (解读, 报送…的通知, 评估) rather than one."""
    return bool(_ABOUT_REPORTS.search(_normalise(title or "")))


def _normalise(title: str) -> str:
    t = title.translate(_FULLWIDTH)
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group(1)) + "年", t)


# A year without 年 only where titles put one: in brackets, or closing the title (…年度报告2021).
_BARE_YEAR = re.compile(r"[(（【\[]\s*((?:19|20)\d{2})\s*(?:年度?)?\s*[)）】\]]|(?<!\d)((?:19|20)\d{2})\s*$")


def title_year(title: str) -> int | None:
    """The reported year named in a title (the first plausible 4-digit year before 年, else one in
    brackets or at the end)."""
    t = _normalise(title)
    for m in _YEAR.finditer(t):
        y = int(m.group(1))
        if 2000 <= y <= 2100:
            return y
    m = _BARE_YEAR.search(t.strip())
    if m:
        y = int(m.group(1) or m.group(2))
        if 2000 <= y <= 2100:
            return y
    return None


def is_report_title(title: str) -> bool:
    """True for titles like 某某2023年政府信息公开工作年度报告 / …年报 / …年度总结 with a year."""
    t = _normalise(title or "")
    if title_year(t) is None or is_about_reports(t):
        return False
    if "年报" in t and _DISCLOSURE.search(t) is None and "信息公开年报" not in t:
        # 统计年报, 企业年报 etc. are not disclosure reports
        return bool(re.search(r"(政务|信息)公开.*年报", t))
    return bool(_REPORT_WORDS.search(t)) and bool(_DISCLOSURE.search(t))
