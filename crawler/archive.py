"""Raw body archive: WARC files (what web archives and their tools read), and the older
content-addressed folder, still read.

WARC (ISO 28500, written with warcio): every fetched report page or attachment becomes a `request`
record and a `response` record with its HTTP status line and headers, each record gzipped on its
own, in files rotated at `max_file_bytes`. A body already archived (the same bytes from another URL,
or a re-fetch) becomes a `revisit` record (identical-payload-digest profile) that points to the
first response. The payload digest is sha256 (`WARC-Payload-Digest: sha256:<base32>`), the hash
the store keeps per source. A reference is `<file name>#<offset>` of the response record, stored in
`sources.archive_ref`; reading seeks there, so `zwgk reparse` reads the WARC files directly.

Content-addressed (the layout before WARC): `<root>/ab/cd/<sha256>`, reference `ab/cd/<sha256>`. A
store written by an older zwgk keeps these references and they are read as before; new bodies
without an HTTP exchange (no capture given) are still written this way.

Scrapy hands over bodies already decoded (gzip/br Content-Encoding, chunked transfer undone), so a
response record holds the decoded body: Content-Encoding and Transfer-Encoding are left out of its
headers and Content-Length is the body's, which keeps every WARC reader's view of the payload right.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import socket
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import __version__

logger = logging.getLogger(__name__)

WARC_SUFFIX = ".warc.gz"
REF_SEP = "#"
# Rotate at about 1 GB, the usual size of crawl WARC files (Heritrix, Common Crawl use 1 GB).
DEFAULT_MAX_FILE_BYTES = 1_000_000_000
# Headers that describe an encoding Scrapy has already undone (see the module docstring).
_DECODED_HEADERS = frozenset({"content-encoding", "transfer-encoding", "content-length"})


class ArchiveError(Exception):
    """A body is missing from the archive or does not match its hash."""


@dataclass(frozen=True)
class Capture:
    """The HTTP exchange a body came from: what the WARC request and response records say."""

    url: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # response headers
    request_headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    fetched_at: str = ""  # ISO 8601 UTC; empty: now


def payload_digest(sha256_hex: str) -> str:
    """The WARC-Payload-Digest of a body with this sha256 (WARC's base32 form)."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def warc_date(fetched_at: str) -> str:
    """WARC-Date (UTC, seconds) from an ISO 8601 timestamp; now when there is none or it is unreadable."""
    try:
        dt = datetime.fromisoformat(fetched_at.replace("Z", "+00:00")) if fetched_at else datetime.now(UTC)
    except ValueError:
        dt = datetime.now(UTC)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class Archive:
    def __init__(self, root: str | os.PathLike[str], max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        self.root = Path(root)
        self.max_file_bytes = max_file_bytes
        self._file: IO[bytes] | None = None
        self._name = ""
        self._writer: WARCWriter | None = None
        self._serial = 0
        # sha256 -> (ref, url, WARC-Date) of the first response this process wrote with that payload
        self._written: dict[str, tuple[str, str, str]] = {}
        self._unsynced = False  # records written with sync=False since the last fsync
        self._sync_error: OSError | None = None  # a closed file's unsynced records could not be synced

    # ---- references ---------------------------------------------------------------------------
    @staticmethod
    def ref_for(sha256: str) -> str:
        """The content-addressed reference of a body (the layout before WARC)."""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    @staticmethod
    def is_warc_ref(ref: str) -> bool:
        return REF_SEP in ref and ref.split(REF_SEP, 1)[0].endswith(WARC_SUFFIX)

    def path(self, ref: str) -> Path:
        """The file holding a reference (for a WARC reference, the WARC file)."""
        return self.root / (ref.split(REF_SEP, 1)[0] if self.is_warc_ref(ref) else ref)

    # ---- writing ------------------------------------------------------------------------------
    def put(self, body: bytes, sha256: str | None = None, *, capture: Capture | None = None,
            prior: tuple[str, str, str] | None = None, sync: bool = True) -> tuple[str, str]:
        """Archive a body -> (sha256 hex, reference).

        With a capture: WARC records (request, then response; or a revisit when the payload is
        already archived: `prior` = (reference, URL, WARC-Date) of its response, as the store knows
        it, or one this process wrote). Without: the content-addressed file (idempotent).
        `sync=False` leaves the WARC records to the next `sync()` (one fsync for a batch of puts)."""
        digest = hashlib.sha256(body).hexdigest()
        if sha256 and sha256 != digest:
            raise ArchiveError(f"body sha256 {digest} does not match the declared {sha256}")
        if capture is None:
            return digest, self._put_file(body, digest)
        start = self._file.tell() if self._file is not None else None
        try:
            return digest, self._put_warc(body, digest, capture, prior or self._written.get(digest), sync)
        except OSError:
            self._abandon(start)  # disk full mid-record: the file must not keep half a record
            raise

    def _abandon(self, start: int | None) -> None:
        """After a failed write: cut the current WARC file back to where this item's records began
        (so it stays a sequence of whole records, readable by every WARC tool) and close it; the next
        put opens a new file."""
        f, self._file, self._writer = self._file, None, None
        if f is None:
            return
        try:
            if start is not None:
                f.truncate(start)
        except OSError:
            pass  # the file keeps a torn tail; references stored so far point before it
        self._sync_file(f)
        try:
            f.close()
        except OSError:
            pass  # buffered bytes of the abandoned record could not be flushed: they are not wanted

    def _put_file(self, body: bytes, digest: str) -> str:
        ref = self.ref_for(digest)
        target = self.path(ref)
        if target.exists():
            return ref
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
        return ref

    def _put_warc(self, body: bytes, digest: str, cap: Capture,
                  prior: tuple[str, str, str] | None, sync: bool = True) -> str:
        writer = self._current_writer()
        date = warc_date(cap.fetched_at)
        pdigest = payload_digest(digest)
        http = StatusAndHeaders(_status_line(cap.status), [
            *((k, v) for k, v in cap.headers.items() if k.lower() not in _DECODED_HEADERS),
            ("Content-Length", str(len(body))),
        ], protocol="HTTP/1.1")
        if prior is not None:
            record = writer.create_revisit_record(cap.url, pdigest, prior[1], prior[2], http_headers=http,
                                                  warc_headers_dict={"WARC-Date": date})
            self._write(record, sync)  # the body is not written again: its reference stays the first one
            return prior[0]
        response = writer.create_warc_record(
            cap.url, "response", payload=io.BytesIO(body), length=len(body), http_headers=http,
            warc_headers_dict={"WARC-Date": date, "WARC-Payload-Digest": pdigest})
        request = self._request_record(writer, cap, date, response.rec_headers.get_header("WARC-Record-ID"))
        self._write(request, sync=False)
        ref = f"{self._name}{REF_SEP}{self._write(response, sync)}"
        self._written[digest] = (ref, cap.url, date)
        return ref

    @staticmethod
    def _request_record(writer: WARCWriter, cap: Capture, date: str, response_id: str) -> Any:
        parts = urlsplit(cap.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = dict(cap.request_headers)
        if not any(k.lower() == "host" for k in headers):
            headers = {"Host": parts.netloc, **headers}
        http = StatusAndHeaders(f"{cap.method} {target} HTTP/1.1", list(headers.items()), is_http_request=True)
        return writer.create_warc_record(cap.url, "request", http_headers=http, warc_headers_dict={
            "WARC-Date": date, "WARC-Concurrent-To": response_id})

    def _write(self, record: Any, sync: bool = True) -> int:
        """Append one record (its own gzip member); returns its offset. With `sync`, the file is on
        disk when this returns: the store records the reference right after, so it must be there (one
        fsync after the response also covers the request record written before it)."""
        assert self._file is not None and self._writer is not None
        offset = self._file.tell()
        self._writer.write_record(record)
        self._file.flush()
        if sync:
            os.fsync(self._file.fileno())
        self._unsynced = not sync  # an fsync covers every record written before it
        return offset

    def sync(self) -> None:
        """Put every record written with sync=False on disk; OSError when any of them may not be
        (also those of a file closed since: rotated, or cut after a failed write)."""
        failed, self._sync_error = self._sync_error, None
        if failed is not None:
            raise failed
        if self._file is not None and self._unsynced:
            os.fsync(self._file.fileno())
            self._unsynced = False

    def _sync_file(self, f: IO[bytes]) -> None:
        """Before a file is closed: its unsynced records go to disk, or sync() reports that they may not."""
        if not self._unsynced:
            return
        self._unsynced = False
        try:
            f.flush()
            os.fsync(f.fileno())
        except (OSError, ValueError) as exc:
            self._sync_error = self._sync_error or OSError(f"archive: syncing {self.root / self._name}: {exc}")

    def _current_writer(self) -> WARCWriter:
        if self._writer is not None and self._file is not None and self._file.tell() < self.max_file_bytes:
            return self._writer
        self.close()
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        host = socket.gethostname().split(".")[0] or "host"
        # never appended to: a new file per process and rotation, so a crashed writer's tail is left alone
        while True:
            self._name = f"zwgk-{stamp}-{self._serial:05d}-{host}-{os.getpid()}{WARC_SUFFIX}"
            self._serial += 1
            try:
                self._file = open(self.root / self._name, "xb")  # noqa: SIM115 - kept open across puts
                break
            except FileExistsError:
                continue
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = {"software": f"zwgk/{__version__} (warcio)", "format": "WARC File Format 1.1",
                "description": "government information-disclosure annual reports (政府信息公开工作年度报告)"}
        self._write(self._writer.create_warcinfo_record(self._name, info), sync=False)
        return self._writer

    def close(self) -> None:
        f, self._file, self._writer = self._file, None, None
        if f is not None:
            self._sync_file(f)
            try:
                f.close()
            except OSError as exc:  # every record was flushed and synced by put(): nothing is lost
                logger.warning("archive: closing %s: %s", self.root / self._name, exc)

    # ---- reading ------------------------------------------------------------------------------
    def get(self, ref: str) -> bytes:
        """The body stored under a reference, verified against its hash."""
        if self.is_warc_ref(ref):
            return self._get_warc(ref)
        p = self.path(ref)
        try:
            body = p.read_bytes()
        except FileNotFoundError as exc:
            raise ArchiveError(f"archive body missing: {p}") from exc
        digest = hashlib.sha256(body).hexdigest()
        if digest != Path(ref).name:
            raise ArchiveError(f"archive body corrupt: {p} hashes to {digest}")
        return body

    def _get_warc(self, ref: str) -> bytes:
        name, _, offset = ref.partition(REF_SEP)
        p = self.root / name
        try:
            with open(p, "rb") as fh:
                fh.seek(int(offset))
                record = next(iter(ArchiveIterator(fh)), None)
                if record is None or record.rec_type != "response":
                    raise ArchiveError(f"archive record missing: no response record at {ref} in {p}")
                body = record.raw_stream.read()
                declared = record.rec_headers.get_header("WARC-Payload-Digest") or ""
        except FileNotFoundError as exc:
            raise ArchiveError(f"archive file missing: {p}") from exc
        except (ValueError, OSError, EOFError, ArchiveLoadFailed) as exc:
            raise ArchiveError(f"archive record unreadable: {ref} in {p}: {exc}") from exc
        actual = payload_digest(hashlib.sha256(body).hexdigest())
        if declared != actual:
            raise ArchiveError(f"archive body corrupt: {ref} in {p}: payload {actual}, record says {declared}")
        return body

    def __contains__(self, ref: str) -> bool:
        if self.is_warc_ref(ref):
            try:
                self._get_warc(ref)
            except ArchiveError:
                return False
            return True
        return self.path(ref).is_file()
