"""PostgreSQL backend: unique keys + INSERT ... ON CONFLICT, and a per-year advisory lock.

The advisory lock (held to the end of the save's transaction) serialises the dedup decision among
writers of the same report year, so near-duplicates cannot race into two records; the unique keys
and upserts are the guarantee underneath it for logical and exact keys.
A `?schema=name` query parameter in the URL selects (and creates) a schema, e.g. for tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
import psycopg.errors
from psycopg import sql as pgsql

from crawler.store.base import Store, StoreError, StoreMissing

_LOCK_NS = 0x7A77_676B_0000_0000  # "zwgk" in the high bits keeps our keys apart from other users'
_MIGRATION_LOCK = _LOCK_NS - 1


def split_schema(url: str) -> tuple[str, str | None]:
    """Remove a `schema` query parameter from a PostgreSQL URL -> (conninfo URL, schema)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = next((v for k, v in query if k == "schema"), None)
    rest = urlencode([(k, v) for k, v in query if k != "schema"])
    return urlunsplit(parts._replace(query=rest)), schema


def _redacted(conninfo: str) -> str:
    """The connection URL without its password, for messages."""
    parts = urlsplit(conninfo)
    if parts.password is None:
        return conninfo
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, url: str, archive_dir: str | Path, *, must_exist: bool = False) -> None:
        super().__init__(archive_dir)
        conninfo, self.schema = split_schema(url)
        self.conninfo = conninfo
        self.location = _redacted(conninfo)
        try:
            self.conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {conninfo}: {exc}") from exc
        if self.schema and must_exist:
            found = self.conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.schema,)).fetchone()
            if found is None:
                self.conn.close()
                raise StoreMissing(f"{self.describe()} does not exist (nothing was created): check --store / "
                                   "ZWGK_STORE, or create it with `zwgk init`")
            self.conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.schema)))
        elif self.schema:
            ident = pgsql.Identifier(self.schema)
            # CREATE SCHEMA IF NOT EXISTS is not safe against a concurrent creator (two workers
            # starting together get a UniqueViolation): serialise it with the migration lock.
            with self.conn.transaction():
                self._migration_lock()
                self.conn.execute(pgsql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident))
            self.conn.execute(pgsql.SQL("SET search_path TO {}").format(ident))

    def _q(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        # ? -> %s; without parameters psycopg sends the text as is (so a literal % needs no escaping)
        if not params:
            return self.conn.execute(sql)  # type: ignore[arg-type]
        return self.conn.execute(sql.replace("?", "%s"), tuple(params))  # type: ignore[arg-type]

    @contextmanager
    def _outer_tx(self) -> Iterator[None]:
        with self.conn.transaction():
            yield

    def _unavailable(self, exc: BaseException) -> bool:
        # OperationalError: connection lost, server shut down, disk full; InterfaceError: the
        # connection is closed; a read-only server or a role without write rights
        return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError
                          | psycopg.errors.ReadOnlySqlTransaction | psycopg.errors.InsufficientPrivilege)

    def transient(self, exc: BaseException) -> bool:
        # two writers' batches waiting on each other's rows (seen, sources): PostgreSQL aborts one;
        # written alone, one item at a time, the same writes succeed
        cause = exc.__cause__ if isinstance(exc, StoreError) else exc
        return isinstance(cause, psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure)

    def _lock(self, key: int) -> None:
        self._q("SELECT pg_advisory_xact_lock(?)", (_LOCK_NS + int(key),))

    def _migration_lock(self) -> None:
        self._q("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))

    def _contains(self, column: str) -> str:
        return f"strpos(COALESCE({column}, ''), ?) > 0"

    def _reset_ids(self, table: str) -> None:
        # ALTER SEQUENCE … RESTART is rolled back with the transaction; setval() is not, and an
        # interrupted reparse would leave the sequence behind the table's ids (duplicate keys)
        seq = self._q("SELECT pg_get_serial_sequence(?, 'id')", (table,)).fetchone()[0]
        self._q(f"ALTER SEQUENCE {seq} RESTART WITH 1")  # seq: a name PostgreSQL quoted itself

    def describe(self) -> str:
        parts = urlsplit(self.conninfo)
        if parts.password:  # messages end up in logs and mails: never the password
            parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1))
        return f"store {urlunsplit(parts)}" + (f" (schema {self.schema})" if self.schema else "")

    def has_schema(self) -> bool:
        # to_regclass follows search_path: the named schema, or the default one
        return self._q("SELECT to_regclass('schema_version')").fetchone()[0] is not None

    def close(self) -> None:
        self.archive.close()
        self.conn.close()
