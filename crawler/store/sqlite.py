"""SQLite backend: one file, WAL mode (readers never block the crawler), one transaction per save."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawler.store.base import Store, StoreError, StoreMissing


class SQLiteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: str | Path, archive_dir: str | Path, *, must_exist: bool = False) -> None:
        super().__init__(archive_dir)
        self.path = Path(path)
        if must_exist:
            if not self.path.is_file():
                raise StoreMissing(f"store {self.path} does not exist (nothing was created): check --store / "
                                   "ZWGK_STORE, or crawl into it first")
            # mode=rw: the file is opened, never created, even if it vanished since the check above
            target, uri = f"file:{self.path.resolve().as_posix()}?mode=rw", True
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            target, uri = str(self.path), False
        # autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE, which takes the
        # write lock up front so two processes never both decide "new" for one report
        self.location = str(self.path)
        try:
            self.conn = sqlite3.connect(target, isolation_level=None, timeout=60.0, uri=uri)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot open the SQLite store {self.path}: {exc}") from exc
        try:
            self.conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.DatabaseError as exc:  # a text file, a truncated copy
            self.conn.close()
            raise StoreError(f"store {self.path} is not a SQLite database ({exc}): check --store / ZWGK_STORE") from exc
        # FULL: every commit is on disk before save() returns, also across a power loss (NORMAL would
        # only guarantee that across a process crash); a crawl is network-bound, the fsync is cheap
        self.conn.execute("PRAGMA synchronous = FULL")
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.conn.execute("PRAGMA busy_timeout = 60000")

    def _q(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        return self.conn.execute(sql, tuple(params))

    @contextmanager
    def _outer_tx(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            # SQLite may have rolled back by itself (a full disk, an I/O error): then there is
            # nothing left to roll back, and the original error is what the caller must see
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.Error:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise

    def _unavailable(self, exc: BaseException) -> bool:
        # OperationalError: disk full, read-only file or file system, I/O error, locked for longer
        # than the busy timeout; a bare DatabaseError: a damaged file. Integrity and programming
        # errors are bugs and stay as they are.
        return type(exc) in (sqlite3.OperationalError, sqlite3.DatabaseError)

    def _reset_ids(self, table: str) -> None:
        self._q("DELETE FROM sqlite_sequence WHERE name = ?", (table,))

    def describe(self) -> str:
        return f"store {self.path}"

    def has_schema(self) -> bool:
        row = self._q("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
        return row is not None

    def close(self) -> None:
        self.archive.close()
        self.conn.close()
