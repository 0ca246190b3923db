"""Raw body archive: every fetched body kept once, content-addressed by its sha256.

Layout: `<root>/ab/cd/<sha256>` (two directory levels keep directories small at millions of files).
A reference is the relative path `ab/cd/<sha256>`, stored in `sources.archive_ref`, so the archive
directory can be moved as a whole. Writes go to a temporary file in the same directory and are renamed
into place, so a crash never leaves a truncated body under a valid name.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class ArchiveError(Exception):
    """A body is missing from the archive or does not match its hash."""


class Archive:
    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    @staticmethod
    def ref_for(sha256: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def path(self, ref: str) -> Path:
        return self.root / ref

    def put(self, body: bytes, sha256: str | None = None) -> tuple[str, str]:
        """Store a body (idempotent) -> (sha256 hex, archive ref)."""
        digest = hashlib.sha256(body).hexdigest()
        if sha256 and sha256 != digest:
            raise ArchiveError(f"body sha256 {digest} does not match the declared {sha256}")
        ref = self.ref_for(digest)
        target = self.path(ref)
        if target.exists():
            return digest, ref
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)  # atomic; a concurrent writer of the same body writes equal bytes
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return digest, ref

    def get(self, ref: str) -> bytes:
        """The body stored under a ref, verified against the hash in its name."""
        p = self.path(ref)
        try:
            body = p.read_bytes()
        except FileNotFoundError as exc:
            raise ArchiveError(f"archive body missing: {p}") from exc
        digest = hashlib.sha256(body).hexdigest()
        if digest != Path(ref).name:
            raise ArchiveError(f"archive body corrupt: {p} hashes to {digest}")
        return body

    def __contains__(self, ref: str) -> bool:
        return self.path(ref).is_file()
