"""Pages per second of one and of two distributed workers on the same demo portal, and their ratio.

    python benchmarks/distributed.py [--reports 480] [--workers 1,2] [--redis URL] [--store PG_URL]

Needs Redis and PostgreSQL (defaults: 127.0.0.1:6379 and postgresql://127.0.0.1:5432/test). Each run
gets its own Redis key prefix and PostgreSQL schema, removed afterwards. The demo portal is served
from this process; workers are `zwgk crawl --redis` subprocesses. The clock runs from launching the
workers until the shared queue is empty and nothing is in flight (every page parsed and stored);
the idle wait before workers exit is not counted. Pages = distinct requests the crawl scheduled.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COLUMN = "/zwgk/zfxxgknb/index.html"


def run_workers(n: int, base: str, redis_url: str, store: str, tmp: Path) -> tuple[int, float]:
    """Crawl the portal at `base` with `n` workers; returns (pages, seconds)."""
    import psycopg
    import redis

    from crawler.commands.enqueue import enqueue, start_requests
    from crawler.distributed import queue_stats
    from crawler.seeds import Seed

    tag = uuid.uuid4().hex[:10]
    prefix, schema = f"zwgkbench-{tag}", f"zwgkbench_{tag}"
    store_url = f"{store}{'&' if '?' in store else '?'}schema={schema}"
    seed = Seed(name="demo", start_urls=[base + COLUMN], allowed_domains=["127.0.0.1"])
    enqueue(redis_url, start_requests([seed]), prefix)
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--redis", redis_url, "--store", store_url]
    cmd += ["--archive-dir", str(tmp / f"archive-{tag}"), "--url", base + COLUMN, "--name", "demo"]
    for setting in (
        f"ZWGK_REDIS_PREFIX={prefix}",
        "ZWGK_IDLE_SECONDS=2",
        "DOWNLOAD_DELAY=0",
        "AUTOTHROTTLE_ENABLED=0",
        "CONCURRENT_REQUESTS_PER_DOMAIN=8",
        "ZWGK_PROGRESS_INTERVAL=0",
    ):
        cmd += ["--set", setting]
    started = time.monotonic()
    procs = [
        subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)
    ]
    seconds = 0.0
    try:
        time.sleep(1.0)
        while True:
            st = queue_stats(redis_url, "portal", prefix)
            if st["queued"] == 0 and st["in_flight"] == 0 and st["seen"] > 1:
                seconds = time.monotonic() - started
                pages = st["seen"]
                break
            if all(p.poll() is not None for p in procs):
                raise RuntimeError(
                    f"workers exited with {[p.returncode for p in procs]} before the crawl ended"
                )
            time.sleep(0.2)
        for p in procs:
            p.wait(timeout=120)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
        base_url = store.split("?")[0]
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    return pages, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=480, help="reports on the demo portal (default 480)")
    parser.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--store", default="postgresql://127.0.0.1:5432/test")
    args = parser.parse_args()

    from crawler.demo.server import serve_portal
    from crawler.demo.site import DemoPortal
    from crawler.distributed import check_redis

    try:
        check_redis(args.redis)
    except ConnectionError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 2
    counts = [int(x) for x in args.workers.split(",") if x.strip()]
    portal = DemoPortal(seed=11, n_reports=args.reports, n_other=20)
    rates: dict[int, float] = {}
    tmp = Path(tempfile.mkdtemp(prefix="zwgk-bench-"))
    try:
        with serve_portal(portal) as base:
            for n in counts:
                pages, seconds = run_workers(n, base, args.redis, args.store, tmp)
                rates[n] = pages / seconds
                print(f"{n} worker(s): {pages} pages in {seconds:.1f} s = {rates[n]:.1f} pages/s", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if len(counts) >= 2:
        a, b = counts[0], counts[1]
        print(f"ratio {b}/{a} workers: {rates[b] / rates[a]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
