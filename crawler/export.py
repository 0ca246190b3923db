"""Exports for researchers: JSONL (nested, everything), CSV and Parquet (wide: one column per field key).

Wide columns: the metadata columns in META_COLUMNS, then every field key present in the selection in
the report format's order (active.*, requests.*, appeals.*), then `text` unless left out. A key a report
does not have is empty (null), never 0: "not reported" and "zero" stay different.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from crawler.store import Store

FORMATS = ("jsonl", "csv", "parquet")
STDOUT = "-"
# Output file extension -> format, so `-o reports.parquet` writes Parquet without --format.
EXTENSION_FORMATS = {".jsonl": "jsonl", ".jl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
                     ".parquet": "parquet", ".pq": "parquet"}


def output_format(output: str, fmt: str | None) -> str:
    """The format to write: --format when given (it must agree with a known extension), else the
    output's extension; stdout without --format is JSONL. ValueError says what to change."""
    ext = Path(output).suffix.lower() if output != STDOUT else ""
    implied = EXTENSION_FORMATS.get(ext)
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
        if implied is not None and implied != fmt:
            raise ValueError(f"{output}: the extension says {implied}, --format says {fmt}; change one of them")
        return fmt
    if output == STDOUT:
        return "jsonl"
    if implied is None:
        known = ", ".join(sorted(EXTENSION_FORMATS))
        raise ValueError(f"{output}: cannot tell the format from the extension ({known}); give --format")
    return implied

META_COLUMNS = [
    "report_id", "year", "agency", "agency_raw", "title", "province", "city", "county", "region_code",
    "published", "template", "kind", "version", "url", "portal", "file_kind", "body_sha256", "fetched_at",
    "n_sources", "source_urls", "n_cells", "checks_total", "checks_failed", "failed_checks",
    # completeness of tables 二/三/四 (complete | partial | not_found; empty outside the 2019/2021 templates)
    "completeness", "active_status", "requests_status", "appeals_status", "cells_expected", "cells_read",
    "cells_blank", "warnings",
]
# completeness record table -> export column
_TABLE_COLUMNS = {"二": "active_status", "三": "requests_status", "四": "appeals_status"}
_META_TYPES = {"report_id": pa.int64(), "year": pa.int64(), "version": pa.int64(), "n_sources": pa.int64(),
               "n_cells": pa.int64(), "checks_total": pa.int64(), "checks_failed": pa.int64(),
               "cells_expected": pa.int64(), "cells_read": pa.int64(), "cells_blank": pa.int64()}

# Printed order of the template (annual-report-format.md), so wide columns read like the tables.
_SECTION_ORDER = ["active", "requests", "appeals"]
_ROW_ORDER = ["rules", "normative", "licensing", "other_services", "penalty", "coercion", "fees", "procurement",
              "new", "carried_over", "granted", "partial", "denied", "unable", "not_processed", "other", "total",
              "carried_forward", "review", "suit_direct", "suit_after_review"]
_COL_ORDER = ["issued", "repealed", "in_force", "made", "published", "previous", "change", "decisions",
              "amount_yuan", "count", "natural_person", "business", "research", "nonprofit", "legal", "other_org",
              "upheld", "corrected", "other", "pending", "total"]


def key_order(key: str) -> tuple[Any, ...]:
    """Sort key for field keys: section, row, column in printed order; unknown parts after, by name."""
    parts = key.split(".")

    def rank(order: list[str], part: str) -> tuple[int, str]:
        return (order.index(part), "") if part in order else (len(order), part)

    sec = rank(_SECTION_ORDER, parts[0])
    rows = tuple(rank(_ROW_ORDER, p) for p in parts[1:-1])
    col = rank(_COL_ORDER, parts[-1]) if len(parts) > 1 else (0, "")
    return (sec, rows, col, key)


def field_keys(store: Store, **filters: Any) -> list[str]:
    """Every field key of the selected reports, in printed order."""
    where, params = store._filters(filters.get("year"), filters.get("province"), filters.get("agency"),
                                   filters.get("template"), None)
    rows = store._q("SELECT DISTINCT key FROM cells WHERE report_id IN "
                    f"(SELECT id FROM reports WHERE 1 = 1{where})", params).fetchall()
    return sorted((r[0] for r in rows), key=key_order)


def _fractional_keys(store: Store) -> set[str]:
    """Keys with any non-integral value (money): float columns; every other key is an integer column."""
    return {r[0] for r in store._q("SELECT DISTINCT key FROM cells WHERE value <> ROUND(value)").fetchall()}


def wide_row(rec: dict[str, Any], keys: list[str], with_text: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "report_id": rec["id"], "n_sources": len(rec["sources"]),
        "source_urls": " ".join(s["url"] for s in rec["sources"]),
        "failed_checks": " ".join(c["name"] for c in rec["checks"] if not c["ok"]),
        "warnings": " | ".join(rec["warnings"]),
    }
    detail = rec.get("completeness_detail") or {}
    for table, col in _TABLE_COLUMNS.items():
        row[col] = (detail.get(table) or {}).get("status")
    for part in ("expected", "read", "blank"):
        row[f"cells_{part}"] = sum(int(t.get(part) or 0) for t in detail.values()) if detail else None
    for col in META_COLUMNS:
        if col not in row:
            row[col] = rec.get(col)
    cells = rec["cells"]
    for k in keys:
        row[k] = cells.get(k)
    if with_text:
        row["text"] = rec.get("text")
    return row


# A text cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (=HYPERLINK(…) in a scraped title would run when the CSV is opened). OWASP's CSV-injection
# guidance: prefix such a cell with a single quote, which spreadsheets show as plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """A text value escaped against formula injection; numbers and None unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
@contextlib.contextmanager
def _open_text(tmp: Path, to_stdout: bool) -> Iterator[TextIO]:
    """The part file to write, or stdout (left open: it is not ours to close)."""
    if to_stdout:
        yield sys.stdout
        sys.stdout.flush()
        return
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        yield fh


def _finish(tmp: Path, path: Path, to_stdout: bool) -> None:
    if to_stdout:
        sys.stdout.flush()
    else:
        tmp.replace(path)


def json_record(rec: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in rec.items() if k not in ("id",)}
    return {"report_id": rec["id"], **out}


def export(store: Store, fmt: str, path: str | Path, *, year: int | None = None, province: str | None = None,
           agency: str | None = None, template: str | None = None, with_text: bool = True,
           batch: int = 1000) -> dict[str, Any]:
    """Write the selected reports to `path` -> {"reports": n, "columns": m, "path": ...}."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    filters = {"year": year, "province": province, "agency": agency, "template": template}
    to_stdout = str(path) == STDOUT
    path = Path(path)
    if not to_stdout:
        path.parent.mkdir(parents=True, exist_ok=True)
    recs: Iterator[dict[str, Any]] = store.reports(**filters, with_text=with_text)
    tmp = path.with_name(path.name + ".part")  # written aside, renamed at the end: no half exports
    n = 0
    if fmt == "jsonl":
        with _open_text(tmp, to_stdout) as fh:
            for rec in recs:
                fh.write(json.dumps(json_record(rec), ensure_ascii=False, default=str) + "\n")
                n += 1
        _finish(tmp, path, to_stdout)
        return {"reports": n, "columns": None, "path": str(path), "format": fmt}

    keys = field_keys(store, **filters)
    columns = META_COLUMNS + keys + (["text"] if with_text else [])
    if fmt == "csv":
        with _open_text(tmp, to_stdout) as fh:
            w = csv.DictWriter(fh, fieldnames=columns)
            w.writeheader()
            for rec in recs:
                w.writerow({k: csv_safe(v) for k, v in wide_row(rec, keys, with_text).items()})
                n += 1
        _finish(tmp, path, to_stdout)
        return {"reports": n, "columns": len(columns), "path": str(path), "format": fmt}

    fractional = _fractional_keys(store)
    fields = [pa.field(c, _META_TYPES.get(c, pa.string())) for c in META_COLUMNS]
    fields += [pa.field(k, pa.float64() if k in fractional else pa.int64()) for k in keys]
    if with_text:
        fields.append(pa.field("text", pa.string()))
    schema = pa.schema(fields)
    rows: list[dict[str, Any]] = []
    sink: Any = pa.PythonFile(sys.stdout.buffer, mode="w") if to_stdout else tmp
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for rec in recs:
            rows.append(wide_row(rec, keys, with_text))
            n += 1
            if len(rows) >= batch:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        if rows or n == 0:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    _finish(tmp, path, to_stdout)
    return {"reports": n, "columns": len(columns), "path": str(path), "format": fmt}
