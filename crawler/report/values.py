"""Cell values of the report tables: 无 is 0, blanks and dashes are absent, 减少45 is -45."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crawler.tablegrid import ZERO_WIDTH

Number = int | float

_WS = re.compile(r"[\s\u3000\xa0]+|" + ZERO_WIDTH.pattern)  # zero-width characters too
# Blank-ish cells: not reported, so the key is left out.
_ABSENT = re.compile(r"^[-－—–―─_/／\\]*$")
_ZERO_WORDS = {"无", "没有", "零", "〇", "暂无"}
# "Not applicable" is not a zero: the agency reports nothing for the cell, so the key is left out.
_NOT_APPLICABLE = {"不适用", "无此项", "不涉及", "无此类", "未涉及"}
_NUM = re.compile(
    r"^(?P<sign>[+\-]|增加|减少|增|减|下降|上升|新增)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    r"(?P<unit>万元|元|亿元|件|个|项|次|条|人次|家|宗|%)?$"
)


def norm(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII) and no whitespace: the form labels are matched in."""
    t = unicodedata.normalize("NFKC", text or "")
    return _WS.sub("", t).replace("“", "").replace("”", "").replace('"', "")


@dataclass(frozen=True)
class Cell:
    """One parsed cell: kind is 'num', 'absent' (blank or dash) or 'text'."""

    kind: str
    raw: str
    value: Decimal | None = None
    unit: str = ""

    @property
    def is_value(self) -> bool:
        return self.kind != "text"


def parse_cell(raw: str) -> Cell:
    """Classify one cell's text."""
    t = norm(raw)
    if not t or _ABSENT.match(t) or t in _NOT_APPLICABLE:
        return Cell("absent", raw)
    if t in _ZERO_WORDS:
        return Cell("num", raw, Decimal(0))
    m = _NUM.match(t)
    if not m:
        return Cell("text", raw)
    try:
        v = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        return Cell("text", raw)
    sign = m.group("sign") or ""
    if sign in ("-", "减少", "减", "下降"):
        v = -v
    return Cell("num", raw, v, m.group("unit") or "")


def to_number(v: Decimal) -> Number:
    """int when integral, else a float rounded to the fen (money) or 4 places."""
    if v == v.to_integral_value():
        return int(v)
    q = v.quantize(Decimal("0.0001")).normalize()
    return float(q)
