"""Run the portal spider in this process with Scrapy settings built from flags and environment."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Exit codes of `zwgk crawl`: the same for every command (README.md, "Exit codes").
from crawler.exitcodes import (  # noqa: F401 - re-exported for the commands
    EXIT_ALL_FAILED,
    EXIT_OK,
    EXIT_SOME_FAILED,
    EXIT_STORE_FAILED,
    EXIT_USAGE,
)

STORE_FAILED_REASON = "store_failed"  # the spider's close reason when the store failed (pipelines.storefail)


# A forced stop (second Ctrl-C) that cannot reach the reactor within this many seconds (a long
# synchronous step on it) ends the process from a watchdog thread instead.
FORCED_EXIT_SECONDS = 5.0
# After an interrupted crawl is recorded, the interpreter's exit (joining threads and workers) gets
# this long before the process ends anyway: Ctrl-C must never leave a hung process behind.
EXIT_GRACE_SECONDS = 10.0

logger = logging.getLogger(__name__)


@dataclass
class CrawlOutcome:
    portals: dict[str, Any] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    signal: int = 0  # the first SIGINT/SIGTERM received, 0 if none
    forced: bool = False  # a second signal stopped the crawl at once
    reason: str = "finished"  # runs.finish_reason: finished | interrupted | failed
    store_failure: str = ""  # why the store could not be written; the crawl stopped there

    @property
    def exit_code(self) -> int:
        if self.store_failure:
            return EXIT_STORE_FAILED  # before a signal: what was fetched could not be kept
        if self.signal:
            return 128 + self.signal  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them
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
    """Record how the process ended: "finished" ends the job, anything else (Ctrl-C) pauses it.

    A crawl stopped by a store failure stays "running", as after a kill: Scrapy's saved queue and
    fingerprints no longer hold the requests whose reports could not be stored, so the next run
    re-walks the job, skipping what was stored.
    """
    state_file = Path(jobdir) / JOB_FILE
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if finish_reason == STORE_FAILED_REASON:
        state["state"] = "running"
    else:
        state["state"] = "finished" if finish_reason == "finished" else "paused"
    state_file.write_text(json.dumps(state), encoding="utf-8")


def _process_class() -> type:
    """AsyncCrawlerProcess that remembers the stop signal and makes the second one stop at once.

    Scrapy's first SIGINT/SIGTERM stops scheduling and lets the requests and items in flight finish
    (kept). Its second one calls reactor.stop(), which still waits for the engine to close (the
    "before shutdown" trigger): with a slow download or parse in flight a second Ctrl-C did nothing.
    Here the second one crashes the reactor (no shutdown triggers), and a watchdog ends the process
    if even that cannot run within FORCED_EXIT_SECONDS.
    """
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.utils.ossignal import install_shutdown_handlers

    class ZwgkCrawlerProcess(AsyncCrawlerProcess):  # type: ignore[misc]
        zwgk_signal = 0
        zwgk_forced = False

        def _signal_shutdown(self, signum: int, frame: Any) -> None:
            self.zwgk_signal = self.zwgk_signal or signum
            super()._signal_shutdown(signum, frame)

        def _signal_kill(self, signum: int, frame: Any) -> None:
            from twisted.internet import reactor

            install_shutdown_handlers(signal.SIG_IGN)
            self.zwgk_forced = True
            watchdog = threading.Timer(FORCED_EXIT_SECONDS, _hard_exit, (128 + (self.zwgk_signal or signum),))
            watchdog.daemon = True
            watchdog.start()
            reactor.callFromThread(self._crash, signum)

        @staticmethod
        def _crash(signum: int) -> None:
            from twisted.internet import reactor

            logger.warning("Received %s twice: stopping now, without waiting for the requests in flight",
                           signal.Signals(signum).name)
            reactor.crash()

    return ZwgkCrawlerProcess


def _hard_exit(code: int) -> None:
    """The last resort of a forced stop: the reactor did not come back in time."""
    print(f"zwgk crawl: still busy {FORCED_EXIT_SECONDS:g} s after the second stop signal; exiting now "
          "(this run stays unrecorded, as after a kill; with --jobdir the next run resumes it)",
          file=sys.stderr, flush=True)
    for child in multiprocessing.active_children():  # the parse workers ignore SIGINT/SIGTERM
        child.kill()
    os._exit(code)


def exit_guard(code: int, seconds: float = EXIT_GRACE_SECONDS) -> None:
    """End the process with `code` if the interpreter's exit (joining threads and worker processes)
    has not ended it within `seconds`: an interrupted crawl must not hang after it was recorded."""

    def expire() -> None:
        busy = ", ".join(t.name for t in threading.enumerate() if t is not threading.current_thread())
        print(f"zwgk crawl: still running {seconds:g} s after the crawl stopped ({busy or 'no threads'}; "
              f"{len(multiprocessing.active_children())} worker processes); exiting anyway", file=sys.stderr, flush=True)
        for child in multiprocessing.active_children():
            child.kill()
        os._exit(code)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()


def end_interrupted(outcome: CrawlOutcome, command: str) -> int:
    """After a crawl stopped by a signal (and recorded): say so, make sure the process ends, and
    return its exit code (130 for SIGINT, 143 for SIGTERM)."""
    name = signal.Signals(outcome.signal).name
    how = ("stopped at once by a second signal (the requests in flight were dropped)" if outcome.forced
           else "stopped after the requests in flight")
    print(f"zwgk {command}: interrupted by {name}, {how}; recorded in the store's runs table as interrupted"
          + ("" if outcome.forced else "; run the same command again to continue (with --jobdir: where it stopped)"),
          file=sys.stderr, flush=True)
    if outcome.forced:
        # the reactor was crashed: its thread pool was never stopped and would hold the exit
        sys.stdout.flush()
        os._exit(outcome.exit_code)
    exit_guard(outcome.exit_code)
    return outcome.exit_code


def run_reason(signum: int, scrapy_reason: str) -> str:
    """runs.finish_reason from how the crawl stopped: a signal, or Scrapy's close reason."""
    if signum:
        return "interrupted"
    return "finished" if scrapy_reason == "finished" else "failed"


def record_run_end(crawler: Any, settings: Any, outcome: CrawlOutcome) -> None:
    """Write the run's reason (and, after a forced stop, its counts) into the runs table.

    The store pipeline records the counts when the spider closes but cannot know the reason (Scrapy
    publishes it later); after a forced stop the spider never closed at all.
    """
    from crawler.store import StoreError, open_store

    run_id = getattr(crawler, "_zwgk_run_id", None)
    if run_id is None:
        return  # the spider never opened: no run was started
    writer = getattr(crawler, "_zwgk_writer", None)
    if writer is not None:  # a forced stop: writes still queued are dropped (the next run fetches them)
        crawler._zwgk_writer = None
        writer.close(abandon=True)
    left_open = getattr(crawler, "_zwgk_store", None)
    if left_open is not None:  # a forced stop: the pipeline never closed its store
        left_open.close()
        crawler._zwgk_store = None
    try:
        with open_store(settings.get("ZWGK_STORE"), archive_dir=settings.get("ZWGK_ARCHIVE_DIR") or None,
                        must_exist=True) as store:
            store.finish_run(run_id, outcome.totals, outcome.portals, reason=outcome.reason)
    except (StoreError, OSError) as exc:
        print(f"zwgk crawl: could not record how run {run_id} ended ({outcome.reason}): {exc}", file=sys.stderr)


def run_crawl(spider_kwargs: dict[str, str], overrides: dict[str, Any]) -> CrawlOutcome:
    """Crawl with the portal spider until done (or stopped by a signal); returns per-portal results."""
    from pipelines.portalstats import PortalStats
    from spiders.portal import PortalSpider

    jobdir = str(overrides.get("JOBDIR") or "")
    if jobdir:
        overrides = {**overrides, **prepare_jobdir(jobdir)}
    settings = project_settings(overrides)
    # robots.txt fetch failures are logged with a traceback by Scrapy; the per-portal summary
    # already says what failed.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(_NoTraceback())
    process = _process_class()(settings)
    crawler = process.create_crawler(PortalSpider)
    started = time.monotonic()
    process.crawl(crawler, **spider_kwargs)
    process.start()
    scrapy_reason = str(crawler.stats.get_value("finish_reason") or "")
    if process.zwgk_forced:
        pool = getattr(crawler, "_zwgk_parse_pool", None)
        if pool is not None:
            pool.terminate()
    elif jobdir:
        # after a forced stop Scrapy's queue was not saved: the job stays "running", and the next
        # run walks it again as after a kill
        finish_jobdir(jobdir, scrapy_reason)
    stats = PortalStats.of(crawler)
    outcome = CrawlOutcome(portals=stats.as_dict(), totals=stats.totals(), seconds=time.monotonic() - started,
                           signal=process.zwgk_signal, forced=process.zwgk_forced,
                           reason=run_reason(process.zwgk_signal, scrapy_reason),
                           store_failure=stats.store_failure)
    record_run_end(crawler, settings, outcome)
    return outcome


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
    if t.get("retried"):
        print(f"retried {t['retried']} requests that earlier runs could not fetch or store: "
              f"{t.get('recovered', 0)} recovered", file=out)
    if t.get("pending"):
        print(f"{t['pending']} report pages, attachments or list pages pending: "
              "the next run retries them", file=out)
    if t.get("given_up"):
        print(f"{t['given_up']} given up after failing in ZWGK_PENDING_MAX_ATTEMPTS runs "
              "(`zwgk stats` lists them)", file=out)
