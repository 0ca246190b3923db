"""Extraction on the real corpus pages and texts: every text expectation of ../shared/corpus/expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.commands.extract import document_for
from crawler.document import Document
from crawler.extract import clean_plain_text, extract_document

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")


def _expected() -> list[dict]:
    if not CORPUS.is_dir():
        return []
    out = []
    for f in sorted((CORPUS / "expected").glob("*.json")):
        g = json.loads(f.read_text(encoding="utf-8"))
        if any(k.startswith("text") for k in g):
            g["_name"] = f.stem
            out.append(g)
    return out


def _doc(g: dict) -> Document:
    path = CORPUS / g["input"]
    return document_for(path.read_bytes(), path.name, g.get("url", ""))


@pytest.mark.parametrize("g", _expected(), ids=lambda g: g["_name"])
def test_text_expectations(g: dict):
    doc = _doc(g)
    both = doc.text + "\n" + doc.text_original
    for s in g.get("text_contains", []):
        assert s in both, f"missing {s!r}"
    for s in g.get("text_contains_once", []):
        assert doc.text.count(s) == 1, f"{s!r} appears {doc.text.count(s)} times"
    for s in g.get("text_not_contains", []):
        assert s not in doc.text, f"chrome left: {s!r}"
    if "title" in g:
        assert g["title"] in doc.title
    if "published" in g:
        assert doc.published.startswith(g["published"])


def _page(name: str) -> Document:
    return extract_document((CORPUS / "pages" / name).read_bytes(), "https://www.example.gov.cn/a/b/t1.html")


def test_govcn_gazette_is_empty_with_a_warning():
    doc = _page("govcn-gazette.html")
    assert doc.text == ""
    assert any("no article body" in w for w in doc.warnings)
    assert doc.title.startswith("全国人民代表大会常务委员会关于批准财政部发行特别国债")


def test_pingtan_metadata_tables_and_paragraphs_once():
    doc = _page("pingtan-2023-annual-report.html")
    assert doc.title == "平潭综合实验区2023年度政府信息公开工作年度报告"
    assert doc.source == "平潭综合实验区管委会办公室"
    assert doc.site["SiteIDCode"] == "3590000001"
    assert doc.site["ColumnName"] == "政府信息公开年报"
    assert doc.breadcrumb[-1] == "政府信息公开年报"
    # each paragraph once
    paras = [p for p in doc.text.split("\n") if len(p) >= 20 and not p.startswith("|")]
    assert len(paras) == len(set(paras))
    # three tables, merged cells expanded: table 三 keeps its row labels on every row
    assert len(doc.tables) == 3
    big = max(doc.tables, key=len)
    assert len(big) >= 25 and len({len(r) for r in big}) == 1
    # table cell text stays in the text too (the parser reads numbers from it)
    assert "| 行政规范性文件 | 77 | 132 | 470 |" in doc.text


def test_hanweb_summary_not_repeated():
    doc = _page("zj-fgw-hanweb-news.html")
    assert doc.text.count("其中第三产业投资完成119.90亿元") == 1
    assert doc.source == "省发改委"
    assert doc.breadcrumb[:1] == ["首页"]


def test_nfra_hidden_copy_and_grid():
    doc = _page("nfra-penalty-merged-cells.html")
    assert len(doc.tables) == 1
    grid = doc.tables[0]
    assert grid[0][0] == "序号" and len(grid) == 3
    # the decision number spans both rows: repeated in the grid, once in the text
    assert grid[1][2] == grid[2][2] == "浙金罚决字〔2024〕52号"
    assert doc.text.count("浙金罚决字〔2024〕52号") == 1


def test_index_block_of_handan_detail():
    doc = _page("handan-xxgk-detail.jsp.html")
    assert doc.index_block["索引号"] == "000014348/2020-35147"
    assert doc.index_block["发布机构"] == "邯郸市教育局"
    assert doc.index_block["主题分类"] == "教育"
    assert doc.published == "2020-08-02"


def test_huoshan_plain_text_metadata():
    text = (CORPUS / "texts" / "huoshan-zjj-2020.txt").read_text(encoding="utf-8")
    doc = clean_plain_text(text)
    assert doc.title == "县住建局2020年政府信息公开工作年度总结"
    assert doc.published == "2021-01-11T10:46"
    assert doc.source == "霍山县住建局"
    assert doc.breadcrumb[0] == "首页" and doc.breadcrumb[-1] == "工作推进"
    assert not doc.text.startswith("您当前的位置")


def test_anshun_glued_qr_prompt_is_cut_not_the_paragraph():
    text = (CORPUS / "texts" / "anshun-zjj-2024.txt").read_text(encoding="utf-8")
    doc = clean_plain_text(text)
    assert "扫一扫" not in doc.text
    assert "根据《中华人民共和国政府信息公开条例》的要求,结合工作实际" in doc.text
    assert doc.title == ""  # the text has no title line; a sentence is not one
    # flattened table cells (one per line with |) are kept, repeats and all
    assert doc.text.count("0 |") == text.count("0 |")
