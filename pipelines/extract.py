"""Extraction pipeline: raw HTML -> item.document (clean text, metadata, table grids).

The work runs off the reactor (pipelines/offload.py: a thread, or worker processes); the store is
only touched later, on the reactor thread.
"""

from __future__ import annotations

from typing import Any

from crawler.items import ReportItem
from crawler.process import extract_stage
from pipelines.offload import off_reactor


class ExtractPipeline:
    def __init__(self, crawler: Any = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ExtractPipeline:
        return cls(crawler)

    async def process_item(self, item: ReportItem) -> ReportItem:
        if item.kind != "html":
            return item  # files are read by the parse stage; nothing to send off the reactor
        return await off_reactor(self.crawler, extract_stage, item)
