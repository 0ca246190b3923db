"""Seeds mode: `zwgk crawl --seeds seeds/demo.yaml --token demo=URL` from the portal's home page."""

from __future__ import annotations

from pathlib import Path

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run, zwgk

ROOT = Path(__file__).resolve().parents[1]


def test_demo_seed_file_from_home_page(tmp_path: Path) -> None:
    portal = DemoPortal(seed=5, n_reports=6, n_other=6)
    server = FaultServer(portal=portal)
    db = tmp_path / "zwgk.db"
    with server.running() as base:
        run = zwgk("crawl", "--seeds", str(ROOT / "seeds" / "demo.yaml"), "--token", f"demo={base}",
                   "--store", f"sqlite:///{db}", *LOOPBACK_SETTINGS, cwd=tmp_path)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    with open_store(f"sqlite:///{db}") as store:
        got = sorted((r["agency"], r["year"]) for r in store.reports(with_text=False))
    assert got == sorted((g.agency, g.year) for g in portal.ground_truth)
    rec = last_run(db)
    assert list(rec["portals"]) == ["demo"] and rec["portals"]["demo"]["status"] == "ok"
    assert rec["portals"]["demo"]["counts"]["new"] == len(portal.ground_truth) == rec["counts"]["new"]
    # the per-portal summary in the terminal
    line = next(x for x in run.stderr.splitlines() if x.startswith("demo "))
    assert line.split()[1] == "ok"
    # the home page led to the column through the 政府信息公开 directory
    assert server.hits("/index.html") == 1 and server.hits("/zwgk/zfxxgknb/index.html") >= 1


def test_unresolved_token_is_a_usage_error(tmp_path: Path) -> None:
    run = zwgk("crawl", "--seeds", str(ROOT / "seeds" / "demo.yaml"), "--store", f"sqlite:///{tmp_path / 'x.db'}",
               cwd=tmp_path)
    assert run.returncode == 1, run.stderr[-2000:]
    assert "{demo}" in run.stderr and "--token" in run.stderr
    assert "Traceback" not in run.stderr
