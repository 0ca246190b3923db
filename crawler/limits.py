"""Bounds on the work one hostile file can cause (no scrapy import).

A national crawl meets files built to explode: PDFs whose objects refer to each other in a loop,
DOCX tables spanning 10⁹ columns, zip parts that inflate to gigabytes, HTML tables whose staggered
spans fill millions of positions. The readers check the structural caps below *before* doing the
work, and raise LimitError, a clear error for that one file; the caller records it and goes on
(the raw body stays archived for a later `zwgk reparse`).

What structure cannot bound is bounded by time and memory: `deadline()` interrupts a parse that
runs too long in the current thread, `cap_memory()` limits a worker process's address space.
"""

from __future__ import annotations

import ctypes
import io
import resource
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

# A report table is about 40 rows × 20 columns; whole workbook sheets are cut at 2,000 × 60.
MAX_TABLE_CELLS = 200_000  # grid positions of one table after rowspan/colspan are expanded
MAX_ZIP_PART_BYTES = 64 * 1024 * 1024  # one DOCX/XLSX part, uncompressed (report XML is < 5 MB)
MAX_ZIP_TOTAL_BYTES = 256 * 1024 * 1024  # all parts of one DOCX/XLSX, uncompressed
MAX_ZIP_PARTS = 5_000
MAX_PDF_OBJECTS = 500_000  # xref entries; a 300-page report has a few thousand
MAX_REF_CHAIN = 32  # an object that is only a reference to a reference …: real files have 1 hop
# pdfminer interprets about 0.3 MB of page operators per second; the largest page in the corpus has
# 44 kB. These keep one file's text extraction within tens of seconds.
MAX_PDF_PAGE_CONTENT = 2 * 1024 * 1024  # decompressed content stream bytes of one page
MAX_PDF_CONTENT = 12 * 1024 * 1024  # … of all pages read
MAX_SHEET_ROWS = 50_000  # rows of one spreadsheet sheet (only the first 2,000 are read anyway)
MAX_SHEET_CELLS = 1_000_000  # cells of one sheet: openpyxl and xlrd hold every cell in memory

_BYTES_PER_MB = 1024 * 1024


class LimitError(ValueError):
    """The file exceeds a bound on the work it may cause; the message says which and by how much."""


class ParseTimeout(BaseException):
    """Raised inside a parse that ran past its deadline. A BaseException, so that a library's
    `except Exception` around its own work cannot swallow it."""


def check_cells(rows: int, cols: int, what: str = "table") -> None:
    """LimitError when a grid of rows × cols positions is beyond MAX_TABLE_CELLS."""
    if rows * cols > MAX_TABLE_CELLS:
        raise LimitError(f"{what} of {rows} × {cols} positions after merged cells are expanded is beyond "
                         f"the limit of {MAX_TABLE_CELLS:,} cells (a hostile or broken file)")


def check_cell_count(n: int, what: str = "table") -> None:
    """LimitError when n grid positions (counted while spans are expanded) exceed MAX_TABLE_CELLS."""
    if n > MAX_TABLE_CELLS:
        raise LimitError(f"{what} with more than {MAX_TABLE_CELLS:,} cells once merged cells are expanded "
                         "(a hostile or broken file)")


def check_zip(archive: zipfile.ZipFile, kind: str) -> None:
    """LimitError when a DOCX/XLSX would inflate beyond the part or total caps. The sizes declared in
    the zip directory are binding: Python's zipfile stops reading a part at its declared size."""
    infos = archive.infolist()
    if len(infos) > MAX_ZIP_PARTS:
        raise LimitError(f"{kind} has {len(infos):,} parts; the limit is {MAX_ZIP_PARTS:,}")
    total = 0
    for info in infos:
        if info.file_size > MAX_ZIP_PART_BYTES:
            raise LimitError(f"{kind} part {info.filename!r} inflates to {info.file_size / _BYTES_PER_MB:,.0f} MB; "
                             f"the limit is {MAX_ZIP_PART_BYTES // _BYTES_PER_MB} MB per part (a zip bomb?)")
        total += info.file_size
    if total > MAX_ZIP_TOTAL_BYTES:
        raise LimitError(f"{kind} inflates to {total / _BYTES_PER_MB:,.0f} MB in all; the limit is "
                         f"{MAX_ZIP_TOTAL_BYTES // _BYTES_PER_MB} MB (a zip bomb?)")


@contextmanager
def checked_zip(body: bytes, kind: str) -> Iterator[zipfile.ZipFile | None]:
    """The body opened as a zip whose declared sizes pass check_zip (LimitError otherwise); None when
    it is not a zip at all, which the format's own reader then reports."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, ValueError):
        yield None
        return
    with archive:
        check_zip(archive, kind)
        yield archive


def cap_memory(megabytes: int) -> None:
    """Limit this process's address space (RLIMIT_AS): past it an allocation fails with MemoryError
    instead of the machine swapping or the OOM killer picking a victim. 0 = no cap."""
    if megabytes <= 0:
        return
    limit = megabytes * _BYTES_PER_MB
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))



def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    """Have `exc` raised in the thread at its next bytecode; None (NULL) clears a pending one."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc) if exc is not None else None)

_REPEAT = 1.0  # seconds between repeated interrupts of a parse that caught the first one


class _Deadline:
    """Raises ParseTimeout in the calling thread once `seconds` have passed, and again every second
    until the block is left. CPython delivers it at the next bytecode, so pure-Python loops (pdfminer,
    the table readers) stop; a single long C call is stopped when it returns."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.thread_id = threading.get_ident()
        self.lock = threading.Lock()
        self.active = True
        self.fired = False
        self.stopped = threading.Event()

    def _watch(self) -> None:
        wait = self.seconds
        while not self.stopped.wait(wait):
            with self.lock:
                if not self.active:
                    return
                self.fired = True
                _set_async_exc(self.thread_id, ParseTimeout)
            wait = _REPEAT

    def __enter__(self) -> _Deadline:
        threading.Thread(target=self._watch, name="zwgk-deadline", daemon=True).start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        with self.lock:
            self.active = False
            self.stopped.set()
            if self.fired:
                # an interrupt sent but not yet delivered must not hit the caller's next line
                _set_async_exc(self.thread_id, None)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Run the block with a wall-clock limit: past it, ParseTimeout is raised inside the block.
    0 or less = no limit."""
    if seconds <= 0:
        yield
        return
    with _Deadline(seconds):
        yield
