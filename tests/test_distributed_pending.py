"""Distributed mode: what round 1 could not fetch, round 2's workers fetch once between them.

Two `zwgk crawl --redis` workers share a demo portal whose report pages and attachments beyond
list page 1 answer 503 in round 1. Round 2 (`zwgk enqueue --fresh`, two workers, the server
healthy): each worker reads the due pending list from the shared PostgreSQL store at its start,
the shared dupefilter lets only one of them have each entry, and every report ends up stored once.
"""

from __future__ import annotations

import collections
import re
import subprocess
import sys
from typing import Any
from urllib.parse import urljoin

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests import test_distributed_e2e as e2e
from tests.faultserver import FaultServer, page
from tests.test_distributed_e2e import REDIS_URL, _log, _wait

crawl_env = e2e.crawl_env  # the fixture: services checked (skip when absent), schema and keys cleaned up

COLUMN = "/zwgk/zfxxgknb/index.html"


def _worker(env: dict[str, Any], base: str, n: int) -> subprocess.Popen[bytes]:
    sets = {
        "ZWGK_REDIS_PREFIX": env["prefix"], "ZWGK_IDLE_SECONDS": "3", "ZWGK_HEARTBEAT_SECONDS": "1",
        "DOWNLOAD_DELAY": "0", "AUTOTHROTTLE_ENABLED": "0", "ZWGK_PROGRESS_INTERVAL": "0",
        "RETRY_TIMES": "1", "ZWGK_RETRY_BACKOFF": "0.05",
    }
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--redis", REDIS_URL, "--store", env["store"],
           "--archive-dir", str(env["tmp"] / "archive"), "--url", base + COLUMN, "--name", "demo",
           "--log-level", "INFO"]
    for k, v in sets.items():
        cmd += ["--set", f"{k}={v}"]
    with open(env["tmp"] / f"worker{n}.log", "wb") as log:
        return subprocess.Popen(cmd, cwd=env["tmp"], stdout=log, stderr=subprocess.STDOUT)


def _round(env: dict[str, Any], base: str, fresh: bool, failures: bool = False) -> None:
    """One crawl round by two workers. With `failures` (pages answering 503), a worker whose every
    fetch happened to be one of them ends "every portal failed completely" (exit 3), as documented."""
    cmd = [sys.executable, "-m", "crawler.cli", "enqueue", "--redis", REDIS_URL, "--prefix", env["prefix"],
           "--url", base + COLUMN, "--name", "demo", *(["--fresh"] if fresh else [])]
    run = subprocess.run(cmd, cwd=env["tmp"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    workers = [_worker(env, base, n) for n in (1, 2)]
    for n, w in zip((1, 2), workers, strict=True):
        code = _wait(w, env, n, timeout=300)
        text = _log(env, n)
        assert code in ((0, 3) if failures else (0,)) and "Traceback" not in text, text[-4000:]


def test_pending_requests_of_round_one_are_fetched_once_in_round_two(crawl_env: dict[str, Any]) -> None:
    portal = DemoPortal(seed=45, n_reports=12, n_other=4, per_page=4)
    first = portal.get(DemoPortal.list_path(0))
    assert first is not None
    on_first = {urljoin(COLUMN, h) for h in re.findall(r'href="([^"]+)"', first.body.decode("utf-8"))}
    later = [g for g in portal.ground_truth if g.path not in on_first]
    assert later and len(later) < len(portal.ground_truth)
    failing = {g.path for g in later} | {g.attachment for g in later if g.attachment}
    server = FaultServer(portal=portal)
    for path in failing:
        server.route(path, page(b"<html><body>Service Unavailable</body></html>", status=503))
    with server.running() as base:
        _round(crawl_env, base, fresh=False, failures=True)
        with open_store(crawl_env["store"], str(crawl_env["tmp"] / "archive")) as store:
            pending = store.pending(given_up=False)
            stored_first = len(list(store.reports(with_text=False)))
        assert sorted(e.url.split("/", 3)[3] for e in pending) == sorted(g.path.lstrip("/") for g in later)
        assert stored_first == len(portal.ground_truth) - len(later)
        mark = server.mark()
        server.routes.clear()
        _round(crawl_env, base, fresh=True)
        second = server.log[mark:]
    with open_store(crawl_env["store"], str(crawl_env["tmp"] / "archive")) as store:
        rows = list(store.reports(with_text=False))
        assert store.pending(given_up=False) == [] and store.pending(given_up=True) == []
        runs = store.runs(limit=2)
    got = collections.Counter((r["agency"], r["year"]) for r in rows)
    assert got == collections.Counter((g.agency, g.year) for g in portal.ground_truth)
    # each pending page was fetched once in round 2, by one of the two workers
    fetched = collections.Counter(p for _, p, s, _ in second if s == 200 and p in failing)
    assert fetched == collections.Counter(failing), fetched
    retried = sum((r["counts"] or {}).get("retried", 0) for r in runs)
    recovered = sum((r["counts"] or {}).get("recovered", 0) for r in runs)
    assert retried == len(later) and recovered == len(later), runs
