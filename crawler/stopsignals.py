"""Worker processes and the stop signals (SIGINT, SIGTERM): the parent decides, workers ignore them.

Ctrl-C in a terminal reaches the whole foreground process group, workers included, and systemd sends
SIGTERM to every process of a service. A worker that took them itself would print a KeyboardInterrupt
traceback and die under the item it was parsing; instead the parent (the crawl or `zwgk reparse`)
stops, and shuts its workers down or kills them.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

STOP_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})


@contextmanager
def held_while_spawning() -> Iterator[None]:
    """Block the stop signals in this thread while it may start worker processes. A child inherits
    the mask, so a signal during its start-up (seconds of imports) stays pending until
    `ignore_in_worker` discards it; the parent gets it as soon as this block ends."""
    from multiprocessing import resource_tracker

    # The resource tracker is started with the same trick on first use, but *unblocks* the signals
    # afterwards, which would unmask the workers spawned right after it: start it first.
    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def ignore_in_worker() -> None:
    """First thing in a worker process (its pool initializer): ignore the stop signals, then unblock
    them (a signal pending since start-up is discarded, being ignored)."""
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
