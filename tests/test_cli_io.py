"""Shell conventions of the CLI: export format from the extension, `-o -`, a missing store is an
error; `zwgk parse` / `zwgk extract` read `-` (stdin) and folders."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawler.export import output_format
from tests.reportgen import random_report, render_html, render_text
from tests.test_export import fill

ROOT = Path(__file__).resolve().parent.parent


def zwgk(*args: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120, env=env)


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    db = tmp_path / "zwgk.db"
    fill(str(db), tmp_path / "zwgk-archive")
    return db


def test_output_format_rules() -> None:
    assert output_format("x.parquet", None) == "parquet"
    assert output_format("x.CSV", None) == "csv"
    assert output_format("x.jsonl", None) == "jsonl"
    assert output_format("-", None) == "jsonl"
    assert output_format("-", "csv") == "csv"
    assert output_format("x.out", "csv") == "csv"
    with pytest.raises(ValueError, match="extension says parquet, --format says jsonl"):
        output_format("x.parquet", "jsonl")
    with pytest.raises(ValueError, match="give --format"):
        output_format("x.out", None)


def test_export_takes_the_format_from_the_extension(store: Path, tmp_path: Path) -> None:
    run = zwgk("export", "--store", str(store), "-o", "x.parquet", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert pq.read_table(tmp_path / "x.parquet").num_rows == 3  # a real Parquet file, not JSONL
    run = zwgk("export", "--store", str(store), "-o", "x.out", cwd=tmp_path)
    assert run.returncode == 1 and b"give --format" in run.stderr and not (tmp_path / "x.out").exists()


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_to_stdout_writes_no_file(store: Path, tmp_path: Path, fmt: str) -> None:
    run = zwgk("export", "--store", str(store), "--format", fmt, "-o", "-", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "-").exists() and not (tmp_path / "-.part").exists()
    if fmt == "jsonl":
        assert len([json.loads(line) for line in run.stdout.decode().splitlines()]) == 3
    elif fmt == "csv":
        assert len(list(csv.reader(io.StringIO(run.stdout.decode(), newline="")))) == 4  # header + 3
    else:
        assert pq.read_table(io.BytesIO(run.stdout)).num_rows == 3


def test_export_from_a_missing_store_is_an_error_and_creates_nothing(tmp_path: Path) -> None:
    run = zwgk("export", "-o", "x.jsonl", cwd=tmp_path)
    assert run.returncode == 1 and b"zwgk.db does not exist" in run.stderr
    assert not (tmp_path / "zwgk.db").exists() and not (tmp_path / "x.jsonl").exists()


def test_parse_reads_stdin_and_folders(tmp_path: Path) -> None:
    g = random_report(1, allow_blanks=False)
    folder = tmp_path / "reports"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.html").write_text(render_html(g), encoding="utf-8")
    (folder / "sub" / "b.txt").write_text(render_text(g, "pipes"), encoding="utf-8")
    (folder / "notes.bin").write_bytes(b"\x00")  # not a report file: skipped
    run = zwgk("parse", str(folder), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.decode().splitlines()]
    assert [Path(d["path"]).name for d in lines] == ["a.html", "b.txt"]
    assert all(d["year"] == g.year and d["tables"] for d in lines)
    run = zwgk("parse", "-", cwd=tmp_path, stdin=render_html(g).encode("utf-8"))
    assert run.returncode == 0, run.stderr
    d = json.loads(run.stdout)
    assert d["path"] == "-" and d["agency"] == g.agency and d["tables"] == lines[0]["tables"]
    empty = tmp_path / "empty"
    empty.mkdir()
    run = zwgk("parse", str(empty), cwd=tmp_path)
    assert run.returncode == 1 and b"holds no report files" in run.stderr  # nothing to do: a usage error


def test_extract_reads_stdin_and_folders(tmp_path: Path) -> None:
    g = random_report(2, allow_blanks=False)
    html = render_html(g).encode("utf-8")
    run = zwgk("extract", "-", "--json", cwd=tmp_path, stdin=html)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["path"] == "-"
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.html").write_bytes(html)
    (tmp_path / "d" / "b.htm").write_bytes(html)
    run = zwgk("extract", str(tmp_path / "d"), "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.decode().splitlines()) == 2
