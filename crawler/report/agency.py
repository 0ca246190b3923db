"""Agency names that leave something to the reader: a place alone, or a department without its place.

A title such as "三明市2022年政府信息公开工作年度报告" names only a division; the agency that reports for a
division is its people's government (三明市人民政府). A department written with its level word only
("省建设厅", "市林业局") belongs to the one place of that level the page's site metadata or its text
names; when they name none, or several, the name is kept as written and a warning says why.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from crawler.report import region as regions

GOVERNMENT = "人民政府"


def place_only(name: str, idx: regions.DivisionIndex) -> bool:
    """Whether name is one or more division names and nothing else (三明市, 福建省莆田市)."""
    hits = idx.find_names(name)
    return bool(hits) and "".join(n for _, n in hits) == name and hits[0][0] == 0


def government_of(name: str, idx: regions.DivisionIndex) -> str | None:
    """三明市 → 三明市人民政府 (also 福建省, 某某自治州, 某某旗); None when name is not a place alone."""
    return name + GOVERNMENT if place_only(name, idx) else None


def _places_of_level(text: str, level: str, idx: regions.DivisionIndex) -> list[str]:
    """Division names in text whose level word is level (省/市/县/区/州/旗), in order of appearance."""
    return [name for _, name in idx.find_names(text) if name.endswith(level)]


def place_for_department(
    level: str, site: Sequence[str], text: Sequence[str], idx: regions.DivisionIndex
) -> tuple[str | None, str]:
    """The place a department written as 省/市/县…<body> belongs to, and where it was found.

    The site metadata (SiteName, ContentSource, source, breadcrumb) is written by the portal for
    this page and comes first; the text only when the metadata names no place of that level. Only
    one distinct place counts as evidence: with two or more the place is not guessed (returns None
    and a reason naming them)."""
    for where, contexts in (("site metadata", site), ("text", text)):
        found = Counter(p for c in contexts if c for p in _places_of_level(c, level, idx))
        if len(found) == 1:
            return next(iter(found)), where
        if len(found) > 1:
            names = "、".join(p for p, _ in found.most_common(4))
            return None, f"the {where} names several places of that level ({names})"
    return None, "no place of that level is named in the site metadata or the text"
