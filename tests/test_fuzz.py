"""Issue #13, the quick fuzz run: 200 hostile and mutated inputs of every kind (tests/hostile.py)
through the parser in a capped child process: no crash, no hang, memory under the cap, no value
from an input that holds none. The long run (≥ 1,000 inputs) is benchmarks/fuzz.py."""

from __future__ import annotations

from tests.fuzzrun import run
from tests.hostile import fuzzed

COUNT = 200
TIMEOUT = 60.0
MEMORY_MB = 2048


def test_quick_fuzz_run() -> None:
    rep = run(fuzzed(seed=5, count=COUNT), TIMEOUT, MEMORY_MB)
    assert rep.inputs == COUNT
    assert rep.crashes == [] and rep.unexpected == [], rep.summary()
    assert rep.hangs == [], rep.summary()
    assert rep.invented == [], rep.summary()
    assert 0 < rep.peak_mb < MEMORY_MB, rep.summary()
    assert rep.outcomes["report"] > 0 and rep.outcomes["refused"] > 0  # both kinds were exercised
