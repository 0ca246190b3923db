"""Scrapy feed exports: `scrapy crawl portal -O x.jsonl|x.csv` write one record per stored report.

The crawl is a real `scrapy crawl` subprocess against the demo portal served from this process.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import serve_portal
from crawler.demo.site import DemoPortal
from crawler.feed import FEED_FIELDS, feed_record
from crawler.items import ReportItem
from crawler.store import open_store

COLUMN = "/zwgk/zfxxgknb/index.html"


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoPortal, Path, subprocess.CompletedProcess[str]]:
    portal = DemoPortal(seed=3, n_reports=8, n_other=4)
    work = tmp_path_factory.mktemp("feeds")
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawler.settings", ZWGK_STORE=f"sqlite:///{work / 'z.db'}",
               ZWGK_PROGRESS_INTERVAL="0", ZWGK_PARSE_PROCESSES="0")
    with serve_portal(portal) as base:
        run = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "portal", "-a", f"url={base}{COLUMN}",
             "-O", "items.jsonl", "-O", "items.csv", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"],
            cwd=work, env=env, capture_output=True, text=True, timeout=180,
        )
    return portal, work, run


def test_jsonl_feed_has_one_valid_line_per_stored_report(feeds: tuple) -> None:
    portal, work, run = feeds
    assert run.returncode == 0, run.stderr[-3000:]
    assert "not JSON serializable" not in run.stderr
    assert "Traceback" not in run.stderr and "ERROR" not in run.stderr, run.stderr[-3000:]
    lines = (work / "items.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    with open_store(f"sqlite:///{work / 'z.db'}") as store:
        stored = {r["id"]: r for r in store.reports()}
    assert len(stored) == len(portal.ground_truth)
    assert sorted(r["report_id"] for r in records) == sorted(stored)
    for rec in records:
        assert list(rec) == list(FEED_FIELDS)
        row = stored[rec["report_id"]]
        assert (rec["agency"], rec["year"], rec["store_status"]) == (row["agency"], row["year"], "new")
        assert rec["fields"] and all(isinstance(v, int | float) for v in rec["fields"].values())


def test_csv_feed_has_the_record_header_and_parseable_fields(feeds: tuple) -> None:
    portal, work, run = feeds
    assert run.returncode == 0, run.stderr[-3000:]
    with open(work / "items.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(portal.ground_truth)
    assert list(rows[0]) == list(FEED_FIELDS)
    for row in rows:
        assert json.loads(row["fields"])  # nested values are JSON text in a CSV cell
        assert isinstance(json.loads(row["warnings"]), list)


def test_feed_record_of_an_unparsed_item_carries_no_bytes() -> None:
    item = ReportItem(url="http://x.gov.cn/a.doc", body=b"\xd0\xcf\x11\xe0", kind="doc",
                      warnings=["legacy .doc without LibreOffice"], store_status="new", report_id=None)
    rec = feed_record(item)
    assert json.loads(json.dumps(rec)) == rec
    assert rec["is_report"] is False and rec["fields"] == {} and rec["warnings"] == ["legacy .doc without LibreOffice"]
