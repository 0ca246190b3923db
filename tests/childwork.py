"""Functions for tests to run in a child process (crawler.isolate): a light module, so that the
child imports it in milliseconds and its start is not taken for the call's time."""

from __future__ import annotations

import time


def hang() -> None:
    while True:
        time.sleep(0.01)


def sleep_in_c() -> None:
    time.sleep(30)  # one C call: the in-process interrupt waits for it, the kill does not


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))
