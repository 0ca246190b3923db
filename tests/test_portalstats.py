"""Per-portal status and the crawl's exit code."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.settings import Settings

from crawler.runner import EXIT_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, CrawlOutcome
from pipelines.portalstats import PortalStats


def _stats(**settings: object) -> PortalStats:
    return PortalStats(SimpleNamespace(settings=Settings(settings), stats=None))


def test_status_of_portals() -> None:
    s = _stats()
    s.page("a")
    s.blocked("b", "http://b/: js-challenge")
    s.error("c", "http://c/: connection refused")
    s.portal("d")
    assert [s.status(p) for p in "abcd"] == ["ok", "blocked", "failed", "failed"]


def test_a_distributed_worker_with_nothing_to_do_is_idle_not_failed() -> None:
    s = _stats(ZWGK_REDIS_URL="redis://127.0.0.1:6379/0")
    s.portal("quiet")
    s.error("broken", "http://x/: timeout")
    assert s.status("quiet") == "idle"
    assert s.status("broken") == "failed"


def test_exit_codes() -> None:
    ok = {"status": "ok"}
    bad = {"status": "failed"}
    idle = {"status": "idle"}
    assert CrawlOutcome(portals={"a": ok, "b": idle}).exit_code == EXIT_OK
    assert CrawlOutcome(portals={"a": ok, "b": bad}).exit_code == EXIT_SOME_FAILED
    assert CrawlOutcome(portals={"a": bad}).exit_code == EXIT_ALL_FAILED
    assert CrawlOutcome(portals={}).exit_code == EXIT_ALL_FAILED
