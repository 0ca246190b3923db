"""Distributed mode end to end: `zwgk crawl --redis` worker processes, real Redis, real PostgreSQL.

A demo portal of 500+ pages is served from this process behind a thin request log (the demo
server counts requests but does not say which); `zwgk enqueue` queues its column page and two
worker subprocesses share the crawl. Checked: every report stored exactly once, no page fetched
twice, and, with one worker SIGKILLed mid-crawl, the survivor re-queues its in-flight requests and
finishes the crawl.

Worker logs (and the request log, and what Redis still holds) are kept in the test's tmp directory;
ZWGK_TEST_WORKER_LOG=DEBUG makes the workers trace every queue operation (queued/took/done).
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"
PG_URL = "postgresql://127.0.0.1:5432/test"
COLUMN = "/zwgk/zfxxgknb/index.html"
ROOT = Path(__file__).resolve().parents[1]
N_REPORTS = 480  # + 20 other articles, 25 list pages, PDFs: 500+ pages fetched


def _services() -> None:
    redis = pytest.importorskip("redis")
    psycopg = pytest.importorskip("psycopg")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); .ci/run starts one")
    try:
        psycopg.connect(PG_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL at {PG_URL} ({exc}); .ci/run starts one")


@contextmanager
def logged_portal(portal: Any) -> Iterator[tuple[str, list[str]]]:
    """Serve `portal` like crawler.demo.server does, recording every requested path."""
    from crawler.demo import server as demo_server

    log: list[str] = []
    lock = threading.Lock()

    class Handler(demo_server._Handler):
        def do_GET(self) -> None:  # noqa: N802
            with lock:
                log.append(self.path)
            super().do_GET()

    srv = demo_server._PortalServer(portal)
    srv.RequestHandlerClass = Handler
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = srv.server_address[:2]
    try:
        yield f"http://{host}:{port}", log
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=5)


@pytest.fixture
def crawl_env(tmp_path: Path) -> Iterator[dict[str, Any]]:
    _services()
    import psycopg
    import redis

    tag = uuid.uuid4().hex[:10]
    env = {
        "prefix": f"zwgktest-{tag}",
        "schema": f"zwgktest_{tag}",
        "tmp": tmp_path,
    }
    env["store"] = f"{PG_URL}?schema={env['schema']}"
    from crawler.store import open_store

    # Create the schema before the workers start, as a deployment does once: two workers creating
    # it at the same instant race in CREATE SCHEMA IF NOT EXISTS (a PostgreSQL limitation).
    open_store(env["store"], str(tmp_path / "archive")).close()
    yield env
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{env['prefix']}:*"):
        client.delete(key)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{env["schema"]}" CASCADE')


def _zwgk_args(env: dict[str, Any], *args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def _worker(env: dict[str, Any], base: str, n: int) -> subprocess.Popen[bytes]:
    sets = {
        "ZWGK_REDIS_PREFIX": env["prefix"],
        "ZWGK_IDLE_SECONDS": "3",
        "ZWGK_HEARTBEAT_SECONDS": "1",  # a dead worker is noticed after 3 s
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
        "ZWGK_PROGRESS_INTERVAL": "0",
        "DUPEFILTER_DEBUG": "1",  # every filtered duplicate in the worker logs (at DEBUG)
    }
    cmd = _zwgk_args(
        env,
        "crawl",
        "--redis",
        REDIS_URL,
        "--store",
        env["store"],
        "--archive-dir",
        str(env["tmp"] / "archive"),
        "--url",
        base + COLUMN,
        "--name",
        "demo",
        "--log-level",
        os.environ.get("ZWGK_TEST_WORKER_LOG", "INFO"),
    )
    for k, v in sets.items():
        cmd += ["--set", f"{k}={v}"]
    with open(env["tmp"] / f"worker{n}.log", "wb") as log:  # the child keeps its own descriptor
        return subprocess.Popen(cmd, cwd=env["tmp"], stdout=log, stderr=subprocess.STDOUT)


def _enqueue(env: dict[str, Any], base: str) -> None:
    cmd = _zwgk_args(env, "enqueue", "--redis", REDIS_URL, "--prefix", env["prefix"], "--url", base + COLUMN)
    run = subprocess.run(cmd + ["--name", "demo"], cwd=env["tmp"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "queued 1 start request" in run.stderr


def _wait(proc: subprocess.Popen[bytes], env: dict[str, Any], n: int, timeout: float = 400) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"worker {n} did not finish:\n{_log(env, n)[-4000:]}")


def _log(env: dict[str, Any], n: int) -> str:
    return (env["tmp"] / f"worker{n}.log").read_text(errors="replace")


def _check_store(env: dict[str, Any], portal: Any) -> None:
    from crawler.store import open_store

    with open_store(env["store"], str(env["tmp"] / "archive")) as store:
        rows = list(store.reports())
    got = collections.Counter((r["agency"], r["year"]) for r in rows)
    want = collections.Counter((g.agency, g.year) for g in portal.ground_truth)
    assert len(want) == N_REPORTS
    twice = {k: n for k, n in got.items() if n > 1}
    assert not twice, f"stored more than once: {twice}"
    assert got == want, f"missing {len(want - got)}, unexpected {len(got - want)}"


def _fetched_twice(log: list[str]) -> dict[str, int]:
    # robots.txt is read by each worker for itself (Scrapy's RobotsTxtMiddleware, not the shared queue).
    counts = collections.Counter(p for p in log if p != "/robots.txt")
    return {p: n for p, n in counts.items() if n > 1}


def _save_log(env: dict[str, Any], log: list[str]) -> None:
    """Keep the request log and what Redis still holds, for diagnosing a failure."""
    import redis

    (env["tmp"] / "requests.log").write_text("\n".join(log))
    client = redis.Redis.from_url(REDIS_URL)
    lines = []
    for key in sorted(client.scan_iter(f"{env['prefix']}:*")):
        kind = client.type(key).decode()
        if kind == "list":
            lines.append(f"{key.decode()} list {client.llen(key)}")
            lines += [f"  {x.decode()[:300]}" for x in client.lrange(key, 0, 50)]
        elif kind == "set":
            lines.append(f"{key.decode()} set {client.scard(key)}")
        else:
            lines.append(f"{key.decode()} {kind}")
    client.close()
    (env["tmp"] / "redis.txt").write_text("\n".join(lines))


def _in_flight(env: dict[str, Any], pid: int) -> int:
    """Requests the worker with process id `pid` holds right now (its Redis processing list)."""
    from crawler.distributed import queue_stats

    rows = queue_stats(REDIS_URL, "portal", env["prefix"])["workers"]
    return sum(r["in_flight"] for r in rows if r["worker"].split(":")[-2] == str(pid))


def _portal() -> Any:
    from crawler.demo.site import DemoPortal

    return DemoPortal(seed=11, n_reports=N_REPORTS, n_other=20)


def _queue_is_drained(env: dict[str, Any]) -> dict[str, Any]:
    from crawler.distributed import queue_stats

    st = queue_stats(REDIS_URL, "portal", env["prefix"])
    assert (st["queued"], st["in_flight"], st["rejected"]) == (0, 0, 0), st
    return st


def test_two_workers_share_the_crawl(crawl_env: dict[str, Any]) -> None:
    portal = _portal()
    with logged_portal(portal) as (base, log):
        _enqueue(crawl_env, base)
        workers = [_worker(crawl_env, base, n) for n in (1, 2)]
        codes = [_wait(w, crawl_env, n) for n, w in zip((1, 2), workers, strict=True)]
    _save_log(crawl_env, log)
    for n, code in zip((1, 2), codes, strict=True):
        text = _log(crawl_env, n)
        assert code == 0, text[-4000:]
        assert "Traceback" not in text, text[-4000:]
    pages = len([p for p in log if p != "/robots.txt"])
    assert pages >= 500
    assert not _fetched_twice(log)
    _check_store(crawl_env, portal)
    _queue_is_drained(crawl_env)
    # Both workers did part of the work.
    for n in (1, 2):
        assert "'zwgk/pages':" in _log(crawl_env, n)
        fetched = int(_log(crawl_env, n).split("'zwgk/pages': ")[1].split(",")[0].split("}")[0])
        assert fetched > 50, f"worker {n} fetched only {fetched} pages"


def test_killed_worker_in_flight_requests_are_finished_by_the_other(crawl_env: dict[str, Any]) -> None:
    portal = _portal()
    with logged_portal(portal) as (base, log):
        _enqueue(crawl_env, base)
        victim, survivor = _worker(crawl_env, base, 1), _worker(crawl_env, base, 2)
        deadline = time.monotonic() + 120
        # Kill mid-crawl, at a moment when worker 1 holds requests in flight.
        while time.monotonic() < deadline and victim.poll() is None:
            if len(log) >= 150 and _in_flight(crawl_env, victim.pid) > 0:
                break
            time.sleep(0.05)
        assert victim.poll() is None, (
            "worker 1 ended before it could be killed:\n" + _log(crawl_env, 1)[-3000:]
        )
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        killed_at = len(log)
        code = _wait(survivor, crawl_env, 2)
    _save_log(crawl_env, log)
    text = _log(crawl_env, 2)
    assert code == 0, text[-4000:]
    assert "Traceback" not in text, text[-4000:]
    assert len(log) > killed_at + 100, "the survivor did not carry on with the crawl"
    _check_store(crawl_env, portal)
    st = _queue_is_drained(crawl_env)
    assert st["workers"] == []  # the dead worker was reclaimed and forgotten, the survivor left cleanly
    # Pages fetched twice are the requests the dead worker had in flight, re-queued by the survivor.
    reclaimed = sum(
        int(line.split("re-queued ")[1].split()[0])
        for line in text.splitlines()
        if "is gone: re-queued" in line
    )
    assert reclaimed >= 1, text[-4000:]
    assert len(_fetched_twice(log)) <= reclaimed
