"""Store pipeline: one store per crawler, shared with the spider's seen-lookups."""

from __future__ import annotations

import json
import logging
from typing import Any

from crawler.items import ReportItem
from crawler.store import Store, StoreUnavailable, open_store
from pipelines.portalstats import PortalStats
from pipelines.storefail import stop_for_store_failure

logger = logging.getLogger(__name__)


def shared_store(crawler: Any) -> Store:
    """The crawl's store, opened from ZWGK_STORE on first use and kept on the crawler."""
    store = getattr(crawler, "_zwgk_store", None)
    if store is None:
        settings = crawler.settings
        store = open_store(settings.get("ZWGK_STORE"), archive_dir=settings.get("ZWGK_ARCHIVE_DIR") or None)
        store.archive.max_file_bytes = settings.getint("ZWGK_WARC_MAX_BYTES")
        crawler._zwgk_store = store
    return store


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

    def process_item(self, item: ReportItem) -> ReportItem:
        try:
            result = shared_store(self.crawler).save(item, run_id=self.run_id)
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

    def close_spider(self) -> None:
        store = shared_store(self.crawler)
        try:
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
            store.close()
            self.crawler._zwgk_store = None
