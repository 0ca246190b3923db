"""Extraction and parsing in worker processes (ZWGK_PARSE_PROCESSES): the same reports as in a thread,
and a parse that runs past ZWGK_PARSE_TIMEOUT is given up with a warning while the crawl goes on."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run, zwgk

COLUMN = "/zwgk/zfxxgknb/index.html"


def crawl(portal: DemoPortal, db: Path, *settings: str) -> object:
    with FaultServer(portal=portal).running() as base:
        return zwgk("crawl", "--url", base + COLUMN, "--name", "demo", "--store", f"sqlite:///{db}",
                    *LOOPBACK_SETTINGS, *settings, cwd=db.parent)


def test_worker_processes_store_what_the_thread_does(tmp_path: Path) -> None:
    portal = DemoPortal(seed=12, n_reports=8, n_other=4)
    run = crawl(portal, tmp_path / "zwgk.db", "--set", "ZWGK_PARSE_PROCESSES=2")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]  # type: ignore[attr-defined]
    with open_store(f"sqlite:///{tmp_path / 'zwgk.db'}") as store:
        rows = {(r["agency"], r["year"]): r for r in store.reports()}
    assert sorted(rows) == sorted((g.agency, g.year) for g in portal.ground_truth)
    for g in portal.ground_truth:
        cells = rows[(g.agency, g.year)]["cells"]
        assert cells == pytest.approx(g.values), g.title


def test_a_parse_past_the_timeout_is_given_up_and_the_crawl_goes_on(tmp_path: Path) -> None:
    portal = DemoPortal(seed=13, n_reports=3, n_other=0)
    # 50 ms: shorter than any worker's start, so every stage times out and its worker is replaced
    run = crawl(portal, tmp_path / "zwgk.db", "--set", "ZWGK_PARSE_PROCESSES=1", "--set", "ZWGK_PARSE_TIMEOUT=0.05")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]  # type: ignore[attr-defined]
    with open_store(f"sqlite:///{tmp_path / 'zwgk.db'}") as store:
        assert list(store.reports()) == []  # nothing parsed, so nothing invented
        n_sources = store._q("SELECT COUNT(*) FROM sources").fetchone()[0]
    assert n_sources == len({g.attachment or g.path for g in portal.ground_truth})
    warnings = last_run(tmp_path / "zwgk.db")["portals"]["demo"]["warnings"]
    assert any("ZWGK_PARSE_TIMEOUT" in w for w in warnings), warnings
