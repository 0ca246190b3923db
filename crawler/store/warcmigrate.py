"""Moving a store's content-addressed bodies (the archive layout before WARC) into WARC files.

Each source whose `archive_ref` is a content-addressed path gets WARC records written from what the
store knows of its fetch (URL, HTTP status, response headers, fetch time; the request headers were not
kept then, so its request record carries only Host), and its reference is switched to the new record
in the same step, one source at a time: an interruption leaves every source readable, some in WARC and
the rest where they were. Old files are deleted only on request, and only when no source refers to
them any more.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from crawler.archive import Archive, ArchiveError, Capture

if TYPE_CHECKING:
    from crawler.store.base import Store

Progress = Callable[[int, int], None]


def migrate_to_warc(store: Store, *, delete_old: bool = False, progress: Progress | None = None) -> dict[str, int]:
    """Rewrite content-addressed bodies as WARC records -> counts: sources, migrated, already_warc,
    missing (body not found or corrupt: left as it is), deleted (old files removed)."""
    rows = store._q("SELECT id, url, body_sha256, http_status, headers, fetched_at, archive_ref FROM sources "
                    "ORDER BY id").fetchall()
    counts = {"sources": len(rows), "migrated": 0, "already_warc": 0, "missing": 0, "deleted": 0}
    moved: set[str] = set()
    for n, (sid, url, sha, status, headers, fetched, ref) in enumerate(rows, 1):
        ref = ref or Archive.ref_for(sha)
        if Archive.is_warc_ref(ref):
            counts["already_warc"] += 1
            continue
        try:
            body = store.archive.get(ref)
        except ArchiveError:
            counts["missing"] += 1
            continue
        capture = Capture(url=url, status=status or 200, headers=json.loads(headers or "{}"), fetched_at=fetched or "")
        _, new_ref = store.archive.put(body, capture=capture, prior=store._archived(body))
        with store._tx():
            store._q("UPDATE sources SET archive_ref = ? WHERE id = ?", (new_ref, sid))
        counts["migrated"] += 1
        moved.add(ref)
        if progress:
            progress(n, len(rows))
    if delete_old and moved:
        still = {r[0] for r in store._q("SELECT archive_ref FROM sources").fetchall()}
        for ref in sorted(moved - still):
            path = store.archive.path(ref)
            if path.is_file():
                path.unlink()
                counts["deleted"] += 1
    return counts
