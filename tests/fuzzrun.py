"""Run fuzz inputs (tests.hostile) through the parser, each in a capped child process, and count
what must not happen: crashes (the process died, or an error other than the readers' clear
ReportError/LimitError), hangs (past the deadline), memory past the cap, and values read from a
file that holds none. Used by tests/test_fuzz.py (quick) and benchmarks/fuzz.py (long)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crawler.isolate import Isolated, IsolationError
from tests.childwork import parse_sample
from tests.hostile import Input


@dataclass
class FuzzReport:
    inputs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    hangs: list[str] = field(default_factory=list)
    invented: list[str] = field(default_factory=list)
    peak_mb: float = 0.0
    slowest: tuple[float, str] = (0.0, "")
    seconds: float = 0.0

    def summary(self) -> str:
        return (f"{self.inputs} inputs in {self.seconds:.0f} s: {dict(self.outcomes)}; crashes {len(self.crashes)}, "
                f"unexpected errors {len(self.unexpected)}, hangs {len(self.hangs)}, invented values "
                f"{len(self.invented)}; peak memory {self.peak_mb:.0f} MB; slowest {self.slowest[0]:.1f} s "
                f"({self.slowest[1]})")


def run(inputs: Iterable[Input], timeout: float, memory_mb: int) -> FuzzReport:
    rep = FuzzReport()
    started = time.monotonic()
    with Isolated(timeout, memory_mb) as child:
        for name, data, holds in inputs:
            rep.inputs += 1
            t0 = time.monotonic()
            try:
                out: dict[str, Any] = child.call(parse_sample, name, data)
            except IsolationError as exc:
                kind = "hang" if "gave up" in str(exc) else "crash"
                rep.outcomes[kind] += 1
                (rep.hangs if kind == "hang" else rep.crashes).append(f"{name}: {exc}")
                continue
            except MemoryError:
                rep.outcomes["memory"] += 1
                rep.crashes.append(f"{name}: MemoryError past the {memory_mb} MB cap")
                continue
            took = time.monotonic() - t0
            rep.slowest = max(rep.slowest, (took, name))
            rep.peak_mb = max(rep.peak_mb, float(out["peak_mb"]))
            rep.outcomes[str(out["outcome"])] += 1
            if out["outcome"] == "unexpected":
                rep.unexpected.append(f"{name}: {out['error']} at {out.get('where')}")
            if out["outcome"] == "report" and not holds and out.get("values"):
                rep.invented.append(f"{name}: {out['values']} values")
    rep.seconds = time.monotonic() - started
    return rep
