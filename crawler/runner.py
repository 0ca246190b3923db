"""Run the portal spider in this process with Scrapy settings built from flags and environment."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Exit codes of `zwgk crawl`: the same for every command (README.md, "Exit codes").
from crawler.exitcodes import EXIT_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE  # noqa: F401 - re-exported


@dataclass
class CrawlOutcome:
    portals: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        if not self.portals:
            return EXIT_ALL_FAILED
        bad = [p for p in self.portals.values() if p["status"] not in ("ok", "idle")]
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


JOB_FILE = "zwgk-job.json"
# What Scrapy keeps in JOBDIR: the dupefilter's fingerprints, the disk queues, the spider state.
_SCRAPY_JOB_STATE = ("requests.seen", "requests.queue", "spider.state")


def prepare_jobdir(jobdir: str) -> dict[str, Any]:
    """Open a job directory; returns the ZWGK_JOB_* settings for the spider.

    Scrapy writes its disk queue's index only on a clean shutdown, while its dupefilter writes every
    fingerprint at once: after SIGKILL a restart would find an empty queue and a dupefilter hiding
    every lost request. So the job state says whether the last process closed cleanly ("paused":
    Scrapy's state is valid and used) or not ("running": Scrapy's state is dropped and the job is
    re-walked from its start pages, skipping what the store has fetched since the job started).
    A finished job's directory starts a new job.
    """
    path = Path(jobdir)
    path.mkdir(parents=True, exist_ok=True)
    state_file = path / JOB_FILE
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = None
    resumed = isinstance(state, dict) and state.get("state") in ("running", "paused") and bool(state.get("started"))
    if not resumed or state.get("state") == "running":  # type: ignore[union-attr]
        for name in _SCRAPY_JOB_STATE:
            p = path / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    if not resumed:
        state = {"started": datetime.now(UTC).isoformat(timespec="milliseconds"), "runs": 0}
    assert isinstance(state, dict)
    state.update(state="running", runs=int(state.get("runs", 0)) + 1)
    state_file.write_text(json.dumps(state), encoding="utf-8")
    return {"ZWGK_JOB_STARTED": state["started"], "ZWGK_JOB_RESUMED": resumed}


def finish_jobdir(jobdir: str, finish_reason: str) -> None:
    """Record how the process ended: "finished" ends the job, anything else (Ctrl-C) pauses it."""
    state_file = Path(jobdir) / JOB_FILE
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    state["state"] = "finished" if finish_reason == "finished" else "paused"
    state_file.write_text(json.dumps(state), encoding="utf-8")


def run_crawl(spider_kwargs: dict[str, str], overrides: dict[str, Any]) -> CrawlOutcome:
    """Crawl with the portal spider until done; returns per-portal results."""
    from scrapy.crawler import AsyncCrawlerProcess

    from pipelines.portalstats import PortalStats
    from spiders.portal import PortalSpider

    jobdir = str(overrides.get("JOBDIR") or "")
    if jobdir:
        overrides = {**overrides, **prepare_jobdir(jobdir)}
    settings = project_settings(overrides)
    # robots.txt fetch failures are logged with a traceback by Scrapy; the per-portal summary
    # already says what failed.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_NoTraceback())
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(PortalSpider)
    started = time.monotonic()
    process.crawl(crawler, **spider_kwargs)
    process.start()
    if jobdir:
        finish_jobdir(jobdir, str(crawler.stats.get_value("finish_reason") or ""))
    stats = PortalStats.of(crawler)
    return CrawlOutcome(portals=stats.as_dict(), totals=stats.totals(), seconds=time.monotonic() - started)


def print_summary(outcome: CrawlOutcome, out: Any = sys.stderr) -> None:
    """Per-portal table, then what failed and why."""
    cols = ("pages", "new", "changed", "unchanged", "duplicate", "not_report", "failed", "errors", "blocked")
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
        f"{t.get('duplicate', 0)} duplicate sources, {t.get('failed', 0)} failed)",
        file=out,
    )
