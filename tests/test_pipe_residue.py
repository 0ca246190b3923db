"""Markdown / pipe-table residue in clean text: Traditional-script markdown reports, one-cell-per-line
tables left intact."""

from __future__ import annotations

import opencc

from crawler.extract import clean_plain_text
from crawler.extract.textclean import clean_lines, strip_residue
from crawler.report.parse import parse_bytes

_SIMPLIFIED_MD = """# 三明市2022年政府信息公开工作年度报告 |
||||
![]()
本报告依据《中华人民共和国政府信息公开条例》编制。
## 一、总体情况
2022年，三明市人民政府认真贯彻落实政府信息公开工作。
## 三、收到和处理政府信息公开申请情况
| 本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |
|---|---|---|---|---|---|---|---|
|||||
![]()
## 四、政府信息公开行政复议、行政诉讼情况
全年未发生行政复议。
"""


def _traditional() -> str:
    return opencc.OpenCC("s2t").convert(_SIMPLIFIED_MD)


def test_traditional_markdown_loses_its_residue() -> None:
    src = _traditional()
    assert "報告" in src  # the fixture really is Traditional
    doc = clean_plain_text(src)
    lines = doc.text.splitlines()
    assert doc.title == "三明市2022年政府信息公开工作年度报告"
    assert lines[0] == "# 三明市2022年政府信息公开工作年度报告"
    for residue in ("||||", "|||||", "![]()", "|---|"):
        assert residue not in lines
        assert residue not in doc.text_original.splitlines()
    assert not any(ln.endswith(" |") and ln.count("|") == 1 for ln in lines)
    # the real table row stays whole: the table reader needs it
    assert "| 本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |" in lines


def test_traditional_markdown_report_is_parsed() -> None:
    rep = parse_bytes(_traditional().encode(), filename="report.md")
    assert rep.title == "三明市2022年政府信息公开工作年度报告"
    assert rep.tables["requests.new.total"] == 3
    assert "![]()" not in rep.text and "||||" not in rep.text


def test_table_row_kept_and_residue_dropped() -> None:
    assert strip_residue("| 本年新收 | 3 | 0 |") == "| 本年新收 | 3 | 0 |"
    assert strip_residue("|:---|---:|") == ""
    assert strip_residue("||||") == ""
    assert strip_residue("正文![]()继续") == "正文继续"
    assert strip_residue("某某县2023年政府信息公开工作年度报告 |") == "某某县2023年政府信息公开工作年度报告"
    assert strip_residue("0 |") == "0 |"  # a cell, not a title


def test_one_cell_per_line_tables_keep_their_blank_cells() -> None:
    # anshun/ganzhou style: each cell on its own line closed by a pipe, a lone pipe is a blank cell
    lines = ["第二十条第(一)项 |", "||||", "信息内容 |", "本年新制作数量 |", "本年新公开数量 |",
             "对外公开总数量 |", "|", "规章 |", "无 |", "|", "3 |"]
    assert [s for _, s in clean_lines(lines)] == lines
