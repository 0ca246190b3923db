"""The record a crawled report becomes in Scrapy's feed exports (`scrapy crawl portal -O x.jsonl`).

A ReportItem carries the raw body (bytes), the extracted document and the whole parse; none of that
belongs in a feed line. `feed_record` flattens one item into the same vocabulary as `zwgk export`:
metadata columns, then the template's field values under `fields`. Every record has the same keys in
the same order, so a CSV feed gets a stable header from its first row.
"""

from __future__ import annotations

from typing import Any

from crawler.items import ReportItem

# Keys of a feed record, in order. Nested values (fields, warnings) stay JSON structures in JSON feeds
# and become JSON text in CSV/XML cells (see pipelines/feeds.py).
FEED_FIELDS = (
    "report_id", "store_status", "url", "portal", "kind", "fetched_at", "body_sha256",
    "is_report", "title", "year", "published", "agency", "agency_raw",
    "province", "city", "county", "region_code", "template", "completeness",
    "n_fields", "checks_total", "checks_failed", "fields", "warnings",
)


def _overall_completeness(record: dict[str, Any]) -> str:
    """complete when every table is, not_found when none was found, else partial ('' outside the template)."""
    statuses = [str(t.get("status")) for t in record.values() if isinstance(t, dict)]
    if not statuses:
        return ""
    if all(s == "complete" for s in statuses):
        return "complete"
    if all(s == "not_found" for s in statuses):
        return "not_found"
    return "partial"


def feed_record(item: ReportItem) -> dict[str, Any]:
    """One feed line for a stored item: JSON-serialisable, no bytes, keys as in FEED_FIELDS."""
    report = item.report if isinstance(item.report, dict) else {}
    region = report.get("region") if isinstance(report.get("region"), dict) else {}
    fields = report.get("tables") if isinstance(report.get("tables"), dict) else {}
    checks = [c for c in report.get("checks") or [] if isinstance(c, dict)]
    warnings = [str(w) for w in item.warnings] + [str(w) for w in report.get("warnings") or []]
    record: dict[str, Any] = {  # keys in FEED_FIELDS order (tests/test_feeds.py holds them to it)
        "report_id": item.report_id,
        "store_status": item.store_status,
        "url": item.url,
        "portal": item.portal,
        "kind": item.kind,
        "fetched_at": item.fetched_at,
        "body_sha256": item.body_sha256,
        "is_report": bool(report.get("is_report")),
        "title": report.get("title") or "",
        "year": report.get("year"),
        "published": report.get("published") or "",
        "agency": report.get("agency") or "",
        "agency_raw": report.get("agency_raw") or "",
        "province": region.get("province"),
        "city": region.get("city"),
        "county": region.get("county"),
        "region_code": region.get("code"),
        "template": report.get("template") or "",
        "completeness": _overall_completeness(report.get("completeness") or {}),
        "n_fields": len(fields),
        "checks_total": len(checks),
        "checks_failed": sum(1 for c in checks if not c.get("ok")),
        "fields": dict(fields),
        "warnings": list(dict.fromkeys(warnings)),  # the item repeats some of the parser's warnings
    }
    return record
