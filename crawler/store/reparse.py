"""Rebuilding every report from the raw-body archive (`zwgk reparse`) without ever losing one.

What counts as missing: a source's body is *present* when the archive holds it under its reference
and it hashes to the sha256 it was stored with; otherwise (no file, a truncated or altered file) it
is *missing*. A report is rebuilt when at least one of its sources has its body present (any source
will do: the PDF of an HTML report rebuilds it too); a report none of whose bodies is present is
*kept* exactly as it is, with its cells, checks, warnings, history and source links.

Everything happens in one transaction: the rebuilt reports are deleted and their present sources
re-saved in fetch order (so dedup and revisions come out as a fresh crawl of those bodies would);
an interrupt, an error or a kill before the commit leaves the store exactly as it was. When not one
body is present (a wrong --archive-dir, a database copied without its archive) nothing is changed
at all and ReparseRefused says so.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TYPE_CHECKING, Any

from crawler.archive import Archive, ArchiveError
from crawler.items import PageImage, ReportItem
from crawler.stopsignals import held_while_spawning, ignore_in_worker
from crawler.store.base import StoreError

if TYPE_CHECKING:
    from crawler.store.base import Store

Analyse = Callable[[ReportItem], ReportItem]
Progress = Callable[[int, int], None]

_WINDOW_PER_WORKER = 4  # items in flight per worker process: bodies can be large
_IN_CHUNK = 500  # ids per `IN (...)` list, well under SQLite's bound-parameter limit
_SOURCE_COLS = ("id, url, body_sha256, portal, file_kind, link_text, referer, http_status, content_type, headers, "
                "first_fetched_at, archive_ref, report_id")
# the derived tables of a report, emptied before it is rebuilt
_REPORT_CHILDREN = ("lsh", "cells", "checks", "warnings", "report_versions")
_NOTE = "reparse: "  # prefix of the warnings a reparse writes (replaced by the next one)
_SAVEPOINT = "zwgk_reparse_pass"


class ReparseRefused(StoreError):
    """Not one archived body could be read: rebuilding would empty the store, so nothing was changed."""


def analysed(items: Iterable[tuple[Any, ReportItem]], analyse: Analyse, workers: int,
             ) -> Iterator[tuple[Any, ReportItem, BaseException | None]]:
    """(row, item analysed, error) in order: here, or in worker processes with a bounded window."""
    if workers <= 1:
        for r, item in items:
            try:
                yield r, analyse(item), None
            except Exception as exc:  # noqa: BLE001 - counted and recorded by the caller
                yield r, item, exc
        return
    window: deque[tuple[Any, ReportItem, Future[ReportItem]]] = deque()
    # the workers leave Ctrl-C to this process, which rolls back and stops them
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=ignore_in_worker)
    try:
        def drain_one() -> tuple[Any, ReportItem, BaseException | None]:
            r, item, fut = window.popleft()
            try:
                return r, fut.result(), None
            except Exception as exc:  # noqa: BLE001 - counted and recorded by the caller
                return r, item, exc

        for r, item in items:
            with held_while_spawning():  # the executor starts its workers from submit()
                window.append((r, item, pool.submit(analyse, item)))
            if len(window) >= _WINDOW_PER_WORKER * workers:
                yield drain_one()
        while window:
            yield drain_one()
    except BaseException:
        # interrupted (or the caller failed): do not wait for the window's parses, stop the workers
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _body_present(archive: Archive, row: Any) -> bool:
    try:
        archive.get(_ref(row))
    except ArchiveError:
        return False
    return True


def _ref(row: Any) -> str:
    return str(row[11] or Archive.ref_for(row[2]))


def _item(row: Any, body: bytes) -> ReportItem:
    return ReportItem(url=row[1], body=body, status=row[7] or 200, content_type=row[8] or "",
                      headers=json.loads(row[9] or "{}"), fetched_at=row[10] or "", body_sha256=row[2],
                      portal=row[3] or "", link_text=row[5] or "", referer=row[6] or "", kind=row[4] or "html")


def _with_pictures(store: Store, item: ReportItem, source_id: int) -> ReportItem:
    """The page's table pictures read back from the archive, so that OCR reads them again; one
    that is missing or corrupt, or was never fetched, is a warning, and the page is read without it."""
    for pic in store.pictures(source_id):
        if pic["error"]:  # not fetched in the crawl: the report says so again
            item.warnings.append(PageImage(url=str(pic["url"]), body=b"", error=str(pic["error"])).warning())
            continue
        try:
            body = store.archive.get(str(pic["archive_ref"]))
        except ArchiveError as exc:
            item.warnings.append(f"{_NOTE}picture {pic['url']} not read: {exc}")
            continue
        item.images.append(PageImage(url=str(pic["url"]), body=body, status=pic["http_status"] or 200,
                                     headers={"content-type": pic["content_type"] or ""},
                                     fetched_at=pic["fetched_at"] or ""))
    return item


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _IN_CHUNK):
        yield ids[i:i + _IN_CHUNK]


def _fingerprints(store: Store, ids: list[int]) -> dict[str, str]:
    """dedup key -> digest of what a user sees of the report (fields, cells, checks), to tell a report
    the rebuild left as it was from one it changed."""
    out: dict[str, str] = {}
    for part in _chunks(ids):
        marks = ", ".join("?" * len(part))
        cells: dict[int, list[Any]] = {}
        for rid, key, value in store._q(f"SELECT report_id, key, value FROM cells WHERE report_id IN ({marks}) "
                                        "ORDER BY report_id, key", part):
            cells.setdefault(int(rid), []).append((key, float(value)))
        checks: dict[int, list[Any]] = {}
        for rid, name, ok in store._q(f"SELECT report_id, name, ok FROM checks WHERE report_id IN ({marks}) "
                                      "ORDER BY report_id, name", part):
            checks.setdefault(int(rid), []).append((name, int(ok)))
        for row in store._q("SELECT id, dedup_key, text_sha256, title, year, agency, region_code, published, "
                            f"template, url FROM reports WHERE id IN ({marks})", part):
            rid = int(row[0])
            blob = json.dumps([list(row[2:]), cells.get(rid, []), checks.get(rid, [])], ensure_ascii=False,
                              default=str)
            out[str(row[1])] = hashlib.sha256(blob.encode("utf-8")).hexdigest()
    return out


def reparse(store: Store, analyse: Analyse, progress: Progress | None = None, workers: int = 1) -> dict[str, int]:
    """Rebuild the reports from the archive in one transaction; returns the counts (see module doc).

    Source counts: sources, missing (from the archive), failed (analysis raised), and the dedup
    outcome of every re-saved source (new, changed, duplicate, unchanged). Report counts:
    reports_rebuilt, of which reports_identical came out as they were, and reports_kept (left
    untouched: no body present, or every present body failed to parse).
    """
    with store._tx():
        store._lock(0)
        rows = store._q(f"SELECT {_SOURCE_COLS} FROM sources ORDER BY first_fetched_at, id").fetchall()
        unusable = {int(r[0]): f"archive body missing or corrupt: {store.archive.path(_ref(r))}"
                    for r in rows if not _body_present(store.archive, r)}
        if rows and len(unusable) == len(rows):
            example = store.archive.path(_ref(rows[0]))
            raise ReparseRefused(
                f"none of the {len(rows)} archived bodies was found under {store.archive.root} (e.g. {example}): "
                "nothing was changed; give the archive's directory with --archive-dir")
        missing = len(unusable)
        by_report: dict[int, list[int]] = {}
        for r in rows:
            if r[12] is not None:
                by_report.setdefault(int(r[12]), []).append(int(r[0]))
        # A report whose every present body fails to parse would vanish: it is kept instead, which is
        # only known once parsed. So each pass runs under a savepoint; when such reports turn up, the
        # pass is rolled back and run again with their bodies counted as unusable (parsing is
        # deterministic, so the second pass finds no new ones; a pass parses everything again, but
        # only when a parse failed).
        while True:
            store._q(f"SAVEPOINT {_SAVEPOINT}")
            counts, failed = _rebuild(store, rows, unusable, by_report, analyse, progress, workers)
            vanished = [rid for rid, sids in by_report.items()
                        if any(s in failed for s in sids) and all(s in failed or s in unusable for s in sids)]
            if not vanished:
                break
            store._q(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
            for rid in vanished:
                for sid in by_report[rid]:
                    if sid in failed:
                        unusable[sid] = f"analyse failed ({failed[sid]}); the report keeps its previous record"
        store._q(f"RELEASE SAVEPOINT {_SAVEPOINT}")
    counts["missing"] = missing
    counts["failed"] = len(failed) + len(unusable) - missing
    return counts


def _rebuild(store: Store, rows: list[Any], unusable: dict[int, str], by_report: dict[int, list[int]],
             analyse: Analyse, progress: Progress | None, workers: int) -> tuple[dict[str, int], dict[int, str]]:
    """One pass: clear and re-save; returns the counts and the sources whose analysis failed."""
    counts = {"sources": len(rows), "missing": 0, "failed": 0, "new": 0, "changed": 0, "duplicate": 0,
              "unchanged": 0, "reports_rebuilt": 0, "reports_identical": 0, "reports_kept": 0}
    all_ids = [int(x[0]) for x in store._q("SELECT id FROM reports ORDER BY id")]
    kept = {rid for rid in all_ids if all(s in unusable for s in by_report.get(rid, []))}
    rebuilt = [rid for rid in all_ids if rid not in kept]
    before = _fingerprints(store, rebuilt)
    # which old report each source belonged to: an unusable source of a rebuilt report follows it
    old_report = {sid: rid for rid, sids in by_report.items() if rid not in kept for sid in sids}
    resave = [r for r in rows if int(r[0]) not in unusable]
    skipped = [r for r in rows if int(r[0]) in unusable]
    _clear(store, rebuilt, [int(r[0]) for r in resave], [int(r[0]) for r in skipped], whole=not kept)

    def items() -> Iterator[tuple[Any, ReportItem]]:
        for r in resave:
            # verified a moment ago, in this transaction
            yield r, _with_pictures(store, _item(r, store.archive.get(_ref(r))), int(r[0]))

    failed: dict[int, str] = {}
    for n, (r, item, error) in enumerate(analysed(items(), analyse, workers), 1):
        if error is not None:  # one bad body must not stop the rebuild
            failed[int(r[0])] = f"{type(error).__name__}: {error}"
            item.report = None
            item.warnings.append(f"{_NOTE}analyse failed: {type(error).__name__}: {error}")
        res = store._save(item, r[2], _ref(r), None, reparse=True)
        counts[res.status] = counts.get(res.status, 0) + 1
        if progress:
            progress(n, len(resave))
    for r in skipped:
        store._q("INSERT INTO warnings (source_id, message) VALUES (?, ?)", (r[0], _NOTE + unusable[int(r[0])]))
    _relink_missing(store, skipped, old_report, resave)
    after_ids = [int(x[0]) for x in store._q("SELECT id FROM reports ORDER BY id") if int(x[0]) not in kept]
    after = _fingerprints(store, after_ids)
    counts["reports_rebuilt"] = len(after_ids)
    counts["reports_identical"] = sum(1 for k, fp in after.items() if before.get(k) == fp)
    counts["reports_kept"] = len(kept)
    return counts, failed


def _clear(store: Store, rebuilt: list[int], resave: list[int], missing: list[int], *, whole: bool) -> None:
    """Empty what the rebuild writes again: the rebuilt reports, their derived rows, and the links
    of the sources that are re-saved. Kept reports and their sources are not touched."""
    if whole:  # nothing kept: as a fresh crawl, with ids from 1 (the same parse gives the same ids)
        store._q("UPDATE sources SET report_id = NULL")
        store._q("UPDATE seen SET report_id = NULL")
        for t in (*_REPORT_CHILDREN, "reports"):
            store._q(f"DELETE FROM {t}")
        for t in ("reports", "report_versions", "warnings"):
            store._reset_ids(t)
    else:
        for part in _chunks(rebuilt):
            marks = ", ".join("?" * len(part))
            store._q(f"UPDATE seen SET report_id = NULL WHERE report_id IN ({marks})", part)
            for t in _REPORT_CHILDREN:
                store._q(f"DELETE FROM {t} WHERE report_id IN ({marks})", part)
            store._q(f"UPDATE sources SET report_id = NULL WHERE report_id IN ({marks})", part)
            store._q(f"DELETE FROM reports WHERE id IN ({marks})", part)
    for part in _chunks(resave):
        marks = ", ".join("?" * len(part))
        store._q(f"UPDATE sources SET text_sha256 = NULL, dedup_status = NULL, dedup_reason = NULL, "
                 f"similarity = NULL WHERE id IN ({marks})", part)
        store._q(f"DELETE FROM warnings WHERE source_id IN ({marks})", part)  # the re-save writes them again
    for part in _chunks(missing):  # the previous reparse's note is replaced by this one's
        marks = ", ".join("?" * len(part))
        store._q(f"DELETE FROM warnings WHERE source_id IN ({marks}) AND message LIKE ?", [*part, _NOTE + "%"])


def _relink_missing(store: Store, skipped: list[Any], old_report: dict[int, int], resave: list[Any]) -> None:
    """A source whose body is unusable (missing, or failing to parse while its report was kept), of a
    report that was rebuilt from its other sources, is linked to the report those sources now belong
    to, so no place a report was found is forgotten."""
    if not skipped:
        return
    new_of_old: dict[int, int] = {}
    for r in resave:  # fetch order: the first source of the old report decides
        old = old_report.get(int(r[0]))
        if old is None or old in new_of_old:
            continue
        now = store._q("SELECT report_id FROM sources WHERE id = ?", (r[0],)).fetchone()
        if now is not None and now[0] is not None:
            new_of_old[old] = int(now[0])
    for r in skipped:
        old = old_report.get(int(r[0]))
        if old is not None and old in new_of_old:
            store._q("UPDATE sources SET report_id = ?, dedup_reason = ? WHERE id = ?",
                     (new_of_old[old], f"{_NOTE}body not usable; kept with the report its other sources rebuilt",
                      r[0]))
            store._q("UPDATE seen SET report_id = ? WHERE url = ? AND report_id IS NULL", (new_of_old[old], r[1]))
