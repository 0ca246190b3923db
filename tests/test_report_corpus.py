"""The parser on the real corpus: every expected cell, no absent key, exactly the failed checks."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.report.parse import parse_path

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
EXPECTED = sorted((CORPUS / "expected").glob("*.json")) if CORPUS.is_dir() else []
pytestmark = pytest.mark.skipif(not EXPECTED, reason=f"corpus not found at {CORPUS}")


def _cases() -> list[Path]:
    out = []
    for p in EXPECTED:
        g = json.loads(p.read_text(encoding="utf-8"))
        if g.get("cells") or g.get("absent"):
            out.append(p)
    return out


@pytest.mark.parametrize("expected", _cases(), ids=lambda p: p.stem)
def test_report_matches_expected(expected: Path) -> None:
    g = json.loads(expected.read_text(encoding="utf-8"))
    rep = parse_path(CORPUS / g["input"])
    wrong = {k: (v, rep.tables.get(k)) for k, v in g.get("cells", {}).items() if rep.tables.get(k) != pytest.approx(v)}
    assert not wrong, wrong
    invented = [k for k in rep.tables if any(fnmatch.fnmatch(k, pat) for pat in g.get("absent", []))]
    assert not invented, invented
    failed = set(rep.failed_checks)
    want = set(g.get("failed_checks", []))
    assert {f for f in failed if not any(f == c or f.startswith(c + ".") for c in want)} == set()
    assert all(any(f == c or f.startswith(c + ".") for f in failed) for c in want)
    for c in rep.checks:
        if not c["ok"]:
            assert c["expected"] != c["actual"] and c["inputs"], c  # failures carry their numbers
    for key in ("year", "template", "agency"):
        if key in g:
            assert getattr(rep, key) == g[key], key
    if "province" in g:
        assert rep.region["province"] == g["province"]
    if "region_code" in g:
        assert rep.region["code"] == g["region_code"]
    assert rep.is_report == g["is_report"]
    for key, src in rep.sources.items():
        assert src == "table" and key in rep.tables or src == "text"


def test_lost_appeal_cells_are_warned_not_assigned() -> None:
    """anshun: table 四 kept 12 of its 15 numbers when flattened."""
    rep = parse_path(CORPUS / "texts" / "anshun-zjj-2024.txt")
    assert not [k for k in rep.tables if k.startswith("appeals.")]
    assert any("table 四" in w and "12" in w for w in rep.warnings)


def test_ocr_slip_in_agency_is_corrected_via_division_list() -> None:
    rep = parse_path(CORPUS / "texts" / "shuyang-2025-ocr.md")
    assert rep.agency_raw.startswith("沐阳县")
    assert rep.agency == "沭阳县人民政府"
    assert rep.region["code"] == "321322"
    assert any("沭阳县" in w for w in rep.warnings)
    # its （六） rows sit in a second table after a header of other words
    assert rep.tables["requests.other.misc.total"] == 143
    assert rep.tables["appeals.review.total"] == 61


def test_pdf_text_fragment_with_split_words_and_page_numbers() -> None:
    rep = parse_path(CORPUS / "texts" / "huaian-city-2024-section3-pdf-extract.txt")
    assert rep.tables["requests.partial.total"] == 454  # label split over two lines
    assert rep.tables["requests.denied.prohibited.natural_person"] == 30
    assert rep.tables["requests.unable.not_held.total"] == 769
    assert rep.tables["active.penalty.decisions"] == 3985758
    assert rep.tables["active.fees.amount_yuan"] == 961716000


def test_messy_pdf_extract_reads_only_unambiguous_rows() -> None:
    """shanghai: orphan rows and labels stacked without numbers: those rows are warned about, not guessed."""
    rep = parse_path(CORPUS / "texts" / "shanghai-stcsm-2024-pdf-extract.md")
    assert rep.tables["requests.new.total"] == 34
    assert rep.tables["requests.denied.process.total"] == 1
    # 5.属于三类内部事务信息 stands apart from its numbers, but it is the one template row between
    # 4.保护第三方 and 6.过程性 that were read: placed by order, with a warning
    assert rep.tables["requests.denied.internal.total"] == 1
    assert any("denied.internal" in w and "label inferred" in w for w in rep.warnings)
    # the rows of （四）/（五） drift by more than the order can account for: not read
    assert "requests.unable.not_held.total" not in rep.tables
    assert any("not_held" in w and "not read" in w for w in rep.warnings)
    assert rep.failed_checks == []
    assert rep.agency == "上海市科学技术委员会"


def test_cli_one_line_per_input_and_error_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    good = CORPUS / "texts" / "ganzhou-zjj-2019.txt"
    p = subprocess.run(
        [sys.executable, "-c", "import sys; from crawler.cli import main; sys.exit(main())", "parse", str(bad), str(good),
         "--json"],
        capture_output=True, text=True, timeout=120,
    )
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    assert p.returncode != 0
    assert lines[0]["path"] == str(bad) and "error" in lines[0]
    assert lines[1]["agency"] == "赣州市住房和城乡建设局"
    assert lines[1]["tables"]["appeals.review.other"] == 11
