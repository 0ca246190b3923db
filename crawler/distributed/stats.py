"""`zwgk stats --redis`: what the shared queue holds and which workers are alive."""

from __future__ import annotations

from typing import Any

from crawler.distributed.keys import DEFAULT_PREFIX, Keys


def queue_stats(redis_url: str, spider: str = "portal", prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """Queued, in-flight (per worker), seen and rejected request counts of one distributed crawl.

    Raises ConnectionError (an OSError) naming the URL when Redis cannot be reached.
    """
    import redis

    keys = Keys(prefix, spider)
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=10)
    try:
        return _stats(client, keys, redis_url)
    except redis.exceptions.RedisError as exc:
        raise ConnectionError(f"cannot read the queue at {redis_url}: {exc}") from None
    finally:
        client.close()


def _stats(client: Any, keys: Keys, redis_url: str) -> dict[str, Any]:
    pipe = client.pipeline(transaction=False)
    pipe.llen(keys.requests)
    pipe.scard(keys.dupefilter)
    pipe.llen(keys.rejected)
    pipe.smembers(keys.workers)
    queued, seen, rejected, members = pipe.execute()
    workers = sorted(m.decode() for m in members)
    pipe = client.pipeline(transaction=False)
    for w in workers:
        pipe.llen(keys.processing(w))
        pipe.ttl(keys.alive(w))
    res = pipe.execute()
    rows = []
    for i, w in enumerate(workers):
        in_flight, ttl = int(res[2 * i]), int(res[2 * i + 1])
        rows.append({"worker": w, "alive": ttl > 0, "heartbeat_ttl": max(ttl, 0), "in_flight": in_flight})
    return {
        "redis": redis_url,
        "key_prefix": keys.base,
        "queued": int(queued),
        "in_flight": sum(r["in_flight"] for r in rows),
        "seen": int(seen),
        "rejected": int(rejected),
        "workers_alive": sum(1 for r in rows if r["alive"]),
        "workers": rows,
    }
