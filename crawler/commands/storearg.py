"""The --store argument of read-only commands: an existing store, never a new empty one."""

from __future__ import annotations

from pathlib import Path

from crawler.store import StoreError, default_store_url, sqlite_path


def existing_store_url(arg: str | None) -> str:
    """The store URL to read (--store, else ZWGK_STORE); StoreError when its SQLite file is absent,
    because opening it would create an empty store and report on nothing."""
    url = arg or default_store_url()
    path = sqlite_path(url)
    if path is not None and not Path(path).is_file():
        raise StoreError(f"no store at {path}; crawl into it first (zwgk crawl / zwgk demo) or give --store")
    return url
