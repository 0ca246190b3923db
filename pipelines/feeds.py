"""Scrapy feed exporters that write a ReportItem as its feed record (crawler.feed), not as raw bytes.

Registered in FEED_EXPORTERS (crawler/settings.py) for the formats `-o`/`-O` guess from the file name,
so `scrapy crawl portal -a url=… -O reports.jsonl` (or .json, .csv, .xml) writes one record per item.
"""

from __future__ import annotations

import json
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter, XmlItemExporter

from crawler.feed import FEED_FIELDS, feed_record
from crawler.items import ReportItem


def _as_record(item: Any) -> dict[str, Any]:
    """A report item as its feed record; any other item kind as the plain dict itemadapter gives."""
    return feed_record(item) if isinstance(item, ReportItem) else ItemAdapter(item).asdict()


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """For cell-based formats: nested values as JSON text, so a CSV cell holds something parseable."""
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in record.items()}


class ReportJsonLinesExporter(JsonLinesItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(_as_record(item))


class ReportJsonExporter(JsonItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(_as_record(item))


class ReportCsvExporter(CsvItemExporter):
    def __init__(self, file: Any, **kwargs: Any) -> None:
        # A fixed header: the first item must not decide the columns (FEED_EXPORT_FIELDS still wins).
        if not kwargs.get("fields_to_export"):
            kwargs["fields_to_export"] = list(FEED_FIELDS)
        super().__init__(file, **kwargs)

    def export_item(self, item: Any) -> None:
        super().export_item(_flat(_as_record(item)))


class ReportXmlExporter(XmlItemExporter):
    def export_item(self, item: Any) -> None:
        super().export_item(_flat(_as_record(item)))
