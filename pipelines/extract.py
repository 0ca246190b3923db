"""Extraction pipeline: raw HTML -> item.document (clean text, metadata, table grids).

The work runs in the reactor's thread pool (ZWGK_PARSE_IN_THREAD, default on): extracting and
parsing a report takes tens to hundreds of milliseconds, and on the reactor thread that would stall
every download in flight (a slow parse then looks like a timeout of some other request). The stages
are pure functions of the item; the store is only touched later, on the reactor thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crawler.items import ReportItem
from crawler.process import extract_stage


async def off_reactor(crawler: Any, fn: Callable[[ReportItem], ReportItem], item: ReportItem) -> ReportItem:
    """fn(item) in a worker thread when ZWGK_PARSE_IN_THREAD is on, else right here."""
    if crawler is None or not crawler.settings.getbool("ZWGK_PARSE_IN_THREAD", True):
        return fn(item)
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet.threads import deferToThread

    return await maybe_deferred_to_future(deferToThread(fn, item))


class ExtractPipeline:
    def __init__(self, crawler: Any = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        return cls(crawler)

    async def process_item(self, item: ReportItem) -> ReportItem:
        return await off_reactor(self.crawler, extract_stage, item)
