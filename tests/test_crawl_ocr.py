"""The crawl route for tables that are pictures ("图片版"), end to end on loopback.

A demo portal publishes two of its HTML reports with their three statistics tables as PNG pictures
in the article body (the page also carries the portal's QR code and logos). One picture of the
second report answers 404. The real spider and pipelines crawl it into a temporary SQLite store;
then `zwgk reparse` rebuilds the store from the archive. OCR takes seconds per table picture, so
the portal is small: 5 pictures are read in the crawl and again in the reparse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.demo.site import DemoPortal, GroundTruthReport
from crawler.demo.tableimage import FONT_HINT, cjk_font_path
from crawler.report import ocr
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, page, zwgk

pytestmark = [
    pytest.mark.skipif(ocr.missing_reason() is not None, reason=str(ocr.missing_reason())),
    pytest.mark.skipif(cjk_font_path() is None, reason=f"no CJK font to draw tables with: {FONT_HINT}"),
]

MIN_RIGHT_SHARE = 0.99
MISSING_TABLE = 1  # table 三 of the second picture report answers 404
RUN_TIMEOUT = 900  # seconds: OCR of five table pictures on a loaded 2-core machine, with room
SLOW_PARSE = ("--set", f"ZWGK_PARSE_TIMEOUT={RUN_TIMEOUT}")


@pytest.fixture(scope="module")
def ocr_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    portal = DemoPortal(seed=7, n_reports=4, n_other=0, image_tables=2)
    full, partial = [g for g in portal.ground_truth if g.pictures]
    server = FaultServer(portal=portal)
    server.route(partial.pictures[MISSING_TABLE], page(b"<html><body>404</body></html>", status=404))
    db = tmp_path_factory.mktemp("ocr") / "zwgk.db"
    store_url = f"sqlite:///{db}"
    crawl = ("crawl", "--name", "ocr", "--store", store_url, *LOOPBACK_SETTINGS, *SLOW_PARSE)
    with server.running() as base:  # one server for both runs: the same URLs
        run = zwgk(*crawl, "--url", base + portal.column_url, cwd=db.parent, timeout=RUN_TIMEOUT)
        crawled = _reports(store_url)
        with open_store(store_url) as store:
            state = {"pending": store._q("SELECT url, last_error FROM pending").fetchall(),
                     "warnings": {g.path: _source_warnings(store, g.path) for g in (full, partial)},
                     "pictures": {g.path: store.pictures(_source_id(store, g.path)) for g in (full, partial)}}
        hits = {p: server.hits(p) for g in (full, partial) for p in g.pictures}
        reparse = zwgk("reparse", "--store", store_url, "--workers", "1", cwd=db.parent, timeout=RUN_TIMEOUT)
        reparsed = _reports(store_url)
        # the picture is back: the next run retries it from the pending list and reads the page again
        del server.routes[partial.pictures[MISSING_TABLE]]
        mark = server.mark()
        again = zwgk(*crawl, "--url", base + portal.column_url, "--set", "ZWGK_PENDING_BACKOFF=0",
                     cwd=db.parent, timeout=RUN_TIMEOUT)
        again_log = server.log[mark:]
    return {"run": run, "reparse": reparse, "store": store_url, "server": server, "portal": portal,
            "full": full, "partial": partial, "crawled": crawled, "state": state, "reparsed": reparsed,
            "hits": hits, "again": again, "again_log": again_log, "recovered": _reports(store_url)}


def _reports(store_url: str) -> dict[tuple[str, int], dict]:
    with open_store(store_url) as store:
        return {(r["agency"], r["year"]): r for r in store.reports()}


def _source_warnings(store: Any, path: str) -> list[str]:
    return [m for (m,) in store._q("SELECT w.message FROM warnings w JOIN sources s ON s.id = w.source_id "
                                   "WHERE s.url LIKE ?", (f"%{path}",)).fetchall()]


def _source_id(store: Any, path: str) -> int:
    (sid,) = store._q("SELECT id FROM sources WHERE url LIKE ?", (f"%{path}",)).fetchone()
    return int(sid)


def _score(row: dict, g: GroundTruthReport, skip: str = "") -> tuple[int, int, dict]:
    """(cells expected, right, wrong) of a stored report against the generator's values."""
    expected = {k: v for k, v in g.values.items() if not (skip and k.startswith(skip))}
    right = sum(1 for k, v in expected.items() if row["cells"].get(k) == pytest.approx(v))
    wrong = {k: (row["cells"][k], v) for k, v in expected.items()
             if k in row["cells"] and row["cells"][k] != pytest.approx(v)}
    return len(expected), right, wrong


def test_crawl_completes(ocr_crawl: dict) -> None:
    run = ocr_crawl["run"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]


def test_picture_report_cells_come_from_ocr_and_equal_the_ground_truth(ocr_crawl: dict) -> None:
    g: GroundTruthReport = ocr_crawl["full"]
    row = ocr_crawl["crawled"][(g.agency, g.year)]
    n, right, wrong = _score(row, g)
    assert not wrong, list(wrong.items())[:5]
    assert right >= MIN_RIGHT_SHARE * n, (right, n)
    assert set(row["cell_sources"].values()) == {"ocr"}, set(row["cell_sources"].values())
    assert any("read by OCR from pictures" in w for w in row["warnings"])


def test_failed_picture_is_a_warning_and_pending_and_the_rest_is_stored(ocr_crawl: dict) -> None:
    g: GroundTruthReport = ocr_crawl["partial"]
    row = ocr_crawl["crawled"][(g.agency, g.year)]
    n, right, wrong = _score(row, g, skip="requests.")  # table 三 (requests) was the missing picture
    assert not wrong, list(wrong.items())[:5]
    assert right >= MIN_RIGHT_SHARE * n, (right, n)
    assert not any(k.startswith("requests.") for k in row["cells"])
    missing = g.pictures[MISSING_TABLE]
    warned = ocr_crawl["state"]["warnings"][g.path]
    pending = ocr_crawl["state"]["pending"]
    assert any(missing in m and "HTTP 404" in m for m in warned), warned
    assert [(urlsplit(u).path, "HTTP 404" in e) for u, e in pending] == [(missing, True)]


def test_pictures_fetched_once_each_and_chrome_pictures_never(ocr_crawl: dict) -> None:
    server: FaultServer = ocr_crawl["server"]
    for g in (ocr_crawl["full"], ocr_crawl["partial"]):
        for path in g.pictures:
            assert ocr_crawl["hits"][path] == 1, path
    for chrome in ("/images/qrcode.png", "/images/logo.png"):
        assert server.hits(chrome) == 0, chrome


def test_pictures_are_archived_with_their_report_source(ocr_crawl: dict) -> None:
    with open_store(ocr_crawl["store"]) as store:
        by_page: dict[str, list[tuple[str, str | None]]] = {}
        for g in (ocr_crawl["full"], ocr_crawl["partial"]):
            pics = ocr_crawl["state"]["pictures"][g.path]
            by_page[g.path] = [(urlsplit(p["url"]).path, p["error"]) for p in pics]
            for p in pics:
                if p["error"] is None:
                    assert ".warc.gz#" in p["archive_ref"]
                    assert store.archive.get(p["archive_ref"])[:8] == b"\x89PNG\r\n\x1a\n"
    full, partial = ocr_crawl["full"], ocr_crawl["partial"]
    assert by_page[full.path] == [(p, None) for p in full.pictures]
    # the picture that could not be fetched is kept with its error (a reparse warns of it again)
    assert [(p, e is not None and "HTTP 404" in e) for p, e in by_page[partial.path]] == [
        (p, i == MISSING_TABLE) for i, p in enumerate(partial.pictures)]


def test_reparse_reads_the_pictures_again_from_the_archive(ocr_crawl: dict) -> None:
    rep = ocr_crawl["reparse"]
    assert rep.returncode == 0, rep.stderr[-3000:]
    after = ocr_crawl["reparsed"]
    before = ocr_crawl["crawled"]
    assert set(after) == set(before)
    for key, row in before.items():
        assert after[key]["cells"] == row["cells"], key
        assert after[key]["cell_sources"] == row["cell_sources"], key


def test_html_tables_page_fetches_no_pictures(ocr_crawl: dict) -> None:
    """The other HTML reports have <table>s: their pages fetch no picture (QR code and logo included)."""
    server: FaultServer = ocr_crawl["server"]
    pictures = {p for g in ocr_crawl["portal"].ground_truth for p in g.pictures}
    fetched = {p for p, _ in server.statuses() if Path(p).suffix in (".png", ".jpg", ".gif")}
    assert fetched == pictures


def test_a_later_run_fetches_the_failed_picture_and_reads_the_page_again(ocr_crawl: dict) -> None:
    again = ocr_crawl["again"]
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr[-3000:]
    g: GroundTruthReport = ocr_crawl["partial"]
    row = ocr_crawl["recovered"][(g.agency, g.year)]
    n, right, wrong = _score(row, g)
    assert not wrong, list(wrong.items())[:5]
    assert right >= MIN_RIGHT_SHARE * n, (right, n)
    with open_store(ocr_crawl["store"]) as store:
        warned = _source_warnings(store, g.path)
        assert not any("table picture not fetched" in w for w in warned), warned
        assert store._q("SELECT COUNT(*) FROM pending").fetchone()[0] == 0
        assert store.versions(row["id"]), "the reading without the picture is kept as the previous version"
    # the other picture report is not read again (its page answers 304: nothing new)
    fetched = {path for _, path, _, _ in ocr_crawl["again_log"]}
    assert not fetched & set(ocr_crawl["full"].pictures)
