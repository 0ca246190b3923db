"""Reading commands (stats, export, reparse) never create a store: a missing one is an error naming it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.store import StoreMissing, open_store
from tests.test_store_support import pg_url  # noqa: F401 - fixture

READERS = [["stats"], ["export", "-o", "OUT"], ["reparse", "--workers", "1"]]


def _argv(cmd: list[str], store: str, tmp_path: Path) -> list[str]:
    return [a.replace("OUT", str(tmp_path / "out.jsonl")) for a in cmd] + ["--store", store]


@pytest.mark.parametrize("cmd", READERS, ids=lambda c: c[0])
def test_missing_sqlite_store_is_an_error_and_nothing_is_created(
        cmd: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "nonexistent" / "dir" / "x.db"
    assert main(_argv(cmd, str(store), tmp_path)) == 1
    err = capsys.readouterr().err
    assert str(store) in err and "does not exist" in err
    assert not (tmp_path / "nonexistent").exists() and not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("cmd", READERS, ids=lambda c: c[0])
def test_a_typo_in_a_relative_path_creates_nothing(cmd: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(_argv(cmd, "typo.db", tmp_path)) == 1
    assert "typo.db" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_sqlite_file_that_is_not_a_store_is_left_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t (x)")
    con.close()
    text = tmp_path / "notes.db"
    text.write_text("not a database", encoding="utf-8")
    assert main(["stats", "--store", str(other)]) == 1
    assert "not a zwgk store" in capsys.readouterr().err
    con = sqlite3.connect(other)
    assert [r[0] for r in con.execute("SELECT name FROM sqlite_master")] == ["t"]  # no tables added
    con.close()
    assert main(["export", "-o", str(tmp_path / "o.csv"), "--format", "csv", "--store", str(text)]) == 1
    assert "not a SQLite database" in capsys.readouterr().err
    assert text.read_text(encoding="utf-8") == "not a database"


def test_an_existing_store_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "z.db"
    assert main(["init", "--store", str(db)]) == 0 and db.is_file()
    assert main(["stats", "--store", str(db), "--json"]) == 0
    assert '"reports": 0' in capsys.readouterr().out


def test_missing_postgres_schema_is_an_error_and_not_created(pg_url: str,  # noqa: F811
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import psycopg

    from tests.test_store_support import PG_URL

    schema = pg_url.rsplit("schema=", 1)[1]
    with pytest.raises(StoreMissing, match=schema):
        open_store(pg_url, must_exist=True)
    assert main(["stats", "--store", pg_url]) == 1
    assert schema in capsys.readouterr().err
    with psycopg.connect(PG_URL) as conn:
        assert conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is None
    open_store(pg_url).close()  # created on purpose (a crawl, `zwgk init`): now it is read
    with open_store(pg_url, must_exist=True) as s:
        assert s.stats()["reports"] == 0
    with psycopg.connect(PG_URL, autocommit=True) as conn:  # a schema without zwgk's tables is not a store
        conn.execute(f'DROP TABLE "{schema}".schema_version CASCADE')
    with pytest.raises(StoreMissing, match="not a zwgk store"):
        open_store(pg_url, must_exist=True)
