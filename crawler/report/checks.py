"""The template's own arithmetic, checked on the values as read (never corrected)."""

from __future__ import annotations

from typing import Any

from crawler.report.tables import APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS
from crawler.report.values import Number

OUTCOME_ROWS = (
    "granted",
    "partial",
    "denied.state_secret",
    "denied.prohibited",
    "denied.security",
    "denied.third_party",
    "denied.internal",
    "denied.process",
    "denied.enforcement",
    "denied.query",
    "unable.not_held",
    "unable.need_create",
    "unable.unclear",
    "not_processed.complaint",
    "not_processed.repeat",
    "not_processed.publication",
    "not_processed.excessive",
    "not_processed.confirm",
)
OTHER_2021 = ("other.no_correction", "other.unpaid_fee", "other.misc")
REQUEST_ROW_KEYS = ("new", "carried_over", *OUTCOME_ROWS, *OTHER_2021, "other.all", "total", "carried_forward")
_EPS = 1e-6


def _check(name: str, t: dict[str, Number], lhs: list[str], rhs: list[str]) -> dict[str, Any] | None:
    """sum(lhs) == sum(rhs), only when every input is present."""
    keys = lhs + rhs
    if any(k not in t for k in keys):
        return None
    expected = sum(t[k] for k in rhs)
    actual = sum(t[k] for k in lhs)
    return {
        "name": name,
        "ok": abs(expected - actual) < _EPS,
        "expected": expected,
        "actual": actual,
        "inputs": {k: t[k] for k in keys},
    }


def run_checks(tables: dict[str, Number]) -> list[dict[str, Any]]:
    """Every rule of the reference whose inputs are all present."""
    out: list[dict[str, Any]] = []
    for col in REQUEST_COLUMNS:
        r = f"requests.{{}}.{col}"
        c = _check(
            f"requests.balance.{col}",
            tables,
            [r.format("total"), r.format("carried_forward")],
            [r.format("new"), r.format("carried_over")],
        )
        if c:
            out.append(c)
        others = [r.format(o) for o in OTHER_2021]
        if r.format("other.all") in tables or not all(k in tables for k in others):
            others = [r.format("other.all")]
        c = _check(f"requests.outcomes.{col}", tables, [r.format("total")], [r.format(k) for k in OUTCOME_ROWS] + others)
        if c:
            out.append(c)
    for row in REQUEST_ROW_KEYS:
        c = _check(
            f"requests.row.{row}",
            tables,
            [f"requests.{row}.total"],
            [f"requests.{row}.{col}" for col in REQUEST_COLUMNS[:-1]],
        )
        if c:
            out.append(c)
    for g in APPEAL_GROUPS:
        c = _check(f"appeals.{g}", tables, [f"appeals.{g}.total"], [f"appeals.{g}.{col}" for col in APPEAL_COLUMNS[:-1]])
        if c:
            out.append(c)
    return out
