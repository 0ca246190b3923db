"""The batching store writer (crawler/store/writer.py) against real SQLite and real PostgreSQL.

The writer thread is held inside its first archive write (a gate) so that the operations queued
meanwhile form one batch, whatever the machine's speed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.archive import Archive, Capture
from crawler.store import Store, StoreError, StoreUnavailable, open_store
from crawler.store.writer import StoreWriter
from tests import test_store_support as support
from tests.test_store_support import load_benchmark, make_item

pg_url, store_url = support.pg_url, support.store_url

BENCH = load_benchmark()
WAIT = 30.0  # seconds any step may take on a loaded machine before the test fails


def report_text(agency_id: int, year: int) -> str:
    return str(BENCH.base_report(agency_id, year))


class Gate:
    """Holds the writer thread in its first archive write until released."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()

    def hold(self, write: Callable[..., Any]) -> Callable[..., Any]:
        def held(item: Any, **kw: Any) -> Any:
            if not self.entered.is_set():
                self.entered.set()
                assert self.release.wait(WAIT)
            return write(item, **kw)
        return held


def failing_on(marker: str, exc: BaseException, index: Callable[..., Any]) -> Callable[..., Any]:
    """Store._index_near that raises for a report whose text holds `marker` (after its rows were written)."""
    def index_near(rid: int, text: str, sig: Any) -> Any:
        if marker in text:
            raise exc
        return index(rid, text, sig)
    return index_near


def failing_sync(sync: Callable[[], None], exc: OSError) -> Callable[[], None]:
    """Archive.sync that works for the first batch only (the disk fills up after it)."""
    calls = [0]

    def failing() -> None:
        calls[0] += 1
        if calls[0] > 1:
            raise exc
        sync()
    return failing


@pytest.fixture
def stores(store_url: str, tmp_path: Path) -> Iterator[Callable[..., tuple[StoreWriter, Store, Gate]]]:
    """Opens (writer, reader, gate) on the test's store; closes them at the end."""
    opened: list[tuple[StoreWriter, Store]] = []
    archive = str(tmp_path / "arc")

    def make(fail: tuple[str, BaseException] | None = None, sync_error: OSError | None = None,
             **kw: Any) -> tuple[StoreWriter, Store, Gate]:
        gate = Gate()

        def opener() -> Store:
            s = open_store(store_url, archive_dir=archive)
            s.archive_body = gate.hold(s.archive_body)  # type: ignore[method-assign]
            if sync_error is not None:
                s.archive.sync = failing_sync(s.archive.sync, sync_error)  # type: ignore[method-assign]
            if fail is not None:
                s._index_near = failing_on(fail[0], fail[1], s._index_near)  # type: ignore[method-assign]
            return s

        reader = open_store(store_url, archive_dir=archive)
        writer = StoreWriter(opener, reader, **kw)
        opened.append((writer, reader))
        return writer, reader, gate

    yield make
    for writer, reader in opened:
        writer.close()
        reader.close()


def held_first(writer: StoreWriter, gate: Gate) -> Any:
    """Queue a first save and wait until the writer thread holds it: what follows queues up."""
    first = writer.save(make_item("http://a/first.html", report_text(90, 2021), agency="第一机关"))
    assert gate.entered.wait(WAIT)
    return first


def test_a_batch_keeps_queue_order_and_dedup_decisions(stores: Callable[..., Any]) -> None:
    writer, reader, gate = stores(batch_wait=0.0)
    first = held_first(writer, gate)
    a, c = report_text(1, 2023), report_text(2, 2023)
    items = [make_item("http://a/a.html", a), make_item("http://b/a-mirror.html", a),
             make_item("http://a/c.html", c, agency="另一机关"),
             make_item("http://a/a.html", a),
             make_item("http://a/notice.html", "通知", report=False)]
    futures = [writer.save(item) for item in items]
    gate.release.set()
    writer.drain().result(WAIT)
    results = [f.result(0) for f in futures]
    assert first.result(0).status == "new"
    assert [r.status for r in results] == ["new", "duplicate", "new", "unchanged", "new"]
    assert results[1].report_id == results[0].report_id == results[3].report_id != results[2].report_id
    assert results[4].report_id is None
    assert writer.transactions == 2  # the held first item, then the five queued behind it in one
    urls = [u for (u,) in reader._q("SELECT url FROM sources ORDER BY id").fetchall()]
    assert urls == ["http://a/first.html", "http://a/a.html", "http://b/a-mirror.html", "http://a/c.html",
                    "http://a/notice.html"]


def test_one_bad_item_does_not_fail_the_others_of_its_batch(stores: Callable[..., Any]) -> None:
    writer, reader, gate = stores(fail=("BAD-ITEM", RuntimeError("disk on fire")), batch_wait=0.0)
    held_first(writer, gate)
    good1 = writer.save(make_item("http://a/g1.html", report_text(3, 2023), agency="甲机关"))
    bad = writer.save(make_item("http://a/bad.html", report_text(4, 2023) + "BAD-ITEM", agency="乙机关"))
    seen = writer.mark_seen("http://a/list.html", etag='"e"', status=200)
    good2 = writer.save(make_item("http://a/g2.html", report_text(5, 2023), agency="丙机关"))
    gate.release.set()
    writer.drain().result(WAIT)
    assert good1.result(0).status == "new" and good2.result(0).status == "new" and seen.result(0) is None
    with pytest.raises(RuntimeError, match="disk on fire"):
        bad.result(0)
    # the batch failed, then each item went alone: first + three that committed
    assert writer.transactions == 4
    assert reader.seen("http://a/bad.html") is None and writer.seen("http://a/bad.html") is None
    assert reader.seen("http://a/g2.html") is not None and reader.seen("http://a/list.html") is not None
    got = {u for (u,) in reader._q("SELECT url FROM sources").fetchall()}
    assert got == {"http://a/first.html", "http://a/g1.html", "http://a/g2.html"}


def test_a_lost_store_fails_the_whole_batch_and_marks_nothing_seen(stores: Callable[..., Any]) -> None:
    errors: list[BaseException] = []
    gone = StoreUnavailable("cannot write to the store: disk full")
    writer, reader, gate = stores(fail=("LOST", gone), batch_wait=0.0, on_error=errors.append)
    held_first(writer, gate)
    ok = writer.save(make_item("http://a/ok.html", report_text(6, 2023), agency="甲机关"))
    lost = writer.save(make_item("http://a/lost.html", report_text(7, 2023) + "LOST", agency="乙机关"))
    seen = writer.mark_seen("http://a/list.html", status=200)
    gate.release.set()
    writer.drain().result(WAIT)
    for f in (ok, lost, seen):
        with pytest.raises(StoreUnavailable):
            f.result(0)
    assert errors == [gone]  # the mark_seen nobody awaits is reported (the crawl stops on it)
    for url in ("http://a/ok.html", "http://a/lost.html", "http://a/list.html"):
        assert writer.seen(url) is None and reader.seen(url) is None
    assert [u for (u,) in reader._q("SELECT url FROM sources").fetchall()] == ["http://a/first.html"]


def test_reads_see_queued_writes(stores: Callable[..., Any]) -> None:
    writer, reader, gate = stores(batch_wait=0.0)
    held_first(writer, gate)
    item = make_item("http://a/queued.html", report_text(8, 2023))
    writer.save(item)
    writer.mark_seen("http://a/list2.html", etag='"x"', status=200)
    for url in ("http://a/queued.html", "http://a/list2.html", "http://a/first.html"):
        assert reader.seen(url) is None  # nothing committed yet
    queued = writer.seen("http://a/queued.html")
    assert queued is not None and (queued.fetched_at, queued.body_sha256) == (item.fetched_at, item.body_sha256)
    listed = writer.seen("http://a/list2.html")
    assert listed is not None and (listed.etag, listed.http_status) == ('"x"', 200)
    gate.release.set()
    writer.drain().result(WAIT)
    stored = reader.seen("http://a/queued.html")
    assert stored is not None and stored.report_id is not None and stored.fetched_at == item.fetched_at
    assert writer.seen("http://a/list2.html") == reader.seen("http://a/list2.html")


def test_close_commits_everything_queued(stores: Callable[..., Any], store_url: str, tmp_path: Path) -> None:
    writer, _, gate = stores(batch_items=4)
    held_first(writer, gate)
    futures = [writer.save(make_item(f"http://a/r{i}.html", report_text(10 + i, 2022), agency=f"机关{i}"))
               for i in range(10)]
    gate.release.set()
    writer.close()
    assert all(f.result(0).status == "new" for f in futures)
    assert writer.transactions >= 4  # 1 + at least ceil(10 / 4) batches
    with open_store(store_url, archive_dir=str(tmp_path / "arc")) as check:
        assert check._q("SELECT COUNT(*) FROM sources").fetchone()[0] == 11
    with pytest.raises(StoreError, match="closed"):
        writer.save(make_item("http://a/late.html", "late"))


def test_a_forced_stop_drops_what_is_queued_unseen(stores: Callable[..., Any]) -> None:
    writer, reader, gate = stores(batch_wait=0.0)
    first = held_first(writer, gate)
    queued = [writer.save(make_item(f"http://a/q{i}.html", report_text(30 + i, 2022), agency=f"机关{i}"))
              for i in range(3)]
    stopper = threading.Thread(target=writer.close, kwargs={"abandon": True})
    stopper.start()
    assert writer._abandon.wait(WAIT)  # the stop is in before the writer takes its next batch
    gate.release.set()
    stopper.join(WAIT)
    assert not stopper.is_alive()
    assert first.result(0).status == "new"  # the batch in hand is finished
    for i, f in enumerate(queued):
        with pytest.raises(StoreError, match="stopped at once"):
            f.result(0)
        assert reader.seen(f"http://a/q{i}.html") is None and writer.seen(f"http://a/q{i}.html") is None


def test_a_writer_that_breaks_fails_what_is_queued_instead_of_hanging(stores: Callable[..., Any]) -> None:
    writer, reader, gate = stores(batch_wait=0.0)
    first = held_first(writer, gate)
    broken = RuntimeError("a bug in the writer")

    def boom(store: Any, batch: Any) -> None:
        raise broken

    writer._commit = boom  # type: ignore[method-assign] - the next batch breaks the thread
    queued = writer.save(make_item("http://a/q.html", report_text(40, 2022)))
    drained = writer.drain()
    gate.release.set()
    assert first.result(WAIT).status == "new"
    for f in (queued, drained):
        with pytest.raises(RuntimeError, match="a bug in the writer"):
            f.result(WAIT)
    assert writer.seen("http://a/q.html") is None and reader.seen("http://a/q.html") is None
    with pytest.raises(StoreError, match="closed"):
        writer.mark_seen("http://a/later.html")


def test_a_deadlocked_batch_is_retried_item_by_item_on_postgres_only(stores: Callable[..., Any],
                                                                      store_url: str) -> None:
    import psycopg.errors

    deadlock = StoreUnavailable("cannot write to the store: deadlock detected")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    writer, reader, gate = stores(fail=("DEADLOCK", deadlock), batch_wait=0.0)
    held_first(writer, gate)
    ok = writer.save(make_item("http://a/ok.html", report_text(50, 2023), agency="甲机关"))
    stuck = writer.save(make_item("http://a/stuck.html", report_text(51, 2023) + "DEADLOCK", agency="乙机关"))
    gate.release.set()
    writer.drain().result(WAIT)
    with pytest.raises(StoreUnavailable):
        stuck.result(0)
    if store_url.startswith("sqlite"):  # SQLite writers take the whole file: no deadlock, the store is gone
        with pytest.raises(StoreUnavailable):
            ok.result(0)
        assert reader.seen("http://a/ok.html") is None
    else:  # two PostgreSQL writers' batches can wait on each other: alone, each item is written
        assert ok.result(0).status == "new" and reader.seen("http://a/ok.html") is not None
    assert reader.seen("http://a/stuck.html") is None


def test_a_batch_whose_bodies_cannot_be_synced_stores_none_of_them(stores: Callable[..., Any]) -> None:
    writer, reader, gate = stores(sync_error=OSError(28, "No space left on device"), batch_wait=0.0)
    first = held_first(writer, gate)
    saves = [writer.save(make_item(f"http://a/s{i}.html", report_text(60 + i, 2023), agency=f"机关{i}"))
             for i in range(3)]
    seen = writer.mark_seen("http://a/list.html", status=200)
    gate.release.set()
    writer.drain().result(WAIT)
    assert first.result(0).status == "new"
    for i, f in enumerate(saves):
        with pytest.raises(StoreUnavailable, match="No space left"):
            f.result(0)
        assert reader.seen(f"http://a/s{i}.html") is None
    assert seen.result(0) is None  # a seen mark needs no archived body


def test_the_archive_syncs_a_batch_once_and_reports_a_rotated_file_it_could_not_sync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import crawler.archive as archive_module

    synced: list[int] = []
    real_fsync = archive_module.os.fsync
    monkeypatch.setattr(archive_module.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    archive = Archive(tmp_path / "arc")
    bodies = [f"<html>{i}</html>".encode() for i in range(3)]
    refs = [archive.put(b, capture=Capture(url=f"http://x.gov.cn/{i}.html"), sync=False)[1] for i, b in enumerate(bodies)]
    assert synced == []
    archive.sync()
    archive.sync()  # nothing new: no second fsync
    assert len(synced) == 1
    assert [archive.get(r) for r in refs] == bodies

    def broken(fd: int) -> None:
        raise OSError(5, "Input/output error")

    archive.put(b"<html>late</html>", capture=Capture(url="http://x.gov.cn/late.html"), sync=False)
    monkeypatch.setattr(archive_module.os, "fsync", broken)
    archive.max_file_bytes = 1  # the next put rotates: the old file is closed with a record unsynced
    archive.put(b"<html>next</html>", capture=Capture(url="http://x.gov.cn/next.html"), sync=False)
    with pytest.raises(OSError, match="Input/output error"):
        archive.sync()
    archive.close()
