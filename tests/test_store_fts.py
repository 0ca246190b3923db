"""Migration 8: the SQLite full-text index follows the reports table (insert, update, delete)."""

from __future__ import annotations

from pathlib import Path

from crawler.store import open_store
from crawler.store.schema import FTS_TABLE
from tests.test_store_support import load_benchmark, make_item

BENCH = load_benchmark()


def test_index_follows_inserts_updates_and_deletes(tmp_path: Path) -> None:
    with open_store(str(tmp_path / "z.db")) as s:
        s.save(make_item("http://x/1.html", BENCH.base_report(1, 2023) + "\n独一无二的句子甲。"))

        def hits(q: str) -> list[int]:
            return [r[0] for r in s._q(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", (f'"{q}"',))]

        assert hits("独一无二的句子甲") == [1]
        assert s._q("SELECT value FROM schema_meta WHERE key = 'full_text_search'").fetchone()[0] == "trigram"
        s._q("UPDATE reports SET text = '改写后的句子乙' WHERE id = 1")
        assert hits("独一无二的句子甲") == [] and hits("改写后的句子乙") == [1]
        s._q("DELETE FROM cells WHERE report_id = 1")
        s._q("DELETE FROM checks WHERE report_id = 1")
        s._q("DELETE FROM lsh WHERE report_id = 1")
        s._q("UPDATE sources SET report_id = NULL WHERE report_id = 1")
        s._q("DELETE FROM reports WHERE id = 1")
        assert hits("改写后的句子乙") == []


def test_reports_stored_before_the_migration_are_indexed(tmp_path: Path) -> None:
    db = str(tmp_path / "old.db")
    with open_store(db, schema_version=5) as s:
        # a row as the code of version 5 wrote it (save() needs the current schema)
        s._q("INSERT INTO reports (dedup_key, text_sha256, url, body_sha256, created_at, updated_at, text, title) "
             "VALUES ('k', 't', 'http://x/1.html', ?, '2024-01-01', '2024-01-01', '迁移之前的报告丙。', 'x')",
             ("0" * 64,))
    with open_store(db) as s:
        rows = s._q(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ?", ('"迁移之前的报告丙"',)).fetchall()
        assert [r[0] for r in rows] == [1]
