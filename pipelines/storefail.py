"""A store that cannot be written stops the crawl: one clear message, a non-zero exit, nothing lost.

Once the store fails (disk full, read-only, the database went away: crawler.store.StoreUnavailable)
nothing more the crawl fetches can be kept, so it stops. Nothing unstored is marked seen (a save is
one transaction), and the next run continues the stopped run's job (crawler.store.Store
.unfinished_job_start): it skips what was stored and walks the columns past it, so it fetches the
rest. In distributed mode the worker stops acknowledging its in-flight requests, so they go back to
the shared queue for the next worker.
"""

from __future__ import annotations

import logging
from typing import Any

from crawler.runner import STORE_FAILED_REASON
from crawler.store import StoreUnavailable
from pipelines.portalstats import PortalStats

logger = logging.getLogger(__name__)

FINISH_REASON = STORE_FAILED_REASON  # the spider's close reason (Scrapy stats: finish_reason)


def stop_for_store_failure(crawler: Any, exc: StoreUnavailable) -> None:
    """Record the failure (once) and close the spider; later failures of in-flight items are quiet."""
    stats = PortalStats.of(crawler)
    if stats.store_failure:
        return
    # one line: database errors carry line breaks ("server closed the connection\n\tThis probably…")
    stats.store_failure = " ".join(str(exc).split())
    logger.error("%s; the crawl stops (%s)", exc, StoreUnavailable.next_step)
    engine = getattr(crawler, "engine", None)
    if engine is None or getattr(engine, "spider", None) is None:
        return  # not crawling yet (the store failed while opening): nothing to close
    from scrapy.utils.defer import deferred_from_coro

    deferred_from_coro(engine.close_spider_async(reason=FINISH_REASON))
    queue = getattr(crawler, "_zwgk_redis_queue", None)
    if queue is not None:
        # Acknowledge nothing more: this worker's in-flight requests return to the shared queue.
        queue.fail(f"store failed: {exc}")


class _QuietStoreFailure(logging.Filter):
    """Scrapy logs a failing item with its traceback; for a store failure the message says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, StoreUnavailable):
            record.exc_info = None
            record.exc_text = None
        return True


class StoreFailureMiddleware:
    """Spider middleware: a callback that finds the store gone stops the crawl instead of crashing."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> StoreFailureMiddleware:
        quiet = _QuietStoreFailure()
        for name in ("scrapy.core.scraper", "scrapy.utils.signal"):
            log = logging.getLogger(name)
            if not any(isinstance(f, _QuietStoreFailure) for f in log.filters):
                log.addFilter(quiet)
        return cls(crawler)

    def process_spider_exception(self, response: Any, exception: BaseException, spider: Any = None) -> Any:
        if isinstance(exception, StoreUnavailable):
            stop_for_store_failure(self.crawler, exception)
            return []  # handled: no traceback, no spider error
        return None
