"""Worker lifecycle in distributed mode: reclaiming dead workers' requests, idle exit, clean release.

A worker with nothing to do stays up while any other worker still has requests in flight (their
responses may yield new requests); once the shared queue and every processing list have been empty
for ZWGK_IDLE_SECONDS, the worker closes with reason "finished". ZWGK_IDLE_SECONDS = 0 keeps it
waiting for new work forever (a long-running service fed by `zwgk enqueue`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from crawler.distributed.settings import DEFAULT_HEARTBEAT_SECONDS, DEFAULT_IDLE_SECONDS
from pipelines.distributed.queue import ReliableQueue

logger = logging.getLogger(__name__)


class DistributedExtension:
    """Reclaims dead workers' requests periodically and decides when an idle worker may close."""

    def __init__(self, crawler: Any, idle_seconds: float, heartbeat_seconds: float) -> None:
        self.crawler = crawler
        self.idle_seconds = idle_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.idle_since: float | None = None
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> DistributedExtension:
        settings = crawler.settings
        if not settings.get("ZWGK_REDIS_URL"):
            raise NotConfigured("single-machine mode")
        ext = cls(
            crawler,
            settings.getfloat("ZWGK_IDLE_SECONDS", DEFAULT_IDLE_SECONDS),
            settings.getfloat("ZWGK_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS),
        )
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    @property
    def queue(self) -> ReliableQueue:
        queue = getattr(self.crawler, "_zwgk_redis_queue", None)
        if not isinstance(queue, ReliableQueue):
            raise RuntimeError(
                "distributed mode needs SCHEDULER_QUEUE_CLASS = pipelines.distributed.queue.ReliableQueue "
                "(use crawler.distributed.distributed_settings())"
            )
        return queue

    def opened(self) -> None:
        queue = self.queue
        logger.info("distributed worker %s on %s", queue.worker, queue.keys.base)
        self.tick()
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.heartbeat_seconds, now=False)

    def tick(self) -> None:
        """Re-queue the in-flight requests of workers whose heartbeat expired (the queue beats itself)."""
        try:
            queue = self.queue
            queue.reclaim_dead()
            queue.ack_finished()
        except RedisError as exc:  # keep the loop alive: Redis may come back
            logger.error("Redis unreachable for heartbeat: %s", exc)

    def idle(self) -> None:
        """spider_idle: keep the worker open while work remains anywhere in the crawl."""
        try:
            queue = self.queue
            queue.ack_finished()
            queue.reclaim_dead()
            pending = queue.pending_anywhere()
        except RedisError as exc:
            logger.error("Redis unreachable while idle: %s", exc)
            self.idle_since = None
            raise DontCloseSpider from None
        now = time.monotonic()
        if pending:
            self.idle_since = None
            raise DontCloseSpider
        if self.idle_seconds <= 0:
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_seconds:
            raise DontCloseSpider
        logger.info("shared queue empty for %.0fs: worker closing", now - self.idle_since)

    def closed(self, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        queue = self.queue
        try:
            requeued = queue.release(finished=reason == "finished")
        except RedisError as exc:
            logger.error(
                "could not release worker %s cleanly (%s); its requests will be reclaimed", queue.worker, exc
            )
            return
        stats = self.crawler.stats
        for key, value in queue.counts.items():
            stats.set_value(f"zwgk/redis/{key}", value)
        stats.set_value("zwgk/redis/requeued_at_close", requeued)
