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
# Units a cell may carry after its number: money (converted by the reader) and counts.
MONEY_UNITS = ("亿元", "万元", "元")
COUNT_UNITS = ("人次", "件", "个", "项", "次", "条", "家", "宗", "批", "份", "起", "人", "户", "例", "台", "场")
_NUM = re.compile(
    r"^(?P<sign>[+\-]|增加|减少|增|减|下降|上升|新增)?\s*"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
    rf"(?P<unit>{'|'.join(MONEY_UNITS + COUNT_UNITS)}|%)?$"
)
# A count or an amount in yuan has at most this many digits (10^15 yuan is far beyond any budget);
# a longer digit string is a glued or garbled cell, never a value.
MAX_DIGITS = 15
# Two digit groups with a space between them in one cell: two numbers, or one number broken
# by a line or a footnote; which cannot be known, so it is not read.
_SPLIT_DIGITS = re.compile(r"\d[ \t\u3000\xa0]+\d")  # a PDF cell's newline is a wrap: one number


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
    note: str = ""  # why a cell that holds digits is not read (kind 'absent')

    @property
    def is_value(self) -> bool:
        return self.kind != "text"


def parse_cell(raw: str) -> Cell:
    """Classify one cell's text."""
    t = norm(raw)
    if not t or _ABSENT.match(t) or t in _NOT_APPLICABLE:
        return Cell("absent", raw)
    if _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", raw or "")) and _NUM.match(t):
        return Cell("absent", raw, note=f"digits separated by a space or line break in one cell ({raw.strip()!r})")
    if t in _ZERO_WORDS:
        return Cell("num", raw, Decimal(0))
    m = _NUM.match(t)
    if not m:
        return Cell("text", raw)
    try:
        v = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        return Cell("text", raw)
    digits = len(m.group("num").replace(",", "").split(".")[0].lstrip("0"))
    if digits > MAX_DIGITS:
        return Cell("absent", raw[:40], note=f"a number of {digits} digits is not a count or an amount")
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
