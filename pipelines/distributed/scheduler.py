"""scrapy-redis's Scheduler, minus the calls Scrapy 2.13+ deprecates (Spider.log, stats(spider=)),
with the dupefilter check and the push done in one atomic Redis step."""

from __future__ import annotations

import logging
import time
from typing import Any

from redis.exceptions import RedisError
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler as RedisScheduler

logger = logging.getLogger(__name__)

_PUSH_ATTEMPTS = 3


class Scheduler(RedisScheduler):
    """scrapy_redis.scheduler.Scheduler 0.9.1 with an atomic seen-and-push and no deprecated calls."""

    def open(self, spider: Any) -> None:
        self.spider = spider
        try:
            self.queue = load_object(self.queue_cls)(
                server=self.server,
                spider=spider,
                key=self.queue_key % {"spider": spider.name},
                serializer=self.serializer,
            )
        except TypeError as exc:
            raise ValueError(f"Failed to instantiate queue class '{self.queue_cls}': {exc}") from exc
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if self.flush_on_start:
            self.flush()
        queued = len(self.queue)
        if queued:
            logger.info("Resuming crawl (%d requests queued in Redis)", queued)

    def enqueue_request(self, request: Any) -> bool:
        """Queue a request in Redis; False when it was seen before or cannot be queued (logged).

        Scrapy calls this from inside the processing of a response's output, where an exception is
        swallowed without a word; so every failure is caught and logged here. When Redis itself keeps
        failing, the queue stops acknowledging (see ReliableQueue.fail), so that the request whose
        response yielded this one stays in flight and is re-queued rather than lost.
        """
        for attempt in range(_PUSH_ATTEMPTS):
            try:
                return self._enqueue(request)
            except (TypeError, ValueError) as exc:  # not serialisable: it can never be queued
                logger.error("cannot queue %s in Redis: %s", request.url, exc)
                if self.stats:
                    self.stats.inc_value("scheduler/unqueueable/redis")
                return False
            except RedisError as exc:
                if attempt + 1 < _PUSH_ATTEMPTS:
                    logger.warning("Redis error queueing %s (%s); retrying", request.url, exc)
                    time.sleep(0.5 * (attempt + 1))
                    continue
                logger.error("Redis error queueing %s: %s; this worker stops acknowledging", request.url, exc)
                fail = getattr(self.queue, "fail", None)
                if fail is not None:
                    fail(f"could not queue {request.url}: {exc}")
        return False

    def _enqueue(self, request: Any) -> bool:
        if request.dont_filter:
            self.queue.push(request)
        elif hasattr(self.queue, "push_unseen"):
            # Fingerprint and request in one step (see ReliableQueue.push_unseen).
            if not self.queue.push_unseen(request, self.df.key, self.df.request_fingerprint(request)):
                self.df.log(request, self.spider)
                return False
        else:
            if self.df.request_seen(request):
                self.df.log(request, self.spider)
                return False
            self.queue.push(request)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Any:
        request = self.queue.pop(self.idle_before_close)
        if request and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request
