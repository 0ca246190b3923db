"""The store: one record per logical report, every source it was found at, its cells, checks, runs.

Backends (SQLite, PostgreSQL) only differ in how they connect, lock and quote; the dedup decision and
all SQL live here. Every `save` is one transaction.

Dedup decision for a fetched report (in this order):
1. same URL and same body bytes as a stored source -> `unchanged` (re-fetch; the source is touched);
2. logical key: agency + report year + kind, in a compatible region (equal 行政区划代码, one unknown,
   or a city and its county), so that one agency name in two places stays two reports;
3. exact key (sha256 of the normalised text) of a stored report of a compatible year;
4. near key: MinHash/LSH candidates with estimated Jaccard >= NEAR_THRESHOLD, compatible year and
   region, and compatible agency (same agency, or one unknown, or no conflicting cell values).
A match is then: the same text (`duplicate`, or `unchanged` when the URL was already this report's);
a revision (`changed`: the report's own URL changed its text, or a copy published later whose text is
not a near-duplicate), which replaces the report and moves the old state to report_versions; or
another copy (`duplicate`, e.g. the PDF of an HTML report, a repost, a Traditional mirror).
Years both known and different are never merged. The first copy stays the primary source unless a
later one carries more cells (HTML tables vs a flattened PDF).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from crawler import dedup
from crawler.archive import REF_SEP, WARC_SUFFIX, Archive, Capture, warc_date
from crawler.items import PageImage, ReportItem
from crawler.pending import PendingPolicy
from crawler.report.completeness import summary
from crawler.store import schema


@dataclass(frozen=True)
class SaveResult:
    status: str  # new | changed | unchanged | duplicate
    report_id: int | None
    dedup_reason: str


@dataclass(frozen=True)
class Archived:
    """What `Store.archive_body` wrote before the transaction: the body's sha256 and archive
    reference, and the source_images rows of its table pictures (all but the source id)."""

    digest: str
    ref: str
    pictures: list[tuple[Any, ...]]


@dataclass(frozen=True)
class SeenInfo:
    etag: str | None
    last_modified: str | None
    body_sha256: str | None
    fetched_at: str | None
    report_id: int | None
    http_status: int | None = None


# How a crawl run ended (runs.finish_reason): completely, stopped by SIGINT/SIGTERM, or by an error.
RUN_REASONS = ("finished", "interrupted", "failed")


def capture_of(item: ReportItem | PageImage) -> Capture:
    """The HTTP exchange of a fetched item or picture, for its WARC records."""
    return Capture(url=item.url, status=item.status or 200, headers=dict(item.headers or {}),
                   request_headers=dict(item.request_headers or {}), fetched_at=item.fetched_at or "")


class StoreError(Exception):
    """Bad store URL, unreachable database, or a database newer than this code."""


class StoreMissing(StoreError):
    """A store opened for reading (must_exist) is not there: nothing was created."""


class StoreUnavailable(StoreError):
    """The store cannot be written or read any more: disk full, read-only, the database went away.

    Not a bug in the data: the crawl must stop (nothing more can be kept), and the next run, once
    the store works again, fetches what was not stored.
    """

    next_step = ("free disk space or repair the database, then run the same command again: "
                 "what was not stored is fetched then")


@dataclass(frozen=True)
class PendingEntry:
    """A request that failed: retried by later runs until stored or given up (crawler.pending)."""

    key: str
    url: str
    portal: str
    request: str  # JSON (crawler.distributed.serializer)
    attempts: int
    last_error: str
    first_failed_at: str
    last_failed_at: str
    due_at: str
    given_up_at: str | None


_MAX_ERROR = 500  # characters of the last error kept with a pending entry


def _stamp(when: datetime) -> str:
    """A UTC timestamp as stored (ISO 8601, milliseconds, 'Z'): text order is time order."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utcnow() -> str:
    """Now in UTC, ISO 8601 with milliseconds: a re-crawl started within the same second as the
    previous run's last fetch must still tell that fetch from its own."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _num(v: Any) -> int | float | None:
    """A cell/check value as a number, or None (never invented: non-numbers are not stored)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    return None


def _out_num(v: Any) -> int | float | None:
    """Numbers read back: integral floats (PostgreSQL double precision) become ints."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if v is not None and not isinstance(v, int | float):  # Decimal
        f = float(v)
        return int(f) if f.is_integer() else f
    return v


def _years_compatible(a: int | None, b: int | None) -> bool:
    return a is None or b is None or int(a) == int(b)


def _report_year(report: dict[str, Any] | None) -> int | None:
    """The parsed report year, when it is a number."""
    year = report.get("year") if report else None
    return int(year) if isinstance(year, int | str) and str(year).isdigit() else None


def _lock_year(item: ReportItem) -> int:
    """The dedup lock key of an item (its report year, 0 when unknown)."""
    return _report_year(item.report if isinstance(item.report, dict) else None) or 0


_MAX_BUCKET = 256  # LSH buckets larger than this are skipped when looking for near-duplicates

_REPORT_COLS = [
    "title", "year", "kind", "agency", "agency_raw", "province", "city", "county", "region_code",
    "published", "template", "url", "portal", "file_kind", "body_sha256", "fetched_at", "text",
    "sections", "data", "n_cells", "checks_total", "checks_failed", "text_sha256", "completeness",
    "completeness_detail",
]


class Store:
    """Common logic; backends provide `_q`, `_outer_tx`, `_lock` and `close`."""

    dialect = "sqlite"

    def __init__(self, archive_dir: str | Path) -> None:
        self.archive = Archive(archive_dir)
        self._depth = 0

    # ---- backend hooks ------------------------------------------------------------------------
    def _q(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        raise NotImplementedError

    @contextmanager
    def _outer_tx(self) -> Iterator[None]:
        raise NotImplementedError
        yield  # pragma: no cover

    @contextmanager
    def _tx(self) -> Iterator[None]:
        """A transaction; nested calls join the outer one (reparse wraps many saves in one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self._guard("write to"), self._outer_tx():
                yield
        finally:
            self._depth = 0

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Turn the backend's "cannot write / connection gone" errors into StoreUnavailable."""
        try:
            yield
        except StoreUnavailable:
            raise
        except Exception as exc:
            if not self._unavailable(exc):
                raise
            raise StoreUnavailable(
                f"cannot {action} the store at {self.location}: {str(exc).strip() or type(exc).__name__}"
            ) from exc

    def _unavailable(self, exc: BaseException) -> bool:
        """Is this exception the store failing (disk full, read-only, connection lost), not a bug?"""
        return False

    location = "?"  # where the store is, for messages (a path or a URL without password)

    def _lock(self, key: int) -> None:
        """Serialise dedup decisions for one lock key (a report year) across processes."""

    def _insert_id(self, sql: str, params: tuple[Any, ...] | list[Any]) -> int | None:
        row = self._q(sql + " RETURNING id", params).fetchone()
        return None if row is None else int(row[0])

    def close(self) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        """The store as a user named it, for messages."""
        raise NotImplementedError

    def has_schema(self) -> bool:
        """Does the database hold a zwgk schema (its schema_version table)?"""
        raise NotImplementedError

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- schema -------------------------------------------------------------------------------
    def schema_version(self) -> int:
        row = self._q("SELECT MAX(version) FROM schema_version").fetchone()
        return int(row[0] or 0)

    def migrate(self, target: int | None = None) -> int:
        """Apply every migration newer than the database, up to `target` (default: latest)."""
        target = schema.LATEST if target is None else target
        with self._tx():
            self._migration_lock()
            self._q("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, "
                    "applied_at TEXT NOT NULL, description TEXT)")
            current = self.schema_version()
            if current > schema.LATEST:
                raise StoreError(f"database schema version {current} is newer than this code "
                                 f"({schema.LATEST}); upgrade zwgk")
            applied = False
            for m in schema.MIGRATIONS:
                if current < m.version <= target:
                    for stmt in m.statements:
                        self._q(schema.render(stmt, self.dialect))
                    if m.python is not None:
                        m.python(self)
                    self._q("INSERT INTO schema_version (version, applied_at, description) VALUES (?, ?, ?)",
                            (m.version, utcnow(), m.description))
                    applied = True
            if target >= schema.LATEST:
                self._ensure_views(force=applied)
        return self.schema_version()

    def _ensure_views(self, force: bool) -> None:
        """(Re)create the views when a migration ran or their definitions changed in the code."""
        stmts = schema.views()
        digest = hashlib.sha256("\n".join(stmts).encode("utf-8")).hexdigest()
        row = self._q("SELECT value FROM schema_meta WHERE key = 'views_sha256'").fetchone()
        if not force and row is not None and row[0] == digest:
            return
        for stmt in stmts:
            self._q(stmt)
        self._q("INSERT INTO schema_meta (key, value) VALUES ('views_sha256', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (digest,))

    def _migration_lock(self) -> None:
        """Backends that allow concurrent openers serialise migrations here."""

    def _reset_ids(self, table: str) -> None:
        """Restart an emptied table's id sequence at 1."""
        raise NotImplementedError

    # ---- runs and the seen-store --------------------------------------------------------------
    def start_run(self, spider: str, args: dict[str, Any]) -> int:
        with self._tx():
            rid = self._insert_id("INSERT INTO runs (spider, args, started_at) VALUES (?, ?, ?)",
                                  (spider, json.dumps(args, ensure_ascii=False, default=str), utcnow()))
        assert rid is not None
        return rid

    def finish_run(self, run_id: int, counts: dict[str, Any], portals: dict[str, Any],
                   reason: str | None = None) -> None:
        """Record a run's end, counts and per-portal results; `reason` (one of RUN_REASONS) when
        known. Called again with the reason once the crawl process knows how it ended."""
        if reason is not None and reason not in RUN_REASONS:
            raise ValueError(f"run finish reason {reason!r} is not one of {', '.join(RUN_REASONS)}")
        with self._tx():
            self._q("UPDATE runs SET finished_at = ?, counts = ?, portals = ?, "
                    "finish_reason = COALESCE(?, finish_reason) WHERE id = ?",
                    (utcnow(), json.dumps(counts, ensure_ascii=False, default=str),
                     json.dumps(portals, ensure_ascii=False, default=str), reason, run_id))

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        with self._guard("read"):
            rows = self._q("SELECT id, spider, args, started_at, finished_at, counts, portals, finish_reason "
                           "FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        out = []
        for r in rows:
            out.append({"id": r[0], "spider": r[1], "args": json.loads(r[2] or "{}"), "started_at": r[3],
                        "finished_at": r[4], "counts": json.loads(r[5]) if r[5] else None,
                        "portals": json.loads(r[6]) if r[6] else None, "finish_reason": r[7]})
        return out

    def unfinished_job_start(self) -> str | None:
        """When the job of the last run started, if that run did not finish: it was killed (no end
        time), interrupted, or stopped by an error such as a failing store. The next run continues
        that job; None otherwise."""
        last = self.runs(limit=1)
        if not last:
            return None
        run = last[0]
        complete = run["finish_reason"] in (None, "finished") and not (run["counts"] or {}).get("store_failed")
        if run["finished_at"] and complete:
            return None
        return str(run["args"].get("job_started") or run["started_at"])

    def seen(self, url: str) -> SeenInfo | None:
        with self._guard("read"):
            r = self._q("SELECT etag, last_modified, body_sha256, fetched_at, report_id, http_status "
                        "FROM seen WHERE url = ?", (url,)).fetchone()
        return None if r is None else SeenInfo(r[0], r[1], r[2], r[3], r[4], r[5])

    def mark_seen(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  body_sha256: str | None = None, status: int | None = None,
                  fetched_at: str | None = None) -> None:
        """Remember a fetched URL (not a report, a 304, a wrapper page); it is no longer pending."""
        with self._tx():
            self._upsert_seen(url, etag, last_modified, body_sha256, status, fetched_at or utcnow(), None)
            self._q("DELETE FROM pending WHERE url = ?", (url,))

    # ---- pending: failed requests that later runs retry ----------------------------------------
    _PENDING_COLS = ("key, url, portal, request, attempts, last_error, first_failed_at, last_failed_at, "
                     "due_at, given_up_at")

    def record_failure(self, key: str, url: str, *, portal: str, request: str, error: str, run: str,
                       policy: PendingPolicy, now: datetime | None = None) -> PendingEntry:
        """Keep a request that could not be fetched or stored, for later runs (one transaction).

        Attempts count runs, not tries: failing again in the same run (`run` unchanged) only
        updates the error. After policy.max_attempts runs the entry is given up.
        """
        when = now or datetime.now(UTC)
        stamp = _stamp(when)
        with self._tx():
            self._q("INSERT INTO pending (key, url, portal, request, attempts, first_failed_at, last_failed_at, "
                    "due_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
                    (key, url, portal, request, stamp, stamp, stamp))
            row = self._q("SELECT attempts, last_run FROM pending WHERE key = ?", (key,)).fetchone()
            attempts = int(row[0]) + (0 if row[1] == run else 1)
            gave_up = stamp if policy.given_up(attempts) else None
            self._q("UPDATE pending SET url = ?, portal = ?, request = ?, attempts = ?, last_error = ?, "
                    "last_failed_at = ?, due_at = ?, last_run = ?, given_up_at = ? WHERE key = ?",
                    (url, portal, request, attempts, error[:_MAX_ERROR], stamp,
                     _stamp(policy.due_at(attempts, when)), run, gave_up, key))
            entry = self._q(f"SELECT {self._PENDING_COLS} FROM pending WHERE key = ?", (key,)).fetchone()
        return PendingEntry(*entry)

    def clear_pending(self, url: str) -> int:
        """The URL was fetched and handled: forget its pending entries; returns how many there were."""
        with self._tx():
            return int(self._q("DELETE FROM pending WHERE url = ?", (url,)).rowcount or 0)

    def due_pending(self, now: datetime | None = None) -> list[PendingEntry]:
        """Entries not given up whose backoff has passed, oldest failure first."""
        with self._guard("read"):
            rows = self._q(f"SELECT {self._PENDING_COLS} FROM pending WHERE given_up_at IS NULL AND due_at <= ? "
                           "ORDER BY first_failed_at, key", (_stamp(now or datetime.now(UTC)),)).fetchall()
        return [PendingEntry(*r) for r in rows]

    def pending(self, *, given_up: bool, limit: int | None = None) -> list[PendingEntry]:
        """Entries still to retry (given_up=False) or given up, most recent failure first."""
        cond = "IS NOT NULL" if given_up else "IS NULL"
        sql = f"SELECT {self._PENDING_COLS} FROM pending WHERE given_up_at {cond} ORDER BY last_failed_at DESC, key"
        with self._guard("read"):
            rows = self._q(sql + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
        return [PendingEntry(*r) for r in rows]

    def pending_counts(self) -> dict[str, dict[str, int]]:
        """Per portal: {"pending": still to retry, "given_up": not retried any more}."""
        out: dict[str, dict[str, int]] = {}
        with self._guard("read"):
            rows = self._q("SELECT portal, given_up_at IS NULL, COUNT(*) FROM pending GROUP BY portal, "
                           "given_up_at IS NULL").fetchall()
        for portal, live, n in rows:
            out.setdefault(portal or "", {"pending": 0, "given_up": 0})["pending" if live else "given_up"] += int(n)
        return out

    def _upsert_seen(self, url: str, etag: str | None, last_modified: str | None, body_sha256: str | None,
                     status: int | None, fetched_at: str, report_id: int | None) -> None:
        self._q(
            "INSERT INTO seen (url, etag, last_modified, body_sha256, http_status, fetched_at, report_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO UPDATE SET etag = excluded.etag, "
            "last_modified = excluded.last_modified, body_sha256 = excluded.body_sha256, "
            "http_status = excluded.http_status, fetched_at = excluded.fetched_at, "
            "report_id = COALESCE(excluded.report_id, seen.report_id)",
            (url, etag, last_modified, body_sha256, status, fetched_at, report_id))

    def _archived(self, body: bytes) -> tuple[str, str, str] | None:
        """(reference, URL, WARC-Date) of a WARC response already holding this body, if any: the
        archive then writes a revisit record instead of the bytes again."""
        digest = hashlib.sha256(body).hexdigest()
        row = self._q("SELECT archive_ref, url, first_fetched_at FROM sources WHERE body_sha256 = ? "
                      "AND archive_ref LIKE ? ORDER BY id LIMIT 1", (digest, f"%{WARC_SUFFIX}{REF_SEP}%")).fetchone()
        if row is None:  # a picture of a report page (source_images) archived before
            row = self._q("SELECT archive_ref, url, fetched_at FROM source_images WHERE body_sha256 = ? "
                          "AND archive_ref LIKE ? ORDER BY source_id, position LIMIT 1",
                          (digest, f"%{WARC_SUFFIX}{REF_SEP}%")).fetchone()
        return (str(row[0]), str(row[1]), warc_date(str(row[2] or ""))) if row else None

    def _archive_pictures(self, item: ReportItem, *, sync: bool = True) -> list[tuple[Any, ...]]:
        """Archive a page's table pictures like every response (WARC records); their source_images
        rows but for the source id: (position, url, sha256, reference, status, content type, fetched,
        error); a picture that could not be fetched has no body, only its error."""
        rows: list[tuple[Any, ...]] = []
        for position, pic in enumerate(item.images):
            if pic.error:
                rows.append((position, pic.url, None, None, None, None, pic.fetched_at or utcnow(), pic.error))
                continue
            with self._guard("read"):
                prior = self._archived(pic.body)
            try:
                digest, ref = self.archive.put(pic.body, capture=capture_of(pic), prior=prior, sync=sync)
            except OSError as exc:
                raise StoreUnavailable(f"cannot write the raw-body archive at {self.archive.root}: {exc}") from exc
            rows.append((position, pic.url, digest, ref, pic.status,
                         (pic.headers or {}).get("content-type", ""), pic.fetched_at or utcnow(), None))
        return rows

    def _same_pictures(self, source_id: int, pictures: list[tuple[Any, ...]]) -> bool:
        stored = self._q("SELECT url, body_sha256 FROM source_images WHERE source_id = ? ORDER BY position",
                         (source_id,)).fetchall()
        return [(u, d) for u, d in stored] == [(p[1], p[2]) for p in pictures]

    def _put_pictures(self, source_id: int, pictures: list[tuple[Any, ...]]) -> None:
        self._q("DELETE FROM source_images WHERE source_id = ?", (source_id,))
        self._insert_rows("source_images", ["source_id", "position", "url", "body_sha256", "archive_ref",
                                            "http_status", "content_type", "fetched_at", "error"],
                          [(source_id, *p) for p in pictures])

    def pictures(self, source_id: int) -> list[dict[str, Any]]:
        """The table pictures stored with a source, in page order."""
        cols = ["position", "url", "body_sha256", "archive_ref", "http_status", "content_type", "fetched_at", "error"]
        with self._guard("read"):
            rows = self._q(f"SELECT {', '.join(cols)} FROM source_images WHERE source_id = ? ORDER BY position",
                           (source_id,)).fetchall()
        return [dict(zip(cols, r, strict=True)) for r in rows]

    # ---- save ---------------------------------------------------------------------------------
    def save(self, item: ReportItem, *, run_id: int | None = None) -> SaveResult:
        """Store one fetched item (one transaction) and decide which report it belongs to."""
        return self.save_archived(item, self.archive_body(item), run_id=run_id)

    def archive_body(self, item: ReportItem, *, sync: bool = True) -> Archived:
        """Write the item's body and table pictures to the archive (before its transaction).
        A body archived earlier in this process but not committed yet (an earlier item of the same
        batch) is found by the archive itself, which remembers what it wrote. With sync=False the
        caller calls `sync_archive()` before committing the reference."""
        with self._guard("read"):  # the database may be gone before the archive is touched
            prior = self._archived(item.body)
        try:
            digest, ref = self.archive.put(item.body, capture=capture_of(item), prior=prior, sync=sync)
        except OSError as exc:  # disk full, read-only file system: nothing can be kept
            raise StoreUnavailable(f"cannot write the raw-body archive at {self.archive.root}: {exc}") from exc
        pictures = self._archive_pictures(item, sync=sync)
        if item.body_sha256 and item.body_sha256 != digest:  # trust the bytes, say so
            item.warnings.append(f"body_sha256 {item.body_sha256} given, the body hashes to {digest}")
        return Archived(digest, ref, pictures)

    def sync_archive(self) -> None:
        """Every body archived with sync=False is on disk, or StoreUnavailable."""
        try:
            self.archive.sync()
        except OSError as exc:
            raise StoreUnavailable(f"cannot write the raw-body archive at {self.archive.root}: {exc}") from exc

    def save_archived(self, item: ReportItem, archived: Archived, *, run_id: int | None = None) -> SaveResult:
        """The database part of `save`: one transaction, or part of the caller's (a batch)."""
        with self._tx():
            result = self._save(item, archived.digest, archived.ref, run_id, reparse=False,
                                pictures=archived.pictures)
            # stored: no longer pending, in the same transaction (never one without the other)
            self._q("DELETE FROM pending WHERE url = ?", (item.url,))
            return result

    def lock_years(self, items: list[ReportItem]) -> None:
        """Take the dedup locks of a batch's report years up front, in ascending order, so that two
        processes writing batches never wait for each other in a cycle (a deadlock)."""
        for key in sorted({_lock_year(item) for item in items}):
            self._lock(key)

    def transient(self, exc: BaseException) -> bool:
        """Would the same writes succeed alone or again (a deadlock between writers), not a lost store?"""
        return False

    def _save(self, item: ReportItem, digest: str, ref: str, run_id: int | None, *,
              reparse: bool, pictures: list[tuple[Any, ...]] | None = None) -> SaveResult:
        fetched = item.fetched_at or utcnow()
        headers = {k.lower(): v for k, v in (item.headers or {}).items()}
        etag, lastmod = headers.get("etag"), headers.get("last-modified")
        report = item.report if isinstance(item.report, dict) else None
        year = _report_year(report)
        self._lock(year or 0)

        src = self._q("SELECT id, report_id FROM sources WHERE url = ? AND body_sha256 = ?",
                      (item.url, digest)).fetchone()
        # The same page with other table pictures than stored (one failed before, a later run fetched
        # it): its reading replaces the stored one when it has more cells, else the stored one stays.
        repictured = (src is not None and not reparse and src[1] is not None and bool(pictures)
                      and not self._same_pictures(int(src[0]), pictures or [])
                      and self._better(report or {}, int(src[1])))
        if src is not None and not reparse and not repictured:
            self._q("UPDATE sources SET fetched_at = ?, fetch_count = fetch_count + 1, http_status = ?, "
                    "etag = ?, last_modified = ? WHERE id = ?", (fetched, item.status, etag, lastmod, src[0]))
            self._upsert_seen(item.url, etag, lastmod, digest, item.status, fetched, src[1])
            return SaveResult("unchanged", src[1], "same URL and body as a stored source")
        url_known = self._q("SELECT 1 FROM sources WHERE url = ? AND body_sha256 <> ?",
                            (item.url, digest)).fetchone() is not None
        if src is None:
            source_id = self._insert_id(
                "INSERT INTO sources (url, body_sha256, portal, file_kind, link_text, referer, http_status, "
                "content_type, etag, last_modified, headers, first_fetched_at, fetched_at, archive_ref, run_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (item.url, digest, item.portal, item.kind, item.link_text, item.referer, item.status,
                 item.content_type, etag, lastmod, json.dumps(headers, ensure_ascii=False), fetched,
                 fetched, ref, run_id))
        else:
            source_id = int(src[0])
            if repictured:  # its warnings are those of this reading now
                self._q("DELETE FROM warnings WHERE source_id = ?", (source_id,))
        assert source_id is not None
        if pictures:
            self._put_pictures(source_id, pictures)
        for w in list(item.warnings) + list((item.document or {}).get("warnings") or []):
            self._q("INSERT INTO warnings (source_id, message) VALUES (?, ?)", (source_id, str(w)))

        if report is None or not report.get("is_report"):
            why = "parser failed: no report" if report is None else "not a report"
            if report is None:
                self._q("INSERT INTO warnings (source_id, message) VALUES (?, ?)", (source_id, why))
            self._q("UPDATE sources SET dedup_status = ?, dedup_reason = ? WHERE id = ?",
                    ("no_report", why, source_id))
            self._upsert_seen(item.url, etag, lastmod, digest, item.status, fetched, None)
            return SaveResult("changed" if url_known else "new", None, why)

        text = report.get("text") or (item.document or {}).get("text") or ""
        norm = dedup.normalise_text(text)
        tkey = hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else ""
        sig = dedup.signature(norm, normalised=True)
        kind = str(report.get("kind") or "annual")
        lbase = dedup.logical_key(report.get("agency"), year, kind)
        rkey = dedup.region_key((report.get("region") or {}).get("code"))
        lkey = f"{lbase}|{rkey}" if lbase else None
        # the report this URL pointed to before its content changed (re-crawl of a revised page)
        prev = self._q("SELECT report_id FROM sources WHERE url = ? AND body_sha256 <> ? AND report_id IS NOT NULL "
                       "ORDER BY fetched_at DESC, id DESC LIMIT 1", (item.url, digest)).fetchone()
        prev_rid = int(prev[0]) if prev else None

        if repictured:
            rid = int(src[1])
            self._revise(rid, {}, item, digest, report, year, kind, text, tkey, sig)
            reason = "the page's table pictures were read again (more cells); previous version kept"
            self._link(source_id, rid, tkey, "changed", reason, None, item, etag, lastmod, digest, fetched)
            return SaveResult("changed", rid, reason)
        match, how, sim = self._find_match(lbase, rkey, tkey, sig, year, report)
        if match is None:
            dkey = lkey or f"text:{tkey or digest}"
            rid = self._insert_report(dkey, tkey, item, digest, report, year, kind, text, sig)
            if rid is not None and lbase:
                self._q("UPDATE reports SET logical_key = ?, region_key = ? WHERE id = ?", (lbase, rkey, rid))
            if rid is not None:
                status, reason = "new", "new report" + (" (URL had another report before)" if prev_rid else "")
                self._link(source_id, rid, tkey, status, reason, None, item, etag, lastmod, digest, fetched)
                return SaveResult(status, rid, reason)
            # another writer inserted this key between our lookup and insert: join its report
            match, how, sim = self._find_match(lbase, rkey, tkey, sig, year, report)
            assert match is not None, "unique-key conflict without a matching report"

        rid = int(match["id"])
        if lkey and match["dedup_key"] != lkey and (match["dedup_key"].startswith("text:")
                                                    or (rkey and not match["region_key"])):
            # now we know who and when (or where): the record takes the more specific key, unless
            # another record holds it already
            self._q("UPDATE reports SET dedup_key = ?, logical_key = ?, region_key = ? WHERE id = ? AND NOT EXISTS "
                    "(SELECT 1 FROM reports r2 WHERE r2.dedup_key = ?)", (lkey, lbase, rkey, rid, lkey))
        if tkey and match["text_sha256"] == tkey and prev_rid == rid:
            # a re-crawl whose bytes changed (a view counter, a new menu) but whose report did not
            status, reason = "unchanged", f"{how}; same URL, new body, same normalised text"
        elif tkey and match["text_sha256"] == tkey:
            status = "duplicate"
            reason = how if how.startswith("exact") else f"{how}; same normalised text"
        else:
            same_url = match["url"] == item.url or prev_rid == rid
            jac = sim if sim is not None else self._similarity(rid, sig)
            later = bool(report.get("published") and match["published"]
                         and str(report["published"]) > str(match["published"]))
            if same_url or (later and (jac is None or jac < dedup.NEAR_THRESHOLD)):
                why = "the report's URL changed its content" if same_url else "a later-published revision"
                self._revise(rid, match, item, digest, report, year, kind, text, tkey, sig)
                status, reason = "changed", f"{how}; {why}; previous version kept"
            else:
                status = "duplicate"
                reason = f"{how}; another copy"
                if jac is not None and "jaccard" not in how:
                    reason += f" (jaccard {jac:.2f})"
            sim = jac
        if status == "duplicate" and self._better(report, rid):
            self._write_report(rid, item, digest, report, year, kind, text, tkey, sig)
            reason += "; became the primary source (more cells)"
        self._link(source_id, rid, tkey, status, reason, sim, item, etag, lastmod, digest, fetched)
        return SaveResult(status, rid, reason)

    def _link(self, source_id: int, rid: int, tkey: str, status: str, reason: str, sim: float | None,
              item: ReportItem, etag: str | None, lastmod: str | None, digest: str, fetched: str) -> None:
        self._q("UPDATE sources SET report_id = ?, text_sha256 = ?, dedup_status = ?, dedup_reason = ?, "
                "similarity = ? WHERE id = ?", (rid, tkey, status, reason, sim, source_id))
        self._upsert_seen(item.url, etag, lastmod, digest, item.status, fetched, rid)

    def _find_match(self, lbase: str | None, rkey: str, tkey: str, sig: np.ndarray | None, year: int | None,
                    report: dict[str, Any]) -> tuple[dict[str, Any] | None, str, float | None]:
        names = ["id", "dedup_key", "text_sha256", "url", "published", "year", "agency", "region_key"]
        cols = ", ".join(names)

        def as_dict(r: Any) -> dict[str, Any]:
            return dict(zip(names, r, strict=True))

        if lbase:
            for r in self._q(f"SELECT {cols} FROM reports WHERE logical_key = ? ORDER BY id", (lbase,)).fetchall():
                if dedup.regions_compatible(rkey, r[7] or ""):
                    return as_dict(r), "logical key (agency, year, kind)", None
        if tkey:
            for r in self._q(f"SELECT {cols} FROM reports WHERE text_sha256 = ? ORDER BY id", (tkey,)).fetchall():
                # identical text is the same report even when the agency was parsed differently
                if _years_compatible(year, r[5]):
                    return as_dict(r), "exact normalised text", 1.0
        if sig is None:
            return None, "", None
        best: tuple[float, Any] | None = None
        for rid, blob in self._near_candidates(sig):
            sim = dedup.jaccard(sig, dedup.signature_from_bytes(bytes(blob)))
            if sim < dedup.NEAR_THRESHOLD or (best is not None and sim <= best[0]):
                continue
            r = self._q(f"SELECT {cols} FROM reports WHERE id = ?", (rid,)).fetchone()
            if r is None or not _years_compatible(year, r[5]):
                continue  # different years are never merged, however alike the text
            if not dedup.regions_compatible(rkey, r[7] or "") or not self._agency_compatible(report, r[6], int(rid)):
                continue  # another place, or another agency whose numbers disagree
            best = (sim, r)
        if best is None:
            return None, "", None
        return as_dict(best[1]), f"near-duplicate text (MinHash jaccard {best[0]:.2f})", best[0]

    def _agency_compatible(self, report: dict[str, Any], agency: str | None, rid: int) -> bool:
        """Unknown or equal agencies are compatible; different names need agreeing cells (OCR typos)."""
        a, b = dedup.agency_key(report.get("agency") or ""), dedup.agency_key(agency or "")
        if not a or not b or a == b:
            return True
        tables = report.get("tables") or {}
        stored = dict(self._q("SELECT key, value FROM cells WHERE report_id = ?", (rid,)).fetchall())
        shared = [k for k in tables if k in stored]
        return bool(shared) and all(_out_num(stored[k]) == _num(tables[k]) for k in shared)

    def _near_candidates(self, sig: np.ndarray) -> list[tuple[int, bytes]]:
        """(report id, minhash) of every report sharing an LSH bucket; two queries, not 32+n."""
        keys = dedup.band_keys(sig).tolist()
        where = " OR ".join(["(band = ? AND bucket = ?)"] * len(keys))
        params: list[Any] = [x for band, bucket in enumerate(keys) for x in (band, bucket)]
        rows = self._q(f"SELECT band, report_id FROM (SELECT band, report_id, ROW_NUMBER() OVER "
                       f"(PARTITION BY band ORDER BY report_id) AS rn FROM lsh WHERE {where}) AS hits "
                       "WHERE rn <= ?", [*params, _MAX_BUCKET + 1]).fetchall()
        per_band: dict[int, list[int]] = {}
        for band, rid in rows:
            per_band.setdefault(int(band), []).append(int(rid))
        ids: set[int] = set()
        for members in per_band.values():
            if len(members) > _MAX_BUCKET:
                # a bucket this full holds template boilerplate shared by many distinct reports; a true
                # near-duplicate shares ~8 of the 32 bands, so it is still found through the others
                continue
            ids.update(members)
        if not ids:
            return []
        idl = sorted(ids)
        found = self._q(f"SELECT id, minhash FROM reports WHERE id IN ({', '.join('?' * len(idl))}) "
                        "AND minhash IS NOT NULL ORDER BY id", idl).fetchall()
        return [(int(r[0]), r[1]) for r in found]

    def _insert_rows(self, table: str, cols: list[str], rows: list[tuple[Any, ...]], tail: str = "",
                     chunk: int = 200) -> None:
        """Multi-row INSERT: one round trip per `chunk` rows instead of one per row (PostgreSQL)."""
        one = "(" + ", ".join("?" * len(cols)) + ")"
        for i in range(0, len(rows), chunk):
            part = rows[i : i + chunk]
            self._q(f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([one] * len(part))} {tail}",
                    [x for row in part for x in row])

    def _similarity(self, rid: int, sig: np.ndarray | None) -> float | None:
        r = self._q("SELECT minhash FROM reports WHERE id = ?", (rid,)).fetchone()
        if sig is None or r is None or r[0] is None:
            return None
        return dedup.jaccard(sig, dedup.signature_from_bytes(bytes(r[0])))

    def _better(self, report: dict[str, Any], rid: int) -> bool:
        """Does this parse carry more cells than the stored one (e.g. HTML tables vs a flat PDF)?"""
        r = self._q("SELECT n_cells FROM reports WHERE id = ?", (rid,)).fetchone()
        return len(report.get("tables") or {}) > int(r[0] or 0)

    # ---- report rows --------------------------------------------------------------------------
    def _report_values(self, item: ReportItem, digest: str, report: dict[str, Any], year: int | None,
                       kind: str, text: str, tkey: str) -> dict[str, Any]:
        region = report.get("region") or {}
        doc = item.document or {}
        checks = report.get("checks") or []
        data = {k: v for k, v in report.items() if k not in ("text", "tables", "checks", "warnings", "sources")}
        data["document"] = {k: doc.get(k) for k in ("title", "published", "source", "site", "index_block",
                                                    "script", "encoding") if k in doc}
        if doc.get("script") == "traditional" and doc.get("text_original"):
            data["text_original"] = doc["text_original"]
        return {
            "title": report.get("title") or doc.get("title") or item.link_text or None,
            "year": year, "kind": kind, "agency": report.get("agency") or None,
            "agency_raw": report.get("agency_raw") or None,
            "province": region.get("province") or None, "city": region.get("city") or None,
            "county": region.get("county") or None, "region_code": region.get("code") or None,
            "published": report.get("published") or doc.get("published") or None,
            "template": report.get("template") or None, "url": item.url, "portal": item.portal,
            "file_kind": item.kind, "body_sha256": digest, "fetched_at": item.fetched_at or utcnow(),
            "text": text, "sections": json.dumps(report.get("sections"), ensure_ascii=False, default=str),
            "data": json.dumps(data, ensure_ascii=False, default=str),
            "n_cells": len(report.get("tables") or {}), "checks_total": len(checks),
            "checks_failed": sum(1 for c in checks if not c.get("ok")), "text_sha256": tkey,
            "completeness": summary(report.get("completeness") or {}) or None,
            "completeness_detail": json.dumps(report["completeness"], ensure_ascii=False)
            if report.get("completeness") else None,
        }

    def _insert_report(self, dkey: str, tkey: str, item: ReportItem, digest: str, report: dict[str, Any],
                       year: int | None, kind: str, text: str, sig: np.ndarray | None) -> int | None:
        vals = self._report_values(item, digest, report, year, kind, text, tkey)
        now = utcnow()
        cols = ["dedup_key", *_REPORT_COLS, "created_at", "updated_at"]
        params = [dkey, *(vals[c] for c in _REPORT_COLS), now, now]
        rid = self._insert_id(
            f"INSERT INTO reports ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
            "ON CONFLICT (dedup_key) DO NOTHING", params)
        if rid is None:
            return None
        self._write_children(rid, report)
        self._index_near(rid, text, sig)
        return rid

    def _write_report(self, rid: int, item: ReportItem, digest: str, report: dict[str, Any], year: int | None,
                      kind: str, text: str, tkey: str, sig: np.ndarray | None) -> None:
        vals = self._report_values(item, digest, report, year, kind, text, tkey)
        sets = ", ".join(f"{c} = ?" for c in _REPORT_COLS)
        self._q(f"UPDATE reports SET {sets}, updated_at = ? WHERE id = ?",
                [*(vals[c] for c in _REPORT_COLS), utcnow(), rid])
        for t in ("cells", "checks", "lsh"):
            self._q(f"DELETE FROM {t} WHERE report_id = ?", (rid,))
        self._q("DELETE FROM warnings WHERE report_id = ?", (rid,))
        self._write_children(rid, report)
        self._index_near(rid, text, sig)

    def _revise(self, rid: int, old: dict[str, Any], item: ReportItem, digest: str, report: dict[str, Any],
                year: int | None, kind: str, text: str, tkey: str, sig: np.ndarray | None) -> None:
        """Keep the current state in report_versions, then replace it with the revision."""
        r = self._q("SELECT version, title, published, url, body_sha256, text_sha256, fetched_at, text, data "
                    "FROM reports WHERE id = ?", (rid,)).fetchone()
        cells = dict(self._q("SELECT key, value FROM cells WHERE report_id = ?", (rid,)).fetchall())
        data = json.loads(r[8] or "{}")
        data["cells"] = {k: _out_num(v) for k, v in cells.items()}
        self._q("INSERT INTO report_versions (report_id, version, replaced_at, title, published, url, "
                "body_sha256, text_sha256, fetched_at, text, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (rid, r[0], utcnow(), r[1], r[2], r[3], r[4], r[5], r[6], r[7],
                 json.dumps(data, ensure_ascii=False, default=str)))
        self._write_report(rid, item, digest, report, year, kind, text, tkey, sig)
        self._q("UPDATE reports SET version = version + 1 WHERE id = ?", (rid,))

    def _write_children(self, rid: int, report: dict[str, Any]) -> None:
        """Cells, checks and warnings of a report whose old children were deleted (or that is new)."""
        sources = report.get("sources") or {}
        cells: dict[str, tuple[Any, ...]] = {}
        warnings = [str(w) for w in report.get("warnings") or []]
        for key, value in (report.get("tables") or {}).items():
            v = _num(value)
            if v is None:
                warnings.append(f"cell {key}: non-numeric value {value!r} not stored")
                continue
            cells[str(key)] = (rid, str(key), v, sources.get(key))
        checks: dict[str, tuple[Any, ...]] = {}  # a name twice: the last one wins, as in a dict
        for c in report.get("checks") or []:
            name = str(c.get("name") or "")
            if name:
                checks[name] = (rid, name, 1 if c.get("ok") else 0, _num(c.get("expected")), _num(c.get("actual")),
                                json.dumps(c.get("inputs"), ensure_ascii=False, default=str))
        self._insert_rows("cells", ["report_id", "key", "value", "origin"], list(cells.values()))
        self._insert_rows("checks", ["report_id", "name", "ok", "expected", "actual", "inputs"], list(checks.values()))
        self._insert_rows("warnings", ["report_id", "message"], [(rid, w) for w in warnings])

    def _index_near(self, rid: int, text: str, sig: np.ndarray | None = None) -> None:
        if sig is None:
            sig = dedup.signature(text)
        if sig is None:
            self._q("UPDATE reports SET minhash = NULL WHERE id = ?", (rid,))
            return
        self._q("UPDATE reports SET minhash = ? WHERE id = ?", (dedup.signature_to_bytes(sig), rid))
        self._insert_rows("lsh", ["report_id", "band", "bucket"],
                          [(rid, band, bucket) for band, bucket in enumerate(dedup.band_keys(sig).tolist())],
                          "ON CONFLICT DO NOTHING")

    # ---- reading ------------------------------------------------------------------------------
    def reports(self, *, year: int | None = None, province: str | None = None, agency: str | None = None,
                template: str | None = None, ids: list[int] | None = None, with_text: bool = True,
                batch: int = 500) -> Iterator[dict[str, Any]]:
        """Reports as dicts (columns + cells + checks + warnings + sources), filtered, in id order.

        `province` and `agency` match as substrings (福建 matches 福建省); `province` also matches a
        region-code prefix of two digits.
        """
        where, params = self._filters(year, province, agency, template, ids)
        cols = ["id", "version", "title", "year", "kind", "agency", "agency_raw", "province", "city", "county",
                "region_code", "published", "template", "url", "portal", "file_kind", "body_sha256",
                "fetched_at", "text_sha256", "n_cells", "checks_total", "checks_failed", "completeness",
                "completeness_detail", "created_at", "updated_at", "sections", "data"] + (["text"] if with_text else [])
        last = 0
        while True:
            rows = self._q(f"SELECT {', '.join(cols)} FROM reports WHERE id > ?{where} ORDER BY id LIMIT ?",
                           [last, *params, batch]).fetchall()
            if not rows:
                return
            recs = [dict(zip(cols, r, strict=True)) for r in rows]
            by_id = {rec["id"]: rec for rec in recs}
            for rec in recs:
                rec["sections"] = json.loads(rec["sections"]) if rec["sections"] else None
                rec["data"] = json.loads(rec["data"]) if rec["data"] else {}
                rec["completeness_detail"] = json.loads(rec["completeness_detail"] or "{}")
                rec.update(cells={}, cell_sources={}, checks=[], warnings=[], sources=[])
            marks = ", ".join("?" * len(by_id))
            idl = list(by_id)
            for rid, key, value, origin in self._q(
                    f"SELECT report_id, key, value, origin FROM cells WHERE report_id IN ({marks}) "
                    "ORDER BY report_id, key", idl):
                by_id[rid]["cells"][key] = _out_num(value)
                if origin:
                    by_id[rid]["cell_sources"][key] = origin
            for rid, name, ok, exp, act, inputs in self._q(
                    f"SELECT report_id, name, ok, expected, actual, inputs FROM checks WHERE report_id IN ({marks}) "
                    "ORDER BY report_id, name", idl):
                by_id[rid]["checks"].append({"name": name, "ok": bool(ok), "expected": _out_num(exp),
                                             "actual": _out_num(act),
                                             "inputs": json.loads(inputs) if inputs else None})
            for rid, msg in self._q(f"SELECT report_id, message FROM warnings WHERE report_id IN ({marks}) "
                                    "ORDER BY id", idl):
                by_id[rid]["warnings"].append(msg)
            for row in self._q(
                    f"SELECT report_id, url, portal, file_kind, http_status, fetched_at, body_sha256, archive_ref, "
                    f"dedup_status, dedup_reason FROM sources WHERE report_id IN ({marks}) ORDER BY id", idl):
                by_id[row[0]]["sources"].append(dict(zip(
                    ["url", "portal", "file_kind", "http_status", "fetched_at", "body_sha256", "archive_ref",
                     "dedup_status", "dedup_reason"], row[1:], strict=True)))
            yield from recs
            last = recs[-1]["id"]

    def _filters(self, year: int | None, province: str | None, agency: str | None, template: str | None,
                 ids: list[int] | None) -> tuple[str, list[Any]]:
        where, params = "", []
        if year is not None:
            where += " AND year = ?"
            params.append(int(year))
        if province:
            where += f" AND ({self._contains('province')} OR region_code LIKE ?)"
            params += [province, province + "%"]
        if agency:
            where += f" AND {self._contains('agency')}"
            params.append(agency)
        if template:
            where += " AND template = ?"
            params.append(template)
        if ids is not None:
            where += f" AND id IN ({', '.join('?' * len(ids)) or 'NULL'})"
            params += list(ids)
        return where, params

    def _contains(self, column: str) -> str:
        return f"instr(COALESCE({column}, ''), ?) > 0"

    def versions(self, report_id: int) -> list[dict[str, Any]]:
        cols = ["version", "replaced_at", "title", "published", "url", "body_sha256", "text_sha256", "fetched_at"]
        rows = self._q(f"SELECT {', '.join(cols)} FROM report_versions WHERE report_id = ? ORDER BY version",
                       (report_id,)).fetchall()
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def stats(self) -> dict[str, Any]:
        """Counts by year, province and template; share of reports whose checks all pass."""
        def grouped(col: str) -> dict[str, int]:
            rows = self._q(f"SELECT {col}, COUNT(*) FROM reports GROUP BY {col} ORDER BY {col}").fetchall()
            return {("unknown" if k is None else str(k)): int(n) for k, n in rows}

        total = int(self._q("SELECT COUNT(*) FROM reports").fetchone()[0])
        with_checks = int(self._q("SELECT COUNT(*) FROM reports WHERE checks_total > 0").fetchone()[0])
        passing = int(self._q("SELECT COUNT(*) FROM reports WHERE checks_total > 0 AND checks_failed = 0")
                      .fetchone()[0])
        sources = int(self._q("SELECT COUNT(*) FROM sources").fetchone()[0])
        linked = int(self._q("SELECT COUNT(*) FROM sources WHERE report_id IS NOT NULL").fetchone()[0])
        return {
            "reports": total, "sources": sources, "report_sources": linked,
            "versions": int(self._q("SELECT COUNT(*) FROM report_versions").fetchone()[0]),
            "by_year": grouped("year"), "by_province": grouped("province"), "by_template": grouped("template"),
            "by_completeness": grouped("completeness"), "tables": self._table_completeness(),
            "reports_with_checks": with_checks, "checks_all_pass": passing,
            "checks_pass_share": round(passing / with_checks, 4) if with_checks else None,
            "cross_year_checks": {name: {"pairs": int(n), "ok": int(ok or 0)} for name, n, ok in self._q(
                "SELECT name, COUNT(*), SUM(ok) FROM cross_year_checks GROUP BY name ORDER BY name")},
        }

    def _table_completeness(self) -> dict[str, dict[str, int]]:
        """Per table (二/三/四): how many reports have it complete, partial or not found."""
        out: dict[str, dict[str, int]] = {}
        for (detail,) in self._q("SELECT completeness_detail FROM reports WHERE completeness_detail IS NOT NULL"):
            for table, rec in (json.loads(detail) or {}).items():
                status = str(rec.get("status"))
                out.setdefault(table, {}).setdefault(status, 0)
                out[table][status] += 1
        return out

    # ---- reparse ------------------------------------------------------------------------------
    def reparse(self, analyse: Callable[[ReportItem], ReportItem],
                progress: Callable[[int, int], None] | None = None, workers: int = 1) -> dict[str, int]:
        """Rebuild the reports from the archived bodies (no network) in one transaction; a report
        whose bodies are all missing is kept as it is (crawler/store/reparse.py explains)."""
        from crawler.store.reparse import reparse

        return reparse(self, analyse, progress, workers)
