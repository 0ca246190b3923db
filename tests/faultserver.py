"""A loopback HTTP server for crawl tests: a DemoPortal or fixed pages, plus misbehaving routes.

    server = FaultServer(portal=DemoPortal(seed=1))          # or FaultServer() with only routes
    server.route("/slow.html", slow(5.0, page(b"...")))
    with server.running() as base:                           # http://127.0.0.1:PORT
        ...
    server.log                                               # [(method, path, status, time), …]

Every request is logged with the status it got, so tests can count downloads per path (a 304 is
not a download). Routes take precedence over the portal's pages.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from crawler.demo.site import DemoPortal

Handler = Callable[["_Handler"], int]  # writes the response, returns the status it sent
_BEIJING = timezone(timedelta(hours=8))


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.request_body = self.rfile.read(length) if length else b""
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch()

    def _dispatch(self) -> None:
        path = self.path.split("#", 1)[0]
        key = path.split("?", 1)[0]
        fs = self.server.faults
        if fs.delay:
            time.sleep(fs.delay)
        handler = fs.routes.get(path) or fs.routes.get(key)
        if handler is None and fs.portal is not None:
            handler = _portal_handler(fs.portal)
        if handler is None:
            handler = page(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)
        entry = [self.command, key, 0, time.monotonic()]  # logged on arrival; status 0 until answered
        with fs.lock:
            fs.log.append(entry)
        try:
            entry[2] = handler(self)
        except (BrokenPipeError, ConnectionResetError):
            entry[2] = -1  # the client went away (a timeout on its side)

    def send(
        self,
        status: int,
        body: bytes,
        ctype: str | None = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> int:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != 304 and body:
            self.wfile.write(body)
        return status

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server API)
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    faults: FaultServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up (timeouts, cancelled downloads) is what these tests provoke


class FaultServer:
    """Routes (path -> handler) over an optional DemoPortal, with a request log."""

    def __init__(self, portal: DemoPortal | None = None, delay: float = 0.0) -> None:
        self.portal = portal
        self.routes: dict[str, Handler] = {}
        self.delay = delay  # seconds before every answer (a slow-ish site)
        self.log: list[list[Any]] = []  # [method, path, status, arrival time]
        self.lock = threading.Lock()
        self.base = ""

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def hits(self, path: str, status: int | None = None) -> int:
        with self.lock:
            return sum(1 for _, p, s, _ in self.log if p == path and (status is None or s == status))

    def times(self, path: str) -> list[float]:
        with self.lock:
            return [t for _, p, _, t in self.log if p == path]

    def statuses(self) -> Counter[tuple[str, int]]:
        with self.lock:
            return Counter((p, s) for _, p, s, _ in self.log)

    def mark(self) -> int:
        """Position in the log (to look at one crawl's requests: log[mark:])."""
        with self.lock:
            return len(self.log)

    @contextmanager
    def running(self) -> Iterator[str]:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.faults = self
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        self.base = f"http://{host}:{port}"
        try:
            yield self.base
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)


# --- handlers ------------------------------------------------------------------------------------


def page(
    body: bytes,
    ctype: str = "text/html; charset=utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
    etag: str | None = None,
) -> Handler:
    """A fixed answer; with `etag`, If-None-Match gets a 304."""

    def handle(h: _Handler) -> int:
        extra = dict(headers or {})
        if etag:
            extra["ETag"] = etag
            if h.headers.get("If-None-Match") == etag:
                return h.send(304, b"", None, extra)
        return h.send(status, body, ctype, extra)

    return handle


def _portal_handler(portal: DemoPortal) -> Handler:
    """The DemoPortal's pages with ETag / Last-Modified validators (If-None-Match only, exact match)."""

    def handle(h: _Handler) -> int:
        p = portal.get(h.path)
        if p is None:
            return h.send(404, b"<html><body>404</body></html>")
        headers = {"ETag": p.etag}
        if p.last_modified is not None:
            lm = p.last_modified.replace(tzinfo=_BEIJING).astimezone(UTC)
            headers["Last-Modified"] = format_datetime(lm.replace(microsecond=0), usegmt=True)
        inm = h.headers.get("If-None-Match")
        if inm is not None:
            if inm.strip() == p.etag:
                return h.send(304, b"", None, headers)
        elif h.headers.get("If-Modified-Since") and p.last_modified is not None:
            try:
                since = parsedate_to_datetime(h.headers["If-Modified-Since"])
                if p.last_modified.replace(tzinfo=_BEIJING, microsecond=0) <= since:
                    return h.send(304, b"", None, headers)
            except (TypeError, ValueError):
                pass
        return h.send(200, p.body, p.content_type, headers)

    return handle


def slow(seconds: float, then: Handler) -> Handler:
    """Wait before answering (longer than the crawler's DOWNLOAD_TIMEOUT: a timeout)."""

    def handle(h: _Handler) -> int:
        time.sleep(seconds)
        return then(h)

    return handle


def flaky(failures: int, then: Handler, status: int = 503, headers: dict[str, str] | None = None) -> Handler:
    """The first `failures` requests get `status` (a 5xx burst), later ones `then`."""
    count = {"n": 0}
    lock = threading.Lock()

    def handle(h: _Handler) -> int:
        with lock:
            count["n"] += 1
            n = count["n"]
        if n <= failures:
            return h.send(status, b"<html><body>Service Unavailable</body></html>", headers=headers)
        return then(h)

    return handle


def redirect(location: str, status: int = 302) -> Handler:
    def handle(h: _Handler) -> int:
        return h.send(status, b"", None, {"Location": location})

    return handle


def cut_off(body: bytes, keep: int, ctype: str = "text/html; charset=utf-8") -> Handler:
    """Announce the whole body, send `keep` bytes, close the connection."""

    def handle(h: _Handler) -> int:
        h.send_response(200)
        h.send_header("Content-Type", ctype)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[:keep])
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(2)  # socket.SHUT_RDWR
        return 200

    return handle


def challenge(status: int = 521) -> Handler:
    """A 加速乐-style JavaScript cookie challenge."""
    body = (
        b"<html><head><script>document.cookie=('__jsl_clearance=1700000000.123|0|'+'abc');"
        b"location.href=location.pathname+location.search</script></head><body></body></html>"
    )
    return page(body, status=status, headers={"Set-Cookie": "__jsluid_h=0123456789abcdef; path=/"})


def big(size: int) -> Handler:
    """An HTML page of `size` bytes (over the crawler's DOWNLOAD_MAXSIZE)."""
    head = "<html><head><title>某某局2023年政府信息公开工作年度报告</title></head><body>".encode()
    body = head + b"x" * max(0, size - len(head) - 14) + b"</body></html>"
    return page(body)


def report_page(title: str, body_html: str, charset: str = "utf-8", extra_head: str = "") -> bytes:
    """A minimal article page."""
    doc = (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title>{extra_head}</head>'
        f'<body><div class="article"><h1>{title}</h1><div class="content">{body_html}</div></div></body></html>'
    )
    return doc.encode(charset)


def list_page(title: str, links: list[tuple[str, str, str]]) -> bytes:
    """A column page listing (href, text, date) rows."""
    rows = "\n".join(f'<li><a href="{href}">{text}</a><span>{date}</span></li>' for href, text, date in links)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="list"><ul>\n{rows}\n</ul></div></body></html>'
    ).encode()


def run_log(log: list[list[Any]]) -> Any:
    """Paths of the log grouped by status (for assertion messages)."""
    out: dict[int, list[str]] = {}
    for _, p, s, _ in log:
        out.setdefault(s, []).append(p)
    return out


# --- running the crawler -------------------------------------------------------------------------

LOOPBACK_SETTINGS = (
    "--set",
    "DOWNLOAD_DELAY=0",
    "--set",
    "AUTOTHROTTLE_ENABLED=0",
    "--set",
    "ZWGK_PROGRESS_INTERVAL=0",
)


def zwgk(*args: str, cwd: Any, timeout: float = 120) -> Any:
    """`python -m crawler.cli ARGS` in a subprocess (a Twisted reactor cannot restart inside pytest)."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0")
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_run(db: Any) -> dict[str, Any]:
    """The newest crawl-run record of a SQLite store."""
    from crawler.store import open_store

    with open_store(f"sqlite:///{db}") as store:
        return store.runs(limit=1)[0]
