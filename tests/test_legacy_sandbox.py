"""Issue #13: LibreOffice converts .doc/.wps without network. A file that is really flat ODT or HTML
names images, style sheets and sections on a loopback listener; converting it sends 0 requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler.report import legacy
from crawler.report.parse import ReportError, parse_bytes

pytestmark = pytest.mark.skipif(legacy.soffice_path() is None, reason="LibreOffice is not installed "
                                f"({legacy.INSTALL_HINT})")


class _Listener(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        _Listener.hits.append(self.path)
        body = b"\x89PNG\r\n\x1a\n"
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def listener() -> Iterator[str]:
    _Listener.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def linking_fodt(base: str) -> bytes:
    """A flat ODT whose image, and whose section's content, LibreOffice loads from `base`."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2"
 office:mimetype="application/vnd.oasis.opendocument.text"><office:body><office:text>
<text:p>某县2023年政府信息公开工作年度报告<draw:frame svg:width="1cm" svg:height="1cm"><draw:image
 xlink:href="{base}/image.png" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/></draw:frame></text:p>
<text:section text:name="s"><text:section-source xlink:href="{base}/section.odt"/></text:section>
</office:text></office:body></office:document>""".encode()


def linking_html(base: str) -> bytes:
    return (f'<html><head><link rel="stylesheet" href="{base}/style.css"></head><body>'
            f'<p>某县2023年政府信息公开工作年度报告</p><img src="{base}/image.png">'
            f'<iframe src="{base}/frame.html"></iframe></body></html>').encode()


@pytest.mark.parametrize("ext", ["doc", "wps"])
def test_conversion_sends_no_request(listener: str, ext: str) -> None:
    for body in (linking_fodt(listener), linking_html(listener)):
        try:
            parse_bytes(body, filename=f"report.{ext}")
        except ReportError:
            pass  # LibreOffice may refuse the HTML one; what matters is that nothing left it
    assert _Listener.hits == []


def test_without_a_sandbox_conversion_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    legacy.network_sandbox.cache_clear()
    monkeypatch.setattr(legacy.shutil, "which", lambda name: None if name == "unshare" else f"/usr/bin/{name}")
    try:
        with pytest.raises(legacy.ConversionError, match="without network"):
            legacy.convert(b"x", "doc")
    finally:
        legacy.network_sandbox.cache_clear()
