"""Log formatting: a dropped non-report is routine, not a warning, and no message dumps the item body."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class ZwgkLogFormatter(LogFormatter):
    def dropped(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> dict[str, Any]:
        return {
            "level": logging.DEBUG,
            "msg": "Dropped: %(exception)s",
            "args": {"exception": exception},
        }

    def scraped(self, item: Any, response: Any, spider: Any = None) -> dict[str, Any]:
        url = getattr(item, "url", "")
        return {"level": logging.DEBUG, "msg": "Scraped %(url)s", "args": {"url": url}}

    def item_error(self, item: Any, exception: BaseException, response: Any, spider: Any = None) -> dict[str, Any]:
        # Scrapy's message holds the whole item, raw body included.
        return {
            "level": logging.ERROR,
            "msg": "Error processing %(url)s: %(exception)s",
            "args": {"url": getattr(item, "url", "?"), "exception": exception},
        }
