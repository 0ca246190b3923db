"""Issue #13, the crawl on loopback: a calendar-style list trap ends within the budget with a
warning; an off-port URL of the portal's own host is not fetched; robots.txt that never answers
postpones the portal within ZWGK_ROBOTS_TIMEOUT instead of allowing everything; and a name that
resolves to a loopback address is refused when the portal is not there."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.paging.budget import ListBudget
from crawler.seeds import Seed
from pipelines.downloader import PortalOffsiteMiddleware, non_public
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run, list_page, page, report_page, zwgk

TITLE = "某县2023年政府信息公开工作年度报告"


def _calendar(h: Any) -> int:
    """/cal/list.html?d=N: the same report link on every day, and a 下一页 to the next day."""
    m = re.search(r"d=(\d+)", h.path)
    day = int(m.group(1)) if m else 0
    body = list_page("政府信息公开年报", [("/nb/r1.html", TITLE, "2024-01-20")]).replace(
        b"</ul>", f'</ul><div class="page"><a href="/cal/list.html?d={day + 1}">下一页</a></div>'.encode())
    return h.send(200, body)


class _Sink:
    """A TCP listener on another port of 127.0.0.1 that counts connections (the portal's 'Redis')."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


def test_calendar_trap_and_off_port_link(tmp_path: Path) -> None:
    sink = _Sink()
    server = FaultServer()
    server.route("/cal/list.html", _calendar)
    server.route("/nb/r1.html", page(report_page(TITLE, "<p>一、总体情况</p><p>本年度主动公开政府信息12条。</p>"
                                                f'<p><a href="http://127.0.0.1:{sink.port}/nb/r2.pdf">附件</a></p>')))
    try:
        with server.running() as base:
            started = time.monotonic()
            run = zwgk("crawl", "--url", base + "/cal/list.html?d=0", "--name", "cal", "--store",
                       f"sqlite:///{tmp_path / 'z.db'}", *LOOPBACK_SETTINGS, "--set", "ROBOTSTXT_OBEY=0",
                       "--set", "ZWGK_LIST_TRAP_PAGES=15", cwd=tmp_path, timeout=300)
            lists = server.hits("/cal/list.html")
    finally:
        sink.close()
    assert run.returncode == 0, run.stderr[-3000:]
    assert lists <= 16, lists  # the first page plus 15 with nothing new
    assert time.monotonic() - started < 120
    warnings = last_run(tmp_path / "z.db")["portals"]["cal"]["warnings"]
    assert any("list trap" in w and "ZWGK_LIST_TRAP_PAGES" in w for w in warnings), warnings
    assert sink.connections == 0  # the same host on another port is not the portal


def test_list_page_budget() -> None:
    budget = ListBudget(max_pages=5, trap_pages=0)
    reasons = [budget.stop_reason(f"/l?p={i}", [f"/r{i}.html"]) for i in range(6)]
    assert reasons[:4] == [""] * 4 and "ZWGK_MAX_LIST_PAGES" in reasons[4]
    assert budget.warn_once() and not budget.warn_once()
    trap = ListBudget(max_pages=0, trap_pages=3)
    assert [bool(trap.stop_reason(f"/c?d={i}", ["/r.html"])) for i in range(5)] == [False, False, False, True, True]


def _hang(h: Any) -> int:
    time.sleep(30)
    return h.send(200, b"User-agent: *\nAllow: /\n", "text/plain")


def test_unreachable_robots_postpones_the_portal(tmp_path: Path) -> None:
    server = FaultServer()
    server.route("/robots.txt", _hang)
    server.route("/nb/index.html", page(list_page("政府信息公开年报", [("/nb/r1.html", TITLE, "2024-01-20")])))
    with server.running() as base:
        started = time.monotonic()
        run = zwgk("crawl", "--url", base + "/nb/index.html", "--name", "slowrobots", "--store",
                   f"sqlite:///{tmp_path / 'z.db'}", *LOOPBACK_SETTINGS, "--set", "ZWGK_ROBOTS_TIMEOUT=2",
                   cwd=tmp_path, timeout=300)
        hits = server.hits("/nb/index.html")
    assert time.monotonic() - started < 60
    assert hits == 0  # nothing fetched without rules
    assert run.returncode == 3, run.stderr[-2000:]  # the only portal was not crawled
    assert "robots.txt" in run.stderr and "postponed" in run.stderr


def _middleware(start: str, domains: list[str]) -> PortalOffsiteMiddleware:
    seed = Seed(name="p", start_urls=[start], allowed_domains=domains)
    spider = SimpleNamespace(seed_list=[seed], portal_domains=lambda portal: domains)
    return PortalOffsiteMiddleware(SimpleNamespace(spider=spider))


def _check(mw: PortalOffsiteMiddleware, url: str) -> None:
    # process_request awaits a thread for DNS; drive it without a reactor through asyncio
    async def run() -> None:
        await mw.process_request(Request(url, meta={"portal": "p"}))

    mw._resolve = _direct  # type: ignore[method-assign]
    asyncio.run(run())


async def _direct(host: str) -> list[str]:
    """The real resolver, called directly (the middleware hands it to a Twisted thread)."""
    from pipelines.downloader import resolve

    return resolve(host) if host else []


def test_names_resolving_to_loopback_are_refused_unless_the_portal_is_there() -> None:
    assert non_public(["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "::1", "fc00::1"]) == {
        "127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "::1", "fc00::1"}
    assert non_public(["202.96.128.86", "2400:da00::6666"]) == set()
    # "localhost" resolves to 127.0.0.1: inside allowed_domains, but the portal is elsewhere
    away = _middleware("https://www.example.gov.cn/zwgk/", ["example.gov.cn", "localhost", "169.254.169.254"])
    with pytest.raises(IgnoreRequest, match="loopback, private or link-local"):
        _check(away, "http://localhost/zwgk/nb.html")
    with pytest.raises(IgnoreRequest, match="loopback, private or link-local"):
        _check(away, "http://169.254.169.254/latest/meta-data/")  # an address literal as well
    # a portal served from 127.0.0.1 may be fetched there, on its own port only
    home = _middleware("http://127.0.0.1:8123/zwgk/", ["127.0.0.1", "localhost"])
    _check(home, "http://localhost:8123/zwgk/nb.html")
    with pytest.raises(IgnoreRequest, match="off-port request to 127.0.0.1:6379"):
        _check(home, "http://127.0.0.1:6379/")
