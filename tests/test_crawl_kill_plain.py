"""A crawl killed with SIGKILL and started again with the same plain command (no --jobdir) continues
the killed run: the final set is what an uninterrupted crawl stores, none twice (SQLite and PostgreSQL).

Without --jobdir nothing but the store remembers the killed run; its `runs` row has no end time, so
the next run takes over its job (crawler.store.Store.unfinished_job_start): reports stored since it
started are skipped, and paging goes past them to what the killed run never reached.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, zwgk
from tests.test_store_support import PG_URL, pg_unreachable_reason

COLUMN = "/zwgk/zfxxgknb/index.html"


def crawl_args(base: str, store: str, archive: Path) -> list[str]:
    return ["crawl", "--url", base + COLUMN, "--name", "demo", "--store", store, "--archive-dir", str(archive),
            *LOOPBACK_SETTINGS, "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2"]


def snapshot(store: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    with open_store(store) as s:
        reports = sorted((r["agency"], r["year"]) for r in s.reports(with_text=False))
        sources = [(u.split("/", 3)[3], int(n)) for u, n in s._q("SELECT url, COUNT(*) FROM sources GROUP BY url ORDER BY url")]
    return reports, sources


def count_reports(store: str) -> int:
    try:
        with open_store(store) as s:
            return int(s._q("SELECT COUNT(*) FROM reports").fetchone()[0])
    except Exception:  # noqa: BLE001 - not created yet, or locked for a moment: ask again
        return 0


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'killed.db'}"
        return
    reason = pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = f"zwgk_kill_{uuid.uuid4().hex[:10]}"
    url = f"{PG_URL}?schema={schema}"
    open_store(url).close()  # created before the crawl, as a deployment does
    yield url
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_killed_plain_run_is_continued_by_the_next_one(store: str, tmp_path: Path) -> None:
    portal = DemoPortal(seed=34, n_reports=10, n_other=5, per_page=3)
    server = FaultServer(portal=portal, delay=0.1)  # slow enough that the kill lands mid-crawl
    whole = f"sqlite:///{tmp_path / 'whole.db'}"
    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0")
    with server.running() as base:
        first = zwgk(*crawl_args(base, whole, tmp_path / "whole-archive"), cwd=tmp_path)
        assert first.returncode == 0, first.stderr[-3000:]
        args = crawl_args(base, store, tmp_path / "archive")
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=tmp_path, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while count_reports(store) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = count_reports(store)
        second = zwgk(*args, cwd=tmp_path)
    assert 0 < at_kill < len(portal.ground_truth)
    assert second.returncode == 0 and "Traceback" not in second.stderr, second.stderr[-3000:]
    reports, sources = snapshot(store)
    want_reports, want_sources = snapshot(whole)
    assert want_reports == sorted((g.agency, g.year) for g in portal.ground_truth)
    assert reports == want_reports
    assert sources == want_sources and all(n == 1 for _, n in sources)
    with open_store(store) as s:
        counts = s.runs(limit=1)[0]["counts"]
    assert counts.get("continued_unfinished_run") == 1
    assert counts.get("new") == len(want_reports) - at_kill
    assert counts.get("unchanged", 0) == 0 and counts.get("duplicate", 0) == 0
