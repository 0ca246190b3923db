"""Tables of spreadsheet attachments (.xlsx, .xls): some agencies publish the statistic tables of
their report as a workbook. Every sheet becomes a grid with merged positions marked None (as the PDF
and DOCX readers do), and a text of its rows, cells joined by " | ", for the rest of the parser."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable

from crawler.report.pdf import FileText, Grid

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


def xlsx_text(body: bytes) -> FileText:
    """Every sheet of an .xlsx (values as last computed by the program that saved it)."""
    import openpyxl

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

    try:
        book = xlrd.open_workbook(file_contents=body, formatting_info=True)
    except NotImplementedError:  # formatting (and so merged cells) not readable for this file
        book = xlrd.open_workbook(file_contents=body)
    warnings: list[str] = []
    if book.nsheets > MAX_SHEETS:
        warnings.append(f"the workbook has {book.nsheets} sheets; only the first {MAX_SHEETS} were read")
    sheets: list[tuple[str, Grid]] = []
    for sh in book.sheets()[:MAX_SHEETS]:
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
