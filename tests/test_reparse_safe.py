"""`zwgk reparse` never loses a report: missing bodies keep their reports, no body at all changes
nothing, and an interrupt rolls everything back (real SQLite and real PostgreSQL)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main
from crawler.commands import reparse as reparse_cmd
from crawler.demo.site import DemoPortal
from crawler.items import ReportItem
from crawler.store import open_store
from tests.test_store import _json_item, _stub_analyse, report_text
from tests.test_store_support import lose_body, make_item, pg_url, store_url  # noqa: F401 - fixtures

TABLES = ("reports", "sources", "cells", "checks", "warnings", "report_versions", "seen", "lsh")


def dump(url: str) -> dict[str, list[Any]]:
    """Every row of every table the reparse touches, in a stable order."""
    with open_store(url, must_exist=True) as s:
        return {t: sorted(map(repr, s._q(f"SELECT * FROM {t}").fetchall())) for t in TABLES}


def _filled(url: str, archive: Path) -> None:
    with open_store(url, archive_dir=str(archive)) as s:
        s.save(_json_item("http://a/1.html", report_text(81, 2023), 2023, "甲局", {"requests.new.total": 1}))
        s.save(_json_item("http://b/1.pdf", "附件：" + report_text(81, 2023), 2023, "甲局", {"requests.new.total": 1}))
        s.save(_json_item("http://a/2.html", report_text(82, 2023), 2023, "乙局", {"requests.new.total": 2}))
        s.save(_json_item("http://a/3.html", report_text(83, 2022), 2022, "丙局", {"requests.new.total": 3}))


def _unlink(url: str, archive: Path, source_url: str) -> None:
    with open_store(url, archive_dir=str(archive)) as s:
        ref = s._q("SELECT archive_ref FROM sources WHERE url = ?", (source_url,)).fetchone()[0]
    lose_body(archive, ref)


def test_copied_sqlite_store_without_its_archive_changes_nothing(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "z.db"
    _filled(str(db), tmp_path / "z-archive")
    copy_dir = tmp_path / "elsewhere"
    copy_dir.mkdir()
    shutil.copy(db, copy_dir / "z.db")  # the database copied, its archive not
    before = dump(str(copy_dir / "z.db"))
    assert main(["reparse", "--store", str(copy_dir / "z.db"), "--workers", "1"]) == reparse_cmd.EXIT_REFUSED
    err = capsys.readouterr().err
    assert "none of the 4 archived bodies was found" in err and "nothing was changed" in err
    assert str(copy_dir / "z-archive") in err  # where it looked, so the user sees the mistake
    assert dump(str(copy_dir / "z.db")) == before
    assert len(before["reports"]) == 3


def test_wrong_archive_dir_changes_nothing(store_url: str, tmp_path: Path,  # noqa: F811
                                           capsys: pytest.CaptureFixture[str]) -> None:
    _filled(store_url, tmp_path / "arc")
    before = dump(store_url)
    code = main(["reparse", "--store", store_url, "--archive-dir", str(tmp_path / "acr"), "--workers", "1"])
    assert code == reparse_cmd.EXIT_REFUSED and "--archive-dir" in capsys.readouterr().err
    assert dump(store_url) == before


@pytest.mark.parametrize("workers", [1, 2])
def test_missing_bodies_keep_their_reports(store_url: str, tmp_path: Path, workers: int) -> None:  # noqa: F811
    arc = tmp_path / "arc"
    _filled(store_url, arc)
    with open_store(store_url, archive_dir=str(arc)) as s:
        old = {r["agency"]: r for r in s.reports()}
    _unlink(store_url, arc, "http://a/1.html")  # 甲局 still has its PDF: rebuilt from that
    _unlink(store_url, arc, "http://a/2.html")  # 乙局 has no body left: kept as it was
    with open_store(store_url, archive_dir=str(arc)) as s:
        counts = s.reparse(_stub_analyse, workers=workers)
        assert (counts["sources"], counts["missing"], counts["failed"]) == (4, 2, 0)
        assert (counts["reports_rebuilt"], counts["reports_kept"], counts["reports_identical"]) == (2, 1, 0)
        new = {r["agency"]: r for r in s.reports()}
        assert sorted(new) == ["丙局", "乙局", "甲局"]
        assert new["乙局"] == old["乙局"]  # untouched: same id, fields, cells, checks, sources
        assert new["甲局"]["title"].startswith("重新解析：") and new["丙局"]["cells"]["requests.granted.total"] == 1
        # the HTML source of 甲局, whose body is gone, still belongs to the rebuilt report
        assert sorted(src["url"] for src in new["甲局"]["sources"]) == ["http://a/1.html", "http://b/1.pdf"]
        notes = [m for (m,) in s._q("SELECT message FROM warnings WHERE message LIKE 'reparse:%'")]
        assert len(notes) == 2 and all("archive body missing" in m for m in notes)
        # a second reparse gives the same result, and does not pile up its notes
        again = s.reparse(_stub_analyse, workers=1)
        assert (again["reports_kept"], again["reports_rebuilt"], again["reports_identical"]) == (1, 2, 2)
        assert s._q("SELECT COUNT(*) FROM warnings WHERE message LIKE 'reparse:%'").fetchone()[0] == 2
        assert {r["agency"]: r for r in s.reports()}["乙局"] == old["乙局"]


def _failing_analyse(item: ReportItem) -> ReportItem:
    """The stand-in parser, crashing on the bodies of one agency (a parser bug, a hostile file)."""
    if "坏局" in item.body.decode("utf-8") or b"broken" in item.body:
        raise ValueError("parser crashed on this body")
    return _stub_analyse(item)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_report_whose_bodies_all_fail_to_parse_is_kept(store_url: str, tmp_path: Path,  # noqa: F811
                                                         workers: int) -> None:
    arc = tmp_path / "arc"
    with open_store(store_url, archive_dir=str(arc)) as s:
        s.save(_json_item("http://a/1.html", report_text(91, 2023), 2023, "坏局", {"requests.new.total": 1}))
        s.save(_json_item("http://a/2.html", report_text(92, 2023), 2023, "好局", {"requests.new.total": 2}))
        # 好局 has a second copy whose body crashes the parser: rebuilt from the first one
        s.save(_json_item("http://b/2.pdf", "broken " + report_text(92, 2023), 2023, "好局",
                          {"requests.new.total": 2}))
        old = {r["agency"]: r for r in s.reports()}
        counts = s.reparse(_failing_analyse, workers=workers)
        assert (counts["sources"], counts["missing"], counts["failed"]) == (3, 0, 2)
        assert (counts["reports_rebuilt"], counts["reports_kept"]) == (1, 1)
        new = {r["agency"]: r for r in s.reports()}
        assert new["坏局"] == old["坏局"]  # kept exactly: the crash did not cost its record
        assert new["好局"]["title"].startswith("重新解析：")
        notes = sorted(m for (m,) in s._q("SELECT message FROM warnings WHERE message LIKE 'reparse:%'"))
        assert len(notes) == 2 and "keeps its previous record" in notes[0] + notes[1]


def test_command_exit_codes_say_what_happened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    db = tmp_path / "z.db"
    _filled(str(db), tmp_path / "z-archive")
    args = argparse.Namespace(store=str(db), archive_dir=None, json=False, workers=1)
    assert reparse_cmd.run(args, analyse=_stub_analyse) == reparse_cmd.EXIT_REBUILT
    assert "3 reports rebuilt (3 changed, 0 identical), 0 kept" in capsys.readouterr().err
    _unlink(str(db), tmp_path / "z-archive", "http://a/3.html")
    assert reparse_cmd.run(args, analyse=_stub_analyse) == reparse_cmd.EXIT_KEPT
    assert "2 reports rebuilt (0 changed, 2 identical), 1 kept as they were" in capsys.readouterr().err


def _slow_store(url: str, archive: Path, n: int) -> None:
    """n real report pages of the demo portal, stored as a crawl would (with a stand-in parse), so
    that the real extractor and parser have work to do in the reparse."""
    portal = DemoPortal(seed=12, n_reports=n, n_other=0)
    with open_store(url, archive_dir=str(archive)) as s:
        for g in portal.ground_truth:
            page = portal.get(g.path)
            assert page is not None
            s.save(make_item(f"http://demo{g.path}", g.title, year=g.year, agency=g.agency, body=page.body))


_INTERRUPTED_REPORTS = 500


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_reparse_leaves_the_store_as_it_was(store_url: str, tmp_path: Path,  # noqa: F811
                                                        sig: signal.Signals) -> None:
    arc = tmp_path / "arc"
    # enough reports that the rebuild is still running when the signal arrives (a report page is
    # parsed in a few ms now: 40, then on a quiet machine 150, were done before the signal acted)
    _slow_store(store_url, arc, _INTERRUPTED_REPORTS)
    before = dump(store_url)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    with subprocess.Popen([sys.executable, "-m", "crawler.cli", "reparse", "--store", store_url, "--archive-dir",
                           str(arc), "--workers", "2"], stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path) as proc:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # the first progress line: sources saved, in the open transaction
            lines.append(line)
            if re.match(rf"reparse: \d+/{_INTERRUPTED_REPORTS} ", line):
                break
        sent = time.monotonic()
        proc.send_signal(sig)
        rest = proc.stderr.read()
        code = proc.wait(timeout=20)
        assert time.monotonic() - sent < 20
    out = "".join(lines) + rest
    assert code == 128 + sig, out
    assert "Traceback" not in out and "rolled back" in out
    assert dump(store_url) == before
    with open_store(store_url, archive_dir=str(arc)) as s:  # and it takes writes again (no id behind)
        assert s.save(make_item("http://after/1.html", report_text(99, 2023), agency="之后")).status == "new"
