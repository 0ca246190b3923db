"""The store schema: ordered migrations (one `schema_version` table) and the Datasette views.

SQL is written once with `{placeholders}` for the few types that differ between SQLite and
PostgreSQL. A migration is a list of statements plus an optional Python step (run in the same
transaction) for data that SQL alone cannot compute, e.g. MinHash signatures.
Never edit a released migration: add a new one, so that every older database upgrades in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TYPES = {
    "sqlite": {"id": "INTEGER PRIMARY KEY AUTOINCREMENT", "blob": "BLOB", "num": "NUMERIC", "real": "REAL"},
    "postgres": {"id": "BIGSERIAL PRIMARY KEY", "blob": "BYTEA", "num": "DOUBLE PRECISION",
                 "real": "DOUBLE PRECISION"},
}


@dataclass
class Migration:
    version: int
    description: str
    statements: list[str]
    python: Callable[[Any], None] | None = field(default=None)  # gets the Store, inside the transaction


_V1 = [
    """CREATE TABLE runs (
        id {id},
        spider TEXT NOT NULL,
        args TEXT NOT NULL DEFAULT '{{}}',
        started_at TEXT NOT NULL,
        finished_at TEXT,
        counts TEXT,
        portals TEXT)""",
    # one row per logical report; dedup_key = agency|year|kind, or text:<sha256> when either is unknown
    """CREATE TABLE reports (
        id {id},
        dedup_key TEXT NOT NULL UNIQUE,
        text_sha256 TEXT NOT NULL,
        version INTEGER NOT NULL DEFAULT 1,
        title TEXT,
        year INTEGER,
        kind TEXT,
        agency TEXT,
        agency_raw TEXT,
        province TEXT,
        city TEXT,
        county TEXT,
        region_code TEXT,
        published TEXT,
        template TEXT,
        url TEXT NOT NULL,
        portal TEXT,
        file_kind TEXT,
        body_sha256 TEXT NOT NULL,
        fetched_at TEXT,
        text TEXT,
        sections TEXT,
        data TEXT,
        n_cells INTEGER NOT NULL DEFAULT 0,
        checks_total INTEGER NOT NULL DEFAULT 0,
        checks_failed INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL)""",
    "CREATE INDEX reports_text_sha256 ON reports (text_sha256)",
    "CREATE INDEX reports_year ON reports (year)",
    "CREATE INDEX reports_agency ON reports (agency)",
    # a revised report replaces the row in `reports`; the replaced state is kept here
    """CREATE TABLE report_versions (
        id {id},
        report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        replaced_at TEXT NOT NULL,
        title TEXT,
        published TEXT,
        url TEXT,
        body_sha256 TEXT,
        text_sha256 TEXT,
        fetched_at TEXT,
        text TEXT,
        data TEXT,
        UNIQUE (report_id, version))""",
    # every (URL, body) fetched: where a report was found, and what was fetched
    """CREATE TABLE sources (
        id {id},
        url TEXT NOT NULL,
        body_sha256 TEXT NOT NULL,
        report_id BIGINT REFERENCES reports (id) ON DELETE SET NULL,
        portal TEXT,
        file_kind TEXT,
        link_text TEXT,
        referer TEXT,
        http_status INTEGER,
        content_type TEXT,
        etag TEXT,
        last_modified TEXT,
        headers TEXT,
        first_fetched_at TEXT,
        fetched_at TEXT,
        fetch_count INTEGER NOT NULL DEFAULT 1,
        archive_ref TEXT,
        text_sha256 TEXT,
        dedup_status TEXT,
        dedup_reason TEXT,
        similarity {real},
        run_id BIGINT,
        UNIQUE (url, body_sha256))""",
    "CREATE INDEX sources_report ON sources (report_id)",
    "CREATE INDEX sources_url ON sources (url)",
    # the seen-store for incremental crawls: every URL (list pages too) with its validators
    """CREATE TABLE seen (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        body_sha256 TEXT,
        http_status INTEGER,
        fetched_at TEXT,
        report_id BIGINT)""",
    # cells in long form: one row per field key (annual-report-format.md)
    """CREATE TABLE cells (
        report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value {num},
        origin TEXT,
        PRIMARY KEY (report_id, key))""",
    "CREATE INDEX cells_key ON cells (key)",
    """CREATE TABLE checks (
        report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        ok INTEGER NOT NULL,
        expected {num},
        actual {num},
        inputs TEXT,
        PRIMARY KEY (report_id, name))""",
    """CREATE TABLE warnings (
        id {id},
        report_id BIGINT REFERENCES reports (id) ON DELETE CASCADE,
        source_id BIGINT REFERENCES sources (id) ON DELETE CASCADE,
        message TEXT NOT NULL)""",
    "CREATE INDEX warnings_report ON warnings (report_id)",
    "CREATE INDEX warnings_source ON warnings (source_id)",
]

_V2 = [
    # near-duplicate index: MinHash signature per report and its LSH band buckets
    "ALTER TABLE reports ADD COLUMN minhash {blob}",
    """CREATE TABLE lsh (
        report_id BIGINT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
        band INTEGER NOT NULL,
        bucket BIGINT NOT NULL,
        PRIMARY KEY (band, bucket, report_id))""",
    "CREATE INDEX lsh_report ON lsh (report_id)",
]


def _backfill_minhash(store: Any) -> None:
    """Version 1 had no near-duplicate index: compute it for the reports already stored."""
    rows = store._q("SELECT id, text FROM reports WHERE minhash IS NULL").fetchall()
    for rid, text in rows:
        store._index_near(rid, text or "")


_V3 = [
    # small key/value facts about the database itself (e.g. which view definitions it carries)
    "CREATE TABLE schema_meta (key TEXT PRIMARY KEY, value TEXT)",
]

_V4 = [
    # the logical key without the region, so that one agency name in two places (鼓楼区人民政府 in
    # 南京 and 福州) can be two reports: dedup_key = logical_key|region_key
    "ALTER TABLE reports ADD COLUMN logical_key TEXT",
    "ALTER TABLE reports ADD COLUMN region_key TEXT",
    "CREATE INDEX reports_logical_key ON reports (logical_key)",
]

_V7 = [
    # how a crawl ended: finished | interrupted (SIGINT/SIGTERM) | failed; NULL for runs recorded
    # before this version, or for a crawl still running (or killed with SIGKILL)
    "ALTER TABLE runs ADD COLUMN finish_reason TEXT",
]


def _backfill_logical(store: Any) -> None:
    from crawler.dedup import region_key

    rows = store._q("SELECT id, dedup_key, region_code FROM reports WHERE dedup_key NOT LIKE ?", ("text:%",)).fetchall()
    for rid, dkey, code in rows:
        store._q("UPDATE reports SET logical_key = ?, region_key = ? WHERE id = ?",
                 ("|".join(dkey.split("|")[:3]), region_key(code), rid))


_V5 = [
    # how much of tables 二/三/四 each report gave (crawler.report.completeness): one word to filter
    # on (complete | partial | not_found; NULL outside the 2019/2021 templates) and the record as JSON
    "ALTER TABLE reports ADD COLUMN completeness TEXT",
    "ALTER TABLE reports ADD COLUMN completeness_detail TEXT",
    "CREATE INDEX reports_completeness ON reports (completeness)",
]


def _backfill_completeness(store: Any) -> None:
    """Reports parsed by a version that already kept the record in `data` get the columns filled;
    older ones stay NULL until `zwgk reparse` reads them again."""
    import json

    from crawler.report.completeness import summary

    for rid, data in store._q("SELECT id, data FROM reports WHERE data IS NOT NULL").fetchall():
        record = (json.loads(data) or {}).get("completeness") or {}
        if record:
            store._q("UPDATE reports SET completeness = ?, completeness_detail = ? WHERE id = ?",
                     (summary(record), json.dumps(record, ensure_ascii=False), rid))


_V6 = [
    # report pages, attachments and list pages that could not be fetched or stored: every later run
    # requests them again (with backoff) until they are stored or given up. `request` is the
    # request as JSON (crawler.distributed.serializer), so it is rebuilt with its callback context.
    """CREATE TABLE pending (
        key TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        portal TEXT,
        request TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        first_failed_at TEXT NOT NULL,
        last_failed_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        last_run TEXT,
        given_up_at TEXT)""",
    "CREATE INDEX pending_url ON pending (url)",
    "CREATE INDEX pending_due ON pending (due_at)",
]

_V8 = [
    # the WARC archive looks up whether a body was archived before (a revisit record instead of a copy)
    "CREATE INDEX sources_body_sha256 ON sources (body_sha256)",
]

# SQLite full-text search over report titles and text (Datasette's search box, `MATCH` in SQL).
# Chinese has no spaces, so words cannot be tokens: the trigram tokenizer (SQLite >= 3.34) indexes
# every 3-character run, so any phrase of 3 or more characters matches (行政复议, 依申请公开).
FTS_TABLE = "reports_fts"
_FTS_SQLITE = [
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, text, content='reports', content_rowid='id', "
    "tokenize='trigram')",
    f"""CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN
        INSERT INTO {FTS_TABLE} (rowid, title, text) VALUES (new.id, new.title, new.text); END""",
    f"""CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN
        INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text); END""",
    f"""CREATE TRIGGER reports_fts_update AFTER UPDATE OF title, text ON reports BEGIN
        INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
        INSERT INTO {FTS_TABLE} (rowid, title, text) VALUES (new.id, new.title, new.text); END""",
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')",  # the reports stored so far
]


def _full_text_search(store: Any) -> None:
    """SQLite only (PostgreSQL users have its own text search; Datasette reads SQLite). A SQLite built
    without FTS5 or the trigram tokenizer keeps working without search, and says so in schema_meta."""
    import logging
    import sqlite3

    if store.dialect != "sqlite":
        return
    try:
        store._q("SAVEPOINT fts")
        for stmt in _FTS_SQLITE:
            store._q(stmt)
        store._q("RELEASE SAVEPOINT fts")
        state = "trigram"
    except sqlite3.OperationalError as exc:
        store._q("ROLLBACK TO SAVEPOINT fts")
        store._q("RELEASE SAVEPOINT fts")
        state = f"unavailable: {exc} (SQLite {sqlite3.sqlite_version}; FTS5 with trigram needs 3.34+)"
        logging.getLogger(__name__).warning("store: no full-text search: %s", state)
    store._q("INSERT INTO schema_meta (key, value) VALUES ('full_text_search', ?) "
             "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (state,))


# The pictures of an HTML report page that were read by OCR as its tables (crawler/pictures.py): each
# archived like any response, so that `zwgk reparse` reads them again with the page; one that could
# not be fetched has no body and says why (error), so that a reparse warns of it as the crawl did.
_V9 = [
    """CREATE TABLE source_images (
        source_id BIGINT NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        url TEXT NOT NULL,
        body_sha256 TEXT,
        archive_ref TEXT,
        http_status INTEGER,
        content_type TEXT,
        fetched_at TEXT,
        error TEXT,
        PRIMARY KEY (source_id, position))""",
    "CREATE INDEX source_images_body_sha256 ON source_images (body_sha256)",
]


MIGRATIONS: list[Migration] = [
    Migration(1, "reports, sources, seen, cells, checks, warnings, runs, versions", _V1),
    Migration(2, "MinHash signatures and LSH buckets for near-duplicates", _V2, _backfill_minhash),
    Migration(3, "schema_meta; views are recreated when their definitions change", _V3),
    Migration(4, "logical key and region key columns (same agency name in two regions)", _V4, _backfill_logical),
    Migration(5, "completeness of tables 二/三/四 per report", _V5, _backfill_completeness),
    Migration(6, "pending: failed fetches and stores, retried by later runs", _V6),
    Migration(7, "runs.finish_reason: finished, interrupted or failed", _V7),
    Migration(8, "full-text search over report titles and text (SQLite FTS5, trigram); sources by body hash "
              "(WARC revisit records)", _V8, _full_text_search),
    Migration(9, "source_images: the table pictures of a report page, archived for reparse", _V9),
]
LATEST = MIGRATIONS[-1].version


def wide_keys() -> list[str]:
    """The cells_wide view's value columns: every key of the codebook, in printed order."""
    from crawler.report.codebook import codebook

    return [f.key for f in codebook()]

VIEW_NAMES = ["report_overview", "report_sources", "failed_checks", "cells_wide", "cross_year_checks"]


def views() -> list[str]:
    """Statements (re)creating the read-only views; run after every migration."""
    pivot = ",\n".join(
        f"    MAX(CASE WHEN c.key = '{k}' THEN c.value END) AS \"{k}\"" for k in wide_keys()
    )
    return [
        *(f"DROP VIEW IF EXISTS {v}" for v in VIEW_NAMES),
        """CREATE VIEW report_overview AS
        SELECT r.id, r.year, r.agency, r.province, r.city, r.county, r.region_code, r.title,
               r.published, r.template, r.url, r.fetched_at, r.body_sha256, r.version,
               (SELECT COUNT(*) FROM sources s WHERE s.report_id = r.id) AS n_sources,
               r.n_cells, r.checks_total, r.checks_failed,
               CASE WHEN r.checks_failed = 0 THEN 1 ELSE 0 END AS checks_pass,
               r.completeness
        FROM reports r""",
        """CREATE VIEW report_sources AS
        SELECT s.report_id, r.year, r.agency, r.title, s.url, s.portal, s.file_kind, s.http_status,
               s.fetched_at, s.first_fetched_at, s.fetch_count, s.etag, s.last_modified,
               s.body_sha256, s.archive_ref, s.dedup_status, s.dedup_reason, s.similarity
        FROM sources s LEFT JOIN reports r ON r.id = s.report_id""",
        """CREATE VIEW failed_checks AS
        SELECT c.report_id, r.year, r.agency, r.url, c.name, c.expected, c.actual, c.inputs
        FROM checks c JOIN reports r ON r.id = c.report_id
        WHERE c.ok = 0""",
        f"""CREATE VIEW cells_wide AS
        SELECT r.id AS report_id, r.year, r.agency, r.province,
{pivot}
        FROM reports r LEFT JOIN cells c ON c.report_id = r.id
        GROUP BY r.id, r.year, r.agency, r.province""",
        # the soft cross-report checks of the format: they need last year's report of the same agency
        """CREATE VIEW cross_year_checks AS
        SELECT r.id AS report_id, r.agency, r.year, p.id AS previous_report_id,
               'carried_over = previous carried_forward' AS name,
               pc.value AS expected, c.value AS actual,
               CASE WHEN c.value = pc.value THEN 1 ELSE 0 END AS ok
        FROM reports r
        JOIN reports p ON p.agency = r.agency AND p.kind = r.kind AND p.year = r.year - 1
        JOIN cells c ON c.report_id = r.id AND c.key = 'requests.carried_over.total'
        JOIN cells pc ON pc.report_id = p.id AND pc.key = 'requests.carried_forward.total'
        UNION ALL
        SELECT r.id, r.agency, r.year, p.id,
               'normative in_force = previous in_force + issued - repealed',
               pf.value + iss.value - rep.value, f.value,
               CASE WHEN f.value = pf.value + iss.value - rep.value THEN 1 ELSE 0 END
        FROM reports r
        JOIN reports p ON p.agency = r.agency AND p.kind = r.kind AND p.year = r.year - 1
        JOIN cells f ON f.report_id = r.id AND f.key = 'active.normative.in_force'
        JOIN cells iss ON iss.report_id = r.id AND iss.key = 'active.normative.issued'
        JOIN cells rep ON rep.report_id = r.id AND rep.key = 'active.normative.repealed'
        JOIN cells pf ON pf.report_id = p.id AND pf.key = 'active.normative.in_force'""",
    ]


def render(sql: str, dialect: str) -> str:
    return sql.format(**TYPES[dialect])
