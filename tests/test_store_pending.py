"""The store's pending list, on SQLite and PostgreSQL: attempts per run, backoff, give-up, clearing."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.pending import PendingPolicy, request_key
from crawler.store import StoreUnavailable, open_store
from tests import test_store_support as support
from tests.test_store_support import make_item

pg_url, store_url = support.pg_url, support.store_url

T0 = datetime(2026, 1, 5, 2, 30, tzinfo=UTC)
POLICY = PendingPolicy(max_attempts=4, backoff=3600, backoff_max=4 * 3600)
URL = "http://x.gov.cn/nb/2024.html"


def fail(store: object, run: str, when: datetime, url: str = URL, error: str = "HTTP 503") -> object:
    return store.record_failure(request_key("GET", url), url, portal="x", request='{"url": "u"}',  # type: ignore[attr-defined]
                                error=error, run=run, policy=POLICY, now=when)


def test_policy_backoff_doubles_and_caps() -> None:
    p = PendingPolicy(max_attempts=5, backoff=10, backoff_max=35)
    assert [(p.due_at(k, T0) - T0).total_seconds() for k in (1, 2, 3, 4, 5)] == [0, 10, 20, 35, 35]
    assert not p.given_up(4) and p.given_up(5)
    with pytest.raises(ValueError, match="ZWGK_PENDING_MAX_ATTEMPTS"):
        PendingPolicy(max_attempts=0)
    assert request_key("GET", URL) == URL
    assert request_key("POST", URL, b"page=2") != request_key("POST", URL, b"page=3")


def test_attempts_count_runs_and_backoff_delays_the_next_try(store_url: str) -> None:
    with open_store(store_url) as s:
        e = fail(s, "run1", T0)
        assert (e.attempts, e.due_at, e.given_up_at) == (1, "2026-01-05T02:30:00.000Z", None)
        e = fail(s, "run1", T0 + timedelta(seconds=5), error="timeout")  # same run: not another attempt
        assert e.attempts == 1 and e.last_error == "timeout" and e.first_failed_at == "2026-01-05T02:30:00.000Z"
        assert [x.url for x in s.due_pending(T0 + timedelta(minutes=1))] == [URL]  # due at the next run
        t2 = T0 + timedelta(days=1)
        e = fail(s, "run2", t2)
        assert e.attempts == 2
        assert s.due_pending(t2 + timedelta(minutes=59)) == []  # backoff: one hour
        assert len(s.due_pending(t2 + timedelta(minutes=61))) == 1
        e = fail(s, "run3", t2 + timedelta(hours=2))
        assert e.attempts == 3 and e.due_at == "2026-01-06T06:30:00.000Z"  # failed at 04:30, 2 hours later
        e = fail(s, "run4", t2 + timedelta(hours=5))
        assert e.attempts == 4 and e.given_up_at == "2026-01-06T07:30:00.000Z"
        assert s.due_pending(t2 + timedelta(days=30)) == []  # given up: never due again
        assert [x.url for x in s.pending(given_up=True)] == [URL] and s.pending(given_up=False) == []
        assert s.pending_counts() == {"x": {"pending": 0, "given_up": 1}}


def test_storing_or_seeing_the_url_clears_it(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, archive_dir=str(tmp_path / "archive")) as s:  # not ./zwgk-archive
        fail(s, "r", T0)
        fail(s, "r", T0, url="http://x.gov.cn/nb/other.html")
        assert s.pending_counts() == {"x": {"pending": 2, "given_up": 0}}
        s.save(make_item(URL, "某某局2024年政府信息公开工作年度报告 " * 20, year=2024, agency="某某局"))
        assert [e.url for e in s.pending(given_up=False)] == ["http://x.gov.cn/nb/other.html"]
        s.mark_seen("http://x.gov.cn/nb/other.html", status=200)  # a page judged not a report, a 304
        assert s.pending(given_up=False) == []
        fail(s, "r2", T0, url="http://x.gov.cn/nb/list_2.html")
        assert s.clear_pending("http://x.gov.cn/nb/list_2.html") == 1 and s.clear_pending("http://nothing") == 0


def test_a_failing_save_leaves_the_entry_and_nothing_seen(tmp_path: Path) -> None:
    """A save that cannot be written rolls back: the URL stays pending and unseen (SQLite, read-only)."""
    db = tmp_path / "z.db"
    with open_store(f"sqlite:///{db}") as s:
        fail(s, "r", T0)
        # A read-only connection is what a read-only database file or file system gives (root
        # ignores file modes, so the file's mode cannot be used here).
        s.conn.close()
        s.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)
        with pytest.raises(StoreUnavailable, match=r"cannot write to the store at .*z\.db: attempt to write a readonly"):
            s.save(make_item(URL, "某某局2024年政府信息公开工作年度报告 " * 20, year=2024, agency="某某局"))
        with pytest.raises(StoreUnavailable):
            s.mark_seen(URL, status=200)
        assert s.seen(URL) is None  # reads still work
    with open_store(f"sqlite:///{db}") as s:
        assert [e.url for e in s.pending(given_up=False)] == [URL]
        assert s.seen(URL) is None and list(s.reports()) == []


def test_unfinished_run_is_continued(store_url: str) -> None:
    with open_store(store_url) as s:
        assert s.unfinished_job_start() is None
        a = s.start_run("portal", {"job_started": "2026-01-05T02:30:00+00:00"})
        s.finish_run(a, {"new": 1}, {})
        assert s.unfinished_job_start() is None  # finished normally
        b = s.start_run("portal", {"job_started": "2026-01-12T02:30:00+00:00"})
        assert s.unfinished_job_start() == "2026-01-12T02:30:00+00:00"  # killed: no end time
        s.finish_run(b, {"new": 1, "store_failed": 1}, {})
        assert s.unfinished_job_start() == "2026-01-12T02:30:00+00:00"  # stopped by the store
        c = s.start_run("portal", {"job_started": "2026-01-12T02:30:00+00:00"})
        s.finish_run(c, {"new": 3}, {}, reason="interrupted")  # Ctrl-C
        assert s.unfinished_job_start() == "2026-01-12T02:30:00+00:00"
        d = s.start_run("portal", {"job_started": "2026-01-12T02:30:00+00:00"})
        s.finish_run(d, {"new": 3}, {}, reason="finished")
        assert s.unfinished_job_start() is None
