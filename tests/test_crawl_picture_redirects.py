"""Table pictures behind redirects, crawled on loopback: a picture that 301-redirects to another
path of its site is followed and read; one that redirects off the portal's domains, and one that
redirects in a loop, end with a warning on the report and a pending entry. No page waits forever:
the report is stored with what its other picture gave.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.demo.site import DemoPortal, GroundTruthReport
from crawler.demo.tableimage import FONT_HINT, cjk_font_path
from crawler.exitcodes import EXIT_OK, EXIT_SOME_FAILED
from crawler.report import ocr
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, Handler, page, redirect, zwgk

pytestmark = [
    pytest.mark.skipif(ocr.missing_reason() is not None, reason=str(ocr.missing_reason())),
    pytest.mark.skipif(cjk_font_path() is None, reason=f"no CJK font to draw tables with: {FONT_HINT}"),
]

RUN_TIMEOUT = 600  # seconds: one table picture read by OCR on a loaded 2-core machine, with room
MOVED, AWAY, LOOP = 0, 1, 2  # which of the report's three table pictures does what
MOVED_PREFIX = "/moved"
REDIRECT_MAX_TIMES = 3


def _off_site(path: str) -> Handler:
    """A redirect to the same server under another name (localhost: not the portal's 127.0.0.1)."""
    return lambda h: redirect(f"http://localhost:{h.server.server_address[1]}{path}")(h)


@pytest.fixture(scope="module")
def redirect_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    portal = DemoPortal(seed=7, n_reports=2, n_other=0, image_tables=1)
    (g,) = [g for g in portal.ground_truth if g.pictures]
    moved = g.pictures[MOVED]
    server = FaultServer(portal=portal)
    picture = portal.get(moved)
    assert picture is not None
    server.route(moved, redirect(MOVED_PREFIX + moved, status=301))
    server.route(MOVED_PREFIX + moved, page(picture.body, ctype="image/png"))
    server.route(g.pictures[AWAY], _off_site("/elsewhere.png"))
    server.route(g.pictures[LOOP], redirect(g.pictures[LOOP]))
    db = tmp_path_factory.mktemp("redirects") / "zwgk.db"
    store_url = f"sqlite:///{db}"
    with server.running() as base:
        run = zwgk("crawl", "--name", "redirects", "--store", store_url, "--url", base + portal.column_url,
                   *LOOPBACK_SETTINGS, "--set", f"REDIRECT_MAX_TIMES={REDIRECT_MAX_TIMES}",
                   "--set", f"ZWGK_PARSE_TIMEOUT={RUN_TIMEOUT}", cwd=db.parent, timeout=RUN_TIMEOUT)
    with open_store(store_url) as store:
        reports = {(r["agency"], r["year"]): r for r in store.reports()}
        (sid,) = store._q("SELECT id FROM sources WHERE url LIKE ?", (f"%{g.path}",)).fetchone()
        state = {
            "report": reports.get((g.agency, g.year)),
            "pictures": store.pictures(int(sid)),
            "warnings": [m for (m,) in store._q("SELECT message FROM warnings WHERE source_id = ?",
                                                (sid,)).fetchall()],
            "pending": store._q("SELECT url, last_error FROM pending").fetchall(),
        }
    return {"run": run, "server": server, "g": g, **state}


def test_crawl_ends_with_every_page_settled(redirect_crawl: dict[str, Any]) -> None:
    run = redirect_crawl["run"]
    assert run.returncode in (EXIT_OK, EXIT_SOME_FAILED), run.stderr[-3000:]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "before its" not in run.stderr  # no page was still waiting for a picture at the end
    assert redirect_crawl["report"] is not None


def test_a_redirect_on_the_site_is_followed_and_read(redirect_crawl: dict[str, Any]) -> None:
    g: GroundTruthReport = redirect_crawl["g"]
    server: FaultServer = redirect_crawl["server"]
    assert server.hits(g.pictures[MOVED], 301) == 1
    assert server.hits(MOVED_PREFIX + g.pictures[MOVED], 200) == 1
    pics = redirect_crawl["pictures"]
    assert urlsplit(pics[MOVED]["url"]).path == MOVED_PREFIX + g.pictures[MOVED]  # where the body came from
    assert pics[MOVED]["error"] is None
    cells = redirect_crawl["report"]["cells"]
    sources = redirect_crawl["report"]["cell_sources"]
    active = {k: v for k, v in g.values.items() if k.startswith("active.")}  # table 二: the moved picture
    assert active and all(cells.get(k) == pytest.approx(v) for k, v in active.items() if k in cells)
    assert sum(1 for k in active if k in cells) >= 0.99 * len(active)
    assert {sources[k] for k in active if k in cells} == {"ocr"}
    # the other two pictures never came: their tables' cells are the prose's key figures at most
    assert not any(k.startswith(("requests.", "appeals.")) and sources[k] == "ocr" for k in cells)


def test_off_site_and_looping_redirects_are_warnings_and_pending(redirect_crawl: dict[str, Any]) -> None:
    g: GroundTruthReport = redirect_crawl["g"]
    server: FaultServer = redirect_crawl["server"]
    assert server.hits("/elsewhere.png") == 0
    assert server.hits(g.pictures[LOOP]) == REDIRECT_MAX_TIMES + 1
    warned = redirect_crawl["warnings"]
    assert any(g.pictures[AWAY] in w and "off-domain" in w for w in warned), warned
    assert any(g.pictures[LOOP] in w and "table picture not fetched" in w for w in warned), warned
    pending = {urlsplit(u).path: e for u, e in redirect_crawl["pending"]}
    assert set(pending) == {g.pictures[AWAY], g.pictures[LOOP]}, pending
    assert "off-domain" in pending[g.pictures[AWAY]]
    errors = [p["error"] for p in redirect_crawl["pictures"]]
    assert errors[MOVED] is None and errors[AWAY] and errors[LOOP]


def _every_picture_fails(tmp_path: Any, route: Any, *settings: str) -> tuple[FaultServer, GroundTruthReport,
                                                                          list[str], set[str]]:
    """A crawl of the picture report whose every picture is answered by route(path); the picture
    errors stored with the page, and the paths pending. The crawl must end with the page stored."""
    portal = DemoPortal(seed=7, n_reports=2, n_other=0, image_tables=1)
    (g,) = [g for g in portal.ground_truth if g.pictures]
    server = FaultServer(portal=portal)
    for path in g.pictures:
        server.route(path, route(path))
    store_url = f"sqlite:///{tmp_path / 'zwgk.db'}"
    with server.running() as base:
        run = zwgk("crawl", "--name", "fails", "--store", store_url, "--url", base + portal.column_url,
                   *LOOPBACK_SETTINGS, *settings, cwd=tmp_path, timeout=RUN_TIMEOUT)
    assert run.returncode in (EXIT_OK, EXIT_SOME_FAILED) and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert "before its" not in run.stderr
    with open_store(store_url) as store:
        (sid,) = store._q("SELECT id FROM sources WHERE url LIKE ?", (f"%{g.path}",)).fetchone()
        errors = [p["error"] for p in store.pictures(int(sid))]
        pending = {urlsplit(u).path for (u,) in store._q("SELECT url FROM pending").fetchall()}
    assert len(errors) == len(g.pictures), errors
    assert pending == set(g.pictures)  # the links as found, not where they redirected to
    return server, g, errors, pending


def test_a_page_whose_last_picture_is_refused_when_scheduled_is_stored(tmp_path: Any) -> None:
    """Every picture redirects off-site: each is refused before it is queued (no errback), and the
    last one hands the page's item over by its delivery request."""
    server, _, errors, _ = _every_picture_fails(tmp_path, lambda _path: _off_site("/elsewhere.png"))
    assert all(e and "off-domain" in e for e in errors), errors
    assert server.hits("/elsewhere.png") == 0


def test_a_picture_whose_redirect_the_scheduler_drops_settles_its_page(tmp_path: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Every picture redirects on the site, and the scheduler drops each redirect (request_dropped,
    no errback): the report is stored with a warning per picture, which are pending."""
    root = str(Path(__file__).resolve().parents[1])  # the subprocess imports tests.droppingscheduler
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p))
    server, g, errors, _ = _every_picture_fails(
        tmp_path, lambda path: redirect(MOVED_PREFIX + path, status=301),
        "--set", "SCHEDULER=tests.droppingscheduler.DroppingScheduler")
    assert all(e and "dropped by the scheduler" in e for e in errors), errors
    assert all(server.hits(MOVED_PREFIX + p) == 0 for p in g.pictures)
