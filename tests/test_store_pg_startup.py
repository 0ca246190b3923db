"""Several workers opening one new PostgreSQL schema at the same moment (real PostgreSQL)."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

from crawler.store import open_store
from tests.test_store_support import drop_schema, pg_url  # noqa: F401 - fixture


def _open(url: str, archive: str, barrier: mp.synchronize.Barrier, out: mp.Queue) -> None:
    barrier.wait()  # every process creates the schema at the same moment
    try:
        open_store(url, archive).close()
        out.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the parent test
        out.put(f"{type(exc).__name__}: {exc}")


def test_concurrent_first_open_creates_one_schema(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    # fork: children start at once, which is what makes the race show (spawn staggers them)
    ctx = mp.get_context("fork")
    n, rounds = 6, 6
    failures: list[str] = []
    for i in range(rounds):
        url = f"{pg_url}{i}"
        barrier = ctx.Barrier(n)
        out = ctx.Queue()
        procs = [ctx.Process(target=_open, args=(url, str(tmp_path / "a"), barrier, out)) for _ in range(n)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        failures += [r for r in (out.get(timeout=5) for _ in procs) if r != "ok"]
        drop_schema(url.rsplit("schema=", 1)[1])
    assert failures == []
