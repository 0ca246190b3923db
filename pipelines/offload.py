"""Extraction and parsing off the reactor: in a thread (default) or in worker processes.

Extracting and parsing a report takes tens to hundreds of milliseconds of CPU; on the reactor thread
that would stall every download in flight. A thread keeps downloads flowing but shares one core with
the reactor (the GIL); worker processes (ZWGK_PARSE_PROCESSES=N) spread the parsing over N cores
and can be killed: an item whose parse runs past ZWGK_PARSE_TIMEOUT seconds is given up with a
warning, its worker is replaced, and the crawl goes on.

The stages are pure functions of the item (crawler.process), so they run the same anywhere.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler.items import ReportItem
from crawler.stopsignals import held_while_spawning, ignore_in_worker

logger = logging.getLogger(__name__)

Stage = Callable[[ReportItem], ReportItem]

def _processes(pool: ProcessPoolExecutor) -> list[Any]:
    # the executor keeps its processes in a private mapping (None once it has shut down)
    return list((getattr(pool, "_processes", None) or {}).values())


def _worker_start() -> None:
    """In each worker: ignore the stop signals (crawler/stopsignals.py); leave when the crawl process is
    gone (a SIGKILLed crawl would otherwise leave its workers waiting forever); then load what every
    parse needs (division codes, extractor)."""
    import threading
    import time

    ignore_in_worker()
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)  # reparented: the crawl died without shutting the pool down

    threading.Thread(target=watch, name="zwgk-parent-watch", daemon=True).start()
    from crawler.process import warm_up

    warm_up()


class ParsePool:
    """N spawned worker processes; rebuilt when a worker dies or an item times out."""

    def __init__(self, processes: int, timeout: float) -> None:
        self.processes = processes
        self.timeout = timeout
        self._executor: ProcessPoolExecutor | None = None
        self._retired: list[ProcessPoolExecutor] = []  # shut down, maybe still finishing an item

    @classmethod
    def of(cls, crawler: Any) -> ParsePool | None:
        """The crawler's pool, created on first use; None when parsing runs in a thread."""
        settings = crawler.settings
        n = settings.getint("ZWGK_PARSE_PROCESSES")
        if n < 0:
            n = os.cpu_count() or 1
        if n == 0:
            return None
        pool = getattr(crawler, "_zwgk_parse_pool", None)
        if pool is None:
            pool = cls(n, settings.getfloat("ZWGK_PARSE_TIMEOUT"))
            crawler._zwgk_parse_pool = pool
            from scrapy import signals

            crawler.signals.connect(pool.close, signal=signals.engine_stopped)
        return pool

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn, not fork: the parent runs a reactor and threads that a fork would copy mid-state
            self._executor = ProcessPoolExecutor(
                self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_start
            )
        return self._executor

    def submit(self, fn: Stage, item: ReportItem) -> tuple[Future, ProcessPoolExecutor]:
        with held_while_spawning():  # the executor spawns its workers from submit()
            pool = self._pool()
            return pool.submit(fn, item), pool

    def discard(self, pool: ProcessPoolExecutor, kill: bool = False) -> None:
        """Forget a broken (or hung) pool; the next item starts a fresh one."""
        if self._executor is pool:
            self._executor = None
        if kill:
            for proc in _processes(pool):  # a hung parse cannot be cancelled any other way
                proc.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        self._retired.append(pool)

    def close(self) -> None:
        # Not waiting here: this runs on the reactor thread while Scrapy closes its downloader on
        # timers, and a blocked reactor fires those late and twice. The workers leave once their
        # queue closes; the interpreter joins them at exit.
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._retired.append(self._executor)
            self._executor = None

    def terminate(self) -> None:
        """Kill every worker now (a forced stop: the parses in progress are abandoned)."""
        for pool in [*self._retired, *([self._executor] if self._executor is not None else [])]:
            for proc in _processes(pool):
                proc.kill()
            pool.shutdown(wait=False, cancel_futures=True)
        self._executor, self._retired = None, []


async def off_reactor(crawler: Any, fn: Stage, item: ReportItem) -> ReportItem:
    """fn(item) in a worker process (ZWGK_PARSE_PROCESSES), a worker thread (ZWGK_PARSE_IN_THREAD),
    or right here. A worker that dies or times out costs this item its stage, with a warning."""
    if crawler is None:
        return fn(item)
    pool = ParsePool.of(crawler)
    if pool is not None:
        return await _in_process(pool, fn, item)
    if not crawler.settings.getbool("ZWGK_PARSE_IN_THREAD", True):
        return fn(item)
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet.threads import deferToThread

    return await maybe_deferred_to_future(deferToThread(fn, item))


async def _in_process(pool: ParsePool, fn: Stage, item: ReportItem) -> ReportItem:
    from scrapy.utils.defer import maybe_deferred_to_future

    name = getattr(fn, "__name__", "stage")
    for attempt in (1, 2):
        future, executor = pool.submit(fn, item)
        try:
            return await maybe_deferred_to_future(_deferred(future, pool.timeout))
        except TimeoutError:
            pool.discard(executor, kill=True)
            item.warnings.append(f"{name}: gave up after {pool.timeout:g} s (ZWGK_PARSE_TIMEOUT); "
                                 "the body is stored unparsed")
            logger.warning("%s of %s took longer than %g s: worker replaced", name, item.url, pool.timeout)
            return item
        except BrokenProcessPool as exc:
            # Another item's worker died (or was killed for a timeout) under this one: try once more
            # in a fresh pool; a second death is this item's own doing.
            pool.discard(executor)
            if attempt == 2:
                item.warnings.append(f"{name}: the worker process died ({exc}); the body is stored unparsed")
                logger.warning("%s of %s: worker process died twice", name, item.url)
                return item
    return item  # not reached


def _deferred(future: Future, timeout: float) -> Any:
    """A Deferred fired on the reactor thread with the future's result, or TimeoutError."""
    from twisted.internet import reactor
    from twisted.internet.defer import Deferred
    from twisted.python.failure import Failure

    d: Deferred = Deferred()
    timer = reactor.callLater(timeout, lambda: d.called or d.errback(Failure(TimeoutError()))) if timeout > 0 else None

    def fire(f: Future) -> None:
        if d.called:
            return
        if timer is not None and timer.active():
            timer.cancel()
        if f.cancelled():  # its pool was shut down under it (another item timed out)
            d.errback(Failure(BrokenProcessPool("the pool was replaced")))
            return
        exc = f.exception()
        if exc is not None:
            d.errback(Failure(exc))
        else:
            d.callback(f.result())

    future.add_done_callback(lambda f: reactor.callFromThread(fire, f))
    return d
