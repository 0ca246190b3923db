"""Exports read back with pandas/pyarrow; `zwgk export` and `zwgk stats` through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from crawler.export import META_COLUMNS, export, key_order
from crawler.store import open_store
from tests import test_store_support as support
from tests.test_store_support import load_benchmark, make_item

pg_url, store_url = support.pg_url, support.store_url
BENCH = load_benchmark()

CELLS_A = {"requests.new.natural_person": 10, "requests.new.total": 12, "requests.total.total": 12,
           "active.fees.amount_yuan": 12345.5, "appeals.review.total": 0}
CELLS_B = {"requests.new.total": 3, "active.licensing.decisions": 80}
CELLS_C = {"requests.new.total": 7}


def fill(url: str, archive: Path) -> None:
    failed = [{"name": "requests.balance.total", "ok": False, "expected": 12, "actual": 11, "inputs": {"new": 12}}]
    with open_store(url, archive_dir=str(archive)) as s:
        s.save(make_item("http://js/a.html", BENCH.base_report(1, 2023), agency="淮安市洪泽区人民政府",
                         tables=CELLS_A, checks=failed))
        s.save(make_item("http://js/a.pdf", BENCH.base_report(1, 2023) + "\n- 1 -", agency="淮安市洪泽区人民政府",
                         tables=CELLS_A, kind="pdf"))
        s.save(make_item("http://js/b.html", BENCH.base_report(2, 2022), year=2022, agency="淮安市人民政府",
                         tables=CELLS_B))
        s.save(make_item("http://gz/c.html", BENCH.base_report(3, 2023), agency="安顺市住房和城乡建设局",
                         tables=CELLS_C, province="贵州省", code="520400"))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_wide_export_round_trip(store_url: str, tmp_path: Path, fmt: str) -> None:
    fill(store_url, tmp_path / "arc")
    out = tmp_path / f"reports.{fmt}"
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        summary = export(s, fmt, out)
    assert summary["reports"] == 3 and not (tmp_path / f"reports.{fmt}.part").exists()
    df = pd.read_csv(out) if fmt == "csv" else pq.read_table(out).to_pandas()
    keys = sorted(set(CELLS_A) | set(CELLS_B) | set(CELLS_C), key=key_order)
    assert list(df.columns) == META_COLUMNS + keys + ["text"]
    assert keys[0].startswith("active.") and keys[-1].startswith("appeals.")  # printed order
    a = df[df["agency"] == "淮安市洪泽区人民政府"].iloc[0]
    for k, v in CELLS_A.items():
        assert a[k] == v
    assert a["n_sources"] == 2 and a["source_urls"] == "http://js/a.html http://js/a.pdf"
    assert a["failed_checks"] == "requests.balance.total" and a["checks_failed"] == 1
    assert a["year"] == 2023 and a["province"] == "江苏省" and len(a["body_sha256"]) == 64
    assert a["text"] == BENCH.base_report(1, 2023)
    b = df[df["agency"] == "淮安市人民政府"].iloc[0]
    assert b["active.licensing.decisions"] == 80
    assert pd.isna(b["appeals.review.total"])  # not reported stays empty, never 0
    assert a["appeals.review.total"] == 0  # a reported zero stays zero
    if fmt == "parquet":
        schema = pq.read_schema(out)
        assert str(schema.field("requests.new.total").type) == "int64"
        assert str(schema.field("active.fees.amount_yuan").type) == "double"


def test_jsonl_export_and_filters(store_url: str, tmp_path: Path) -> None:
    fill(store_url, tmp_path / "arc")
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        out = tmp_path / "all.jsonl"
        assert export(s, "jsonl", out)["reports"] == 3
        recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert recs[0]["cells"] == CELLS_A and len(recs[0]["sources"]) == 2
        assert recs[0]["checks"][0]["ok"] is False and recs[0]["checks"][0]["actual"] == 11
        df = pd.read_json(out, lines=True)
        assert df["year"].tolist() == [2023, 2022, 2023]

        def agencies(**filters: object) -> list[str]:
            p = tmp_path / "f.csv"
            export(s, "csv", p, **filters)  # type: ignore[arg-type]
            return pd.read_csv(p)["agency"].tolist()

        assert agencies(year=2023) == ["淮安市洪泽区人民政府", "安顺市住房和城乡建设局"]
        assert agencies(province="江苏") == ["淮安市洪泽区人民政府", "淮安市人民政府"]
        assert agencies(province="52") == ["安顺市住房和城乡建设局"]  # a region-code prefix
        assert agencies(agency="淮安市", year=2022) == ["淮安市人民政府"]
        assert agencies(year=2019) == []
        with pytest.raises(ValueError, match="unknown export format"):
            export(s, "xlsx", tmp_path / "x.xlsx")


def test_cli_export_and_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crawler.cli import main

    db = tmp_path / "zwgk.db"
    fill(str(db), tmp_path / "zwgk-archive")
    out = tmp_path / "out.parquet"
    assert main(["export", "--store", str(db), "--format", "parquet", "-o", str(out), "--year", "2023",
                 "--no-text", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    table = pq.read_table(out)
    assert summary["reports"] == table.num_rows == 2 and "text" not in table.column_names
    assert main(["stats", "--store", f"sqlite:///{db}", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert st["reports"] == 3 and st["sources"] == 4
    assert st["by_year"] == {"2022": 1, "2023": 2}
    assert st["by_province"] == {"江苏省": 2, "贵州省": 1}
    assert st["checks_all_pass"] == 2 and st["reports_with_checks"] == 3
    assert st["checks_pass_share"] == pytest.approx(2 / 3, abs=1e-3)
    assert main(["stats", "--store", str(db)]) == 0
    assert "by province" in capsys.readouterr().out
    assert main(["stats", "--store", "mysql://nope"]) == 1
