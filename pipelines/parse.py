"""Parse pipeline: item -> item.report; pages that turn out not to be reports are dropped."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import DropItem

from crawler.items import ReportItem
from crawler.process import parse_stage
from pipelines.offload import off_reactor
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
            if not str(item.report.get("text") or "").strip():
                # Nothing readable (a scanned PDF): whether it is a report cannot be judged from it,
                # and the page that linked it said it was one. Keep the source, say why it is empty.
                item.warnings.extend(str(w) for w in item.report.get("warnings") or [])
                item.warnings.append("no readable text (image-only?): stored as an unparsed source")
                return item
            self.stats.count(item.portal, "not_report")
            raise DropItem(f"not an annual report: {item.url}")
        return item
