"""Store writes on a thread of their own, committed in batches (group commit).

A crawl saves a report in ~8 CPU-ms and ~21 SQL statements; on the reactor thread that stalls every
download in flight. `StoreWriter` takes `save` and `mark_seen` calls, returns a Future at once, and
one dedicated thread, owning its own write connection, commits what is queued in batches: up to
`batch_items` operations, or whatever arrived within `batch_wait` seconds of the first, in one
transaction (one COMMIT), after one fsync of their archived bodies. A dedicated thread rather than Twisted's deferToThread: a SQLite
connection belongs to the thread that opened it, one thread keeps the operations in queue order (the
reactor's thread pool would run them in any order), and batches form by themselves while a commit
is in progress. No Twisted here: callers turn the Futures into what their framework awaits.

Semantics (crawler/store/base.py keeps every save's own rules):
- operations commit in the order they were queued; reads see queued writes: `seen(url)` answers
  from the queued writes first, then from the reader connection (which sees every commit);
- a batch is one transaction. If it fails because the store is gone (StoreUnavailable), every
  operation of the batch fails with that error: none of it is stored or marked seen. Any other
  failure (a bug in one item, a deadlock between two writers) retries the batch one operation per
  transaction, so one bad item cannot fail the others; each operation ends stored or failed;
- `drain()` resolves once everything queued before it is committed (or failed); `close()` commits
  what is queued, `close(abandon=True)` (a forced stop) fails it instead, after the batch in hand.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from crawler.items import ReportItem
from crawler.store.base import Archived, SaveResult, SeenInfo, Store, StoreError, StoreUnavailable, utcnow

logger = logging.getLogger(__name__)

BATCH_ITEMS = 64  # operations per transaction, at most (ZWGK_STORE_BATCH_ITEMS)
BATCH_WAIT = 0.02  # seconds a batch waits for more operations after its first (ZWGK_STORE_BATCH_WAIT)
CLOSE_TIMEOUT = 30.0  # seconds a forced stop waits for the batch in hand before leaving the thread


@dataclass
class _Op:
    """One queued operation: a save (item), a mark_seen (seen), or a drain barrier (neither)."""

    url: str
    future: Future[Any]
    item: ReportItem | None = None
    run_id: int | None = None
    seen: dict[str, Any] | None = None
    token: int = 0
    archived: Archived | None = None

    @property
    def barrier(self) -> bool:
        return self.item is None and self.seen is None

    def apply(self, store: Store) -> SaveResult | None:
        """The operation's writes, inside the caller's transaction."""
        if self.item is not None:
            assert self.archived is not None  # archived by _commit before the transaction
            return store.save_archived(self.item, self.archived, run_id=self.run_id)
        assert self.seen is not None
        store.mark_seen(self.url, **self.seen)
        return None


class StoreWriter:
    """The crawl's store writes, off the calling thread, in batched transactions."""

    def __init__(self, opener: Callable[[], Store], reader: Store, *, batch_items: int = BATCH_ITEMS,
                 batch_wait: float = BATCH_WAIT,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        """`opener` opens the write connection (called on the writer thread); `reader` answers
        `seen` for what is not queued; `on_error` hears of failed writes nobody awaits (mark_seen)."""
        self.reader = reader
        self.batch_items = max(1, batch_items)
        self.batch_wait = max(0.0, batch_wait)
        self.on_error = on_error
        self.transactions = 0  # committed batch transactions (benchmarks/store.py)
        self._opener = opener
        self._queue: queue.SimpleQueue[_Op | None] = queue.SimpleQueue()
        self._overlay: dict[str, tuple[int, SeenInfo]] = {}  # URL -> the newest queued write of it
        self._lock = threading.Lock()
        self._tokens = itertools.count(1)
        self._abandon = threading.Event()
        self._closed = False
        self._stopped = False  # the thread has ended (closed, or a bug)
        opened: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, args=(opened,), name="zwgk-store-writer", daemon=True)
        self._thread.start()
        opened.result()  # a store that cannot be opened fails here, in the caller

    # ---- the calling thread -------------------------------------------------------------------
    def save(self, item: ReportItem, *, run_id: int | None = None) -> Future[SaveResult]:
        """Queue `Store.save(item)`; the Future holds its SaveResult or its exception."""
        headers = {k.lower(): v for k, v in (item.headers or {}).items()}
        info = SeenInfo(headers.get("etag"), headers.get("last-modified"), item.body_sha256,
                        item.fetched_at or utcnow(), None, item.status)
        return self._put(_Op(item.url, Future(), item=item, run_id=run_id), info)

    def mark_seen(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
                  body_sha256: str | None = None, status: int | None = None) -> Future[None]:
        """Queue `Store.mark_seen`; a failure nobody awaits goes to `on_error`."""
        stamp = utcnow()  # when it was seen, not when the batch commits
        kw = {"etag": etag, "last_modified": last_modified, "body_sha256": body_sha256, "status": status,
              "fetched_at": stamp}
        info = SeenInfo(etag, last_modified, body_sha256, stamp, None, status)
        return self._put(_Op(url, Future(), seen=kw), info)

    def seen(self, url: str) -> SeenInfo | None:
        """The seen record of a URL, counting writes still queued (so a page is not fetched twice)."""
        with self._lock:
            queued = self._overlay.get(url)
        # a URL leaves the overlay only after its commit: a miss here is found by the reader
        return queued[1] if queued is not None else self.reader.seen(url)

    def drain(self) -> Future[None]:
        """Resolves once every operation queued before it is committed or failed."""
        return self._put(_Op("", Future()), None)

    def close(self, *, abandon: bool = False) -> None:
        """Stop the thread: after committing what is queued, or (abandon) failing it unwritten."""
        if self._closed:
            return
        self._closed = True
        if abandon:
            self._abandon.set()
        self._queue.put(None)
        self._thread.join(CLOSE_TIMEOUT if abandon else None)

    def _put(self, op: _Op, info: SeenInfo | None) -> Future[Any]:
        with self._lock:
            if self._closed or self._stopped:
                raise StoreError("the store writer is closed: nothing more can be written")
            if info is not None:
                op.token = next(self._tokens)
                self._overlay[op.url] = (op.token, info)
            self._queue.put(op)
        return op.future

    # ---- the writer thread --------------------------------------------------------------------
    def _run(self, opened: Future[None]) -> None:
        try:
            store = self._opener()
        except BaseException as exc:
            opened.set_exception(exc)
            return
        opened.set_result(None)
        stopped: BaseException = StoreError("not stored: the store writer was closed")
        batch: list[_Op] | None = []
        try:
            while (batch := self._next_batch()) is not None:
                if batch:
                    self._commit(store, batch)
        except BaseException as exc:  # a bug in the writer: fail what is queued rather than hang a drain
            logger.exception("the store writer stopped")
            stopped = exc
        finally:
            with self._lock:
                self._stopped = True  # from here on _put refuses: nothing queued is left unresolved
            left = list(batch or [])
            while True:
                try:
                    op = self._queue.get_nowait()
                except queue.Empty:
                    break
                if op is not None:
                    left.append(op)
            for op in left:
                if not op.future.done():
                    self._settle(op, stopped)
            store.close()

    def _next_batch(self) -> list[_Op] | None:
        """The next batch (empty when everything taken was abandoned); None once closed."""
        op = self._queue.get()
        batch: list[_Op] = []
        deadline = time.monotonic() + self.batch_wait
        while op is not None:
            if self._abandon.is_set():
                self._settle(op, StoreError("not stored: the crawl was stopped at once"))
            else:
                batch.append(op)
            if op.barrier or len(batch) >= self.batch_items:
                return batch  # a drain commits now rather than wait for more
            try:
                op = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return batch
        self._queue.put(None)  # closed: this batch is the last, the next call ends the thread
        return batch if batch else None

    def _commit(self, store: Store, batch: list[_Op]) -> None:
        ready: list[_Op] = []
        for op in batch:
            if op.item is None:
                ready.append(op)
                continue
            try:  # the body goes to the archive before the transaction, as in Store.save
                op.archived = store.archive_body(op.item, sync=False)
            except Exception as exc:
                self._settle(op, exc)
                continue
            ready.append(op)
        try:  # one fsync for the batch's bodies, before any reference to them is committed
            store.sync_archive()
        except StoreUnavailable as exc:
            for op in ready:
                if op.item is not None:
                    self._settle(op, exc)
            ready = [op for op in ready if op.item is None]
        writes = [op for op in ready if not op.barrier]
        if writes:
            try:
                with store._tx():
                    store.lock_years([op.item for op in writes if op.item is not None])
                    results = [op.apply(store) for op in writes]
            except Exception as exc:
                if len(writes) > 1 and (not isinstance(exc, StoreUnavailable) or store.transient(exc)):
                    for op in writes:  # one item at a time: a bad one cannot fail the others
                        self._alone(store, op)
                else:  # the store is gone: nothing of this batch was kept
                    for op in writes:
                        self._settle(op, exc)
            else:
                self.transactions += 1
                for op, result in zip(writes, results, strict=True):
                    self._settle(op, None, result)
        for op in ready:
            if op.barrier:
                self._settle(op, None)

    def _alone(self, store: Store, op: _Op) -> None:
        try:
            with store._tx():
                result = op.apply(store)
        except Exception as exc:
            self._settle(op, exc)
            return
        self.transactions += 1
        self._settle(op, None, result)

    def _settle(self, op: _Op, exc: BaseException | None, result: Any = None) -> None:
        """Resolve an operation; it leaves the overlay (committed: the reader sees it; failed: unseen)."""
        if op.token:
            with self._lock:
                if self._overlay.get(op.url, (0,))[0] == op.token:
                    del self._overlay[op.url]
        if exc is None:
            op.future.set_result(result)
            return
        op.future.set_exception(exc)
        if op.seen is not None:  # nobody awaits a mark_seen
            if self.on_error is not None:
                self.on_error(exc)
            else:
                logger.error("marking %s seen failed: %s", op.url, exc)
