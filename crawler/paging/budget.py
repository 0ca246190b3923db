"""A portal's budget of list pages, and detection of list-URL traps (no scrapy import).

A calendar widget or a query string that echoes itself (`?date=2023-01-02` → `…-03` → …) makes
"next page" links without end, each page showing the same items or none. Two bounds stop that:
a number of list pages per portal (ZWGK_MAX_LIST_PAGES), and a number of list pages in a row that
showed no item link this portal's list pages had not shown before (ZWGK_LIST_TRAP_PAGES).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ListBudget:
    max_pages: int  # 0 = no budget
    trap_pages: int  # 0 = no trap detection
    pages: int = 0
    barren: int = 0  # list pages in a row with nothing new
    items: set[str] = field(default_factory=set)
    warned: bool = False

    def stop_reason(self, url: str, item_urls: list[str]) -> str:
        """Count a list page and its item links; a reason (for the warning) when its "next" links
        must not be followed, "" while paging may go on."""
        self.pages += 1
        fresh = {u for u in item_urls if u not in self.items}
        self.items |= fresh
        self.barren = 0 if fresh else self.barren + 1
        if self.max_pages and self.pages >= self.max_pages:
            return (f"list-page budget of {self.max_pages} reached at {url}; paging of this portal stopped "
                    "(ZWGK_MAX_LIST_PAGES)")
        if self.trap_pages and self.barren >= self.trap_pages:
            return (f"list trap: {self.barren} list pages in a row with no new item, the last {url}; paging of "
                    "this portal stopped (ZWGK_LIST_TRAP_PAGES)")
        return ""

    def warn_once(self) -> bool:
        """True the first time: one warning per portal, not one per list page."""
        first = not self.warned
        self.warned = True
        return first
