"""The long fuzz run of issue #13: hostile and mutated inputs of every kind through the parser.

usage: python benchmarks/fuzz.py [--count 1200] [--seed 13] [--timeout 60] [--memory-mb 2048]

Each input is parsed in a child process under the memory cap and the deadline (crawler.isolate),
as `zwgk parse` does. Prints the outcomes and counts what must not happen: crashes (a dead process
or an error other than ReportError/LimitError), hangs past the deadline, peak memory over the cap,
values read from inputs that hold none. Exit 0 only when all are zero.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzzrun import run  # noqa: E402
from tests.hostile import fuzzed  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--memory-mb", type=int, default=2048)
    args = parser.parse_args()
    rep = run(fuzzed(args.seed, args.count), args.timeout, args.memory_mb)
    print(rep.summary())
    for kind in ("crashes", "unexpected", "hangs", "invented"):
        for line in getattr(rep, kind)[:20]:
            print(f"  {kind}: {line}")
    over = rep.peak_mb > args.memory_mb
    bad = len(rep.crashes) + len(rep.unexpected) + len(rep.hangs) + len(rep.invented) + int(over)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
