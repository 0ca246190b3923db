"""Shared fixtures and builders for the store, dedup and export tests (no tests of its own).

`store_url` runs a test against SQLite and against the real PostgreSQL at 127.0.0.1:5432 db `test`
(override with $ZWGK_TEST_POSTGRES), each PostgreSQL test in its own schema, dropped afterwards.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from crawler.items import ReportItem

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
PG_URL = os.environ.get("ZWGK_TEST_POSTGRES", "postgresql://127.0.0.1:5432/test")


def pg_unreachable_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, and say why
        return f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}: {exc}"


def drop_schema(schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def pg_url() -> Iterator[str]:
    reason = pg_unreachable_reason()
    if reason:
        pytest.skip(reason)
    schema = f"zwgk_test_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}schema={schema}"
    finally:
        drop_schema(schema)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'zwgk.db'}"
    else:
        yield request.getfixturevalue("pg_url")


def corpus_text(name: str) -> str:
    p = CORPUS / "texts" / name
    if not p.is_file():
        pytest.skip(f"corpus file {p} absent (the shared corpus is not checked out)")
    return p.read_text(encoding="utf-8")


def load_benchmark() -> ModuleType:
    """benchmarks/dedup.py (its report generator is reused to build realistic test texts)."""
    spec = importlib.util.spec_from_file_location("zwgk_bench_dedup", ROOT / "benchmarks" / "dedup.py")
    assert spec and spec.loader
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


def make_item(url: str, text: str, *, year: int | None = 2023, agency: str | None = "淮安市洪泽区人民政府",
              body: bytes | None = None, tables: dict[str, Any] | None = None, published: str = "2024-01-20",
              kind: str = "html", checks: list[dict[str, Any]] | None = None, province: str = "江苏省",
              code: str = "320813", report: bool = True) -> ReportItem:
    """A ReportItem as the pipelines hand it to the store."""
    body = body if body is not None else (url + "\n" + text).encode("utf-8")
    rep: dict[str, Any] | None = None
    if report:
        rep = {
            "is_report": True, "title": f"{agency or ''}{year}年政府信息公开工作年度报告", "year": year,
            "agency": agency, "agency_raw": agency,
            "region": {"province": province, "city": "淮安市", "county": "洪泽区", "code": code},
            "published": published, "template": "2021", "sections": ["一、总体情况"],
            "tables": dict(tables if tables is not None else {"requests.new.total": 12, "requests.total.total": 12}),
            "sources": {"requests.new.total": "table", "requests.total.total": "table"},
            "checks": checks if checks is not None else [
                {"name": "requests.balance.total", "ok": True, "expected": 12, "actual": 12, "inputs": {}}],
            "warnings": [], "text": text,
        }
    return ReportItem(url=url, body=body, status=200, content_type="text/html; charset=utf-8",
                      headers={"etag": f'"{hashlib.md5(body).hexdigest()}"', "last-modified": "Mon, 01 Jan 2024"},
                      fetched_at="2024-02-01T00:00:00Z", body_sha256=hashlib.sha256(body).hexdigest(),
                      portal="test-portal", kind=kind, document={"title": "t", "text": text, "warnings": []},
                      report=rep)


def lose_body(archive_root: Path, ref: str) -> None:
    """Make one archived body unreadable, as a lost or damaged file would: a content-addressed file is
    deleted; a WARC record (other bodies share its file) has its first bytes overwritten."""
    if "#" in ref:
        name, offset = ref.split("#", 1)
        with open(archive_root / name, "r+b") as fh:
            fh.seek(int(offset))
            fh.write(b"\0" * 32)
    else:
        (archive_root / ref).unlink()
