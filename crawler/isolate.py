"""One call at a time in a child process with a memory cap and a deadline (no scrapy import).

`zwgk parse` and `zwgk extract` read untrusted files. In the child, an allocation past the cap fails
(MemoryError) instead of exhausting the machine, and a call that runs past its deadline is first
interrupted from inside (crawler.limits.deadline) and, if that does not end it, the child is killed
and replaced. Either way the caller gets an IsolationError for that one input and goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from crawler.limits import ParseTimeout, cap_memory, deadline

# Seconds the parent waits past the deadline for the child's own interrupt before killing it.
KILL_GRACE = 10.0


class IsolationError(RuntimeError):
    """The call ran out of time or its process died (its memory cap, a crash in a C library)."""


def child_start(memory_mb: int) -> None:
    """In the child: cap its memory, and send anything a library prints to stdout (xlrd, pdfminer
    warnings) to stderr, so that the parent's stdout carries only its result lines."""
    cap_memory(memory_mb)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr


def _ready() -> bool:
    return True


def _bounded(timeout: float, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    try:
        with deadline(timeout):
            return fn(*args)
    except ParseTimeout:
        raise IsolationError(f"gave up after {timeout:g} s (ZWGK_PARSE_TIMEOUT)") from None


class Isolated:
    """A single reusable child process: `call(fn, *args)` returns fn(*args) or raises what fn raised,
    or IsolationError. fn and its arguments must be picklable (module-level functions)."""

    def __init__(self, timeout: float, memory_mb: int) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self._executor: ProcessPoolExecutor | None = None

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # spawn: a clean interpreter, not a copy of the parent's state
            self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=child_start, initargs=(self.memory_mb,))
            # the child's start (an interpreter, a second or more on a busy machine) is not the
            # first call's time
            self._executor.submit(_ready).result()
        return self._executor

    def _discard(self, kill: bool) -> None:
        pool, self._executor = self._executor, None
        if pool is None:
            return
        if kill:
            # the executor keeps its processes in a private mapping; a hung call ends no other way
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.kill()
        pool.shutdown(wait=True, cancel_futures=True)

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        future = self._pool().submit(_bounded, self.timeout, fn, args)
        try:
            return future.result(timeout=self.timeout + KILL_GRACE if self.timeout > 0 else None)
        except FutureTimeout:
            self._discard(kill=True)
            raise IsolationError(f"gave up after {self.timeout:g} s (ZWGK_PARSE_TIMEOUT); "
                                 "the process was killed") from None
        except BrokenProcessPool:
            self._discard(kill=False)
            cap = f"its {self.memory_mb} MB memory cap (ZWGK_PARSE_MEMORY_MB)" if self.memory_mb > 0 else "memory"
            raise IsolationError(f"the parse process died (out of {cap}, or a crash in a library)") from None

    def close(self) -> None:
        self._discard(kill=False)

    def __enter__(self) -> Isolated:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
