"""Store pipeline: saves go to the crawl's store writer (crawler/store/writer.py), off the reactor.

The spider and this pipeline share one reader connection (seen lookups, the pending list, the run
record) and one writer thread (saves and mark_seen, committed in batched transactions).
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import Future
from typing import Any

from crawler.items import ReportItem
from crawler.store import Store, StoreUnavailable, open_store
from crawler.store.writer import StoreWriter
from pipelines.offload import _deferred
from pipelines.portalstats import PortalStats
from pipelines.storefail import stop_for_store_failure

logger = logging.getLogger(__name__)


def _open(settings: Any) -> Store:
    store = open_store(settings.get("ZWGK_STORE"), archive_dir=settings.get("ZWGK_ARCHIVE_DIR") or None)
    store.archive.max_file_bytes = settings.getint("ZWGK_WARC_MAX_BYTES")
    return store


def shared_store(crawler: Any) -> Store:
    """The crawl's store (its reader connection), opened from ZWGK_STORE on first use and kept on the crawler."""
    store = getattr(crawler, "_zwgk_store", None)
    if store is None:
        store = _open(crawler.settings)
        crawler._zwgk_store = store
    return store


def shared_writer(crawler: Any) -> StoreWriter:
    """The crawl's store writer (its own connection, on its own thread), started on first use."""
    writer = getattr(crawler, "_zwgk_writer", None)
    if writer is None:
        settings = crawler.settings
        writer = StoreWriter(lambda: _open(settings), shared_store(crawler),
                             batch_items=settings.getint("ZWGK_STORE_BATCH_ITEMS"),
                             batch_wait=settings.getfloat("ZWGK_STORE_BATCH_WAIT"),
                             on_error=lambda exc: _write_failed(crawler, exc))
        crawler._zwgk_writer = writer
    return writer


def _write_failed(crawler: Any, exc: BaseException) -> None:
    """A write nobody awaits (mark_seen) failed, on the writer thread: handle it on the reactor's."""
    from twisted.internet import reactor

    def handle() -> None:
        if isinstance(exc, StoreUnavailable):
            stop_for_store_failure(crawler, exc)
        else:
            logger.error("a store write failed: %s", exc, exc_info=exc)

    reactor.callFromThread(handle)


async def _settled(future: Future[Any]) -> Any:
    """The writer's result, awaited on the reactor."""
    from scrapy.utils.defer import maybe_deferred_to_future

    return await maybe_deferred_to_future(_deferred(future, 0))


def close_writer(crawler: Any, *, abandon: bool = False) -> None:
    """Stop the crawl's writer: after committing what is queued, or (a forced stop) at once."""
    writer = getattr(crawler, "_zwgk_writer", None)
    if writer is not None:
        crawler._zwgk_writer = None
        writer.close(abandon=abandon)


class StorePipeline:
    """Write each report item to the store and record the crawl run."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = PortalStats.of(crawler)
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def open_spider(self) -> None:
        spider = self.crawler.spider
        args = {k: v for k, v in vars(spider).items() if isinstance(v, (str, int, float, bool))}
        job_started = getattr(spider, "job_started", None)
        if job_started is not None:
            # a run that does not finish is continued by the next one from here (Store.unfinished_job_start)
            args["job_started"] = job_started.isoformat()
        try:
            self.run_id = shared_store(self.crawler).start_run(spider=spider.name, args=args)
        except StoreUnavailable as exc:
            stop_for_store_failure(self.crawler, exc)
        self.crawler._zwgk_run_id = self.run_id  # the runner adds how the run ended (crawler/runner.py)

    async def process_item(self, item: ReportItem) -> ReportItem:
        try:
            # awaited: store_status and report_id are on the item before the feeds see it
            result = await _settled(shared_writer(self.crawler).save(item, run_id=self.run_id))
        except StoreUnavailable as exc:
            # The item is not stored and not marked seen; the spider records it as failed.
            stop_for_store_failure(self.crawler, exc)
            raise
        item.store_status = result.status
        item.report_id = result.report_id
        self.stats.count(item.portal, result.status)
        for w in item.warnings:
            self.stats.warn(item.portal, f"{item.url}: {w}")
        # The raw body and the pictures are archived; drop them so feeds and logs do not carry megabytes.
        item.body = b""
        item.images = []
        return item

    async def close_spider(self) -> None:
        store = shared_store(self.crawler)
        try:
            if getattr(self.crawler, "_zwgk_writer", None) is not None:
                await _settled(self.crawler._zwgk_writer.drain())  # everything queued is committed
            self.stats.set_pending(store.pending_counts())
            if self.run_id is not None:
                counts = self.stats.totals()
                portals = self.stats.as_dict()
                store.finish_run(self.run_id, counts, portals)
                logger.info("crawl run %s: %s", self.run_id, json.dumps(counts, ensure_ascii=False))
        except StoreUnavailable as exc:
            # The run stays unfinished in the store: the next run continues its job.
            stop_for_store_failure(self.crawler, exc)
            logger.warning("the run record could not be completed: %s", exc)
        finally:
            close_writer(self.crawler)
            store.close()
            self.crawler._zwgk_store = None
