"""End to end: the portal spider crawls the demo portal on loopback into a fresh store.

The crawl runs as a `zwgk crawl` subprocess (a Twisted reactor cannot restart inside pytest);
the demo portal is served from this process, so the test owns the ground truth.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import serve_portal
from crawler.demo.site import DemoPortal
from crawler.store import open_store

COLUMN = "/zwgk/zfxxgknb/index.html"


def zwgk(*args: str, cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0")
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def crawl(base: str, db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return zwgk(
        "crawl", "--url", base + COLUMN, "--name", "demo", "--store", f"sqlite:///{db}",
        "--set", "DOWNLOAD_DELAY=0", "--set", "AUTOTHROTTLE_ENABLED=0", *extra, cwd=db.parent,
    )


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoPortal, Path, list[subprocess.CompletedProcess[str]]]:
    portal = DemoPortal(seed=7, n_reports=12, n_other=10)
    db = tmp_path_factory.mktemp("e2e") / "zwgk.db"
    with serve_portal(portal) as base:
        first = crawl(base, db)
        second = crawl(base, db)
    return portal, db, [first, second]


def test_crawl_exits_cleanly(demo_crawl: tuple) -> None:
    _, _, runs = demo_crawl
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
        assert "Traceback" not in run.stderr, run.stderr[-3000:]


def test_every_report_stored_exactly_once_and_nothing_else(demo_crawl: tuple) -> None:
    portal, db, _ = demo_crawl
    with open_store(f"sqlite:///{db}") as store:
        rows = list(store.reports())
    got = sorted((r["agency"], r["year"]) for r in rows)
    want = sorted((g.agency, g.year) for g in portal.ground_truth)
    assert got == want


def test_stored_fields_match_ground_truth(demo_crawl: tuple) -> None:
    portal, db, _ = demo_crawl
    with open_store(f"sqlite:///{db}") as store:
        rows = {(r["agency"], r["year"]): r for r in store.reports()}
    for gt in portal.ground_truth:
        row = rows[(gt.agency, gt.year)]
        assert row["title"] == gt.title
        assert str(row["published"]).startswith(gt.published)
        assert row["template"] == gt.template
        assert row["body_sha256"] and len(row["body_sha256"]) == 64
        assert row["fetched_at"]
        cells = row["cells"]
        wrong = {k: (cells.get(k), v) for k, v in gt.values.items() if cells.get(k) != pytest.approx(v)}
        assert not wrong, f"{gt.title}: {list(wrong.items())[:5]}"
        assert "扫一扫" not in row["text"] and "网站标识码" not in row["text"]


def test_second_run_downloads_no_unchanged_report(demo_crawl: tuple) -> None:
    _, db, runs = demo_crawl
    with open_store(f"sqlite:///{db}") as store:
        last = store.runs(limit=1)[0]
    counts = last["counts"]
    assert counts.get("new", 0) == 0 and counts.get("changed", 0) == 0, counts
    assert "unchanged" in runs[1].stderr


def test_unreachable_portal_fails_with_a_message(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    run = zwgk("crawl", "--url", "http://127.0.0.1:9/zwgk/", "--store", f"sqlite:///{tmp_path / 'x.db'}",
               "--set", "RETRY_TIMES=0", cwd=tmp_path)
    assert run.returncode == 3
    assert "Traceback" not in run.stderr
    assert "nothing could be fetched" in run.stderr


def test_missing_arguments_are_a_usage_error(tmp_path: Path) -> None:
    run = zwgk("crawl", cwd=tmp_path)
    assert run.returncode == 1
    assert "--url" in run.stderr
