"""Parse pipeline: item -> item.report; pages that turn out not to be reports are dropped."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import ReportItem
from crawler.process import parse_stage
from pipelines.extract import off_reactor
from pipelines.portalstats import PortalStats


class ParsePipeline:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = PortalStats.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ParsePipeline:
        return cls(crawler)

    async def process_item(self, item: ReportItem) -> ReportItem:
        item = await off_reactor(self.crawler, parse_stage, item)
        if item.report is not None and item.report.get("is_report") is False:
            self.stats.count(item.portal, "not_report")
            raise DropItem(f"not an annual report: {item.url}")
        return item
