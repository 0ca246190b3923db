"""The corpus store: `open_store(url)` -> Store (SQLite by default, PostgreSQL at scale).

    store = open_store("zwgk.db")                     # or "sqlite:///zwgk.db"
    store = open_store("postgresql://user@127.0.0.1:5432/zwgk")
    run = store.start_run("portal", {...}); store.save(item); store.finish_run(run, counts, portals)
"""

from __future__ import annotations

from pathlib import Path

from crawler.store.base import SaveResult, SeenInfo, Store, StoreError, StoreMissing
from crawler.store.schema import LATEST as SCHEMA_VERSION
from crawler.store.schema import VIEW_NAMES

__all__ = ["open_store", "default_store_url", "Store", "SaveResult", "SeenInfo", "StoreError", "StoreMissing",
           "SCHEMA_VERSION", "VIEW_NAMES"]


def default_store_url() -> str:
    """The ZWGK_STORE setting (crawler/settings.py, where the ZWGK_STORE variable overrides it)."""
    from crawler import settings

    return str(settings.ZWGK_STORE or "sqlite:///zwgk.db")


def sqlite_path(url: str) -> str | None:
    """The file path of a SQLite URL or plain path; None for a PostgreSQL URL."""
    if url.startswith(("postgresql://", "postgres://")):
        return None
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    if "://" in url:
        raise StoreError(f"unsupported store URL {url!r}: use a path, sqlite:///path or postgresql://…")
    return url


def open_store(url: str | None = None, archive_dir: str | None = None, *,
               schema_version: int | None = None, must_exist: bool = False) -> Store:
    """Open (create, migrate) a store. `schema_version` stops migrating at that version (tests).

    With `must_exist` (the reading commands and reparse) nothing is created: a SQLite file, a
    PostgreSQL schema or a zwgk schema that is not there raises StoreMissing, which names the store.
    An existing store of an older version is still upgraded in place.
    """
    url = url or default_store_url()
    path = sqlite_path(url)
    store: Store
    if path is None:
        from crawler.store.postgres import PostgresStore

        store = PostgresStore(url, archive_dir or "zwgk-archive", must_exist=must_exist)
    else:
        from crawler.store.sqlite import SQLiteStore

        p = Path(path)
        store = SQLiteStore(p, archive_dir or p.with_name(p.stem + "-archive"), must_exist=must_exist)
    try:
        if must_exist and not store.has_schema():
            raise StoreMissing(f"{store.describe()} is not a zwgk store (it has no schema_version table); "
                               "check --store / ZWGK_STORE")
        store.migrate(schema_version)
    except BaseException:
        store.close()
        raise
    return store
