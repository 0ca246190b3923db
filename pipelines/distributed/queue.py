"""A scrapy-redis queue that loses no request when a worker dies.

scrapy-redis pops a request from Redis and forgets it: if the worker is killed while the request is
downloading or its response is being parsed, the request (and every link it would have yielded) is
gone. Here a pop is an atomic LMOVE from the shared list into this worker's processing list, and the
request is removed from there (acknowledged) only once the engine is completely done with it: the
response went through the callback or errback, the requests it yielded are in Redis and its items
went through the pipelines (stored). Each worker keeps a heartbeat key with a TTL, refreshed from a
thread of its own (a worker busy parsing a large PDF for seconds is not dead; a killed process stops
beating); a worker whose key has expired is dead, and any live worker moves its processing list back
to the shared list.

Delivery is therefore at least once: a request that was in flight on a killed worker is fetched again
by another worker; nothing is lost. Requests are JSON (crawler.distributed.serializer), and a
callback is resolved only by name, only to a public method the spider class itself defines.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from typing import Any

import scrapy
from scrapy.http import Request
from scrapy_redis.queue import FifoQueue

from crawler.distributed import serializer as json_serializer
from crawler.distributed.keys import DEFAULT_PREFIX, PUSH_UNSEEN_LUA, Keys
from crawler.distributed.settings import DEFAULT_HEARTBEAT_SECONDS

logger = logging.getLogger(__name__)

LEASE_META_KEY = "_zwgk_lease"  # set on popped requests; never serialised

# Moves a dead worker's processing list back to the shared list, atomically and only if the
# worker's heartbeat key is (still) absent, then forgets the worker. KEYS: processing, requests,
# alive, workers; ARGV: worker id. Returns the number of requests moved, -1 if the worker is alive.
_RECLAIM_LUA = """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
local n = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT') do n = n + 1 end
redis.call('SREM', KEYS[4], ARGV[1])
return n
"""


def new_worker_id() -> str:
    """host:pid:random — unique across machines and restarts."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def allowed_callbacks(spider: Any) -> frozenset[str]:
    """Names a queued request may use as callback/errback: public methods of the spider's own class.

    Methods scrapy.Spider itself defines (start, close, log, from_crawler, …) are excluded, so a
    document in Redis can only route a response into the spider's parse methods.
    """
    base = set(dir(scrapy.Spider))
    names = set()
    for name in dir(type(spider)):
        if name.startswith("_") or (name in base and name != "parse"):
            continue
        if callable(getattr(type(spider), name, None)):
            names.add(name)
    if getattr(type(spider), "parse", None) is getattr(scrapy.Spider, "parse", None):
        names.discard("parse")  # the base class's parse only raises NotImplementedError
    return frozenset(names)


class ReliableQueue(FifoQueue):
    """FIFO scrapy-redis queue with per-worker processing lists, heartbeats and reclaim."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        if serializer not in (None, json_serializer):
            # scrapy-redis would fall back to pickle: a shared Redis must not be a way to run code.
            raise ValueError("SCHEDULER_SERIALIZER must be crawler.distributed.serializer")
        super().__init__(server, spider, key, serializer=json_serializer)
        settings = spider.settings
        self.keys = Keys(settings.get("ZWGK_REDIS_PREFIX") or DEFAULT_PREFIX, spider.name)
        if self.key != self.keys.requests:
            raise ValueError(
                f"SCHEDULER_QUEUE_KEY gives {self.key!r} but ZWGK_REDIS_PREFIX gives {self.keys.requests!r}: "
                "build the settings with crawler.distributed.distributed_settings()"
            )
        self.worker = new_worker_id()
        self.heartbeat_seconds = settings.getfloat("ZWGK_HEARTBEAT_SECONDS", DEFAULT_HEARTBEAT_SECONDS)
        self.ttl = max(1, int(round(self.heartbeat_seconds * 3)))
        self.processing = self.keys.processing(self.worker)
        self.callbacks = allowed_callbacks(spider)
        # Take no more than this many requests at a time. Scrapy would otherwise pull everything it
        # can download (downloads are fast, parsing is not) and sit on it while other workers idle.
        self.max_in_flight = settings.getint("ZWGK_MAX_IN_FLIGHT") or settings.getint(
            "CONCURRENT_REQUESTS", 16
        )
        self.leases: dict[str, tuple[Request, bytes]] = {}
        self._seq = 0
        self._reclaim = server.register_script(_RECLAIM_LUA)
        self._push_unseen = server.register_script(PUSH_UNSEEN_LUA)
        self.counts = {"popped": 0, "acked": 0, "reclaimed": 0, "rejected": 0}
        self.failed = ""  # set by fail(): acknowledge nothing any more
        self.heartbeat()  # registered before the first pop, so every processing list has an owner
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._beat_loop, name="zwgk-redis-heartbeat", daemon=True)
        self._beat.start()
        crawler = getattr(spider, "crawler", None)
        if crawler is not None:
            crawler._zwgk_redis_queue = self  # found by DistributedExtension

    # --- encoding -----------------------------------------------------------------------------

    def _encode_request(self, request: Request) -> bytes:
        obj = request.to_dict(spider=self.spider)
        meta = obj.get("meta")
        if meta and LEASE_META_KEY in meta:
            obj["meta"] = {k: v for k, v in meta.items() if k != LEASE_META_KEY}
        return self.serializer.dumps(obj)

    def _decode_request(self, encoded_request: bytes) -> Request:
        d = self.serializer.loads(encoded_request)
        kwargs = {k: v for k, v in d.items() if k not in ("callback", "errback")}
        for name in ("callback", "errback"):
            value = d.get(name)
            if value is None:
                continue
            if value not in self.callbacks:
                raise json_serializer.RequestRejected(
                    f"{name} {value!r} is not a callback of spider {self.spider.name!r} "
                    f"(allowed: {', '.join(sorted(self.callbacks))})"
                )
            kwargs[name] = getattr(self.spider, value)
        try:
            return Request(**kwargs)
        except (TypeError, ValueError) as exc:
            raise json_serializer.RequestRejected(f"not a valid request: {exc}") from None

    # --- queue operations ---------------------------------------------------------------------

    def push(self, request: Request) -> None:
        self.server.lpush(self.key, self._encode_request(request))
        logger.debug("queued %s", request.url)

    def push_unseen(self, request: Request, dupefilter_key: str, fingerprint: str) -> bool:
        """Queue `request` unless its fingerprint is already in the dupefilter set, atomically."""
        data = self._encode_request(request)
        queued = bool(self._push_unseen(keys=[dupefilter_key, self.key], args=[fingerprint, data]))
        logger.debug("%s %s", "queued" if queued else "already seen:", request.url)
        return queued

    def pop(self, timeout: int = 0) -> Request | None:
        """Move the oldest request into this worker's processing list and return it.

        None when the shared list is empty or this worker already holds ZWGK_MAX_IN_FLIGHT requests.
        Never blocks (the scheduler runs in the reactor thread); `timeout` is ignored.
        """
        self.ack_finished()
        if len(self.leases) >= self.max_in_flight:
            return None  # the engine asks again when one of ours is finished
        while True:
            data = self.server.lmove(self.key, self.processing, "RIGHT", "LEFT")
            if data is None:
                return None
            try:
                request = self._decode_request(data)
            except json_serializer.RequestRejected as exc:
                # Keep the document for inspection, out of the way of the crawl.
                pipe = self.server.pipeline()
                pipe.lpush(self.keys.rejected, data)
                pipe.lrem(self.processing, 1, data)
                pipe.execute()
                self.counts["rejected"] += 1
                logger.error("refused a queued request (moved to %s): %s", self.keys.rejected, exc)
                continue
            self._seq += 1
            token = f"{self._seq}"
            request.meta[LEASE_META_KEY] = token
            self.leases[token] = (request, data)
            self.counts["popped"] += 1
            logger.debug("took %s (lease %s)", request.url, token)
            return request

    def __len__(self) -> int:
        self.ack_finished()
        return int(self.server.llen(self.key))

    # --- acknowledgement ----------------------------------------------------------------------

    def fail(self, reason: str) -> None:
        """Something this worker yielded could not be queued: from now on acknowledge nothing.

        Its in-flight requests then stay in the processing list and are re-queued (by another worker
        once this one's heartbeat stops, or at close), so the lost link is found again.
        """
        if not self.failed:
            logger.error("worker %s stops acknowledging requests: %s", self.worker, reason)
        self.failed = reason
        try:
            engine = self.spider.crawler.engine
        except (AttributeError, RuntimeError):  # no crawl running
            return
        if getattr(engine, "spider", None) is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(engine.close_spider_async(reason="redis_error"))

    def ack_finished(self) -> int:
        """Acknowledge every popped request the engine is done with; returns how many."""
        if not self.leases or self.failed:
            return 0
        inprogress = _engine_inprogress(self.spider)
        if inprogress is None:
            return 0  # engine not running (yet / any more): nothing is known to be finished
        done = [t for t, (req, _) in self.leases.items() if req not in inprogress]
        if not done:
            return 0
        pipe = self.server.pipeline(transaction=False)
        for token in done:
            request, data = self.leases.pop(token)
            pipe.lrem(self.processing, 1, data)
            logger.debug("done %s (lease %s)", request.url, token)
        pipe.execute()
        self.counts["acked"] += len(done)
        return len(done)

    # --- liveness -----------------------------------------------------------------------------

    def heartbeat(self) -> None:
        """Refresh this worker's liveness key and membership."""
        pipe = self.server.pipeline()
        pipe.sadd(self.keys.workers, self.worker)
        pipe.set(self.keys.alive(self.worker), str(time.time()), ex=self.ttl)
        pipe.execute()

    def _beat_loop(self) -> None:
        while not self._stop.wait(self.heartbeat_seconds):
            try:
                self.heartbeat()
            except Exception as exc:  # noqa: BLE001 (keep beating: Redis may come back)
                logger.error("heartbeat to Redis failed: %s", exc)

    def stop_heartbeat(self) -> None:
        """Stop refreshing the liveness key (it then expires after the TTL, as if the worker died)."""
        self._stop.set()
        if self._beat.is_alive() and self._beat is not threading.current_thread():
            self._beat.join(timeout=self.heartbeat_seconds + 5)

    def reclaim_dead(self) -> int:
        """Move the processing lists of workers whose heartbeat expired back to the shared list."""
        moved = 0
        for raw in self.server.smembers(self.keys.workers):
            worker = raw.decode() if isinstance(raw, bytes) else str(raw)
            if worker == self.worker:
                continue
            n = int(
                self._reclaim(
                    keys=[self.keys.processing(worker), self.key, self.keys.alive(worker), self.keys.workers],
                    args=[worker],
                )
            )
            if n > 0:
                logger.warning("worker %s is gone: re-queued %d request(s) it had in flight", worker, n)
                moved += n
        self.counts["reclaimed"] += moved
        return moved

    def pending_anywhere(self) -> int:
        """Requests queued or in flight on any worker (dead ones included, until reclaimed)."""
        pipe = self.server.pipeline(transaction=False)
        pipe.llen(self.key)
        pipe.smembers(self.keys.workers)
        queued, workers = pipe.execute()
        if not workers:
            return int(queued)
        pipe = self.server.pipeline(transaction=False)
        for raw in workers:
            worker = raw.decode() if isinstance(raw, bytes) else str(raw)
            pipe.llen(self.keys.processing(worker))
        return int(queued) + sum(int(n) for n in pipe.execute())

    def release(self, finished: bool) -> int:
        """Leave the crawl: re-queue whatever was not acknowledged, drop liveness. Returns re-queued."""
        self.stop_heartbeat()
        self.ack_finished()
        requeued = 0
        # After fail() nothing was acknowledged: everything still listed goes back to the queue.
        if self.leases:
            # Graceful close waits for in-flight requests, so this is not expected; keep them anyway.
            logger.warning("%d request(s) still unacknowledged at close: re-queued", len(self.leases))
        pipe = self.server.pipeline()
        while True:
            data = self.server.lmove(self.processing, self.key, "RIGHT", "RIGHT")
            if data is None:
                break
            requeued += 1
        self.leases.clear()
        pipe.srem(self.keys.workers, self.worker)
        pipe.delete(self.keys.alive(self.worker), self.processing)
        pipe.execute()
        if requeued and finished:
            logger.warning("re-queued %d request(s) found in this worker's processing list", requeued)
        return requeued


def _engine_inprogress(spider: Any) -> set[Any] | None:
    """The engine's set of requests not yet completely handled (downloaded, parsed, output done).

    Scrapy keeps it on the engine slot (scrapy.utils.engine.get_engine_status reports its size);
    a request leaves it only after its callback/errback output has been scheduled and its items
    processed. There is no public signal for that moment, so read it, and fail loudly if a Scrapy
    upgrade moves it (tests/test_distributed.py covers this).
    """
    try:
        engine = spider.crawler.engine
    except (AttributeError, RuntimeError):  # Scrapy raises RuntimeError before the crawl starts
        return None
    slot = getattr(engine, "_slot", None)
    if slot is None:
        return None
    inprogress = getattr(slot, "inprogress", None)
    if not isinstance(inprogress, set):
        raise RuntimeError(
            "this Scrapy version has no engine._slot.inprogress; update pipelines.distributed.queue"
        )
    return inprogress
