"""The Document: what extraction knows about one fetched page or file (no scrapy imports)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Grid = list[list[str]]


@dataclass
class Attachment:
    url: str
    text: str = ""
    ext: str = ""  # pdf | doc | docx | wps | xls | xlsx | zip | ...


@dataclass
class Document:
    """Clean, structured view of a page. Every field is optional except url."""

    url: str = ""
    title: str = ""
    published: str = ""  # ISO date or datetime, "" when unknown
    source: str = ""  # ContentSource / 信息来源 / 发布机构
    site: dict[str, str] = field(default_factory=dict)  # SiteName, SiteDomain, SiteIDCode, ColumnName, ...
    breadcrumb: list[str] = field(default_factory=list)
    index_block: dict[str, str] = field(default_factory=dict)  # 索引号, 发布机构, 成文日期, ...
    text: str = ""  # clean text, Simplified Chinese
    text_original: str = ""  # the text as written when it was converted (Traditional pages)
    tables: list[Grid] = field(default_factory=list)
    # per table, its merged cells as [row, column, rowspan, colspan] (HTML tables; a grid repeats a
    # merged cell's text in every position it covers, and only this says which positions those are)
    table_merges: list[list[list[int]]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    script: str = "simplified"  # simplified | traditional
    encoding: str = ""
    warnings: list[str] = field(default_factory=list)
    # how the text was found: container | trafilatura | density | plain | ""
    method: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
