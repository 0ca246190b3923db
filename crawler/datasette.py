"""Datasette metadata for a zwgk store: table and column descriptions, internal tables hidden,
full-text search wired to the views.

Generated, not shipped, because Datasette keys metadata by database name (the file's stem) and
because cells_wide's columns are the codebook's keys (crawler/report/codebook.py).
"""

from __future__ import annotations

from typing import Any

from crawler.report.codebook import codebook
from crawler.store.schema import FTS_TABLE

# Tables that hold the crawler's own bookkeeping, not data a researcher reads.
HIDDEN = ("lsh", "seen", "schema_meta", "schema_version", "sqlite_sequence", "pending")

_REPORT_COLUMNS = {
    "id": "report id (cells, checks, warnings and sources refer to it)",
    "year": "the year reported on (a 2023 report is published in 2024)",
    "agency": "publishing agency, full normalised name (住建局 → 住房和城乡建设局)",
    "agency_raw": "the agency as the report wrote it",
    "province": "province of the agency (from its name, the site metadata or the portal)",
    "city": "prefecture-level city", "county": "county-level division",
    "region_code": "6-digit 行政区划代码 of the agency's region",
    "title": "report title", "published": "publication date (ISO 8601)",
    "template": "2019 or 2021 (national template), or legacy (2008–2018, free form)",
    "kind": "report kind (annual)", "url": "where the stored version was fetched",
    "portal": "seed portal it was found through", "file_kind": "html, pdf, docx, xlsx …",
    "body_sha256": "sha256 of the raw body (the archive holds it)", "fetched_at": "fetch time (UTC)",
    "version": "1, or more when the report was revised (report_versions holds the old states)",
    "n_cells": "field values read", "checks_total": "arithmetic checks run", "checks_failed": "checks that failed",
    "completeness": "tables 二/三/四: complete, partial or not_found (empty for legacy reports)",
    "completeness_detail": "per table: status, cells expected, read, blank (JSON)",
    "text": "clean report text (full-text searchable)", "sections": "the outline: key, heading, text (JSON)",
    "data": "the whole parse as JSON",
}

_TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "reports": ("One row per annual report (政府信息公开工作年度报告), after deduplication.", _REPORT_COLUMNS),
    "report_overview": ("The reports without their text: start here.", {
        **{k: v for k, v in _REPORT_COLUMNS.items() if k not in ("text", "sections", "data")},
        "n_sources": "places the report was found", "checks_pass": "1 when every check passed"}),
    "cells": ("The template's values in long form: one row per report and field key.", {
        "report_id": "reports.id", "key": "field key; see the codebook (docs/fields.md, `zwgk fields`)",
        "value": "the number (money in yuan); absent when the report left it blank",
        "origin": "table (the template's tables), legacy_table (统计表 appendix) or text (a sentence)"}),
    "cells_wide": ("One row per report, one column per field key (all keys of the codebook).", {}),
    "checks": ("The template's arithmetic, per report: what was expected and what the report says.", {
        "report_id": "reports.id", "name": "check name (requests.balance.<column>, requests.outcomes.<column>, "
        "requests.row.<row>, appeals.<group>)", "ok": "1 when it holds", "expected": "value the rule gives",
        "actual": "value printed", "inputs": "the cells it used (JSON)"}),
    "failed_checks": ("Checks that do not hold, with the report's agency and year.", {}),
    "cross_year_checks": ("Soft checks across years of one agency (carried over = last year's carried forward).", {}),
    "warnings": ("What could not be read, and why (per source or report).", {"message": "the warning"}),
    "sources": ("Every URL and body where a report was found: fetch metadata and the archive reference.", {
        "archive_ref": "where the raw body is archived", "dedup_status": "new, duplicate, near_duplicate …",
        "similarity": "MinHash Jaccard estimate to the report it was merged into"}),
    "report_sources": ("Sources with their report's agency, year and title.", {}),
    "report_versions": ("Earlier states of revised reports.", {}),
    "runs": ("Crawl runs: start, end, counts and per-portal results (JSON).", {}),
}


def metadata(database: str) -> dict[str, Any]:
    """Datasette metadata (metadata.json) for the store file `<database>.db`."""
    fields = codebook()
    wide = {f.key: f"{f.label} — {f.meaning} ({f.unit}; templates {' '.join(f.templates)})" for f in fields}
    tables: dict[str, Any] = {}
    for name, (description, columns) in _TABLES.items():
        tables[name] = {"description": description, "columns": dict(columns)}
    tables["cells_wide"]["columns"] = {"report_id": "reports.id", **wide}
    for view in ("report_overview",):  # views do not detect the FTS table by themselves
        tables[view].update({"fts_table": FTS_TABLE, "fts_pk": "id"})
    tables["reports"].update({"fts_table": FTS_TABLE, "fts_pk": "id"})
    for name in HIDDEN:
        tables[name] = {"hidden": True}
    return {
        "title": "zwgk: 政府信息公开工作年度报告",
        "description": "Annual government information-disclosure reports, parsed into the national "
        "template's fields. Search titles and text from `reports` or `report_overview` (3+ characters).",
        "source": "zwgk (zwgk metadata)",
        "databases": {database: {"tables": tables}},
    }
