"""A report page's table pictures in the store (SQLite and PostgreSQL): archived as WARC records
with the page, listed per source in page order (a failed one with its error), read back by
`reparse`, and a page read again with a picture it lacked replaces its reading when that has more
cells. No OCR here: the items' reports are given (tests/test_crawl_ocr.py reads real pictures)."""

from __future__ import annotations

from pathlib import Path

from crawler.items import PageImage, ReportItem
from crawler.store import open_store
from tests import test_store_support as support
from tests.test_store_support import make_item

pg_url, store_url = support.pg_url, support.store_url

PAGE = "http://www.example.gov.cn/zwgk/zfxxgknb/202401/t20240120_1.html"
TEXT = "淮安市洪泽区人民政府2023年政府信息公开工作年度报告 二、主动公开政府信息情况 三、收到和处理政府信息公开申请情况"
PNG = b"\x89PNG\r\n\x1a\n"


def _picture(n: int, error: str = "") -> PageImage:
    url = f"{PAGE[:-5]}_{n}.png"
    if error:
        return PageImage(url=url, body=b"", error=f"{url}: {error}")
    return PageImage(url=url, body=PNG + bytes([n]) * 64, headers={"content-type": "image/png"},
                     fetched_at="2024-02-01T00:00:01Z")


def _page(pictures: list[PageImage], cells: int) -> ReportItem:
    item = make_item(PAGE, TEXT, tables={f"requests.k{i}.total": i for i in range(cells)})
    item.images = pictures
    item.warnings = [p.warning() for p in pictures if p.error]
    return item


def _source_warnings(store, url: str) -> list[str]:  # noqa: ANN001 - a Store
    return [m for (m,) in store._q("SELECT w.message FROM warnings w JOIN sources s ON s.id = w.source_id "
                                   "WHERE s.url = ?", (url,)).fetchall()]


def test_pictures_are_archived_in_page_order_with_failures(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, str(tmp_path / "archive")) as store:
        res = store.save(_page([_picture(0), _picture(1, "HTTP 404"), _picture(2)], cells=2))
        (sid,) = store._q("SELECT id FROM sources WHERE url = ?", (PAGE,)).fetchone()
        pics = store.pictures(int(sid))
        assert [(p["position"], p["url"].rsplit("_", 1)[1], p["error"] is None) for p in pics] == [
            (0, "0.png", True), (1, "1.png", False), (2, "2.png", True)]
        assert store.archive.get(pics[2]["archive_ref"]) == _picture(2).body
        assert ".warc.gz#" in pics[0]["archive_ref"] and pics[1]["archive_ref"] is None
        assert "HTTP 404" in pics[1]["error"]
        assert res.status == "new"
        # the same page and pictures again: unchanged, nothing rewritten
        again = store.save(_page([_picture(0), _picture(1, "HTTP 404"), _picture(2)], cells=2))
        assert again.status == "unchanged"


def test_a_picture_fetched_later_replaces_the_reading_with_more_cells(store_url: str, tmp_path: Path) -> None:
    with open_store(store_url, str(tmp_path / "archive")) as store:
        first = store.save(_page([_picture(0), _picture(1, "HTTP 404")], cells=2))
        fewer = store.save(_page([_picture(0), _picture(1, "timeout")], cells=1))
        assert fewer.status == "unchanged"  # another failure, no more cells: the stored reading stays
        (sid,) = store._q("SELECT id FROM sources WHERE url = ?", (PAGE,)).fetchone()
        assert "HTTP 404" in store.pictures(int(sid))[1]["error"]
        full = store.save(_page([_picture(0), _picture(1)], cells=5))
        assert (full.status, full.report_id) == ("changed", first.report_id)
        rec = next(store.reports(ids=[first.report_id]))
        assert len(rec["cells"]) == 5 and rec["version"] == 2
        assert [p["error"] for p in store.pictures(int(sid))] == [None, None]
        assert not any("table picture not fetched" in w for w in _source_warnings(store, PAGE))


def test_reparse_gives_the_pictures_back_and_warns_of_the_failed_one(store_url: str, tmp_path: Path) -> None:
    seen: list[list[tuple[str, bytes]]] = []

    def analyse(item: ReportItem) -> ReportItem:
        seen.append([(p.url, p.body) for p in item.images if not p.error])
        item.report = _page([], cells=len(item.images) + 1).report
        return item

    with open_store(store_url, str(tmp_path / "archive")) as store:
        store.save(_page([_picture(0), _picture(1, "HTTP 404"), _picture(2)], cells=3))
        counts = store.reparse(analyse)
        assert counts["reports_rebuilt"] == 1
        assert seen == [[(_picture(0).url, _picture(0).body), (_picture(2).url, _picture(2).body)]]
        warned = _source_warnings(store, PAGE)
        assert sum("table picture not fetched" in w and _picture(1).url in w for w in warned) == 1, warned
