"""SQLite backend: one file, WAL mode (readers never block the crawler), one transaction per save."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawler.store.base import Store


class SQLiteStore(Store):
    dialect = "sqlite"

    def __init__(self, path: str | Path, archive_dir: str | Path) -> None:
        super().__init__(archive_dir)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # autocommit mode: transactions are opened explicitly with BEGIN IMMEDIATE, which takes the
        # write lock up front so two processes never both decide "new" for one report
        self.location = str(self.path)
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=60.0)
        self.conn.execute("PRAGMA journal_mode = WAL")
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

    def close(self) -> None:
        self.conn.close()
