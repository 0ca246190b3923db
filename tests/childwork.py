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


def parse_sample(name: str, data: bytes) -> dict[str, object]:
    """Parse one fuzz input here, in the child: what came out, and this process's peak memory."""
    from crawler.limits import LimitError
    from crawler.report.parse import ReportError, parse_bytes

    out: dict[str, object] = {"name": name}
    try:
        rep = parse_bytes(data, filename=name)
        out["values"] = len(rep.tables)
        out["outcome"] = "report"
    except (ReportError, LimitError) as exc:
        out["outcome"] = "refused"
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
    except Exception as exc:  # noqa: BLE001 - what the fuzz run is looking for
        import traceback

        out["outcome"] = "unexpected"
        out["error"] = f"{type(exc).__name__}: {exc}"[:300]
        out["where"] = traceback.format_exc().strip().splitlines()[-3][:300]
    out["peak_mb"] = peak_mb()
    return out


def peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited across exec from
    the parent that spawned it)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0
