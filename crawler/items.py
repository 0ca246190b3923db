"""Items that travel from spiders through the pipelines (plain dataclasses, no scrapy import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class PageImage:
    """A picture of a report page chosen as a table (crawler/pictures.py), fetched after the page."""

    url: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names, first value
    request_headers: dict[str, str] = field(default_factory=dict)
    fetched_at: str = ""  # ISO 8601 UTC
    error: str = ""  # why it could not be fetched (the body is then empty)

    def warning(self) -> str:
        """The report's warning for a picture that could not be fetched (crawl and reparse alike)."""
        return f"table picture not fetched: {self.error}; stored with what could be read (a later run retries it)"


@dataclass
class ReportItem:
    """One fetched report page or attachment, filled in stage by stage by the pipelines.

    The spider sets the fetch fields; ExtractPipeline sets `document`, ParsePipeline sets
    `report`; StorePipeline writes it and records `store_status`.
    """

    url: str
    body: bytes
    status: int = 200
    content_type: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names, first value
    request_headers: dict[str, str] = field(default_factory=dict)  # as sent (for the WARC request record)
    fetched_at: str = ""  # ISO 8601 UTC
    body_sha256: str = ""
    portal: str = ""  # seed / portal name or start URL
    link_text: str = ""  # the anchor text the spider followed (a title hint)
    referer: str = ""
    kind: str = "html"  # html | pdf | docx | doc | wps | xls | xlsx | txt
    # For an attachment: what the page linking it said (title, page_url, meta tags), so that the
    # parser knows the agency and date a bare PDF does not print.
    context: dict[str, Any] = field(default_factory=dict)
    document: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    store_status: str = ""  # new | changed | unchanged | duplicate (set by the store)
    report_id: int | None = None  # the stored report this item belongs to (set by the store)
    # An HTML page's table pictures in page order (read by OCR in parse_stage, archived by the store)
    images: list[PageImage] = field(default_factory=list)
