"""The store against real SQLite and real PostgreSQL: schema, migration, upserts, dedup, safety."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sqlite3
from pathlib import Path
from typing import Any

import opencc
import pytest

from crawler import dedup
from crawler.items import ReportItem
from crawler.store import SCHEMA_VERSION, VIEW_NAMES, open_store
from crawler.store.schema import MIGRATIONS
from tests import test_store_support as support
from tests.test_store_support import load_benchmark, make_item

pg_url, store_url = support.pg_url, support.store_url  # fixtures shared with the export tests

BENCH = load_benchmark()
TABLES = {"reports", "sources", "cells", "checks", "warnings", "runs", "report_versions", "seen", "lsh",
          "schema_version", "pending"}


def report_text(agency_id: int, year: int) -> str:
    return str(BENCH.base_report(agency_id, year))


def count(store: Any, table: str) -> int:
    return int(store._q(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_schema_created_with_views(store_url: str) -> None:
    with open_store(store_url, archive_dir=None) as s:
        assert s.schema_version() == SCHEMA_VERSION
        for t in sorted(TABLES):
            assert count(s, t) >= 0
        for v in VIEW_NAMES:
            assert s._q(f"SELECT * FROM {v}").fetchall() == []
        if s.dialect == "sqlite":
            assert s._q("PRAGMA journal_mode").fetchone()[0] == "wal"
    with open_store(store_url) as s:  # reopening an up-to-date database changes nothing
        assert s.schema_version() == SCHEMA_VERSION
        assert count(s, "schema_version") == len(MIGRATIONS)


# every released version but the last (version numbers may have gaps: branches reserve theirs)
@pytest.mark.parametrize("from_version", [m.version for m in MIGRATIONS[:-1]])
def test_previous_version_upgrades_in_place(store_url: str, tmp_path: Path, from_version: int) -> None:
    text = report_text(3, 2022)
    with open_store(store_url, archive_dir=str(tmp_path / "arc"), schema_version=from_version) as old:
        assert old.schema_version() == from_version
        cols = {r[0] for r in old._q("SELECT * FROM reports WHERE 1 = 0").description}
        assert ("minhash" in cols) == (from_version >= 2) and ("logical_key" in cols) == (from_version >= 4)
        # a row as the code of that version wrote it (the current save() needs the current schema)
        old._q("INSERT INTO reports (dedup_key, text_sha256, url, body_sha256, created_at, updated_at, text, "
               "year, agency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               ("旧机关|2022|annual", dedup.text_key(text), "http://old/1.html", "0" * 64, "2023-01-01",
                "2023-01-01", text, 2022, "旧机关"))
        old._q("INSERT INTO cells (report_id, key, value, origin) VALUES (1, 'requests.new.total', 7, 'table')")
        if from_version >= 4:  # version 4 code wrote the logical and region keys with the row
            old._q("UPDATE reports SET logical_key = ?, region_key = ? WHERE id = 1",
                   ("旧机关|2022|annual", dedup.region_key(None)))
        if from_version >= 2:  # version 2 code indexed every report it saved
            old._index_near(1, text)
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        assert s.schema_version() == SCHEMA_VERSION
        assert [r[0] for r in s._q("SELECT version FROM schema_version ORDER BY version")] == [
            m.version for m in MIGRATIONS]
        assert s._q("SELECT minhash IS NOT NULL FROM reports WHERE id = 1").fetchone()[0]
        assert count(s, "lsh") == dedup.BANDS
        assert next(s.reports())["cells"] == {"requests.new.total": 7}
        for v in VIEW_NAMES:
            s._q(f"SELECT * FROM {v}").fetchall()
        # the migrated index is live: a near copy with unknown agency joins the old report
        res = s.save(make_item("http://mirror/x.html", text + "\n主办单位：本站办公室 技术支持：大数据中心",
                               agency=None, year=2022))
        assert (res.status, res.report_id) == ("duplicate", 1)
        assert "near-duplicate" in res.dedup_reason
        # and the logical key still is: the same agency and year from another portal
        res = s.save(make_item("http://other/y.pdf", "附件：" + text[:200], year=2022, agency="旧机关", kind="pdf"))
        assert (res.status, res.report_id) == ("duplicate", 1)


def test_views_follow_their_definitions_and_check_across_years(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        s.save(make_item("http://a/2022.html", report_text(91, 2022), year=2022,
                         tables={"requests.carried_forward.total": 4, "active.normative.in_force": 30}))
        s.save(make_item("http://a/2023.html", report_text(91, 2023), year=2023,
                         tables={"requests.carried_over.total": 5, "active.normative.in_force": 33,
                                 "active.normative.issued": 4, "active.normative.repealed": 1}))
        rows = s._q("SELECT name, expected, actual, ok FROM cross_year_checks ORDER BY name").fetchall()
        assert [(r[0], float(r[1]), float(r[2]), r[3]) for r in rows] == [
            ("carried_over = previous carried_forward", 4.0, 5.0, 0),
            ("normative in_force = previous in_force + issued - repealed", 33.0, 33.0, 1)]
        assert s.stats()["cross_year_checks"] == {
            "carried_over = previous carried_forward": {"pairs": 1, "ok": 0},
            "normative in_force = previous in_force + issued - repealed": {"pairs": 1, "ok": 1}}
        # a database whose views are out of date (older code wrote them) gets them rebuilt on open
        s._q("DROP VIEW cross_year_checks")
        s._q("UPDATE schema_meta SET value = 'old' WHERE key = 'views_sha256'")
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        assert len(s._q("SELECT * FROM cross_year_checks").fetchall()) == 2


def test_refetch_is_an_upsert_and_a_changed_page_is_a_revision(store_url: str, tmp_path: Path) -> None:
    text = report_text(5, 2023)
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        first = s.save(make_item("http://a/r.html", text))
        assert first.status == "new"
        again = s.save(make_item("http://a/r.html", text))
        assert (again.status, again.report_id) == ("unchanged", first.report_id)
        assert s._q("SELECT fetch_count FROM sources").fetchall() == [(2,)]
        seen = s.seen("http://a/r.html")
        assert seen is not None and seen.report_id == first.report_id and seen.etag
        old_sha = seen.body_sha256
        # new bytes (a view counter), same report text: still unchanged, the new body is kept as a source
        counter = s.save(make_item("http://a/r.html", text, body=b"<p>views: 1234</p>" + text.encode("utf-8")))
        assert (counter.status, counter.report_id) == ("unchanged", first.report_id)
        assert "same normalised text" in counter.dedup_reason

        revised_text = text.replace("总体情况", "总体情况（修订）") + "\n更正：申请数量更正为13件。"
        rev = s.save(make_item("http://a/r.html", revised_text, tables={"requests.new.total": 13}))
        assert (rev.status, rev.report_id) == ("changed", first.report_id)
        rec = next(s.reports())
        assert rec["version"] == 2 and rec["cells"] == {"requests.new.total": 13}
        assert rec["text"] == revised_text
        history = s.versions(first.report_id)
        assert [h["version"] for h in history] == [1] and history[0]["body_sha256"] == old_sha
        old = json.loads(s._q("SELECT data FROM report_versions").fetchone()[0])
        assert old["cells"] == {"requests.new.total": 12, "requests.total.total": 12}
        assert count(s, "reports") == 1 and count(s, "sources") == 3


def test_html_pdf_mirror_and_repost_are_one_report(store_url: str, tmp_path: Path) -> None:
    text = report_text(11, 2023)
    pdf_text = "\n".join(text[i : i + 38] for i in range(0, len(text), 38)) + "\n- 1 -"
    trad = opencc.OpenCC("s2t").convert(text)
    assert trad != text
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        html = s.save(make_item("http://gov.cn/2024/r.html", text))
        assert html.status == "new"
        results = [
            s.save(make_item("http://gov.cn/2024/r.pdf", pdf_text, kind="pdf")),  # its PDF attachment
            s.save(make_item("http://tw-mirror.org/r.html", trad, agency="淮安市洪澤區人民政府")),  # Traditional mirror
            s.save(make_item("http://city.gov.cn/r.html", text, agency="洪泽区人民政府")),  # repost, agency parsed apart
            s.save(make_item("http://x.gov.cn/r.html", "当前位置：首页\n" + text, agency=None)),  # no agency parsed
        ]
        assert [r.status for r in results] == ["duplicate"] * 4
        assert {r.report_id for r in results} == {html.report_id}
        assert "logical key" in results[0].dedup_reason and "logical key" in results[1].dedup_reason
        assert "exact normalised text" in results[2].dedup_reason
        assert "near-duplicate" in results[3].dedup_reason
        assert count(s, "reports") == 1
        rec = next(s.reports())
        assert [src["url"] for src in rec["sources"]] == [
            "http://gov.cn/2024/r.html", "http://gov.cn/2024/r.pdf", "http://tw-mirror.org/r.html",
            "http://city.gov.cn/r.html", "http://x.gov.cn/r.html"]
        assert rec["url"] == "http://gov.cn/2024/r.html"  # the first copy stays primary


def test_a_copy_with_more_cells_becomes_the_primary_source(store_url: str, tmp_path: Path) -> None:
    text = report_text(12, 2023)
    full = {f"requests.{row}.total": n for n, row in enumerate(["new", "carried_over", "granted", "partial"])}
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        flat = s.save(make_item("http://a/r.pdf", text, kind="pdf", tables={"requests.new.total": 0}))
        rich = s.save(make_item("http://a/r.html", text + "\n打印本页", tables=full))
        assert (rich.status, rich.report_id) == ("duplicate", flat.report_id)
        assert "became the primary source" in rich.dedup_reason
        rec = next(s.reports())
        assert rec["url"] == "http://a/r.html" and rec["cells"] == full and rec["version"] == 1
        poorer = s.save(make_item("http://b/r.html", text, tables={"requests.new.total": 0}))
        assert poorer.status == "duplicate" and "primary" not in poorer.dedup_reason
        assert next(s.reports())["url"] == "http://a/r.html"


def test_reports_of_different_years_are_never_merged(store_url: str, tmp_path: Path) -> None:
    t22, t23 = report_text(21, 2022), report_text(21, 2023)
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        r22 = s.save(make_item("http://a/2022.html", t22, year=2022))
        r23 = s.save(make_item("http://a/2023.html", t23, year=2023))
        assert r22.status == r23.status == "new" and r22.report_id != r23.report_id
        # the 2023 words, but parsed as a 2022 report and without agency: neither exact nor near may join
        odd = s.save(make_item("http://b/odd.html", t23, year=2022, agency=None))
        assert odd.status == "new" and odd.report_id not in (r22.report_id, r23.report_id)
        # unknown year: the text decides
        unknown = s.save(make_item("http://c/copy.html", t23 + "\n打印 关闭", year=None, agency=None))
        assert unknown.status == "duplicate" and unknown.report_id in (r23.report_id, odd.report_id)
        assert count(s, "reports") == 3


def test_one_agency_name_in_two_regions_is_two_reports(store_url: str, tmp_path: Path) -> None:
    """鼓楼区人民政府 exists in 南京, 福州, 徐州, 开封: the region code keeps their reports apart."""
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        nj = s.save(make_item("http://nj/r.html", report_text(201, 2023), agency="鼓楼区人民政府", code="320106"))
        fz = s.save(make_item("http://fz/r.html", report_text(202, 2023), agency="鼓楼区人民政府", code="350102",
                              province="福建省"))
        assert nj.status == fz.status == "new" and nj.report_id != fz.report_id
        # the Nanjing report's PDF, where only the city could be resolved: compatible with 320106 only
        pdf = s.save(make_item("http://nj/r.pdf", report_text(201, 2023) + "\n- 1 -", agency="鼓楼区人民政府",
                               code="320100", kind="pdf"))
        assert (pdf.status, pdf.report_id) == ("duplicate", nj.report_id)
        # no region at all: the logical key alone joins the first record it fits
        bare = s.save(make_item("http://x/r.html", report_text(201, 2023), agency="鼓楼区人民政府", code=""))
        assert (bare.status, bare.report_id) == ("duplicate", nj.report_id)
        assert count(s, "reports") == 2
        keys = sorted(r[0] for r in s._q("SELECT dedup_key FROM reports"))
        assert keys == ["鼓楼区人民政府|2023|annual|320106", "鼓楼区人民政府|2023|annual|350102"]


def test_later_published_different_text_is_a_revision(store_url: str, tmp_path: Path) -> None:
    first_text, second_text = report_text(31, 2023), report_text(32, 2023)
    assert dedup.jaccard(dedup.signature(first_text), dedup.signature(second_text)) < dedup.NEAR_THRESHOLD
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        a = s.save(make_item("http://a/v1.html", first_text, published="2024-01-20"))
        b = s.save(make_item("http://a/v2.html", second_text, published="2024-03-01"))
        assert (b.status, b.report_id) == ("changed", a.report_id)
        assert next(s.reports())["url"] == "http://a/v2.html"
        assert len(s.versions(a.report_id)) == 1
        # an earlier-published different text for the same key is another copy, not a revision
        c = s.save(make_item("http://a/v0.html", report_text(33, 2023), published="2024-01-02"))
        assert (c.status, c.report_id) == ("duplicate", a.report_id)


def test_unparsed_and_non_report_pages_are_kept_with_a_warning(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        item = make_item("http://a/broken.pdf", "", report=False, body=b"%PDF-1.4 broken")
        res = s.save(item)
        assert (res.status, res.report_id) == ("new", None) and "parser failed" in res.dedup_reason
        src = s._q("SELECT archive_ref, http_status, etag, body_sha256 FROM sources").fetchone()
        assert s.archive.get(src[0]) == b"%PDF-1.4 broken"
        assert src[3] == hashlib.sha256(b"%PDF-1.4 broken").hexdigest() and src[2]
        assert [w[0] for w in s._q("SELECT message FROM warnings WHERE source_id IS NOT NULL")] == [
            "parser failed: no report"]
        notrep = make_item("http://a/news.html", "新闻", report=True)
        assert notrep.report is not None
        notrep.report["is_report"] = False
        assert s.save(notrep).report_id is None
        assert count(s, "reports") == 0


def test_a_failing_save_leaves_nothing_half_written(store_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        s.save(make_item("http://a/ok.html", report_text(41, 2023)))

        def boom(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(s, "_index_near", boom)  # fails after the report row and cells were written
        with pytest.raises(RuntimeError, match="disk on fire"):
            s.save(make_item("http://a/crash.html", report_text(42, 2023), agency="另一机关"))
        assert count(s, "reports") == 1 and count(s, "sources") == 1 and count(s, "cells") == 2
        assert s.seen("http://a/crash.html") is None
        monkeypatch.undo()
        assert s.save(make_item("http://a/crash.html", report_text(42, 2023), agency="另一机关")).status == "new"


def test_runs_and_seen_store(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        run = s.start_run("portal", {"url": ["http://a/"], "since": 2020})
        s.mark_seen("http://a/list/index_1.html", etag='"abc"', last_modified="Tue, 02 Jan 2024", body_sha256="f" * 64,
                    status=200)
        s.mark_seen("http://a/list/index_1.html", etag='"abd"', last_modified=None, body_sha256=None, status=304)
        info = s.seen("http://a/list/index_1.html")
        assert info is not None and (info.etag, info.http_status, info.report_id) == ('"abd"', 304, None)
        assert s.seen("http://never/") is None
        s.finish_run(run, {"new": 1, "duplicate": 0}, {"a": {"pages": 3}})
        s.start_run("portal", {})
        runs = s.runs(limit=5)
        assert [r["id"] for r in runs] == [run + 1, run]
        assert runs[1]["counts"] == {"new": 1, "duplicate": 0} and runs[1]["portals"] == {"a": {"pages": 3}}
        assert runs[1]["args"]["since"] == 2020 and runs[1]["finished_at"] and runs[0]["finished_at"] is None
        assert runs[1]["finish_reason"] is None  # the pipeline does not know; the crawl process adds it
        s.finish_run(run, {"new": 2}, {"a": {"pages": 4}}, reason="interrupted")
        s.finish_run(run, {"new": 2}, {"a": {"pages": 4}})  # a later write without a reason keeps it
        assert s.runs(limit=5)[1]["finish_reason"] == "interrupted" and s.runs(limit=5)[1]["counts"] == {"new": 2}
        with pytest.raises(ValueError, match="not one of finished, interrupted, failed"):
            s.finish_run(run, {}, {}, reason="shutdown")


def _stub_analyse(item: ReportItem) -> ReportItem:
    """Stands in for crawler.process.analyse: the test bodies are JSON specs of the report."""
    spec = json.loads(item.body.decode("utf-8"))
    fresh = make_item(item.url, spec["text"], year=spec["year"], agency=spec["agency"],
                      tables={**spec["tables"], "requests.granted.total": 1})  # the "improved parser" finds more
    item.document, item.report = fresh.document, fresh.report
    assert item.report is not None
    item.report["title"] = "重新解析：" + item.report["title"]
    return item


def _json_item(url: str, text: str, year: int, agency: str, tables: dict[str, int]) -> ReportItem:
    body = json.dumps({"text": text, "year": year, "agency": agency, "tables": tables}, ensure_ascii=False)
    return make_item(url, text, year=year, agency=agency, tables=tables, body=body.encode("utf-8"))


@pytest.mark.parametrize("workers", [1, 2])
def test_reparse_rebuilds_every_report_from_the_archive(store_url: str, tmp_path: Path, workers: int) -> None:
    t1, t2 = report_text(51, 2023), report_text(52, 2023)
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        s.save(_json_item("http://a/1.html", t1, 2023, "甲局", {"requests.new.total": 1}))
        s.save(_json_item("http://b/1.pdf", t1, 2023, "甲局", {"requests.new.total": 1}))
        s.save(_json_item("http://a/2.html", t2, 2023, "乙局", {"requests.new.total": 2}))
        s.save(_json_item("http://a/2.html", t2 + "\n更正说明。", 2023, "乙局", {"requests.new.total": 3}))
        before = [(r["id"], r["agency"], r["version"], len(r["sources"])) for r in s.reports()]
        counts = s.reparse(_stub_analyse, workers=workers)  # 2: analysed in processes, saved in order
        assert counts["sources"] == 4 and counts["missing"] == 0
        assert (counts["new"], counts["duplicate"], counts["changed"]) == (2, 1, 1)
        after = list(s.reports())
        assert [(r["id"], r["agency"], r["version"], len(r["sources"])) for r in after] == before
        assert all(r["title"].startswith("重新解析：") and r["cells"]["requests.granted.total"] == 1 for r in after)
        assert after[1]["cells"]["requests.new.total"] == 3 and len(s.versions(after[1]["id"])) == 1


def test_reparse_command_reports_missing_archive_bodies(tmp_path: Path) -> None:
    import argparse

    from crawler.commands import reparse

    db = tmp_path / "z.db"
    with open_store(str(db)) as s:
        s.save(_json_item("http://a/1.html", report_text(61, 2023), 2023, "丙局", {"requests.new.total": 1}))
        s.save(_json_item("http://a/2.html", report_text(62, 2023), 2023, "丁局", {"requests.new.total": 2}))
        ref = s._q("SELECT archive_ref FROM sources WHERE url = 'http://a/2.html'").fetchone()[0]
    support.lose_body(tmp_path / "z-archive", ref)
    args = argparse.Namespace(store=str(db), archive_dir=None, json=True)
    assert reparse.run(args, analyse=_stub_analyse) == reparse.EXIT_KEPT  # the rest is rebuilt; 丁局 is kept
    with open_store(str(db)) as s:
        recs = {r["agency"]: r for r in s.reports()}
        assert sorted(recs) == ["丁局", "丙局"] and recs["丁局"]["id"] == 2  # kept as it was, id included
        assert recs["丙局"]["title"].startswith("重新解析：") and not recs["丁局"]["title"].startswith("重新解析：")
        assert recs["丁局"]["cells"] == {"requests.new.total": 2} and len(recs["丁局"]["sources"]) == 1
        assert any("archive body missing" in w[0] for w in s._q("SELECT message FROM warnings"))


def test_sqlite_file_shows_the_plain_columns(tmp_path: Path) -> None:
    db = tmp_path / "zwgk.db"
    text = report_text(71, 2023)
    with open_store(f"sqlite:///{db}") as s:
        s.save(make_item("http://a/r.html", text))
    con = sqlite3.connect(db)  # what `sqlite3 zwgk.db "select ..."` or Datasette sees
    row = con.execute("SELECT url, title, year, published, agency, text, body_sha256, fetched_at FROM reports").fetchone()
    assert row[:5] == ("http://a/r.html", "淮安市洪泽区人民政府2023年政府信息公开工作年度报告", 2023, "2024-01-20",
                       "淮安市洪泽区人民政府")
    assert row[5] == text and len(row[6]) == 64 and row[7] == "2024-02-01T00:00:00Z"
    wide = con.execute('SELECT "requests.new.total", "requests.total.total" FROM cells_wide').fetchone()
    assert wide == (12, 12)
    assert con.execute("SELECT checks_pass, n_sources FROM report_overview").fetchone() == (1, 1)
    assert (tmp_path / "zwgk-archive").is_dir()
    con.close()


# ---- two real processes writing the same reports -------------------------------------------------

def _writer(url: str, archive: str, order: list[int], barrier: Any, out: Any) -> None:
    statuses = []
    with open_store(url, archive_dir=archive) as s:
        barrier.wait()
        for k in order:
            text = str(BENCH.base_report(100 + k, 2023))
            agency = f"机关{k}"
            statuses.append(s.save(make_item(f"http://portal/{k}.html", text, agency=agency)).status)
            statuses.append(s.save(make_item(f"http://mirror/{k}.pdf", text + "\n- 1 -", agency=agency,
                                             kind="pdf")).status)
            # no logical key: only the near-duplicate index can place it
            statuses.append(s.save(make_item(f"http://other/{k}.html", "扫一扫在手机上查看当前页面\n" + text,
                                             agency=None)).status)
    out.put(statuses)


def test_two_processes_never_create_two_records_of_one_report(store_url: str, tmp_path: Path) -> None:
    n = 12
    with open_store(store_url, archive_dir=str(tmp_path / "arc")):
        pass  # schema created once up front; concurrent migration is covered by the lock anyway
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(store_url, str(tmp_path / "arc"), order, barrier, out))
             for order in (list(range(n)), list(reversed(range(n))))]
    for p in procs:
        p.start()
    results = [out.get(timeout=300) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        assert count(s, "reports") == n
        assert s._q("SELECT COUNT(DISTINCT dedup_key) FROM reports").fetchone()[0] == n
        assert count(s, "sources") == 3 * n  # one row per URL+body although each was saved twice
        assert s._q("SELECT COUNT(*) FROM sources WHERE report_id IS NULL").fetchone()[0] == 0
        assert s._q("SELECT SUM(fetch_count) FROM sources").fetchone()[0] == 6 * n
    statuses = [st for r in results for st in r]
    assert statuses.count("new") == n and statuses.count("unchanged") == 3 * n


def test_boilerplate_buckets_are_skipped_but_copies_still_found(tmp_path: Path) -> None:
    text = report_text(81, 2023)
    with open_store(str(tmp_path / "z.db")) as s:
        a = s.save(make_item("http://a/r.html", text, agency=None))
        sig = dedup.signature(text)
        assert sig is not None
        bucket0 = int(dedup.band_keys(sig)[0])
        for k in range(300):  # 300 other reports that share band 0's bucket (as template text makes happen)
            s._q("INSERT INTO reports (dedup_key, text_sha256, url, body_sha256, created_at, updated_at, minhash) "
                 "VALUES (?, ?, ?, ?, '', '', ?)", (f"filler{k}", f"t{k}", f"http://f/{k}", "0" * 64, bytes(1024)))
            rid = s._q("SELECT MAX(id) FROM reports").fetchone()[0]
            s._q("INSERT INTO lsh (report_id, band, bucket) VALUES (?, 0, ?)", (rid, bucket0))
        candidates = s._near_candidates(sig)
        assert [rid for rid, _ in candidates] == [a.report_id]  # the full bucket contributed nobody
        copy = s.save(make_item("http://b/r.html", text + "\n主办单位：本站", agency=None))
        assert (copy.status, copy.report_id) == ("duplicate", a.report_id)


def _crashing_writer(url: str, archive: str, out: Any) -> None:
    with open_store(url, archive_dir=archive) as s:
        for k in range(10_000):
            text = str(BENCH.base_report(300 + k, 2023))
            tables = {f"requests.new.c{j}": j for j in range(150)}  # big reports: a kill lands mid-save
            res = s.save(make_item(f"http://crash/{k}.html", text, agency=f"机关{k}", tables=tables))
            out.put((k, res.report_id))


def test_a_killed_writer_loses_no_committed_report_and_leaves_no_half_report(store_url: str, tmp_path: Path) -> None:
    import os
    import signal

    with open_store(store_url, archive_dir=str(tmp_path / "arc")):
        pass
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_crashing_writer, args=(store_url, str(tmp_path / "arc"), out))
    proc.start()
    done = [out.get(timeout=120) for _ in range(15)]
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)  # no cleanup, no rollback by the client: the database must cope
    proc.join(timeout=30)
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as s:
        stored = {r["url"]: r for r in s.reports(with_text=False)}
        for k, rid in done:  # everything confirmed before the kill is there, complete
            assert stored[f"http://crash/{k}.html"]["id"] == rid
        for rec in stored.values():  # and nothing is half-written
            assert rec["n_cells"] == len(rec["cells"]) == 150 and len(rec["sources"]) == 1
            assert s._q("SELECT COUNT(*) FROM lsh WHERE report_id = ?", (rec["id"],)).fetchone()[0] == dedup.BANDS
        assert count(s, "sources") == len(stored)
        # and the store takes writes again
        assert s.save(make_item("http://after/crash.html", report_text(999, 2023), agency="之后")).status == "new"


def test_zwgk_reparse_rebuilds_a_real_report_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """End to end with the real extractor and parser (crawler.process.analyse) on a corpus page."""
    process = pytest.importorskip("crawler.process", reason="crawler.process (extract + parse) not built yet")
    from crawler.cli import main
    from tests.test_store_support import CORPUS

    page = CORPUS / "pages" / "pingtan-2023-annual-report.html"
    if not page.is_file():
        pytest.skip(f"corpus page {page} absent")
    body = page.read_bytes()
    item = ReportItem(url="http://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202403/t20240308_1.htm", body=body,
                      content_type="text/html", fetched_at="2024-04-01T00:00:00Z", portal="pingtan", kind="html",
                      body_sha256=hashlib.sha256(body).hexdigest())
    item = process.analyse(item)
    assert item.report and item.report.get("is_report")
    db = tmp_path / "zwgk.db"
    with open_store(str(db)) as s:
        first = s.save(item)
        before = next(s.reports())
    assert first.status == "new" and before["n_cells"] > 0
    assert main(["reparse", "--store", str(db), "--json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["sources"] == 1 and counts["new"] == 1 and counts["missing"] == 0
    with open_store(str(db)) as s:
        after = next(s.reports())
    assert (after["id"], after["year"], after["agency"], after["cells"]) == (
        before["id"], before["year"], before["agency"], before["cells"])
    assert after["text"] == before["text"]
