"""Store writes: one transaction per save on the calling thread vs the batching writer, same run.

    python benchmarks/store.py [--reports N] [--rounds R] [--postgres URL]

The demo portal's report pages (HTML; PDFs read from their attachment) go through extract + parse
once; then only the store is timed, on a fresh empty store per path and round, SQLite and PostgreSQL
(skipped with the reason when unreachable):
- old: `Store.save(item)` per item on the calling thread (the reactor thread before issue 15);
- new: `StoreWriter.save(item)` (crawler/store/writer.py) for every item, then waiting for the results.
Printed per path: items/s (wall, first save to last commit), CPU-ms of the calling thread per item
(time.thread_time: what the reactor pays), CPU-ms of the whole process per item (the writer thread
shares the process, and its GIL, with the reactor), SQL statements per item (BEGIN and COMMIT counted) and
transactions. Rounds alternate the paths so that machine load affects both alike. Every item is
queued at once here, so the writer's batches are as full as they get (ZWGK_STORE_BATCH_ITEMS); in a
crawl, items arrive one by one and batches are what arrived during the previous commit.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.items import ReportItem  # noqa: E402 - after the path fix above
from crawler.store import Store, open_store  # noqa: E402
from crawler.store.writer import BATCH_ITEMS, StoreWriter  # noqa: E402

PG_DEFAULT = "postgresql://127.0.0.1:5432/test"
SITE = "http://bench.example.gov.cn"


def build_items(n: int) -> list[ReportItem]:
    """Report items as the parse pipeline hands them to the store (extract + parse done once)."""
    from crawler.demo.site import DemoPortal
    from crawler.process import extract_stage, parse_stage

    portal = DemoPortal(seed=1, n_reports=n, n_other=0)
    items = []
    for g in portal.ground_truth:
        path = g.attachment or g.path
        page = portal.get(path)
        assert page is not None, path
        kind = "pdf" if g.attachment else "html"
        item = ReportItem(url=SITE + path, body=page.body, status=200, content_type=page.content_type,
                          headers={"content-type": page.content_type, "etag": page.etag},
                          fetched_at="2024-02-01T00:00:00.000Z", portal="bench", kind=kind,
                          link_text=g.title, referer=SITE + "/zwgk/")
        items.append(parse_stage(extract_stage(item)))
    return items


class Counted:
    """Counts the statements a store sends (its `_q`, plus BEGIN and COMMIT per transaction)."""

    def __init__(self) -> None:
        self.statements = 0

    def wrap(self, store: Store) -> Store:
        q, tx = store._q, store._outer_tx

        def counted_q(sql: str, params: Any = ()) -> Any:
            self.statements += 1
            return q(sql, params)

        def counted_tx() -> Any:
            self.statements += 2
            return tx()

        store._q = counted_q  # type: ignore[method-assign]
        store._outer_tx = counted_tx  # type: ignore[method-assign]
        return store


def old_path(url: str, archive: str, items: list[ReportItem]) -> dict[str, float]:
    counter = Counted()
    with open_store(url, archive_dir=archive) as store:
        counter.wrap(store)
        wall, cpu, total = time.perf_counter(), time.thread_time(), time.process_time()
        for item in items:
            store.save(item)
        cpu, wall, total = time.thread_time() - cpu, time.perf_counter() - wall, time.process_time() - total
    return {"wall": wall, "cpu": cpu, "total": total, "statements": counter.statements, "transactions": len(items)}


def new_path(url: str, archive: str, items: list[ReportItem]) -> dict[str, float]:
    counter = Counted()
    with open_store(url, archive_dir=archive) as reader:
        writer = StoreWriter(lambda: counter.wrap(open_store(url, archive_dir=archive)), reader)
        try:
            wall, cpu, total = time.perf_counter(), time.thread_time(), time.process_time()
            futures = [writer.save(item) for item in items]
            for f in futures:
                f.result()
            cpu, wall, total = time.thread_time() - cpu, time.perf_counter() - wall, time.process_time() - total
        finally:
            writer.close()
    return {"wall": wall, "cpu": cpu, "total": total, "statements": counter.statements,
            "transactions": writer.transactions}


def sqlite_target(tmp: Path, tag: str) -> str:
    return f"sqlite:///{tmp / (tag + '.db')}"


def pg_target(base: str) -> Callable[[Path, str], str]:
    def target(tmp: Path, tag: str) -> str:
        sep = "&" if "?" in base else "?"
        return f"{base}{sep}schema=zwgk_bench_{tag}_{uuid.uuid4().hex[:8]}"
    return target


def drop_schemas(base: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        for (name,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'zwgk_bench_%'").fetchall():
            conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def pg_reason(base: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(base, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure: skip PostgreSQL and say why
        return f"{type(exc).__name__}: {exc}"


def compare(name: str, target: Callable[[Path, str], str], items: list[ReportItem], rounds: int) -> None:
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    paths = {"old": old_path, "new": new_path}
    for r in range(rounds):
        for tag in (("old", "new") if r % 2 == 0 else ("new", "old")):
            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d)
                fresh = copy.deepcopy(items)  # save() adds warnings to its item
                runs[tag].append(paths[tag](target(tmp, f"{tag}{r}"), str(tmp / "arc"), fresh))
    n = len(items)
    print(f"{name}: {n} report items, {rounds} rounds (median)")
    med: dict[str, dict[str, float]] = {}
    for tag, label in (("old", "one transaction per save, calling thread"),
                       ("new", f"writer thread, batches of <= {BATCH_ITEMS}")):
        m = {k: statistics.median(x[k] for x in runs[tag]) for k in runs[tag][0]}
        med[tag] = m
        print(f"  {tag} ({label}): {n / m['wall']:7.1f} items/s, caller {1000 * m['cpu'] / n:6.2f} CPU-ms/item, "
              f"process {1000 * m['total'] / n:6.2f} CPU-ms/item, {m['statements'] / n:5.1f} statements/item, "
              f"{m['transactions']:.0f} transactions")
    print(f"  new/old: items/s x{med['old']['wall'] / med['new']['wall']:.2f}, caller CPU/item "
          f"x{med['new']['cpu'] / med['old']['cpu']:.3f}, process CPU/item x{med['new']['total'] / med['old']['total']:.2f}, "
          f"statements/item "
          f"x{med['new']['statements'] / med['old']['statements']:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reports", type=int, default=200, help="report items (default 200)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per path (default 3)")
    ap.add_argument("--postgres", default=PG_DEFAULT, help=f"PostgreSQL URL (default {PG_DEFAULT})")
    args = ap.parse_args()
    started = time.perf_counter()
    items = build_items(args.reports)
    print(f"{len(items)} items extracted and parsed in {time.perf_counter() - started:.1f}s (not timed below)")
    compare("SQLite", sqlite_target, items, args.rounds)
    reason = pg_reason(args.postgres)
    if reason:
        print(f"PostgreSQL: skipped, not reachable at {args.postgres} ({reason})")
        return 0
    try:
        compare("PostgreSQL", pg_target(args.postgres), items, args.rounds)
    finally:
        drop_schemas(args.postgres)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
