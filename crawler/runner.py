"""Run the portal spider in this process with Scrapy settings built from flags and environment."""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

# Exit codes of `zwgk crawl` (documented in README.md).
EXIT_OK = 0
EXIT_USAGE = 1
EXIT_SOME_FAILED = 2
EXIT_ALL_FAILED = 3


@dataclass
class CrawlOutcome:
    portals: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if not self.portals:
            return EXIT_ALL_FAILED
        bad = [p for p in self.portals.values() if p["status"] != "ok"]
        if not bad:
            return EXIT_OK
        return EXIT_ALL_FAILED if len(bad) == len(self.portals) else EXIT_SOME_FAILED


def project_settings(overrides: dict[str, Any]) -> Any:
    """Scrapy settings of this project (crawler.settings + ZWGK_* env) with `overrides` on top."""
    from scrapy.utils.project import get_project_settings

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")
    settings = get_project_settings()
    settings.setdict(overrides, priority="cmdline")
    redis_url = settings.get("ZWGK_REDIS_URL")
    if redis_url:
        # Distributed mode (scrapy-redis): the one place it is switched on.
        from crawler.distributed import distributed_settings

        settings.setdict(distributed_settings(redis_url, settings), priority="cmdline")
    return settings


class _NoTraceback(logging.Filter):
    """Keep a network error's message but not its traceback: the cause is the network, not zwgk."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info = None
        record.exc_text = None
        return True


def run_crawl(spider_kwargs: dict[str, str], overrides: dict[str, Any]) -> CrawlOutcome:
    """Crawl with the portal spider until done; returns per-portal results."""
    from scrapy.crawler import AsyncCrawlerProcess

    from pipelines.portalstats import PortalStats
    from spiders.portal import PortalSpider

    settings = project_settings(overrides)
    # robots.txt fetch failures are logged with a traceback by Scrapy; the per-portal summary
    # already says what failed.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_NoTraceback())
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    started = time.monotonic()
    process.crawl(crawler, **spider_kwargs)
    process.start()
    stats = PortalStats.of(crawler)
    return CrawlOutcome(portals=stats.as_dict(), totals=stats.totals(), seconds=time.monotonic() - started)


def print_summary(outcome: CrawlOutcome, out: Any = sys.stderr) -> None:
    """Per-portal table, then what failed and why."""
    cols = ("pages", "new", "changed", "unchanged", "duplicate", "not_report", "errors", "blocked")
    print(f"{'portal':32} {'status':8} " + " ".join(f"{c:>9}" for c in cols), file=out)
    for name, p in outcome.portals.items():
        c = p["counts"]
        print(f"{name[:32]:32} {p['status']:8} " + " ".join(f"{c.get(k, 0):>9}" for k in cols), file=out)
    for name, p in outcome.portals.items():
        for kind in ("blocked", "errors"):
            for msg in p[kind][:5]:
                print(f"  {name}: {kind[:-1] if kind == 'errors' else 'blocked'}: {msg}", file=out)
    t = outcome.totals
    print(
        f"done in {outcome.seconds:.1f}s: {t.get('pages', 0)} pages fetched, "
        f"{t.get('new', 0) + t.get('changed', 0)} reports stored "
        f"({t.get('new', 0)} new, {t.get('changed', 0)} changed, {t.get('unchanged', 0)} unchanged, "
        f"{t.get('duplicate', 0)} duplicate sources)",
        file=out,
    )
