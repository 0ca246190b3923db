"""`zwgk stats --redis`: the shared frontier as users see it (real Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

redis = pytest.importorskip("redis")
URL = "redis://127.0.0.1:6379/0"


def _reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(URL, socket_connect_timeout=1).ping())
    except redis.exceptions.RedisError:
        return False


def zwgk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(not _reachable(), reason="Redis is not reachable at 127.0.0.1:6379")
def test_stats_shows_queued_requests_of_its_prefix() -> None:
    prefix = f"zwgktest{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(URL)
    key = f"{prefix}:portal:requests"
    try:
        client.rpush(key, b"{}", b"{}", b"{}")
        run = zwgk("stats", "--redis", URL, "--prefix", prefix, "--json")
        assert run.returncode == 0, run.stderr
        st = json.loads(run.stdout)
        assert st["queued"] == 3 and st["in_flight"] == 0 and st["workers"] == []
        text = zwgk("stats", "--redis", URL, "--prefix", prefix)
        assert "3 queued" in text.stdout
    finally:
        for k in client.scan_iter(f"{prefix}:*"):
            client.delete(k)


def test_unreachable_redis_is_a_clear_error() -> None:
    run = zwgk("stats", "--redis", "redis://127.0.0.1:1/0")
    assert run.returncode == 1  # configuration: the Redis named cannot be reached
    assert "cannot read the queue at redis://127.0.0.1:1/0" in run.stderr
    assert "Traceback" not in run.stderr
