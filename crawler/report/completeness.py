"""How much of tables 二, 三 and 四 a report gave: every cell the template has, read, blank or lost.

A table read as empty without a word is the worst outcome for a researcher: nobody knows the
numbers are missing. So every report of the 2019 and 2021 templates carries a record per table —
complete, partial or not found, with the cells expected, read and blank — and every table that is
not complete gets a warning naming it and saying why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crawler.report.tables import (
    ACTIVE_LAYOUT,
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    REQUEST_COLUMNS,
    REQUEST_ORDER_2019,
    REQUEST_ORDER_2021,
)

TABLES = ("二", "三", "四")
PREFIX = {"二": "active.", "三": "requests.", "四": "appeals."}
TITLE = {"二": "主动公开政府信息情况", "三": "收到和处理政府信息公开申请情况", "四": "政府信息公开行政复议、行政诉讼情况"}
COMPLETE, PARTIAL, NOT_FOUND = "complete", "partial", "not_found"
TEMPLATES = ("2019", "2021")
# Sources whose values were read from the table itself (the prose fallback is not the table).
TABLE_SOURCES = frozenset({"table", "ocr", "joined"})
# Rows a reader knows but the template does not print: some 2021 reports keep the 2019 template's
# 其他对外管理服务事项 row; read when present, not expected.
OPTIONAL_ROWS = {"2021": frozenset({"other_services"})}


def expected_keys(table: str, template: str, other_all: bool = False) -> list[str]:
    """Every cell key of one table in one template (table 三 of a 2021 report that prints the
    2019 template's single 其他处理 row is read with that row)."""
    if table == "二":
        layout = ACTIVE_LAYOUT[template]
        optional = OPTIONAL_ROWS.get(template, frozenset())
        return [f"active.{row}.{col}" for row, cols in layout.items() if row not in optional for col in cols]
    if table == "三":
        order = REQUEST_ORDER_2019 if template == "2019" or other_all else REQUEST_ORDER_2021
        return [f"requests.{row}.{col}" for row in order for col in REQUEST_COLUMNS]
    return [f"appeals.{g}.{c}" for g in APPEAL_GROUPS for c in APPEAL_COLUMNS]


def assess(
    template: str, values: Mapping[str, object], sources: Mapping[str, str], blank: Iterable[str]
) -> tuple[dict[str, dict[str, object]], list[str]]:
    """The completeness record of a report and a warning for each table that is not complete.

    values/sources: the report's cells and where each came from; blank: keys whose cell was placed
    in its row and column but is empty in the report (not reported, so not read)."""
    if template not in TEMPLATES:
        return {}, []
    blank_keys = set(blank)
    record: dict[str, dict[str, object]] = {}
    warnings: list[str] = []
    other_all = any(k.startswith("requests.other.all.") for k in values)
    for table in TABLES:
        keys = expected_keys(table, template, other_all)
        from_table = [k for k in keys if k in values and sources.get(k) in TABLE_SOURCES]
        from_text = [k for k in keys if k in values and sources.get(k) not in TABLE_SOURCES]
        empty = [k for k in keys if k in blank_keys and k not in values]
        lost = [k for k in keys if k not in values and k not in blank_keys]
        if not from_table and not empty:
            status = NOT_FOUND
        elif lost:
            status = PARTIAL
        else:
            status = COMPLETE
        record[table] = {
            "status": status,
            "expected": len(keys),
            "read": len(from_table),
            "blank": len(empty),
            "from_text": len(from_text),
        }
        name = f"table {table} ({TITLE[table]})"
        if status == NOT_FOUND:
            how = f"; {len(from_text)} key figure(s) were taken from the prose instead" if from_text else ""
            warnings.append(f"{name}: none of its {len(keys)} cells was read (the table is missing, or could not "
                            f"be read: see the warnings before){how}")
        elif status == PARTIAL:
            rows = _rows(lost, PREFIX[table])
            warnings.append(
                f"{name}: {len(from_table)} of {len(keys)} cells read, {len(empty)} blank, {len(lost)} not read "
                f"(rows {', '.join(rows[:8])}{' …' if len(rows) > 8 else ''})"
            )
    return record, warnings


def _rows(keys: list[str], prefix: str) -> list[str]:
    """The rows (for table 四 the groups) the keys belong to, in order, once each."""
    out: list[str] = []
    for k in keys:
        row = k[len(prefix):].rsplit(".", 1)[0]
        if row not in out:
            out.append(row)
    return out


def summary(record: Mapping[str, Mapping[str, object]]) -> str:
    """One word for a report: complete (every table), partial, or not_found (no table at all);
    empty for reports outside the 2019/2021 templates."""
    if not record:
        return ""
    states = {str(r.get("status")) for r in record.values()}
    if states == {COMPLETE}:
        return COMPLETE
    if states == {NOT_FOUND}:
        return NOT_FOUND
    return PARTIAL
