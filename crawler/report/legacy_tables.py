"""The 统计表 appendix of legacy reports (2008–2018): 指标名称 / 计量单位 / 年末统计 tables.

Before the national template of 2019, reports ended with a statistics table of one value column per
row ("受理政府信息公开申请总数 | 条 | 2 | 历年累计…"). Only rows whose meaning equals a reference key are
read: received requests (requests.new.total), 同意公开 (requests.granted.total), 同意部分公开
(requests.partial.total) and 行政复议 (appeals.review.total). 行政诉讼 counts are not read: the reference
splits lawsuits into suit_direct and suit_after_review and has no key for their sum. The table is
found in the page's grids, else in the text (pipe, tab or space separated rows, or one cell a line).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from crawler.report.tokens import split_line
from crawler.report.values import Cell, Number, norm, parse_cell, to_number

SOURCE = "legacy_table"
Grid = Sequence[Sequence[str | None]]

# A legacy statistics table says so in its header: 指标名称, in one of its first rows.
_HEADER_ROWS = 4
_NAME_HEAD = re.compile(r"(?:统计)?指标(?:名称)?")
_UNIT_HEAD = re.compile(r"^(?:计量)?单位$|^计量$")
# The column that holds the year's figure, and columns that must not be read for it.
_VALUE_HEAD = re.compile(r"年末统计|统计数|^数量$|^本年|^(?:19|20)\d{2}年度?$|^年度$|^数值$|^合计$|^统计$")
_NOT_VALUE_HEAD = re.compile(r"累计|上年|去年|同比|备注")
_NUMBER_UNIT = re.compile(r"(\d)\s+(件|条|个|项|次|人次|份)(?=\s|$|\|)")
_UNIT = re.compile(r"^(?:件|条|个|项|次|人次|元|万元|份|起|宗|家)$")
# Row labels: leading 其中 / numbering (一、 1. （1） ①) and a unit glued after the label are not meaning.
_LABEL_PREFIX = re.compile(r"^(?:其中[:：]?)?(?:[一二三四五六七八九十]+[、.]|[(（]?\d{1,2}[)）.、]|[①-⑩])?(?:其中[:：]?)?")
_LABEL_UNIT = re.compile(r"(?:件|条|个|项|次|人次|元|万元|份)$")
# A paragraph this long (with a full stop) ends a table written one cell a line.
_PROSE_MIN = 40
_HEAD_SPAN = 4  # lines 指标名称 may be broken over
# The ways requests reached the agency (当面, 网上 …) are parts of the total, not the total.
_CHANNEL = re.compile(r"当面|传真|电子邮件|邮件|网上|网络|信函|邮寄|电话|其他形式|其他方式")

# Row meanings, tried in order: 同意部分公开 before 同意公开 (both say 同意 … 公开).
ROWS: list[tuple[str, re.Pattern[str]]] = [
    ("requests.partial.total", re.compile(r"^(?:同意|予以)?部分公开(?:答复)?(?:总)?(?:数|件数|数量)$")),
    ("requests.granted.total", re.compile(r"^(?:同意|予以)公开(?:答复)?(?:总)?(?:数|件数|数量)$")),
    ("requests.new.total", re.compile(
        r"^(?:收到|受理|接收|接到)[^\d]{0,14}?(?:申请|依申请公开信息)(?:的)?(?:总)?(?:数|件数|数量|总数)?$")),
    ("appeals.review.total", re.compile(r"^(?:因政府信息公开(?:申请)?)?(?:提起|申请)?行政复议(?:案件?)?(?:数|数量|件数)?$")),
]


@dataclass
class LegacyTable:
    """What was read from the 统计表: values, the printed row of each, and warnings."""

    values: dict[str, Number] = field(default_factory=dict)
    rows: dict[str, str] = field(default_factory=dict)  # key -> "label value" as printed
    warnings: list[str] = field(default_factory=list)


def row_key(label: str) -> str | None:
    """The reference key a 统计表 row label means, or None (rows of other meaning are not read)."""
    t = _LABEL_UNIT.sub("", _LABEL_PREFIX.sub("", norm(label).lstrip("、.．:：")))
    if not t or _CHANNEL.search(t):
        return None
    return next((key for key, pat in ROWS if pat.match(t)), None)


def _value_column(header: list[str]) -> int | None:
    """Index (in header) of the year's value column; None when no column says so unambiguously."""
    heads = [norm(h) for h in header]
    named = [j for j, h in enumerate(heads) if _VALUE_HEAD.search(h) and not _NOT_VALUE_HEAD.search(h)]
    if named:
        return named[0]
    # 指标名称 | 计量单位 | <one unnamed column>: that column is the value
    rest = [j for j, h in enumerate(heads)
            if j > 0 and not _UNIT_HEAD.match(h) and not _NAME_HEAD.fullmatch(h) and h != "序号"]
    if len(rest) == 1 and not _NOT_VALUE_HEAD.search(heads[rest[0]]):
        return rest[0]
    return None


def _add(out: LegacyTable, key: str, value: Number, printed: str) -> None:
    if key in out.values and out.values[key] != value:
        out.warnings.append(f"legacy 统计表: two rows for {key} ({out.rows[key]!r} and {printed!r}); the first is kept")
        return
    out.values.setdefault(key, value)
    out.rows.setdefault(key, printed)


def read_grid(grid: Grid) -> LegacyTable | None:
    """A grid that is a 统计表 (None when it is not one)."""
    rows = [[(c or "").strip() for c in r] for r in grid]
    # the header row: 指标名称 in one of the first rows (a title row may come first, a 序号 column too)
    h = next((i for i, r in enumerate(rows[:_HEADER_ROWS]) if any(_NAME_HEAD.fullmatch(norm(c)) for c in r)), None)
    if h is None:
        return None
    header = rows[h]
    name_col = next(j for j, c in enumerate(header) if _NAME_HEAD.fullmatch(norm(c)))
    out = LegacyTable()
    col = _value_column(header)
    if col is None:
        out.warnings.append(f"legacy 统计表: no column holds the year's figures (header: {' | '.join(header)}); "
                            "its rows are not read")
        return out
    label_end = next((j for j, c in enumerate(header)
                      if j > name_col and (_UNIT_HEAD.match(norm(c)) or j == col)), col)
    for r in rows[h + 1:]:
        if len(r) <= col:
            continue
        # merged label cells repeat their text over the columns they span: each text once
        label = "".join(dict.fromkeys(c for c in r[name_col:label_end] if c))
        key = row_key(label)
        cell = parse_cell(r[col])
        if key is None or cell.kind != "num" or cell.value is None:
            continue
        _add(out, key, to_number(cell.value), f"{label} {r[col]}")
    return out


def _header_cells(line: str) -> list[str]:
    cells = [c.raw.strip() for c in split_line(line) if c.raw.strip()]
    if len(cells) == 1 and re.search(r"\s", cells[0]):
        cells = cells[0].split()  # a header written with spaces: 指标名称 计量单位 年末统计
    return cells


def _header_at(lines: list[str], i: int, k: int) -> bool:
    """Whether 指标名称 is written on line i (k=1) or broken over lines i … i+k-1 (指/标/名/称)."""
    if k == 1:
        return "指标名称" in norm(lines[i])
    first = norm(lines[i])
    return first.startswith("指") and len(first) < len("指标名称") and norm("".join(lines[i:i + k])) == "指标名称"


def _year_cell(lines: list[str], i: int) -> tuple[str, int]:
    """The header cell at line i, with a year broken over lines joined (201 / 7 / 年度 → 2017年度);
    returns it and the index of its last line."""
    h = norm(lines[i])
    j = i
    while re.fullmatch(r"\d{1,3}", h) and j + 1 < len(lines) and re.fullmatch(r"\d{1,3}", norm(lines[j + 1])):
        j += 1
        h += norm(lines[j])
    if re.fullmatch(r"(?:19|20)\d{2}", h) and j + 1 < len(lines) and norm(lines[j + 1]).startswith("年"):
        return h + norm(lines[j + 1]), j + 1
    return (h, j) if j == i else (norm(lines[i]), i)


def read_text(text: str) -> LegacyTable | None:
    """The 统计表 in text: rows on lines (| 收到申请数 | 件 | 100 |, tabs, spaces) or one cell a line."""
    lines = text.splitlines()
    # 指标名称, or 指/标/名/称 one character a line (a header cell's line breaks kept)
    start, span = next(((i, k) for i in range(len(lines)) for k in range(1, _HEAD_SPAN + 1)
                        if _header_at(lines, i, k)), (None, 0))
    if start is None:
        return None
    header = _header_cells(lines[start]) if span == 1 else ["指标名称"]
    # a header on one line means one row a line: a line without a value (二、依申请公开情况) is a
    # group's heading; otherwise cells come one a line, and a label may be broken over lines
    one_row_a_line = len(header) >= 2
    i = start + span
    if len(header) == 1:  # one cell a line: the header's other cells follow on their own lines
        while i < len(lines):
            h, i = _year_cell(lines, i)
            if not h or not (_UNIT_HEAD.match(h) or _VALUE_HEAD.search(h) or _NOT_VALUE_HEAD.search(h)):
                break
            header.append(h)
            i += 1
        if header[1:3] == ["计量", "单位"]:
            header[1:3] = ["计量单位"]
    out = LegacyTable()
    col = _value_column(header)
    if col is None:
        out.warnings.append(f"legacy 统计表: no column holds the year's figures (header: {' | '.join(header)}); "
                            "its rows are not read")
        return out
    # the value is the n-th number of a row: the value column's place among the columns after the unit
    unit_col = next((j for j, c in enumerate(header) if _UNIT_HEAD.match(norm(c))), 0)
    first_value = unit_col + 1 if unit_col else 1
    nth, n_columns = col - first_value, len(header) - first_value
    # Pipes and tabs keep a blank cell's place; spaces and one cell a line lose it, so there a row
    # with fewer numbers than value columns cannot say which column its numbers are in.
    exact = any(sep in "".join(lines[start:i]) for sep in "|\t")
    label: list[str] = []
    values: list[Cell] = []
    unplaced: list[str] = []

    def close() -> None:
        if not label or not values:
            return
        key = row_key("".join(label))
        if key is None:
            return
        if not exact and len(values) < n_columns:
            unplaced.append(f"{''.join(label)} {' '.join(v.raw.strip() for v in values)}")
        elif len(values) > nth and values[nth].kind == "num" and values[nth].value is not None:
            _add(out, key, to_number(values[nth].value), f"{''.join(label)} {values[nth].raw.strip()}")

    for ln in lines[i:]:
        if len(norm(ln)) > _PROSE_MIN and "。" in ln and "|" not in ln:
            break  # prose after the table
        if one_row_a_line:
            close()
            label, values = [], []
        # 收到申请 100 件: the unit after the number belongs to it
        for cell in split_line(_NUMBER_UNIT.sub(r"\1\2", ln)):
            if cell.kind == "text":
                words = norm(cell.raw)
                if _UNIT.match(words):
                    continue
                if values:
                    close()
                    label, values = [], []
                # a label written with its unit after a space (收到申请数 件)
                label.append(re.sub(r"\s+(?:件|条|个|项|次|人次|元|万元|份)$", "", cell.raw.strip()))
            elif label:
                values.append(cell)
    close()
    if unplaced:
        out.warnings.append(
            f"legacy 统计表: rows with fewer numbers than its {n_columns} value columns ({' | '.join(header[first_value:])})"
            f", whose blank cells the text lost, are not read: {'; '.join(unplaced)}")
    return out


def read(text: str, grids: Sequence[Grid]) -> LegacyTable:
    """The 统计表 values of a report: from its grids when one is a 统计表, else from its text."""
    merged = LegacyTable()
    found = [t for t in (read_grid(g) for g in grids) if t is not None]
    if not found:
        found = [t for t in (read_text(text),) if t is not None]
    for t in found:
        merged.warnings.extend(t.warnings)
        for key, value in t.values.items():
            _add(merged, key, value, t.rows[key])
    return merged


def prefer_table(
    table: LegacyTable, prose: dict[str, tuple[Number, str]]
) -> list[str]:
    """Warnings for figures the prose states differently from the 统计表 (whose value is kept)."""
    out = []
    for key, value in sorted(table.values.items()):
        if key in prose and prose[key][0] != value:
            said, quote = prose[key]
            out.append(f"{key}: the 统计表 says {value} (“{table.rows[key]}”) but the text says {said} "
                       f"(“{quote}”); the table's value is kept")
    return out
