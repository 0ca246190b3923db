"""A local replay of the Pingtan 政府信息公开年报 column (../shared/corpus/pages).

The real column page is served at its real path (/zwgk/zfxxgk/zfxxgknb/ and index.html) and the real
2023 report page at its real path; every other report link, and the column's JSON search API for
older pages, answers 404. The column lists its reports with relative links (./YYYYMM/t….htm), so
they resolve to the loopback server as they resolve to www.pingtan.gov.cn on the live site; the
page's absolute links to https://www.pingtan.gov.cn/… (menus, other columns) are off-domain for a
crawl started on 127.0.0.1 and are not requested. No URL is rewritten, no host is mapped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run, page, zwgk

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
LIST = CORPUS / "pages" / "pingtan-annual-report-list.html"
REPORT = CORPUS / "pages" / "pingtan-2023-annual-report.html"
EXPECTED = CORPUS / "expected" / "pingtan-2023-annual-report.json"
COLUMN = "/zwgk/zfxxgk/zfxxgknb/"

pytestmark = pytest.mark.skipif(
    not (LIST.is_file() and REPORT.is_file() and EXPECTED.is_file()),
    reason=f"Pingtan corpus pages not found under {CORPUS} (shared corpus absent)",
)


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> dict:
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    report_path = "/" + expected["url"].split("://", 1)[1].split("/", 1)[1]
    server = FaultServer()
    column = page(LIST.read_bytes())
    server.route(COLUMN, column)
    server.route(COLUMN + "index.html", column)
    server.route(report_path, page(REPORT.read_bytes()))
    db = tmp_path_factory.mktemp("pingtan") / "zwgk.db"
    with server.running() as base:
        run = zwgk("crawl", "--url", base + COLUMN, "--name", "pingtan", "--store", f"sqlite:///{db}",
                   "--depth", "1", *LOOPBACK_SETTINGS, cwd=db.parent)
    return {"run": run, "db": db, "expected": expected, "server": server, "report_path": report_path}


def test_crawl_succeeds(replay: dict) -> None:
    run = replay["run"]
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr


def test_2023_report_stored_with_its_tables(replay: dict) -> None:
    expected = replay["expected"]
    with open_store(f"sqlite:///{replay['db']}") as store:
        rows = list(store.reports())
    assert len(rows) == 1
    row = rows[0]
    assert row["url"].endswith(replay["report_path"])
    assert row["year"] == expected["year"] and row["agency"] == expected["agency"]
    cells = expected["cells"]
    sample = [k for k in cells if k.startswith(("active.", "requests.", "review.", "litigation."))]
    assert len(sample) >= 20
    wrong = {k: (row["cells"].get(k), cells[k]) for k in sample if row["cells"].get(k) != pytest.approx(cells[k])}
    assert not wrong, list(wrong.items())[:8]


def test_missing_reports_are_errors_not_a_failed_portal(replay: dict) -> None:
    rec = last_run(replay["db"])
    portal = rec["portals"]["pingtan"]
    assert portal["status"] == "ok"
    server: FaultServer = replay["server"]
    missing = {p for _, p, s, _ in server.log if s == 404 and p.endswith(".htm")}
    assert len(missing) == 9  # the column lists ten reports (2016-2025); only 2023 is replayed
    assert portal["counts"]["failed"] == 9
    errors = "\n".join(portal["errors"])
    assert sum("HTTP 404" in line for line in portal["errors"]) >= 9, errors
    # the older pages come from the JSON search API, which this replay does not have
    assert server.hits("/fjdzapp/search") == 1 and "fjdzapp/search: HTTP 404" in errors
    requested = {p for _, p, _, _ in server.log}
    assert all(p in ("/robots.txt", COLUMN, "/fjdzapp/search") or p.startswith(COLUMN + "20") for p in requested), requested
