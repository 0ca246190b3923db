"""Result types shared by the paging adapters (plain dataclasses, no scrapy import)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Link:
    """An article link found in a list: absolute URL, its title text and its date (YYYY-MM-DD or "")."""

    url: str
    text: str = ""
    date: str = ""


@dataclass
class RequestSpec:
    """A request the spider should make for the next list page.

    kind is "list" for another HTML list page (feed it to analyse_list_page) or "api:<adapter>" for a
    JSON/XML API response (feed it to parse_api_response together with this spec's body).
    """

    url: str
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    kind: str = "list"


@dataclass
class ListPage:
    """What one list page (or API response) holds.

    next holds the list page(s) that directly follow this one, in order; adapters page one step at a
    time so that an incremental crawl can stop at the first page that holds only known items.
    total_pages is the column's page count when the page states it.
    """

    items: list[Link]
    next: list[RequestSpec]
    adapter: str
    total_pages: int | None = None
    warnings: list[str] = field(default_factory=list)
