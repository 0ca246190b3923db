"""Tables of spreadsheet attachments (.xlsx, .xls): some agencies publish the statistic tables of
their report as a workbook. Every sheet becomes a grid with merged positions marked None (as the PDF
and DOCX readers do), and a text of its rows, cells joined by " | ", for the rest of the parser."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from collections.abc import Iterable

from crawler.limits import MAX_SHEET_CELLS, MAX_SHEET_ROWS, LimitError, checked_zip
from crawler.report.pdf import FileText, Grid

logger = logging.getLogger(__name__)


class _LogFile:
    """A file-like sink for xlrd's diagnostics that sends them to the log at debug level."""

    def write(self, text: str) -> int:
        if text.strip():
            logger.debug("xlrd: %s", text.rstrip())
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

# Report tables are small; a workbook far beyond this is not a report table and is cut (warned).
MAX_SHEETS = 20
MAX_ROWS = 2000
MAX_COLS = 60


def cell_text(value: object) -> str:
    """A cell as it reads: whole floats without '.0' (Excel stores every number as a float)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.10f}".rstrip("0").rstrip(".")
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def _assemble(sheets: Iterable[tuple[str, Grid]], title: str, warnings: list[str]) -> FileText:
    out = FileText(title=title.strip(), warnings=warnings)
    lines: list[str] = []
    for name, grid in sheets:
        while grid and not any(c for c in grid[-1]):
            grid.pop()  # trailing empty rows of a sheet's used range
        if not grid:
            continue
        width = max(len(r) for r in grid)
        grid = [r + [""] * (width - len(r)) for r in grid]
        if width > 1:
            out.tables.append(grid)
        if name and not name.lower().startswith("sheet"):
            lines.append(name)  # a sheet named 表三 … says what its table is
        lines.extend(" | ".join(c for c in r if c) for r in grid if any(c for c in r))
    out.text = "\n".join(lines).strip()
    if not out.tables and not out.text:
        out.warnings.append("the workbook has no cells with content")
    return out


def _bounds(name: str, rows: int, cols: int, warnings: list[str]) -> tuple[int, int]:
    if rows > MAX_ROWS or cols > MAX_COLS:
        warnings.append(f"sheet {name!r} has {rows}×{cols} cells; only the first {MAX_ROWS}×{MAX_COLS} were read")
    return min(rows, MAX_ROWS), min(cols, MAX_COLS)


_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml$")


def check_xlsx(body: bytes) -> None:
    """LimitError for an .xlsx that inflates beyond the zip caps or has a sheet beyond
    MAX_SHEET_ROWS rows or MAX_SHEET_CELLS cells: openpyxl would hold all of them in memory
    (about 200 bytes a cell). Not a zip: left to openpyxl to report."""
    from lxml import etree

    with checked_zip(body, "XLSX") as archive:
        if archive is None:
            return
        for name in archive.namelist():
            if not _SHEET_PART.match(name):
                continue
            rows = cells = 0
            with archive.open(name) as part:
                for _event, el in etree.iterparse(part, events=("end",), resolve_entities=False, no_network=True):
                    tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""
                    if tag == "c":
                        cells += 1
                    elif tag == "row":
                        rows += 1
                        el.clear()
                    if rows > MAX_SHEET_ROWS or cells > MAX_SHEET_CELLS:
                        raise LimitError(f"XLSX sheet {name!r} has more than {MAX_SHEET_ROWS:,} rows or "
                                         f"{MAX_SHEET_CELLS:,} cells; a report's tables are far smaller")


def xlsx_text(body: bytes) -> FileText:
    """Every sheet of an .xlsx (values as last computed by the program that saved it)."""
    import openpyxl

    check_xlsx(body)
    wb = openpyxl.load_workbook(io.BytesIO(body), data_only=True)
    warnings: list[str] = []
    if len(wb.worksheets) > MAX_SHEETS:
        warnings.append(f"the workbook has {len(wb.worksheets)} sheets; only the first {MAX_SHEETS} were read")
    sheets: list[tuple[str, Grid]] = []
    for ws in wb.worksheets[:MAX_SHEETS]:
        nrows, ncols = _bounds(ws.title, ws.max_row, ws.max_column, warnings)
        grid: Grid = [
            [cell_text(v) for v in row]
            for row in ws.iter_rows(min_row=1, max_row=nrows, max_col=ncols, values_only=True)
        ]
        for rng in ws.merged_cells.ranges:
            for r in range(rng.min_row, min(rng.max_row, nrows) + 1):
                for c in range(rng.min_col, min(rng.max_col, ncols) + 1):
                    if (r, c) != (rng.min_row, rng.min_col):
                        grid[r - 1][c - 1] = None
        sheets.append((ws.title, grid))
    return _assemble(sheets, wb.properties.title or "", warnings)


def xls_text(body: bytes) -> FileText:
    """Every sheet of a legacy .xls (BIFF) workbook."""
    import xlrd

    # xlrd prints its diagnostics to a file (stdout by default): into the log instead, where they
    # cannot corrupt the JSON lines of `zwgk parse`
    log = _LogFile()
    try:
        book = xlrd.open_workbook(file_contents=body, formatting_info=True, logfile=log)
    except NotImplementedError:  # formatting (and so merged cells) not readable for this file
        book = xlrd.open_workbook(file_contents=body, logfile=log)
    warnings: list[str] = []
    if book.nsheets > MAX_SHEETS:
        warnings.append(f"the workbook has {book.nsheets} sheets; only the first {MAX_SHEETS} were read")
    sheets: list[tuple[str, Grid]] = []
    for sh in book.sheets()[:MAX_SHEETS]:
        if sh.nrows > MAX_SHEET_ROWS or sh.nrows * sh.ncols > MAX_SHEET_CELLS:
            raise LimitError(f"XLS sheet {sh.name!r} has {sh.nrows:,} × {sh.ncols:,} cells; the limit is "
                             f"{MAX_SHEET_ROWS:,} rows and {MAX_SHEET_CELLS:,} cells")
        nrows, ncols = _bounds(sh.name, sh.nrows, sh.ncols, warnings)
        grid: Grid = []
        for r in range(nrows):
            row: list[str | None] = []
            for c in range(ncols):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_DATE:
                    row.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode).date().isoformat())
                else:
                    row.append(cell_text(cell.value) if cell.ctype != xlrd.XL_CELL_ERROR else "")
            grid.append(row)
        for rlo, rhi, clo, chi in sh.merged_cells:
            for r in range(rlo, min(rhi, nrows)):
                for c in range(clo, min(chi, ncols)):
                    if (r, c) != (rlo, clo):
                        grid[r][c] = None
        sheets.append((sh.name, grid))
    return _assemble(sheets, "", warnings)
