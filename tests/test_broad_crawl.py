"""The broad-crawl settings keep politeness per portal: benchmarks/broad.py's server and log, few portals."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from benchmarks.broad import CORPUS, PDF_DISALLOW, crawl_summary, one_crawl, politeness, profile_summary
from crawler import settings

N_PORTALS = 6
# Scrapy sends two requests of one slot 0.5-1.5 x DOWNLOAD_DELAY apart; arrivals at the server add
# connection set-up and event-loop jitter (tens of ms on a loaded machine), so the typical gap is
# checked: without the delay, half the gaps of two requests in flight would be near zero.
MEDIAN_GAP_FLOOR = 0.5


def test_politeness_reads_in_flight_and_gaps_per_portal() -> None:
    log = [  # portal, arrival, answer sent, status, path
        (0, 0.0, 1.0, 200, "/a"), (0, 0.5, 1.5, 200, "/b"), (0, 0.9, 1.2, 200, "/c"),  # 3 at once at 0.9-1.0
        (1, 0.0, 0.1, 200, "/a"), (1, 0.3, 0.4, 200, "/b"),
    ]
    most, gaps = politeness(log)
    assert most == 3
    assert gaps == pytest.approx([0.3, 0.4, 0.5])


def test_profile_summary_splits_crawl_and_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    crawl = 'process 10:"python -m crawler.cli crawl --url x; y"'
    worker = 'process 11:"python -c from multiprocessing.spawn import spawn_main; spawn_main()"'
    raw = tmp_path / "raw.txt"
    raw.write_text(
        f"{crawl};main (crawler/cli.py:1);parse_article (spiders/portal.py:9) 30\n"
        f'{crawl};{worker};run (x.py:1);extract_stage (crawler/process.py:5) 60\n'
        f'{crawl};process 12:"";run (x.py:1);parse_stage (crawler/process.py:7) 10\n',
        encoding="utf-8",
    )
    profile_summary(str(raw), pages=10, cpu=1.0)  # 100 samples = 1 s over 10 pages: 1 ms a sample
    out = capsys.readouterr().out
    assert "crawl process 30.0, the worker processes 70.0" in out
    assert "60.00  worker extract_stage (crawler/process.py)" in out
    assert "30.00  crawl  parse_article (spiders/portal.py)" in out


@pytest.mark.skipif(not (CORPUS / "pages").is_dir(), reason=f"real corpus not found at {CORPUS}")
def test_broad_crawl_keeps_politeness_per_portal() -> None:
    with tempfile.TemporaryDirectory() as d:
        run, served = one_crawl(N_PORTALS, "User-agent: *\n" + PDF_DISALLOW, 1, Path(d), [])
    fetched, stored = crawl_summary(run.stderr)
    assert stored > 0 and fetched > 0
    assert {portal for portal, *_ in served.log} == set(range(N_PORTALS)), "every portal was crawled"
    most, gaps = politeness(served.log)
    assert most <= settings.CONCURRENT_REQUESTS_PER_DOMAIN
    assert gaps[len(gaps) // 2] >= MEDIAN_GAP_FLOOR * settings.DOWNLOAD_DELAY
