"""The raw archive is WARC: a crawl's files read back with warcio's own reader (records, HTTP headers,
payload digests, revisits), `zwgk reparse` rebuilds the same reports from them, rotation, and the
content-addressed archive of older stores is still read."""

from __future__ import annotations

import hashlib
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.archive import Archive, ArchiveError, Capture, payload_digest
from crawler.demo.server import serve_portal
from crawler.demo.site import DemoPortal
from crawler.store import open_store

COLUMN = "/zwgk/zfxxgknb/index.html"
N_REPORTS = 6


def zwgk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0", ZWGK_PARSE_PROCESSES="0")
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def records(archive: Path) -> list[dict]:
    """Every record of every WARC file, read with warcio (payloads read through its decoding stream)."""
    out = []
    for path in sorted(archive.glob("*.warc.gz")):
        with open(path, "rb") as fh:
            for rec in ArchiveIterator(fh):
                out.append({
                    "type": rec.rec_type, "uri": rec.rec_headers.get_header("WARC-Target-URI"),
                    "id": rec.rec_headers.get_header("WARC-Record-ID"),
                    "concurrent": rec.rec_headers.get_header("WARC-Concurrent-To"),
                    "digest": rec.rec_headers.get_header("WARC-Payload-Digest"),
                    "refers_to": rec.rec_headers.get_header("WARC-Refers-To-Target-URI"),
                    "profile": rec.rec_headers.get_header("WARC-Profile"),
                    "status": rec.http_headers.get_statuscode() if rec.http_headers else None,
                    "ctype": rec.http_headers.get_header("Content-Type") if rec.http_headers else None,
                    "ua": rec.http_headers.get_header("User-Agent") if rec.http_headers else None,
                    "payload": rec.content_stream().read(),
                })
    return out


def reports(db: Path) -> list[tuple]:
    with open_store(str(db), must_exist=True) as s:
        return sorted((r["agency"], r["year"], r["title"], sorted(r["cells"].items())) for r in s.reports())


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    work = tmp_path_factory.mktemp("warc")
    db = work / "z.db"
    portal = DemoPortal(seed=5, n_reports=N_REPORTS, n_other=3)
    with serve_portal(portal) as base:
        runs = [zwgk("crawl", "--url", base + COLUMN, "--store", str(db), "--set", "DOWNLOAD_DELAY=0",
                     "--set", "AUTOTHROTTLE_ENABLED=0", *extra, cwd=work) for extra in ((), ("--full",))]
    return db, runs


def test_crawl_writes_request_and_response_records_warcio_reads(crawled: tuple) -> None:
    db, runs = crawled
    assert all(r.returncode == 0 for r in runs), runs[0].stderr[-3000:] + runs[1].stderr[-3000:]
    recs = records(db.parent / "z-archive")
    with open_store(str(db), must_exist=True) as s:
        sources = {row[0]: row[1] for row in s._q("SELECT url, body_sha256 FROM sources")}
    assert len(sources) == N_REPORTS
    responses = [r for r in recs if r["type"] == "response"]
    assert sorted(r["uri"] for r in responses) == sorted(sources)  # each body once, as a response
    for r in responses:
        assert r["status"] == "200" and r["ctype"]
        assert r["digest"] == payload_digest(hashlib.sha256(r["payload"]).hexdigest())
        assert hashlib.sha256(r["payload"]).hexdigest() == sources[r["uri"]]
    requests = {r["concurrent"]: r for r in recs if r["type"] == "request"}
    for r in responses:  # each response has the request that fetched it, headers as sent
        assert requests[r["id"]]["uri"] == r["uri"] and requests[r["id"]]["ua"].startswith("zwgk/")
    assert Counter(r["type"] for r in recs)["warcinfo"] >= 1


def test_refetched_identical_bodies_are_revisit_records(crawled: tuple) -> None:
    db, _ = crawled
    recs = records(db.parent / "z-archive")
    revisits = [r for r in recs if r["type"] == "revisit"]
    responses = {r["uri"]: r for r in recs if r["type"] == "response"}
    assert len(revisits) == N_REPORTS  # the --full re-crawl fetched every report again, byte-identical
    for r in revisits:
        assert r["payload"] == b"" and r["refers_to"] == r["uri"] and "identical-payload-digest" in r["profile"]
        assert r["digest"] == responses[r["uri"]]["digest"]


def test_reparse_rebuilds_the_same_reports_from_the_warc_files(crawled: tuple) -> None:
    db, _ = crawled
    before = reports(db)
    with open_store(str(db), must_exist=True) as s:
        refs = [row[0] for row in s._q("SELECT archive_ref FROM sources")]
    assert refs and all(".warc.gz#" in ref for ref in refs)  # (file, offset) per source
    run = zwgk("reparse", "--store", str(db), "--workers", "1", cwd=db.parent)
    assert run.returncode == 0, run.stderr[-3000:]
    assert reports(db) == before


def test_rotation_and_content_addressed_bodies_of_older_stores(tmp_path: Path) -> None:
    archive = Archive(tmp_path, max_file_bytes=2000)
    bodies = [random.Random(i).randbytes(3000) for i in range(4)]  # incompressible: over 2 kB gzipped
    refs = [archive.put(b, capture=Capture(url=f"http://x.gov.cn/{i}.html", headers={"content-type": "text/html"}))[1]
            for i, b in enumerate(bodies)]
    legacy = archive.put(b"an older store's body")[1]  # no HTTP exchange: the content-addressed layout
    archive.close()
    assert len(list(tmp_path.glob("*.warc.gz"))) == len(bodies)  # each over 2 kB: one file each
    reader = Archive(tmp_path)
    assert [reader.get(r) for r in refs] == bodies
    assert legacy == Archive.ref_for(hashlib.sha256(b"an older store's body").hexdigest())
    assert reader.get(legacy) == b"an older store's body"
    with pytest.raises(ArchiveError, match="archive file missing"):
        reader.get("zwgk-nothing.warc.gz#0")


def test_archive_migrate_moves_content_addressed_bodies_into_warc(tmp_path: Path) -> None:
    """A store as an older zwgk left it (content-addressed bodies) is moved into WARC, then reparsed."""
    import argparse
    import json

    from crawler.commands import reparse
    from tests.test_store import _json_item, _stub_analyse, report_text

    db, archive = tmp_path / "old.db", tmp_path / "old-archive"
    with open_store(str(db)) as s:
        s.save(_json_item("http://a/1.html", report_text(91, 2023), 2023, "甲局", {"requests.new.total": 1}))
        s.save(_json_item("http://a/1-copy.html", report_text(91, 2023), 2023, "甲局", {"requests.new.total": 1}))
        s.save(_json_item("http://a/2.html", report_text(92, 2022), 2022, "乙局", {"requests.new.total": 2}))
        for sid, ref in s._q("SELECT id, archive_ref FROM sources").fetchall():  # back to the old layout
            legacy = s.archive.put(s.archive.get(ref))[1]
            s._q("UPDATE sources SET archive_ref = ? WHERE id = ?", (legacy, sid))
    for f in archive.glob("*.warc.gz"):
        f.unlink()
    run = zwgk("archive", "migrate", "--store", str(db), "--delete-old", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    counts = json.loads(run.stdout)
    assert counts == {"sources": 3, "migrated": 3, "already_warc": 0, "missing": 0, "deleted": 2}
    assert not [p for p in archive.rglob("*") if p.is_file() and not p.name.endswith(".warc.gz")]
    recs = records(archive)
    assert Counter(r["type"] for r in recs if r["type"] != "warcinfo") == {"request": 2, "response": 2, "revisit": 1}
    with open_store(str(db), must_exist=True) as s:
        for sha, ref in s._q("SELECT body_sha256, archive_ref FROM sources").fetchall():
            assert ".warc.gz#" in ref and hashlib.sha256(s.archive.get(ref)).hexdigest() == sha
    args = argparse.Namespace(store=str(db), archive_dir=None, json=True, workers=1)
    assert reparse.run(args, analyse=_stub_analyse) == 0  # every body read back from the WARC records
    with open_store(str(db), must_exist=True) as s:
        assert sorted(r["agency"] for r in s.reports()) == ["乙局", "甲局"]
