"""A live progress line on stderr while crawling: pages, reports, errors, rate."""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy import signals
from twisted.internet import task

from pipelines.portalstats import PortalStats


class ProgressExtension:
    """Every ZWGK_PROGRESS_INTERVAL seconds print one line of counts and pages per second."""

    def __init__(self, crawler: Any, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressExtension:
        ext = cls(crawler, crawler.settings.getfloat("ZWGK_PROGRESS_INTERVAL"))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self) -> None:
        self.started = time.monotonic()
        if self.interval > 0:
            self.loop = task.LoopingCall(self.report)
            self.loop.start(self.interval, now=False)

    def closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def line(self) -> str:
        t = PortalStats.of(self.crawler).totals()
        elapsed = max(time.monotonic() - self.started, 1e-6)
        pages = t.get("pages", 0)
        return (
            f"[zwgk] {elapsed:6.0f}s  pages {pages} ({pages / elapsed:.1f}/s)  "
            f"reports new {t.get('new', 0)} changed {t.get('changed', 0)} "
            f"unchanged {t.get('unchanged', 0)} dup {t.get('duplicate', 0)}  "
            f"errors {t.get('errors', 0)} blocked {t.get('blocked', 0)}"
        )

    def report(self) -> None:
        print(self.line(), file=sys.stderr, flush=True)
