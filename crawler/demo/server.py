"""Serve a DemoPortal on 127.0.0.1 from a daemon thread, with ETag / Last-Modified and 304s."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from crawler.demo.site import DemoPortal, Page

_BEIJING = timezone(timedelta(hours=8))


def _http_date(dt: datetime) -> str:
    return format_datetime(dt.replace(tzinfo=_BEIJING).astimezone(UTC).replace(microsecond=0), usegmt=True)


class _Handler(BaseHTTPRequestHandler):
    server: _PortalServer
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "TRS-WCM"  # what such portals announce in the Server header

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        self._respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(with_body=False)

    def _respond(self, with_body: bool) -> None:
        self.server.requests += 1
        page = self.server.portal.get(self.path)
        if page is None:
            body = "<html><body><h1>404 Not Found</h1><p>您访问的页面不存在</p></body></html>".encode()
            self._send(404, body, "text/html; charset=utf-8", {}, with_body)
            return
        headers = {"ETag": page.etag}
        if page.last_modified is not None:
            headers["Last-Modified"] = _http_date(page.last_modified)
        if self._not_modified(page):
            self._send(304, b"", None, headers, False)
            return
        self._send(200, page.body, page.content_type, headers, with_body)

    def _not_modified(self, page: Page) -> bool:
        inm = self.headers.get("If-None-Match")
        if inm is not None:  # RFC 9110: If-None-Match wins over If-Modified-Since
            tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
            return "*" in tags or page.etag in tags
        ims = self.headers.get("If-Modified-Since")
        if ims and page.last_modified is not None:
            try:
                since = parsedate_to_datetime(ims)
            except (TypeError, ValueError):
                return False  # an unparseable date is ignored, as the RFC says
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
            modified = page.last_modified.replace(tzinfo=_BEIJING, microsecond=0)
            return modified <= since
        return False

    def _send(self, status: int, body: bytes, ctype: str | None, headers: dict[str, str], with_body: bool) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in headers.items():
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server API)
        pass  # quiet: tests and `zwgk demo` print their own summaries


class _PortalServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, portal: DemoPortal, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.portal = portal
        self.requests = 0  # how many requests were answered (for summaries and tests)


@contextmanager
def serve_portal(portal: DemoPortal, port: int = 0) -> Iterator[str]:
    """Serve `portal` on a loopback port (0: a free one); yields the base URL (no trailing slash)."""
    server = _PortalServer(portal, port)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="zwgk-demo-portal", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
