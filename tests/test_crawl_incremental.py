"""Scheduled re-crawls: the second run re-reads list pages but downloads no unchanged report page.

The demo portal is served through tests/faultserver.py so that every request is logged with its
status: a 304 is a conditional request answered without a body, a 200 is a download.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run, zwgk

COLUMN = "/zwgk/zfxxgknb/index.html"


def crawl(base: str, db: Path, *extra: str) -> object:
    run = zwgk("crawl", "--url", base + COLUMN, "--name", "demo", "--store", f"sqlite:///{db}",
               *LOOPBACK_SETTINGS, *extra, cwd=db.parent)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]  # type: ignore[attr-defined]
    return run


def report_paths(portal: DemoPortal) -> set[str]:
    """Article pages and attachments of the reports (what must not be downloaded again)."""
    out = {g.path for g in portal.ground_truth}
    out |= {g.attachment for g in portal.ground_truth if g.attachment}
    return out


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    # 14 reports and 16 other articles, 6 per list page: five list pages, reports on most of them.
    portal = DemoPortal(seed=21, n_reports=6, n_other=10, per_page=4)
    server = FaultServer(portal=portal)
    db = tmp_path_factory.mktemp("incr") / "zwgk.db"
    marks = []
    with server.running() as base:
        crawl(base, db)
        marks.append(server.mark())
        crawl(base, db)
        marks.append(server.mark())
        old_paths = report_paths(portal)
        n_lists = portal.n_list_pages
        added = portal.add_report()
        crawl(base, db)
        marks.append(server.mark())
    with open_store(f"sqlite:///{db}") as store:
        runs = list(reversed(store.runs(limit=3)))
    return {"portal": portal, "server": server, "db": db, "marks": marks, "runs": runs,
            "old_paths": old_paths, "added": added, "n_lists": n_lists}


def test_first_run_stores_every_report(three_runs: dict) -> None:
    first = three_runs["runs"][0]["counts"]
    assert first.get("new") == len(three_runs["portal"].ground_truth) - 1  # the added one came later


def test_second_run_downloads_no_report_page(three_runs: dict) -> None:
    server: FaultServer = three_runs["server"]
    m1, m2, _ = three_runs["marks"]
    second = server.log[m1:m2]
    downloads = sorted({p for _, p, status, _ in second if status == 200 and p in three_runs["old_paths"]})
    assert downloads == []
    conditional = [p for _, p, status, _ in second if status == 304]
    assert conditional, "the second run asks for report pages conditionally"
    # ... and re-reads the column's first list page, stopping there: it holds only known reports
    assert ("GET", "/zwgk/zfxxgknb/index.html", 200) in {(m, p, s) for m, p, s, _ in second}
    assert not [p for _, p, _, _ in second if p.startswith("/zwgk/zfxxgknb/index_")]
    counts = three_runs["runs"][1]["counts"]
    assert counts.get("unchanged") == len(conditional)
    assert counts.get("new", 0) == 0 and counts.get("changed", 0) == 0 and counts.get("failed", 0) == 0
    assert counts.get("paging_stopped_known") == 1


def test_first_run_visited_every_list_page(three_runs: dict) -> None:
    server: FaultServer = three_runs["server"]
    first = {p for _, p, s, _ in server.log[: three_runs["marks"][0]] if s == 200}
    assert three_runs["n_lists"] >= 4
    lists = {DemoPortal.list_path(n) for n in range(three_runs["n_lists"])}
    assert lists <= first


def test_third_run_stores_exactly_the_new_report(three_runs: dict) -> None:
    server: FaultServer = three_runs["server"]
    m2, m3 = three_runs["marks"][1:]
    third = server.log[m2:m3]
    added = three_runs["added"]
    downloads = sorted({p for _, p, s, _ in third if s == 200 and p not in three_runs["old_paths"]
                        and "/index" not in p and p != "/robots.txt"})
    assert downloads == [added.path]
    assert not [p for _, p, s, _ in third if s == 200 and p in three_runs["old_paths"]]
    counts = three_runs["runs"][2]["counts"]
    assert counts.get("new") == 1 and counts.get("changed", 0) == 0
    with open_store(f"sqlite:///{three_runs['db']}") as store:
        rows = list(store.reports(with_text=False))
    portal: DemoPortal = three_runs["portal"]
    assert sorted((r["agency"], r["year"]) for r in rows) == sorted((g.agency, g.year) for g in portal.ground_truth)


def test_run_record_has_per_portal_counts(three_runs: dict) -> None:
    rec = three_runs["runs"][1]
    demo = rec["portals"]["demo"]
    assert demo["status"] == "ok"
    assert demo["counts"]["unchanged"] == rec["counts"]["unchanged"]


def test_since_year_keeps_only_recent_reports(tmp_path: Path) -> None:
    portal = DemoPortal(seed=21, n_reports=6, n_other=10, per_page=4)
    server = FaultServer(portal=portal)
    db = tmp_path / "zwgk.db"
    since = 2023
    with server.running() as base:
        crawl(base, db, "--since", str(since))
    with open_store(f"sqlite:///{db}") as store:
        rows = list(store.reports(with_text=False))
    want = sorted((g.agency, g.year) for g in portal.ground_truth if g.year >= since)
    assert want and len(want) < len(portal.ground_truth)
    assert sorted((r["agency"], r["year"]) for r in rows) == want
    fetched = {p for _, p, s, _ in server.log if s == 200}
    old = {g.path for g in portal.ground_truth if g.year < since}
    assert not fetched & old
    assert last_run(db)["counts"].get("new") == len(want)
