"""Extraction pipeline: raw HTML -> item.document (clean text, metadata, table grids)."""

from __future__ import annotations

from crawler.items import ReportItem
from crawler.process import extract_stage


class ExtractPipeline:
    def process_item(self, item: ReportItem) -> ReportItem:
        return extract_stage(item)
