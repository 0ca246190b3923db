"""A crawl killed with SIGKILL and restarted with the same --jobdir stores what an uninterrupted one does.

Scrapy alone cannot do this: its disk queue's index is written only on a clean shutdown while its
dupefilter writes every fingerprint at once (crawler/runner.py prepare_jobdir explains the recovery).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run, zwgk

COLUMN = "/zwgk/zfxxgknb/index.html"


def crawl_args(base: str, db: Path, *extra: str) -> list[str]:
    return ["crawl", "--url", base + COLUMN, "--name", "demo", "--store", f"sqlite:///{db}", *LOOPBACK_SETTINGS,
            "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2", *extra]


def stored_reports(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT COUNT(*) FROM reports").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def snapshot(db: Path) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(agency, year) of every report, and (url, count) of every stored source URL."""
    with open_store(f"sqlite:///{db}") as store:
        reports = sorted((r["agency"], r["year"]) for r in store.reports(with_text=False))
        sources = [(u, n) for u, n in store._q("SELECT url, COUNT(*) FROM sources GROUP BY url ORDER BY url")]
    return reports, sources


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    portal = DemoPortal(seed=33, n_reports=10, n_other=5, per_page=3)
    # Slow enough that the kill lands mid-crawl: reports reach the store in bursts after parsing, so
    # the kill comes at the first stored report, with most pages still to fetch.
    server = FaultServer(portal=portal, delay=0.1)
    tmp = tmp_path_factory.mktemp("resume")
    whole, broken, jobdir = tmp / "whole.db", tmp / "broken.db", tmp / "job"
    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0")
    with server.running() as base:
        first = zwgk(*crawl_args(base, whole), cwd=tmp)
        assert first.returncode == 0, first.stderr[-3000:]
        proc = subprocess.Popen([sys.executable, "-m", "crawler.cli", *crawl_args(base, broken, "--jobdir", str(jobdir))],
                                cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while stored_reports(broken) < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        at_kill = stored_reports(broken)
        second = zwgk(*crawl_args(base, broken, "--jobdir", str(jobdir)), cwd=tmp)

        # A clean stop (SIGINT, as Ctrl-C): Scrapy saves its queue and the job is "paused".
        paused, pjob = tmp / "paused.db", tmp / "pjob"
        proc2 = subprocess.Popen([sys.executable, "-m", "crawler.cli", *crawl_args(base, paused, "--jobdir", str(pjob))],
                                 cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Stop while list pages are still to come (reports are stored in bursts, after parsing).
        mark = server.mark()
        deadline = time.monotonic() + 60
        while server.mark() - mark < 8 and proc2.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        proc2.send_signal(signal.SIGINT)
        proc2.wait(timeout=60)
        pause_state = (pjob / "zwgk-job.json").read_text()
        at_pause = stored_reports(paused)
        third = zwgk(*crawl_args(base, paused, "--jobdir", str(pjob)), cwd=tmp)
    return {"portal": portal, "whole": whole, "broken": broken, "at_kill": at_kill, "second": second,
            "killed_code": proc.returncode, "jobdir": jobdir, "paused": paused, "pause_state": pause_state,
            "at_pause": at_pause, "third": third}


def test_kill_landed_mid_crawl(resumed: dict) -> None:
    assert resumed["killed_code"] == -signal.SIGKILL
    assert 0 < resumed["at_kill"] < len(resumed["portal"].ground_truth)


def test_resumed_crawl_stores_what_an_uninterrupted_one_does(resumed: dict) -> None:
    run = resumed["second"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    whole_reports, whole_sources = snapshot(resumed["whole"])
    broken_reports, broken_sources = snapshot(resumed["broken"])
    assert whole_reports == sorted((g.agency, g.year) for g in resumed["portal"].ground_truth)
    assert broken_reports == whole_reports
    # none twice: one stored source per URL, the same URLs as the uninterrupted crawl
    assert all(n == 1 for _, n in broken_sources)
    assert [u.split("/", 3)[3] for u, _ in broken_sources] == [u.split("/", 3)[3] for u, _ in whole_sources]


def test_resumed_run_skips_what_the_killed_run_stored(resumed: dict) -> None:
    counts = last_run(resumed["broken"])["counts"]
    assert counts.get("resumed") == 1
    assert counts.get("new", 0) == len(resumed["portal"].ground_truth) - resumed["at_kill"]
    assert counts.get("unchanged", 0) == 0 and counts.get("duplicate", 0) == 0


def test_job_is_finished_and_a_new_run_starts_a_new_job(resumed: dict) -> None:
    import json

    state = json.loads((resumed["jobdir"] / "zwgk-job.json").read_text())
    assert state["state"] == "finished" and state["runs"] == 2


def test_clean_stop_pauses_and_resumes_from_scrapys_queue(resumed: dict) -> None:
    import json

    assert json.loads(resumed["pause_state"])["state"] == "paused"
    assert 0 < resumed["at_pause"] < len(resumed["portal"].ground_truth)
    run = resumed["third"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    paused_reports, paused_sources = snapshot(resumed["paused"])
    whole_reports, whole_sources = snapshot(resumed["whole"])
    assert paused_reports == whole_reports
    assert all(n == 1 for _, n in paused_sources)
    assert [u.split("/", 3)[3] for u, _ in paused_sources] == [u.split("/", 3)[3] for u, _ in whole_sources]
