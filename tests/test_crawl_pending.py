"""Failed reports come back: what run 1 could not fetch, run 2 (the same plain command) stores.

Run 1 meets an outage: every report page and attachment linked from list pages 2+ answers 503,
except one report page whose connection is cut mid-body (a body shorter than its Content-Length,
delivered by Scrapy as a "partial" response with DOWNLOAD_FAIL_ON_DATALOSS off). Run 2 is the same
command with the server healthy. Incremental paging stops at list page 1 in run 2 (all of its
reports are known), so the failed ones can only come back through the store's pending list.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

import pytest

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, cut_off, last_run, page, zwgk

COLUMN = "/zwgk/zfxxgknb/index.html"
FAST_RETRIES = ("--set", "RETRY_TIMES=1", "--set", "ZWGK_RETRY_BACKOFF=0.05", "--set", "DOWNLOAD_FAIL_ON_DATALOSS=0")


def crawl(base: str, db: Path, *extra: str) -> object:
    return zwgk("crawl", "--url", base + COLUMN, "--name", "demo", "--store", f"sqlite:///{db}",
                *LOOPBACK_SETTINGS, *FAST_RETRIES, *extra, cwd=db.parent)


def first_page_paths(portal: DemoPortal) -> set[str]:
    first = portal.get(DemoPortal.list_path(0))
    assert first is not None
    return {urljoin(COLUMN, h) for h in re.findall(r'href="([^"]+)"', first.body.decode("utf-8"))}


def stored(db: Path) -> list[tuple[str, int]]:
    with open_store(f"sqlite:///{db}") as store:
        return sorted((r["agency"], r["year"]) for r in store.reports(with_text=False))


@pytest.fixture(scope="module")
def outage(tmp_path_factory: pytest.TempPathFactory) -> dict:
    portal = DemoPortal(seed=41, n_reports=9, n_other=3, per_page=4)
    on_first = first_page_paths(portal)
    later = [g for g in portal.ground_truth if g.path not in on_first]
    assert later and len(later) < len(portal.ground_truth)
    failing = {g.path for g in later} | {g.attachment for g in later if g.attachment}
    cut = next(g for g in later if g.kind == "html")
    server = FaultServer(portal=portal)
    for path in failing:
        server.route(path, page(b"<html><body>Service Unavailable</body></html>", status=503))
    cut_page = portal.get(cut.path)
    assert cut_page is not None
    server.route(cut.path, cut_off(cut_page.body, len(cut_page.body) // 2))
    db = tmp_path_factory.mktemp("pending") / "zwgk.db"
    with server.running() as base:
        first = crawl(base, db)
        after_first = stored(db)
        with open_store(f"sqlite:///{db}") as store:
            pending_after_first = store.pending(given_up=False)
        mark = server.mark()
        server.routes.clear()  # the outage is over
        second = crawl(base, db)
    with open_store(f"sqlite:///{db}") as store:
        runs = list(reversed(store.runs(limit=2)))
        pending_after_second = store.pending(given_up=False) + store.pending(given_up=True)
    return {"portal": portal, "server": server, "db": db, "first": first, "second": second, "runs": runs,
            "failing": failing, "later": later, "cut": cut, "after_first": after_first,
            "pending_after_first": pending_after_first, "pending_after_second": pending_after_second,
            "second_log": server.log[mark:]}


def test_run_one_stores_what_it_could_and_keeps_the_rest_pending(outage: dict) -> None:
    run = outage["first"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    portal: DemoPortal = outage["portal"]
    later = outage["later"]
    want = sorted((g.agency, g.year) for g in portal.ground_truth if g not in later)
    assert outage["after_first"] == want
    pending = outage["pending_after_first"]
    # every failed report page (and no attachment: their pages failed first) is pending, once
    assert sorted(e.url.split("/", 3)[3] for e in pending) == sorted(g.path.lstrip("/") for g in later)
    assert all(e.attempts == 1 and e.given_up_at is None and e.portal == "demo" for e in pending)
    by_url = {e.url.split("/", 3)[3]: e for e in pending}
    assert "HTTP 503" in by_url[later[0].path.lstrip("/")].last_error or later[0] is outage["cut"]
    assert "cut short" in by_url[outage["cut"].path.lstrip("/")].last_error
    counts = outage["runs"][0]["counts"]
    assert counts["pending"] == len(later) and counts["failed"] == len(later)
    assert f"{len(later)} report pages, attachments or list pages pending: the next run retries them" in run.stderr


def test_truncated_body_is_a_failed_fetch_never_a_report(outage: dict) -> None:
    with open_store(f"sqlite:///{outage['db']}") as store:
        rows = store._q("SELECT url, http_status, body_sha256 FROM sources").fetchall()
    cut = outage["cut"]
    body = outage["portal"].get(cut.path).body
    import hashlib

    mine = [r for r in rows if r[0].endswith(cut.path)]
    # stored once, by run 2, with the whole body
    assert len(mine) == 1 and mine[0][2] == hashlib.sha256(body).hexdigest()
    errors = "\n".join(outage["runs"][0]["portals"]["demo"]["errors"])
    assert cut.path in errors and "cut short" in errors


def test_run_two_same_command_stores_every_report(outage: dict) -> None:
    run = outage["second"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    portal: DemoPortal = outage["portal"]
    assert stored(outage["db"]) == sorted((g.agency, g.year) for g in portal.ground_truth)
    assert outage["pending_after_second"] == []
    counts = outage["runs"][1]["counts"]
    n = len(outage["later"])
    assert counts["retried"] == n and counts["recovered"] == n
    assert counts.get("pending", 0) == 0 and counts.get("failed", 0) == 0
    # recovered through the pending list: paging still stopped at the first, all-known list page
    assert counts.get("paging_stopped_known") == 1
    second = outage["second_log"]
    assert not [p for _, p, _, _ in second if p.startswith("/zwgk/zfxxgknb/index_")]
    assert f"retried {n} requests that earlier runs could not fetch or store: {n} recovered" in run.stderr


def test_run_two_downloads_only_what_failed_once(outage: dict) -> None:
    downloads = Counter(p for _, p, s, _ in outage["second_log"] if s == 200 and "/index" not in p and p != "/robots.txt")
    assert downloads == Counter(outage["failing"])


def test_stats_lists_pending_and_given_up(tmp_path: Path) -> None:
    """Given up after ZWGK_PENDING_MAX_ATTEMPTS runs: no longer requested, listed by `zwgk stats`."""
    portal = DemoPortal(seed=42, n_reports=3, n_other=0, per_page=10)
    gone = portal.ground_truth[0]
    server = FaultServer(portal=portal)
    server.route(gone.path, page(b"<html><body>gone</body></html>", status=404))
    db = tmp_path / "zwgk.db"
    # the column is read every run and links the broken page, so count the pending-list retries
    settings = ("--set", "ZWGK_PENDING_MAX_ATTEMPTS=2", "--set", "ZWGK_PENDING_BACKOFF=0")
    with server.running() as base:
        runs = [crawl(base, db, *settings) for _ in range(3)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]  # type: ignore[attr-defined]
    assert "1 report pages, attachments or list pages pending" in runs[0].stderr  # type: ignore[attr-defined]
    assert "1 given up after failing" in runs[1].stderr  # type: ignore[attr-defined]
    with open_store(f"sqlite:///{db}") as store:
        given_up = store.pending(given_up=True)
        assert [e.url.split("/", 3)[3] for e in given_up] == [gone.path.lstrip("/")]
        assert store.due_pending() == []
    # third run: the column still links it, so it is requested once from there, not from the list
    assert last_run(db)["counts"].get("retried", 0) == 0
    out = zwgk("stats", "--store", f"sqlite:///{db}", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "given up" in out.stdout and gone.path in out.stdout and "HTTP 404" in out.stdout
