"""Datasette over a store: descriptions from `zwgk metadata`, internal tables hidden, full-text search.

Datasette runs for real, as a subprocess on 127.0.0.1, over a store the demo portal was crawled into.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from crawler.store import open_store
from tests.test_store_support import load_benchmark, make_item

BENCH = load_benchmark()
DATASETTE = shutil.which("datasette")
pytestmark = pytest.mark.skipif(DATASETTE is None, reason='datasette not installed (pip install -e ".[test]")')
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("datasette")
    db = work / "corpus.db"
    with open_store(str(db)) as s:
        s.save(make_item("http://x/1.html", BENCH.base_report(1, 2023) + "\n本年度发生行政复议案件3件。",
                         agency="淮安市人民政府"))
        s.save(make_item("http://x/2.html", BENCH.base_report(2, 2022), year=2022, agency="淮安市洪泽区人民政府"))
    meta = work / "metadata.json"
    run = subprocess.run([sys.executable, "-m", "crawler.cli", "metadata", "--store", str(db), "-o", str(meta)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    port = _free_port()
    assert DATASETTE is not None
    proc = subprocess.Popen([DATASETTE, str(db), "-m", str(meta), "-h", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            try:
                _get(base + "/-/versions.json")
                break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    err = proc.stderr.read() if proc.stderr else ""
                    raise AssertionError(f"datasette did not start: {err}") from exc
                time.sleep(0.2)
        yield base + "/corpus"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr:
            proc.stderr.close()


def test_internal_tables_are_hidden_and_data_tables_described(served: str) -> None:
    tables = {t["name"]: t for t in _get(served + ".json")["tables"]}
    for internal in ("lsh", "seen", "schema_meta", "schema_version"):
        assert tables[internal]["hidden"], internal
    for data in ("reports", "cells", "checks", "sources"):
        assert not tables[data]["hidden"], data
    meta = _get(served.rsplit("/", 1)[0] + "/-/metadata.json")["databases"]["corpus"]["tables"]
    assert meta["reports"]["description"].startswith("One row per annual report")
    assert "codebook" in meta["cells"]["columns"]["key"]
    assert len(meta["cells_wide"]["columns"]) == 227  # report_id + every codebook key


def test_column_descriptions_appear_on_the_table_page(served: str) -> None:
    with urllib.request.urlopen(served + "/cells_wide", timeout=10) as resp:  # noqa: S310 - loopback
        page = resp.read().decode("utf-8")
    assert "一、本年新收政府信息公开申请数量 · 自然人" in page  # a column's description (label as printed)


def test_full_text_search_over_titles_and_text(served: str) -> None:
    def search(table: str, q: str) -> list[str]:
        query = urllib.parse.urlencode({"_search": q, "_shape": "array", "_col": "agency"})
        return sorted(r["agency"] for r in _get(f"{served}/{table}.json?{query}"))

    assert search("reports", "行政复议案件3件") == ["淮安市人民政府"]  # in the text
    assert search("report_overview", "洪泽区人民政府2022") == ["淮安市洪泽区人民政府"]  # in the title
    assert search("reports", "没有这样的句子") == []
