"""Distributed crawling: several workers share one scrapy-redis frontier and one PostgreSQL store.

`distributed_settings(redis_url, settings)` is the switch (applied by crawler.runner when
ZWGK_REDIS_URL / `zwgk crawl --redis` is set); `queue_stats()` reports the shared queue. The Scrapy
components live in pipelines.distributed.queue and pipelines.distributed.extension (imported by Scrapy
from the settings, not from here, so this package imports without Scrapy).
"""

from __future__ import annotations

from crawler.distributed.keys import DEFAULT_PREFIX, Keys
from crawler.distributed.settings import distributed_settings
from crawler.distributed.stats import queue_stats

__all__ = ["DEFAULT_PREFIX", "Keys", "check_redis", "distributed_settings", "queue_stats"]


def check_redis(redis_url: str) -> None:
    """Ping Redis; ConnectionError (an OSError) with the URL and the cause when it is unreachable."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        raise ConnectionError(f"cannot reach Redis at {redis_url}: {exc}") from None
    finally:
        client.close()
