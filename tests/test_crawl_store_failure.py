"""A store that cannot be written stops the crawl (exit code 4, one clear message); the next run,
the same plain command, stores the rest.

SQLite: the store lives on a tmpfs mounted too small for the crawl (a real full disk: SQLite says
"database or disk is full", the archive gets ENOSPC), then the tmpfs is grown ("space was freed").
PostgreSQL: the crawl's database connections are terminated mid-crawl (the database went away).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crawler.demo.site import DemoPortal
from crawler.runner import EXIT_STORE_FAILED
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, zwgk

COLUMN = "/zwgk/zfxxgknb/index.html"
PG_URL = "postgresql://127.0.0.1:5432/test"
# 12 reports take about 1.6 MB in the store (database, WAL, archive): 1.2 MB fills up mid-crawl.
SMALL_DISK = "1200k"


def crawl_args(base: str, store: str) -> list[str]:
    return ["crawl", "--url", base + COLUMN, "--name", "demo", "--store", store, *LOOPBACK_SETTINGS]


def snapshot(store_url: str) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(agency, year) of every report, and (path, count) of every stored source URL."""
    with open_store(store_url) as store:
        reports = sorted((r["agency"], r["year"]) for r in store.reports(with_text=False))
        sources = [(u.split("/", 3)[3], int(n))
                   for u, n in store._q("SELECT url, COUNT(*) FROM sources GROUP BY url ORDER BY url")]
    return reports, sources


def count_reports(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return int(con.execute("SELECT COUNT(*) FROM reports").fetchone()[0])
    finally:
        con.close()


@contextmanager
def small_disk(path: Path) -> Iterator[Path]:
    """A tmpfs of SMALL_DISK at `path` (root only); unmounted afterwards."""
    path.mkdir()
    if os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a small tmpfs, which needs root (mount)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK}", "tmpfs", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield path
    finally:
        # the crawl's parse workers may take a moment to leave; a lazy unmount does not wait for them
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture(scope="module", params=["plain", "jobdir"])
def full_disk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """Run 1 on a disk that fills up, run 2 after space was freed; the same command both times,
    without or with --jobdir (a stopped job must not resume from Scrapy's queue, which no longer
    holds the requests whose reports could not be stored)."""
    portal = DemoPortal(seed=43, n_reports=12, n_other=4, per_page=4)
    server = FaultServer(portal=portal)
    tmp = tmp_path_factory.mktemp("fulldisk")
    reference = f"sqlite:///{tmp / 'reference.db'}"
    job = ["--jobdir", str(tmp / "job")] if request.param == "jobdir" else []
    with small_disk(tmp / "disk") as disk, server.running() as base:
        store = f"sqlite:///{disk / 'zwgk.db'}"
        whole = zwgk(*crawl_args(base, reference), cwd=tmp)
        first = zwgk(*crawl_args(base, store), *job, cwd=tmp)
        at_failure = count_reports(disk / "zwgk.db")
        df = subprocess.run(["df", "-k", str(disk)], capture_output=True, text=True).stdout
        # space is freed
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)
        second = zwgk(*crawl_args(base, store), *job, cwd=tmp)
        yield {"portal": portal, "whole": whole, "first": first, "second": second, "at_failure": at_failure,
               "df": df, "store": store, "reference": reference, "jobdir": bool(job)}


def test_full_disk_stops_the_crawl_with_a_clear_message(full_disk: dict) -> None:
    run = full_disk["first"]
    assert run.returncode == EXIT_STORE_FAILED, run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("zwgk crawl: the store failed and the crawl stopped: cannot write")
    assert "No space left on device" in last or "database or disk is full" in last, last
    assert "run the same command again" in last
    # it did fail mid-crawl: some reports were stored, not all
    assert 0 < full_disk["at_failure"] < len(full_disk["portal"].ground_truth), full_disk["df"]


def test_next_run_after_freeing_space_stores_the_rest_once(full_disk: dict) -> None:
    whole = full_disk["whole"]
    assert whole.returncode == 0, whole.stderr[-3000:]
    run = full_disk["second"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    reports, sources = snapshot(full_disk["store"])
    want_reports, want_sources = snapshot(full_disk["reference"])
    assert want_reports == sorted((g.agency, g.year) for g in full_disk["portal"].ground_truth)
    assert reports == want_reports
    assert sources == want_sources and all(n == 1 for _, n in sources)
    with open_store(full_disk["store"]) as store:
        counts = store.runs(limit=1)[0]["counts"]
    # the second run continued the stopped one: what it stored was not fetched again
    assert counts.get("resumed" if full_disk["jobdir"] else "continued_unfinished_run") == 1
    assert counts.get("new") == len(want_reports) - full_disk["at_failure"]
    assert counts.get("unchanged", 0) == 0


# --- PostgreSQL: the database goes away mid-crawl --------------------------------------------------


def _pg() -> object:
    psycopg = pytest.importorskip("psycopg")
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL at {PG_URL} ({exc})")
    return psycopg


@pytest.fixture(scope="module")
def database_gone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    psycopg = _pg()
    portal = DemoPortal(seed=44, n_reports=12, n_other=4, per_page=4)
    # slow enough that the connection is cut while most of the crawl is still to come
    server = FaultServer(portal=portal, delay=0.1)
    tmp = tmp_path_factory.mktemp("pggone")
    schema = f"zwgk_gone_{uuid.uuid4().hex[:8]}"
    app = f"zwgk-test-{schema}"
    store = f"{PG_URL}?schema={schema}&application_name={app}"
    reference = f"sqlite:///{tmp / 'reference.db'}"
    admin = psycopg.connect(PG_URL, autocommit=True)  # type: ignore[attr-defined]
    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0")
    try:
        with server.running() as base:
            whole = zwgk(*crawl_args(base, reference), cwd=tmp)
            args = crawl_args(base, store) + ["--archive-dir", str(tmp / "archive")]
            proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", *args], cwd=tmp, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            deadline = time.monotonic() + 90
            stored = 0
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    stored = admin.execute(f'SELECT COUNT(*) FROM "{schema}".reports').fetchone()[0]
                except psycopg.Error:  # type: ignore[attr-defined]
                    stored = 0  # not created yet
                if stored >= 1:
                    break
                time.sleep(0.05)
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                          (app,))
            _, stderr = proc.communicate(timeout=120)
            at_failure = admin.execute(f'SELECT COUNT(*) FROM "{schema}".reports').fetchone()[0]
            second = zwgk(*args, cwd=tmp)
            yield {"portal": portal, "whole": whole, "code": proc.returncode, "stderr": stderr,
                   "at_failure": at_failure, "second": second, "store": store, "reference": reference}
    finally:
        admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()


def test_database_gone_stops_the_crawl_and_the_next_run_stores_the_rest(database_gone: dict) -> None:
    d = database_gone
    assert d["code"] == EXIT_STORE_FAILED, d["stderr"][-3000:]
    assert "Traceback" not in d["stderr"], d["stderr"][-3000:]
    last = d["stderr"].strip().splitlines()[-1]
    assert last.startswith("zwgk crawl: the store failed and the crawl stopped: cannot"), last
    assert 0 < d["at_failure"] < len(d["portal"].ground_truth)
    run = d["second"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    reports, sources = snapshot(d["store"])
    want_reports, want_sources = snapshot(d["reference"])
    assert reports == want_reports == sorted((g.agency, g.year) for g in d["portal"].ground_truth)
    assert sources == want_sources and all(n == 1 for _, n in sources)
