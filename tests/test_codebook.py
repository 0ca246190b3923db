"""The codebook (`zwgk fields`) lists exactly the keys the parser produces, both ways."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.report.codebook import CSV_COLUMNS, codebook, to_markdown
from crawler.report.parse import parse_bytes, parse_text
from tests.reportgen import random_report, render_html

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT.parent / "shared" / "corpus" / "expected"
# Enough seeded reports to draw both templates several times (the generator picks one per report).
GENERATED_SEEDS = range(6)


def _parsed_keys() -> set[str]:
    keys: set[str] = set()
    templates = set()
    for seed in GENERATED_SEEDS:
        g = random_report(seed, allow_blanks=False)
        templates.add(g.template)
        keys |= set(parse_bytes(render_html(g).encode("utf-8"), filename="r.html").tables)
    assert templates == {"2019", "2021"}, "the seeds must cover both templates"
    return keys


def test_every_key_the_parser_produces_is_in_the_codebook_and_every_codebook_key_is_produced() -> None:
    book = {f.key for f in codebook()}
    produced = _parsed_keys()
    legacy = parse_text("某县人民政府2015年政府信息公开工作年度报告\n本年度共收到政府信息公开申请12件，"
                        "上年结转2件，予以公开8件，部分公开3件，结转下年度1件。全年发生行政复议1件。")
    produced |= set(legacy.tables)
    assert produced - book == set(), "produced but not in the codebook"
    assert book - produced == set(), "in the codebook but never produced"


@pytest.mark.skipif(not EXPECTED.is_dir(), reason=f"corpus not found at {EXPECTED}")
def test_every_key_of_the_real_corpus_is_in_the_codebook() -> None:
    book = {f.key for f in codebook()}
    for path in EXPECTED.glob("*.json"):
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells") or {}
        assert set(cells) - book == set(), path.name


def test_every_entry_has_label_meaning_templates_and_unit() -> None:
    fields = codebook()
    assert len({f.key for f in fields}) == len(fields)
    for f in fields:
        assert f.label and f.meaning and f.templates and f.unit in ("count", "signed count", "yuan"), f
    by_key = {f.key: f for f in fields}
    assert by_key["active.fees.amount_yuan"].unit == "yuan"
    assert by_key["active.licensing.change"].unit == "signed count"
    assert by_key["requests.other.all.total"].templates == ("2019",)
    assert by_key["requests.other.misc.total"].templates == ("2021",)
    assert "legacy" in by_key["appeals.review.total"].templates
    assert by_key["requests.denied.state_secret.natural_person"].label == "（三）不予公开 1.属于国家秘密 · 自然人"


def test_cli_prints_csv_json_and_markdown() -> None:
    def fields(*args: str) -> str:
        run = subprocess.run([sys.executable, "-m", "crawler.cli", "fields", *args],
                             capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert run.returncode == 0, run.stderr
        return run.stdout

    n = len(codebook())
    rows = list(csv.DictReader(io.StringIO(fields("--format", "csv"))))
    assert len(rows) == n and tuple(rows[0]) == CSV_COLUMNS
    assert len(json.loads(fields("--format", "json"))) == n
    assert fields().count("\n| `") == n


def test_docs_page_is_the_generated_codebook() -> None:
    page = ROOT / "docs" / "fields.md"
    assert page.read_text(encoding="utf-8") == to_markdown(codebook()), (
        "docs/fields.md is stale: run `zwgk fields -o docs/fields.md`")
