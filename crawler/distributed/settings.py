"""The one switch from single-machine to distributed mode: Scrapy settings for scrapy-redis."""

from __future__ import annotations

from typing import Any

from crawler.distributed.keys import DEFAULT_PREFIX, check_prefix

EXTENSION = "pipelines.distributed.extension.DistributedExtension"
DEFAULT_IDLE_SECONDS = 30.0
DEFAULT_HEARTBEAT_SECONDS = 5.0


def _get(settings: Any, name: str, default: Any) -> Any:
    """settings may be a Scrapy Settings object or a plain dict (for tests and tools)."""
    value = settings.get(name) if settings is not None else None
    return default if value in (None, "") else value


def _number(settings: Any, name: str, default: float) -> float:
    value = _get(settings, name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {value!r} is not a number") from None


def distributed_settings(redis_url: str, settings: Any = None) -> dict[str, Any]:
    """Scrapy settings that run the crawl on scrapy-redis with the shared queue at `redis_url`.

    Everything else (spiders, pipelines, the store) is unchanged. Values the user already set
    (ZWGK_IDLE_SECONDS, ZWGK_HEARTBEAT_SECONDS, ZWGK_MAX_IN_FLIGHT, ZWGK_REDIS_PREFIX,
    EXTENSIONS) are kept.
    """
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"--redis wants redis://HOST:PORT[/DB], got {redis_url!r}")
    if settings is not None and _get(settings, "JOBDIR", ""):
        raise ValueError(
            "JOBDIR and --redis exclude each other: in distributed mode Redis holds the crawl state"
        )
    prefix = check_prefix(str(_get(settings, "ZWGK_REDIS_PREFIX", DEFAULT_PREFIX)))
    idle = _number(settings, "ZWGK_IDLE_SECONDS", DEFAULT_IDLE_SECONDS)
    heartbeat = _number(settings, "ZWGK_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS)
    if heartbeat <= 0:
        raise ValueError("ZWGK_HEARTBEAT_SECONDS must be positive")
    max_in_flight = int(_number(settings, "ZWGK_MAX_IN_FLIGHT", 0))
    if max_in_flight < 0:
        raise ValueError("ZWGK_MAX_IN_FLIGHT must be 0 (= CONCURRENT_REQUESTS) or positive")
    extensions = dict(_get(settings, "EXTENSIONS", {}) or {})
    if hasattr(settings, "getdict"):
        extensions = settings.getdict("EXTENSIONS")
    extensions[EXTENSION] = 510
    return {
        "ZWGK_REDIS_URL": redis_url,
        "ZWGK_REDIS_PREFIX": prefix,
        "ZWGK_IDLE_SECONDS": idle,
        "ZWGK_HEARTBEAT_SECONDS": heartbeat,
        "ZWGK_MAX_IN_FLIGHT": max_in_flight,  # requests one worker holds at a time; 0 = CONCURRENT_REQUESTS
        "REDIS_URL": redis_url,
        "SCHEDULER": "pipelines.distributed.scheduler.Scheduler",  # scrapy-redis's, without deprecated calls
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "pipelines.distributed.queue.ReliableQueue",
        "SCHEDULER_SERIALIZER": "crawler.distributed.serializer",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:%(spider)s:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:%(spider)s:dupefilter",
        # The queue and the seen-fingerprints outlive every worker: other workers still use them,
        # and a crawl resumes from them. `zwgk enqueue --fresh` starts a new round.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        # scrapy-redis would block the reactor in BRPOP; the extension keeps idle workers open instead.
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "EXTENSIONS": extensions,
    }
