"""A crawl through a misbehaving site: every fault is recorded, every reachable report stored once.

One seed file, two portals on one loopback server:
- "faulty": a column listing good report pages (one served as GBK, one as a PDF behind a wrapper
  page, one behind a 5xx burst) next to a timeout, a redirect loop, a connection closed mid-body, an
  off-domain redirect, a response over the size cap, a 404 and two WAF challenges (521, 412); plus a
  guessed column URL that does not exist.
- "walled": its only start page is a JavaScript cookie challenge.
"""

from __future__ import annotations

import pytest

from crawler.demo.site import DemoPortal
from crawler.store import open_store
from tests.faultserver import (
    LOOPBACK_SETTINGS,
    FaultServer,
    big,
    challenge,
    cut_off,
    flaky,
    last_run,
    list_page,
    page,
    redirect,
    slow,
    zwgk,
)

TITLE = "{}2023年政府信息公开工作年度报告"


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    portal = DemoPortal(seed=3, n_reports=6, n_other=2)
    extra = DemoPortal(seed=11, n_reports=5, n_other=0)
    flaky_g, cut_g, slow_g = [g for g in extra.ground_truth if g.kind == "html" and g.encoding == "utf-8"][:3]

    def body(g: object) -> bytes:
        p = extra.get(g.path)  # type: ignore[attr-defined]
        assert p is not None
        return p.body

    server = FaultServer(portal=portal)
    rows = [(g.path, g.title, g.published) for g in portal.ground_truth]
    faults = {
        "/f/flaky.html": flaky(2, page(body(flaky_g))),
        "/f/slow.html": slow(3.5, page(body(slow_g))),
        "/f/loop.html": redirect("/f/loop2.html"),
        "/f/loop2.html": redirect("/f/loop.html"),
        "/f/cut.html": cut_off(body(cut_g), 2000),
        "/f/huge.html": big(400_000),
        "/f/waf521.html": challenge(521),
        "/f/waf412.html": challenge(412),
    }
    for path, handler in faults.items():
        server.route(path, handler)
        if path != "/f/loop2.html":
            rows.append((path, TITLE.format(path.rsplit("/", 1)[1].split(".")[0] + "局"), "2024-03-01"))
    rows.append(("/f/missing.html", TITLE.format("失踪局"), "2024-03-01"))
    rows.append(("/f/away.html", TITLE.format("外站局"), "2024-03-01"))
    server.route(
        "/f/away.html",
        lambda h: redirect(f"http://localhost:{h.server.server_address[1]}/f/elsewhere.html")(h),
    )
    server.route("/f/elsewhere.html", page(body(flaky_g)))
    server.route("/f/index.html", page(list_page("政府信息公开年报", rows)))
    server.route("/walled/index.html", challenge(521))

    tmp = tmp_path_factory.mktemp("faults")
    db = tmp / "zwgk.db"
    with server.running() as base:
        seeds = tmp / "seeds.yaml"
        seeds.write_text(
            "portals:\n"
            "- name: faulty\n"
            f"  start_urls: ['{base}/f/index.html']\n"
            f"  guessed_urls: ['{base}/f/nb/']\n"
            "  allowed_domains: ['127.0.0.1']\n"
            "- name: walled\n"
            f"  start_urls: ['{base}/walled/index.html']\n"
            "  allowed_domains: ['127.0.0.1']\n",
            encoding="utf-8",
        )
        run = zwgk(
            "crawl",
            "--seeds",
            str(seeds),
            "--store",
            f"sqlite:///{db}",
            "--depth",
            "0",
            *LOOPBACK_SETTINGS,
            "--set",
            "DOWNLOAD_TIMEOUT=2",
            "--set",
            "RETRY_TIMES=2",
            "--set",
            "ZWGK_RETRY_BACKOFF=0.3",
            "--set",
            "DOWNLOAD_MAXSIZE=200000",
            cwd=tmp,
        )
    return {
        "run": run,
        "db": db,
        "server": server,
        "portal": portal,
        "flaky": flaky_g,
        "cut": cut_g,
        "slow": slow_g,
    }


def test_crawl_completes_and_exit_code_says_one_portal_failed(fault_crawl: dict) -> None:
    run = fault_crawl["run"]
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == 2, run.stderr[-3000:]  # "walled" failed completely, "faulty" did not
    assert "walled" in run.stderr and "blocked" in run.stderr


def test_every_reachable_report_stored_once(fault_crawl: dict) -> None:
    portal: DemoPortal = fault_crawl["portal"]
    with open_store(f"sqlite:///{fault_crawl['db']}") as store:
        rows = list(store.reports(with_text=False))
    got = sorted((r["agency"], r["year"]) for r in rows)
    want = sorted(
        [(g.agency, g.year) for g in portal.ground_truth]
        + [(fault_crawl["flaky"].agency, fault_crawl["flaky"].year)]
    )
    assert got == want
    gbk = [g for g in portal.ground_truth if g.encoding == "gbk"]
    assert gbk, "the demo portal serves one report as GBK"
    titles = {r["title"] for r in rows}
    assert gbk[0].title in titles


def test_portal_records_what_failed_and_why(fault_crawl: dict) -> None:
    rec = last_run(fault_crawl["db"])
    faulty = rec["portals"]["faulty"]
    walled = rec["portals"]["walled"]
    assert faulty["status"] == "ok"
    assert walled["status"] == "blocked" and walled["counts"].get("pages", 0) == 0
    assert any("jiasule" in m or "waf" in m or "challenge" in m for m in walled["blocked"])
    errors = "\n".join(faulty["errors"])
    assert "/f/slow.html" in errors and "Timeout" in errors or "took longer" in errors, errors
    assert "/f/loop.html" in errors and "redirect" in errors, errors
    assert "/f/cut.html" in errors, errors
    assert "/f/huge.html" in errors, errors
    assert "/f/missing.html: HTTP 404" in errors, errors
    assert "off-domain" in errors and "localhost" in errors, errors
    blocked = "\n".join(faulty["blocked"])
    assert "/f/waf521.html" in blocked and "/f/waf412.html" in blocked, blocked
    # the guessed URL's 404 is a warning, not an error of the portal
    assert "/f/nb/" not in errors
    assert any("guessed URL" in w and "/f/nb/" in w for w in faulty["warnings"])
    counts = faulty["counts"]
    assert counts["blocked"] == 2
    assert counts["failed"] == 6, errors  # slow, loop, cut, huge, missing, away
    assert rec["counts"]["failed"] == 6


def test_challenges_are_never_stored_or_parsed(fault_crawl: dict) -> None:
    with open_store(f"sqlite:///{fault_crawl['db']}") as store:
        urls = [r[0] for r in store._q("SELECT url FROM sources").fetchall()]
    assert not [u for u in urls if "waf" in u or "walled" in u or "huge" in u or "cut" in u]


def test_retries_back_off_then_succeed(fault_crawl: dict) -> None:
    server: FaultServer = fault_crawl["server"]
    times = server.times("/f/flaky.html")
    assert server.hits("/f/flaky.html", 503) == 2 and server.hits("/f/flaky.html", 200) == 1
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    # ZWGK_RETRY_BACKOFF=0.3: about 0.3 s then 0.6 s (±25 % jitter)
    assert gaps[0] >= 0.2 and gaps[1] >= 0.4, gaps
    # the timeout was retried too (RETRY_TIMES=2: three attempts)
    assert server.hits("/f/slow.html") == 3


def test_off_domain_redirect_not_followed(fault_crawl: dict) -> None:
    server: FaultServer = fault_crawl["server"]
    assert server.hits("/f/away.html") >= 1
    assert server.hits("/f/elsewhere.html") == 0
