"""`zwgk extract PATH_OR_URL [--json]`: files, URLs served on 127.0.0.1, and clear errors."""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crawler.commands import extract as cmd

CORPUS = Path(__file__).parents[1].parent / "shared" / "corpus"
PAGE = ('<html><head><meta name="ArticleTitle" content="某县2023年政府信息公开工作年度报告">'
        '<meta name="PubDate" content="2024-01-20 10:00"><title>x</title></head><body>'
        '<div class="TRS_Editor"><p>一、总体情况</p><p>本年度主动公开政府信息321条，依申请公开5件。</p>'
        '<p>附件：<a href="files/nb2023.pdf">年报全文</a></p></div></body></html>')


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cmd.configure(parser)
    return parser.parse_args(list(argv))


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert cmd.run(_args(*argv, "--json")) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1
    return json.loads(lines[0])


def test_html_file_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    f = tmp_path / "page.html"
    f.write_bytes(PAGE.encode("utf-8"))
    out = _json(capsys, str(f), "--url", "https://www.x.gov.cn/nb/t1.html")
    assert out["title"] == "某县2023年政府信息公开工作年度报告"
    assert out["published"] == "2024-01-20T10:00"
    assert "本年度主动公开政府信息321条" in out["text"]
    assert out["attachments"] == [{"url": "https://www.x.gov.cn/nb/files/nb2023.pdf", "text": "年报全文", "ext": "pdf"}]


def test_readable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    f = tmp_path / "page.htm"
    f.write_bytes(PAGE.encode("gb18030").replace(b"<head>", b'<head><meta charset="gbk">'))
    assert cmd.run(_args(str(f))) == 0
    out = capsys.readouterr().out
    assert out.startswith("title:     某县2023年政府信息公开工作年度报告")
    assert "encoding:  gb18030" in out
    assert "本年度主动公开政府信息321条" in out


def test_text_file_goes_through_plain_text_cleaning(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    f = tmp_path / "report.txt"
    f.write_text("当前位置：首页 > 信息公开\n某县2023年政府信息公开工作年度报告\n发布时间：2024-01-20\n"
                 "一、总体情况\n本年度主动公开政府信息321条。\n扫一扫在手机打开当前页\n", encoding="gb18030")
    out = _json(capsys, str(f))
    assert out["title"] == "某县2023年政府信息公开工作年度报告"
    assert out["published"] == "2024-01-20"
    assert out["text"].endswith("本年度主动公开政府信息321条。")
    assert "扫一扫" not in out["text"] and "当前位置" not in out["text"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}")
def test_pdf_file(capsys: pytest.CaptureFixture[str]):
    out = _json(capsys, str(CORPUS / "pdfs" / "hongze-2023-annual-report.pdf"))
    assert out["title"] == "洪泽区人民政府2023年政府信息公开工作年度报告"
    assert "六、其他需要报告的事项" in out["text"]
    assert "- 1 -" not in out["text"]


def test_missing_file_is_a_clear_error(capsys: pytest.CaptureFixture[str]):
    assert cmd.run(_args("/no/such/file.html", "--json")) == 3
    captured = capsys.readouterr()
    assert "no such file" in captured.err
    assert json.loads(captured.out) == {"source": "/no/such/file.html", "error": "no such file"}


def test_corrupt_pdf_is_an_error_line_and_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    assert cmd.run(_args(str(bad), "--json")) == 3
    captured = capsys.readouterr()
    line = json.loads(captured.out)
    assert line["source"] == str(bad) and "cannot be read" in line["error"]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        if self.path.startswith("/nb/t1.html"):
            body = PAGE.encode("gb18030")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=GBK")
        elif self.path == "/slow":
            time.sleep(2)  # longer than the client's timeout
            return
        else:
            body = b"not here"
            self.send_response(404)
            self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_fetch_uses_http_charset_and_resolves_links(server: str, capsys: pytest.CaptureFixture[str]):
    out = _json(capsys, f"{server}/nb/t1.html")
    assert out["encoding"] == "gb18030"
    assert "本年度主动公开政府信息321条" in out["text"]
    assert out["attachments"][0]["url"] == f"{server}/nb/files/nb2023.pdf"


def test_url_errors_are_clear(server: str, capsys: pytest.CaptureFixture[str]):
    assert cmd.run(_args(f"{server}/missing", "--json")) == 3
    assert "HTTP 404" in capsys.readouterr().err
    assert cmd.run(_args(f"{server}/slow", "--timeout", "0.5")) == 3
    err = capsys.readouterr().err
    assert "cannot fetch" in err and "timed out" in err
    assert cmd.run(_args("ftp://example.gov.cn/x")) == 1
    assert "unsupported URL scheme" in capsys.readouterr().err
