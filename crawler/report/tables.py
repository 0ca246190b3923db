"""Rows of tables 二, 三 and 四 to the field keys of the reference, found by their labels.

Each reader takes the rows `tokens.segment` cut from one table (a grid, or a region of text) and
returns (values, warnings). A value is only assigned when the number of cells in the row fits the
columns; otherwise the row is reported and left out — never shifted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from crawler.report.tokens import Row
from crawler.report.values import MONEY_UNITS, Cell, Number, norm, to_number

REQUEST_COLUMNS = ("natural_person", "business", "research", "nonprofit", "legal", "other_org", "total")
APPEAL_GROUPS = ("review", "suit_direct", "suit_after_review")
APPEAL_COLUMNS = ("upheld", "corrected", "other", "pending", "total")

# Table 三 rows: key and a pattern over the normalised label (NFKC, no spaces, no quotes).
REQUEST_ROWS: list[tuple[str, re.Pattern[str]]] = [
    (k, re.compile(p))
    for k, p in [
        ("new", r"本年度?新收|新收政府信息"),
        ("carried_over", r"上年度?结转"),
        ("carried_forward", r"结转下一?年|转下一?年度?继续"),
        ("granted", r"(?<!不)予以公开"),
        ("partial", r"部分公开"),
        ("denied.state_secret", r"国家秘密"),
        ("denied.prohibited", r"禁止公开|止公开|法律行政法规|其他法律"),
        ("denied.security", r"三安全|一稳定|危及"),
        ("denied.third_party", r"第三方"),
        ("denied.internal", r"内部事务"),
        ("denied.process", r"过程性"),
        ("denied.enforcement", r"执法案卷"),
        ("denied.query", r"行政查询|查询事项"),
        ("unable.not_held", r"不掌握"),
        ("unable.need_create", r"现成信息|另行制作"),
        ("unable.unclear", r"补正后|仍不明确"),
        ("not_processed.complaint", r"信访|举报投诉"),
        ("not_processed.repeat", r"重复申请"),
        ("not_processed.publication", r"出版物"),
        ("not_processed.excessive", r"大量反复"),
        ("not_processed.confirm", r"重新出具|已获取信息|确认或"),
        ("other.no_correction", r"不补正"),
        ("other.unpaid_fee", r"缴纳费用|收费通知|未按收费"),
        ("total", r"(?:^|[)、.])(?:总计|合计)$"),
    ]
]
_OTHER_GROUP = re.compile(r"其他处理")
_MISC = re.compile(r"(?:^|[^0-9])3[.、]?其他$|三[.、]其他$|^其他$")
_GROUPS = re.compile(r"本年度?办理结果|不予公开|无法提供|不予处理|其他处理")

ACTIVE_ROWS: list[tuple[str, re.Pattern[str]]] = [
    ("rules", re.compile(r"^(?:\d[.、])?规章$|^规章")),
    ("normative", re.compile(r"规范性文件")),
    ("licensing", re.compile(r"行政许可")),
    ("other_services", re.compile(r"对外管理服务")),
    ("penalty", re.compile(r"行政处罚")),
    ("coercion", re.compile(r"行政强制")),
    ("fees", re.compile(r"事业性收费")),
    ("procurement", re.compile(r"集中采购")),
]
ACTIVE_LAYOUT = {
    "2021": {
        "rules": ("issued", "repealed", "in_force"),
        "normative": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "other_services": ("decisions",),
        "penalty": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("amount_yuan",),
    },
    "2019": {
        "rules": ("made", "published", "total"),
        "normative": ("made", "published", "total"),
        "licensing": ("previous", "change", "decisions"),
        "other_services": ("previous", "change", "decisions"),
        "penalty": ("previous", "change", "decisions"),
        "coercion": ("previous", "change", "decisions"),
        "fees": ("previous", "change"),
        "procurement": ("count", "amount_yuan"),
    },
}
# Table 二's column headers, as the template prints them, to the column each names. A table that
# prints fewer columns than the template (2019 items (五)/(六) as "2019年项目数量 / 处理决定数量")
# is read by its own header: a column the template does not have is not read.
ACTIVE_COLUMN_LABELS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"上一?年度?项目数"), "previous"),
    (re.compile(r"增/?减|增减|变化"), "change"),
    (re.compile(r"处理决定"), "decisions"),
    (re.compile(r"新制作"), "made"),
    (re.compile(r"新公开"), "published"),
    (re.compile(r"对外公开总"), "total"),
    (re.compile(r"制发"), "issued"),
    (re.compile(r"废止"), "repealed"),
    (re.compile(r"现行有效"), "in_force"),
    (re.compile(r"采购项目数"), "count"),
    (re.compile(r"采购总金额|收费金额"), "amount_yuan"),
]
_COLUMN_HEAD = re.compile(r"数量|件数|金额|增/?减|增减")
_CELL_GAP = re.compile(r"\s{2,}|\t")
_HINT_2021 = re.compile(r"制发|现行有效|废止|收费金额")
_HINT_2019 = re.compile(r"新制作|本年新|新公开|对外公开总|上一年|增/减|增减|采购项目")
_ITEM = re.compile(r"第二十条")
_MONEY = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}


@dataclass
class TableResult:
    values: dict[str, Number] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rows_found: set[str] = field(default_factory=set)
    blank: set[str] = field(default_factory=set)  # keys placed in their row and column, but empty
    joined: set[str] = field(default_factory=set)  # keys whose digits were broken over two lines

    def put(self, key: str, cell: Cell, scale: Decimal = Decimal(1)) -> None:
        if cell.note:
            self.warnings.append(f"{key}: {cell.note}; not read")
            return
        if cell.kind == "absent":
            self.blank.add(key)
            return
        if cell.kind != "num" or cell.value is None:
            return
        money = key.endswith("_yuan")
        if cell.unit and (cell.unit in MONEY_UNITS) != money and cell.unit != "%":
            # 129323元 in a count column, 11批 in an amount column: the cell belongs elsewhere
            self.warnings.append(f"{key}: the cell {cell.raw.strip()!r} carries the unit {cell.unit}, "
                                 f"which is not {'an amount' if money else 'a count'}; not read")
            return
        v = to_number(cell.value * scale)
        old = self.values.get(key)
        if old is not None and old != v:
            self.warnings.append(f"{key}: two values in the report ({old} and {v}); the first is kept")
            return
        self.values.setdefault(key, v)


def terminated(rows: list[Row]) -> bool:
    """Does this text close every row with an empty cell (`|` on a line of its own)?

    Then a row that ends in one blank has lost that blank to the terminator, and a row one number
    short plus its terminator must not pass for a full row."""
    with_numbers = [r for r in rows if r.nonblank]
    if len(with_numbers) < 3:
        return False
    ending_blank = sum(1 for r in with_numbers if r.values[-1].kind == "absent")
    return ending_blank >= 0.6 * len(with_numbers)


def fit(values: list[Cell], n: int, closed: bool = False,
        confirm: Callable[[list[Cell]], bool] | None = None) -> list[Cell] | None:
    """The n cells of a row, or None when they cannot be placed without guessing.

    Trailing blanks beyond n are row terminators or padding (with `closed`, the last blank always
    is); a cell repeated by a column span fills a one-column row. Dropping padding is a guess
    when a blank cell of the row and a stray number can look the same (a number broken over two
    lines beside a blank cell), so where the template has arithmetic for the row (`confirm`), a
    row that needed padding dropped is read only when its arithmetic holds."""
    vals = list(values)
    if closed and vals and vals[-1].kind == "absent":
        vals.pop()
    given = len(vals)
    while len(vals) > n and vals[-1].kind == "absent":
        vals.pop()
    if len(vals) > n:
        lead = next((i for i, c in enumerate(vals) if c.kind != "absent"), len(vals))
        if len(vals) - lead >= n:
            vals = vals[lead:]  # header padding before the first number, all of it or none
    if len(vals) == n:
        if confirm is not None and given != n and not confirm(vals):
            return None
        return vals
    if len(vals) > n and n == 1 and len({norm(c.raw) for c in vals if c.kind == "num"}) == 1:
        return [next(c for c in vals if c.kind == "num")]
    if len(vals) > n and len(vals) % n == 0 and all(
        norm(vals[i].raw) == norm(vals[i + 1].raw) for i in range(0, len(vals), 2) if i + 1 < len(vals)
    ) and len(vals) == 2 * n:
        return [vals[i] for i in range(0, len(vals), 2)]  # every cell doubled by colspan=2
    return None


def join_split(values: list[Cell], n: int, ok: Callable[[list[Cell]], bool]) -> tuple[list[Cell], int] | None:
    """A row of flattened text one number too long because one number broke over two lines
    (162 as 1 / 62): the n cells with that number joined again, and its index — only when exactly
    one join of two neighbouring plain-digit pieces gives a row the template's arithmetic (`ok`)
    confirms. Grid cells are never joined: only text has lines that break inside a cell."""
    vals = list(values)
    while vals and vals[-1].kind == "absent":
        vals.pop()
    if len(vals) != n + 1 or any(c.kind != "num" or c.note for c in vals):
        return None
    found: list[tuple[list[Cell], int]] = []
    for i in range(n):
        a, b = norm(vals[i].raw), norm(vals[i + 1].raw)
        if not (a.isdigit() and b.isdigit()) or a.startswith("0"):
            continue  # signs, units and a leading 0 are not pieces of one count
        joined = Cell("num", vals[i].raw.strip() + vals[i + 1].raw.strip(), Decimal(a + b))
        cand = [*vals[:i], joined, *vals[i + 2 :]]
        if ok(cand):
            found.append((cand, i))
    return found[0] if len(found) == 1 else None


def _row_total_ok(cells: list[Cell]) -> bool:
    """Table 三: the 总计 column is the six applicant columns added up (blank ones as 0; a blank
    总计 confirms nothing)."""
    return cells[-1].value is not None and sum(c.value or 0 for c in cells[:-1]) == cells[-1].value


def _appeal_totals_ok(cells: list[Cell]) -> bool:
    """Table 四: in each group, 总计 = 维持 + 纠正 + 其他 + 尚未审结."""
    w = len(APPEAL_COLUMNS)
    return all(sum(c.value or 0 for c in cells[g * w : g * w + w - 1]) == cells[g * w + w - 1].value
               for g in range(len(APPEAL_GROUPS)))


def _label(texts: list[str]) -> str:
    return norm("".join(texts))


def request_keys(label: str, group_other: bool) -> set[str]:
    """Row keys whose patterns occur in a label."""
    lab = norm(label)
    keys = {k for k, p in REQUEST_ROWS if p.search(lab)}
    if group_other and _MISC.search(re.sub(r"^\(?[六6]\)?[、.]?其他处理", "", lab)):
        keys.add("other.misc")
    return keys


def _resolve(texts: list[str], group_other: bool) -> set[str]:
    """Row keys named by label cells: each cell alone, else neighbours joined (words split
    across lines), else all joined. A bare 总计 is a column header unless nothing else matches."""
    cells = [t for t in texts if norm(t)]
    for group in ([[c] for c in cells], [cells[i : i + 2] for i in range(len(cells) - 1)], [cells]):
        keys: set[str] = set()
        for g in group:
            keys |= request_keys("".join(g), group_other)
        if len(keys) > 1 and "total" in keys and not any(
            re.match(r"^\(?[七7]\)", norm(c)) for c in cells
        ):
            keys.discard("total")
        if keys:
            return keys
    return set()


# The template's rows of table 三 in order (2021; the 2019 template has one 其他处理 row).
REQUEST_ORDER_2021 = [
    "new", "carried_over", "granted", "partial",
    "denied.state_secret", "denied.prohibited", "denied.security", "denied.third_party",
    "denied.internal", "denied.process", "denied.enforcement", "denied.query",
    "unable.not_held", "unable.need_create", "unable.unclear",
    "not_processed.complaint", "not_processed.repeat", "not_processed.publication",
    "not_processed.excessive", "not_processed.confirm",
    "other.no_correction", "other.unpaid_fee", "other.misc", "total", "carried_forward",
]
REQUEST_ORDER_2019 = [*REQUEST_ORDER_2021[:20], "other.all", "total", "carried_forward"]
# Full labels, for labels a PDF cut short (行政机关不再处理其政府信息公 …).
_FULL_LABELS = {
    "partial": "部分公开区分处理的只计这一情形不计其他情形",
    "denied.prohibited": "其他法律行政法规禁止公开",
    "denied.security": "危及三安全一稳定",
    "denied.third_party": "保护第三方合法权益",
    "denied.internal": "属于三类内部事务信息",
    "denied.process": "属于四类过程性信息",
    "denied.enforcement": "属于行政执法案卷",
    "denied.query": "属于行政查询事项",
    "unable.not_held": "本机关不掌握相关政府信息",
    "unable.need_create": "没有现成信息需要另行制作",
    "unable.unclear": "补正后申请内容仍不明确",
    "not_processed.complaint": "信访举报投诉类申请",
    "not_processed.publication": "要求提供公开出版物",
    "not_processed.excessive": "无正当理由大量反复申请",
    "not_processed.confirm": "要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请",
    "other.unpaid_fee": "申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请",
}
_LABEL_PUNCT = re.compile(r"[()（）、,，.．:：;；\"“”‘’'\s]|^[一二三四五六七八九十0-9]+")


def fragment_keys(label: str) -> set[str]:
    """Rows whose full label holds this piece of a label (six characters or more)."""
    frag = _LABEL_PUNCT.sub("", norm(label))
    if len(frag) < 6:
        return set()
    return {k for k, full in _FULL_LABELS.items() if frag in full}


# Table 三's numbered rows: （三）…（六） hold items 1., 2. …; （一）, （二）, （七） are rows themselves.
_GROUP_ITEMS = {
    "三": REQUEST_ORDER_2021[4:12], "四": REQUEST_ORDER_2021[12:15], "五": REQUEST_ORDER_2021[15:20],
    "六": REQUEST_ORDER_2021[20:23],
}
_GROUP_ROW = {"一": "granted", "二": "partial", "七": "total"}
# （三）, or a （三 cut by a wrapped cell; only after pieces of the 三、本年度办理结果 cell beside it
_GROUP_MARK = re.compile(r"^[三、本年度办理结果]{0,6}?\(([一二三四五六七])(?:\)|(?=\d)|$)")
_ITEM_MARK = re.compile(r"^([1-8])[.、]")
_TOP_MARK = re.compile(r"^[一二三四][、.]")
_TOP_ROW = {"一": "new", "二": "carried_over", "四": "carried_forward"}


class _Numbering:
    """Where the table is in the template's numbering (group and item), so that a label cut to its
    number ("2.其", "（三 1.属" in PDF text with narrow wrapped label cells) still names its row.
    A bare item number counts only as the next one of the current group."""

    def __init__(self) -> None:
        self.group = ""
        self.item = 0

    def key(self, own: list[str]) -> str | None:
        group, item = "", 0
        for cell in (norm(c) for c in own):
            top = _TOP_MARK.match(cell)
            cell = _TOP_MARK.sub("", cell)
            if top and not cell and top.group(0)[0] in _TOP_ROW:
                return _TOP_ROW[top.group(0)[0]]  # 一、 / 二、 / 四、 cut from 本年新收… below it
            m = _GROUP_MARK.match(cell)
            if m:
                group, cell = m.group(1), cell[m.end():]
            n = _ITEM_MARK.match(cell)
            if n:
                item = int(n.group(1))
            if group or item:
                break
        if group:
            if item:
                items = _GROUP_ITEMS.get(group, [])
                return items[item - 1] if item <= len(items) else None
            return _GROUP_ROW.get(group) or ("other.all" if group == "六" else None)
        if item and item == self.item + 1 and self.group in _GROUP_ITEMS:
            items = _GROUP_ITEMS[self.group]
            return items[item - 1] if item <= len(items) else None
        if item == 1 and self.item >= 1:
            # numbering starts again: the template's next group (its label may be centred lower)
            order = list(_GROUP_ITEMS)
            nxt = order.index(self.group) + 1
            return _GROUP_ITEMS[order[nxt]][0] if nxt < len(order) else None
        return None

    def follow(self, key: str) -> None:
        """The row just read, whichever way: the numbering goes on from it."""
        for group, items in _GROUP_ITEMS.items():
            if key in items:
                self.group, self.item = group, items.index(key) + 1
                return
        self.group, self.item = "", 0


@dataclass
class _Pending:
    """A row whose key is not certain yet: the candidates its labels allow, and why."""

    row: Row
    candidates: set[str]
    labelled: bool  # some label text stands before its numbers
    warning: str


def read_requests(rows: list[Row], closed: bool = False, join_digits: bool = False) -> TableResult:
    """Table 三: 收到和处理政府信息公开申请情况. join_digits: the rows come from flattened text, where
    a number may break over two lines (see `join_split`)."""
    res = TableResult()
    group_other = False
    last_key = ""
    # Rows of numbers without any label mean this text does not keep labels before their
    # numbers (PDF text of tall cells puts the numbers above a centred label): then only labels
    # on the numbers' own line are trusted, others only where the template's row order agrees.
    unlabelled = any(r.nonblank >= 2 and not [t for t in r.texts if norm(t)] for r in rows)
    placed: list[tuple[str, Row] | _Pending] = []
    numbering = _Numbering()
    used: set[str] = set()
    for row in rows:
        texts = [t for t in row.texts if norm(t)]
        if last_key in ("other.no_correction", "other.unpaid_fee"):
            group_other = True  # the rows after 1./2. of （六） are still in that group
        joined = [texts[i] + texts[i + 1] for i in range(len(texts) - 1)]
        for t in texts + joined:
            n = norm(t)
            if _OTHER_GROUP.search(n):
                group_other = True
            elif re.search(r"不予处理|无法提供|不予公开|总计", n) and not _OTHER_GROUP.search(n):
                if re.match(r"^\(?[三四五七3457]\)", n) or n in ("总计", "合计"):
                    group_other = False
        # the line's own label first, then everything since the previous run (split words)
        keys = _resolve(row.own, group_other) if row.own else set()
        if not keys and row.own and _OTHER_GROUP.search(_label(row.own)):
            keys = {"other.all"}  # （六）其他处理 with its numbers on its own line
        if not keys and row.own and row.nonblank:
            numbered = numbering.key(row.own)
            if numbered and numbered not in used and (numbered != "other.all" or not group_other):
                keys = {numbered}
        if not keys:
            keys = _resolve(texts, group_other)
            if keys and keys <= used and row.nonblank:
                # the label above names a row already read: it is that row's label wrapping
                # below its numbers, not this row's
                placed.append(_Pending(row, set(), False,
                    f"table 三: a row of {row.nonblank} numbers under the rest of another row's label "
                    f"({', '.join(sorted(keys))}) was not read"))
                continue
            if keys and unlabelled and row.nonblank:
                placed.append(_Pending(row, set(keys), True,
                    f"table 三: numbers under a label on another line ({', '.join(sorted(keys))}) in a table where "
                    "numbers and labels drift apart; not read"))
                last_key = next(iter(keys)) if len(keys) == 1 else last_key
                continue
        if not keys and texts and _OTHER_GROUP.search(_label(texts[-2:])):
            keys = {"other.all"}  # （六）其他处理 kept as one row
        if not keys:
            frag = fragment_keys("".join(row.own)) if row.own else set()
            if row.nonblank and len(row.values) >= 2:
                lab = "".join(texts)[-30:]
                placed.append(_Pending(row, frag, bool(texts),
                    f"table 三: a row of {row.nonblank} numbers without a recognised label ({lab!r}) was not read"))
            continue
        if len(keys) > 1:
            if row.nonblank:
                placed.append(_Pending(row, set(keys), True,
                    f"table 三: numbers under several labels ({', '.join(sorted(keys))}); which row they belong to "
                    "cannot be known, so none is read"))
            continue
        key = keys.pop()
        last_key = key
        numbering.follow(key)
        used.add(key)
        placed.append((key, row))
    _place_by_order(placed, res)
    for item in placed:
        if isinstance(item, _Pending):
            res.warnings.append(item.warning)
            res.rows_found.update(item.candidates if item.labelled else set())
            continue
        key, row = item
        if row.nonblank == 0:
            if key != "total":  # a bare 总计 without numbers is the column header
                res.rows_found.add(key)
                if row.values:  # the row's cells are there, all empty: not reported
                    res.blank.update(f"requests.{key}.{col}" for col in REQUEST_COLUMNS)
            continue
        vals = fit(row.values, len(REQUEST_COLUMNS), closed, confirm=_row_total_ok)
        if vals is None and join_digits and (split := join_split(row.values, len(REQUEST_COLUMNS), _row_total_ok)):
            vals, at = split
            res.joined.add(f"requests.{key}.{REQUEST_COLUMNS[at]}")
            res.warnings.append(f"table 三 row requests.{key}: {vals[at].raw} was broken over two lines and is read "
                                f"joined ({vals[at].value}): the row's 总计 confirms it (marked joined)")
        if vals is None:
            res.warnings.append(
                f"table 三 row requests.{key}: {len(row.values)} cells ({row.nonblank} numbers) for "
                f"{len(REQUEST_COLUMNS)} columns; their columns cannot be known, so none is read"
            )
            res.rows_found.add(key)
            continue
        res.rows_found.add(key)
        for col, cell in zip(REQUEST_COLUMNS, vals, strict=True):
            res.put(f"requests.{key}.{col}", cell)
    return res


def _place_by_order(placed: list[tuple[str, Row] | _Pending], res: TableResult) -> None:
    """Rows whose label is lost, cut short or drifted, placed by the template's row order.

    Between two rows read by their labels, the rows in between are given the template's rows in
    between only when there are exactly as many, each one's label (when it has candidates) allows
    its row, and at most one of them has no label at all. Anything else stays unread."""
    keys = [it[0] for it in placed if not isinstance(it, _Pending)]
    order = REQUEST_ORDER_2019 if "other.all" in keys else REQUEST_ORDER_2021
    anchors = [i for i, it in enumerate(placed) if not isinstance(it, _Pending) and it[0] in order]
    for a, b in zip(anchors, anchors[1:], strict=False):
        gap = placed[a + 1 : b]
        if not gap:
            continue
        ia, ib = order.index(placed[a][0]), order.index(placed[b][0])  # type: ignore[index]
        between = order[ia + 1 : ib]
        pending = [p for p in gap if isinstance(p, _Pending)]
        if len(pending) != len(gap) or len(between) != len(gap):
            continue
        if sum(1 for p in pending if not p.candidates) > 1:
            continue
        if any(p.candidates and key not in p.candidates for p, key in zip(pending, between, strict=True)):
            continue
        if any(not p.candidates and p.labelled for p in pending):
            continue  # a label that names no row is not a lost label
        for offset, (p, key) in enumerate(zip(pending, between, strict=True)):
            how = "its label was lost" if not p.candidates else "its label is cut short or stands apart"
            res.warnings.append(
                f"table 三 row requests.{key}: {how}; the row is placed by the template's order between "
                f"{placed[a][0]} and {placed[b][0]} (label inferred)"  # type: ignore[index]
            )
            placed[a + 1 + offset] = (key, p.row)


def _appeal_group(text: str) -> str | None:
    t = norm(text)
    if "复议后起诉" in t:
        return "suit_after_review"
    if "未经复议" in t or "直接起诉" in t:
        return "suit_direct"
    if "行政复议" in t and "行政诉讼" not in t:
        return "review"
    return None


def read_appeals(rows: list[Row], closed: bool = False, join_digits: bool = False) -> TableResult:
    """Table 四: 15 numbers in the order review×5, suit_direct×5, suit_after_review×5, on one
    row or on three labelled rows of five. join_digits: flattened text, where one number may break
    over two lines; joined only when the three groups' totals confirm it."""
    res = TableResult()
    n_all = len(APPEAL_GROUPS) * len(APPEAL_COLUMNS)
    runs = [r for r in rows if r.nonblank]
    if join_digits:
        pieces = [c for r in runs for c in r.values[next(k for k, c in enumerate(r.values) if c.kind == "num"):]]
        if sum(1 for c in pieces if c.kind == "num") == n_all + 1 and (split := join_split(pieces, n_all, _appeal_totals_ok)):
            vals, at = split
            for k, cell in enumerate(vals):
                res.put(f"appeals.{APPEAL_GROUPS[k // 5]}.{APPEAL_COLUMNS[k % 5]}", cell)
            key = f"appeals.{APPEAL_GROUPS[at // 5]}.{APPEAL_COLUMNS[at % 5]}"
            res.joined.add(key)
            res.warnings.append(f"table 四 {key}: {vals[at].raw} was broken over two lines and is read joined "
                                f"({vals[at].value}): the groups' totals confirm it (marked joined)")
            return res
    for i, r in enumerate(runs):
        # blanks before the first number close the header rows (the run has no label of its own)
        lead = next(k for k, c in enumerate(r.values) if c.kind == "num")
        vals = fit(r.values[lead:], n_all, closed)
        if vals is not None and i + 1 < len(runs) and not [t for t in runs[i + 1].texts if norm(t)]:
            # more numbers right below, with no label: digits wrapped inside cells (104 as 10 / 4)
            res.warnings.append("table 四: more numbers below its 15 cells (numbers wrapped inside cells?); "
                                "which digits belong where cannot be known, so no appeals value is read")
            return res
        if vals is not None:
            for i, cell in enumerate(vals):
                g, c = APPEAL_GROUPS[i // 5], APPEAL_COLUMNS[i % 5]
                res.put(f"appeals.{g}.{c}", cell)
            return res
    # one row wrapped over lines (PDF text): a block of neighbouring runs with no text between
    # them, read only when the whole block holds the 15 cells (a block with more numbers has
    # numbers wrapped inside their cells, e.g. 104 as 10 / 4: which belong where cannot be known)
    i = 0
    while i < len(runs):
        j = i + 1
        while j < len(runs) and not [t for t in runs[j].texts if norm(t)]:
            j += 1
        joined = [c for r in runs[i:j] for c in r.values]
        if j - i > 1 and sum(1 for c in joined if c.kind == "num") == n_all:
            lead = next(k for k, c in enumerate(joined) if c.kind == "num")
            vals = fit(joined[lead:], n_all, closed)
            if vals is not None:
                for k, cell in enumerate(vals):
                    res.put(f"appeals.{APPEAL_GROUPS[k // 5]}.{APPEAL_COLUMNS[k % 5]}", cell)
                return res
        i = j
    grouped: dict[str, list[Cell]] = {}
    for r in runs:
        groups = {g for t in r.texts if (g := _appeal_group(t))}
        vals = fit(r.values, len(APPEAL_COLUMNS), closed)
        if len(groups) == 1 and vals is not None:
            grouped.setdefault(groups.pop(), vals)
    if grouped and len(grouped) == len([r for r in runs]):
        for g, vals in grouped.items():
            for c, cell in zip(APPEAL_COLUMNS, vals, strict=True):
                res.put(f"appeals.{g}.{c}", cell)
        return res
    if runs:
        found = sum(r.nonblank for r in runs)
        res.warnings.append(
            f"table 四: {found} numbers where the table has {n_all} cells; which cells were lost cannot be known, "
            "so no appeals value is read"
        )
    return res


def read_active(rows: list[Row], template: str, closed: bool = False) -> TableResult:
    """Table 二: 主动公开政府信息情况 (第二十条 items)."""
    res = TableResult()
    hint = ""
    unit = ""  # money unit named by the latest header: 万元, 元, 亿元 or not named
    header: list[str | None] = []  # the latest header row's columns (None: not a template column)
    header_labels: list[str] = []
    for row in rows:
        texts = [t for t in row.texts if norm(t)]
        head = [norm(t) for t in texts]
        own = {norm(t) for t in row.own}
        # header cells; PDF layout text keeps a header row as one line with wide gaps between cells
        columns = [norm(piece) for t in texts if norm(t) not in own
                   for piece in _CELL_GAP.split(t) if _COLUMN_HEAD.search(norm(piece))]
        if columns:
            header, header_labels = [], []
            for h in columns:  # a piece may still hold several headers (single spaces between them)
                named = sorted((m.start(), c) for p, c in ACTIVE_COLUMN_LABELS for m in p.finditer(h))
                header += [c for _, c in named] or [None]
                header_labels += [h] * max(1, len(named))
        for h in head:
            if _ITEM.search(h):
                hint, unit = "", ""
            if _HINT_2021.search(h):
                hint = "2021"
            elif _HINT_2019.search(h):
                hint = hint or "2019"
            m = re.search(r"(亿元|万元|元)", h) if ("金额" in h or "单位" in h) else None
            if m:
                unit = m.group(1)
        label = norm(row.own and "".join(row.own) or (texts[-1] if texts else ""))
        if not label and texts:
            label = head[-1]
        name = next((k for k, p in ACTIVE_ROWS if p.search(label)), None)
        if name is None or row.nonblank == 0:
            if name:
                res.rows_found.add(name)
                cols = ACTIVE_LAYOUT.get(hint or template, {}).get(name, ())
                if row.values and not any(c.note for c in row.values):  # cells there, all empty
                    res.blank.update(f"active.{name}.{col}" for col in cols)
            continue
        layout_name = hint or template
        if layout_name not in ACTIVE_LAYOUT:
            layout_name = "2021"
        cols = ACTIVE_LAYOUT[layout_name].get(name)
        vals = fit(row.values, len(cols), closed) if cols else None
        if cols is None or vals is None:
            other = ACTIVE_LAYOUT["2019" if layout_name == "2021" else "2021"].get(name)
            if not hint and other and (v2 := fit(row.values, len(other), closed)) is not None:
                cols, vals = other, v2
        layout = ACTIVE_LAYOUT[layout_name].get(name) or ()
        narrower = bool(header) and (None in header or len(header) < len(layout))
        if ((cols is None or vals is None) and narrower and not re.search(r"\d", "".join(row.own))
                and (by_head := fit(row.values, len(header), closed))):
            # the table prints other columns than the template: each cell under its own header
            res.rows_found.add(name)
            skipped = [i for i, c in enumerate(header) if c not in layout]
            if skipped:
                res.warnings.append(
                    f"table 二 row {name}: {len(skipped)} of its {len(header)} columns are not template columns "
                    f"({', '.join(header_labels[i] for i in skipped)}); not read")
            cols = tuple(c for c in header if c in layout)
            vals = [cell for c, cell in zip(header, by_head, strict=True) if c in layout]
        if cols is None or vals is None:
            res.warnings.append(
                f"table 二 row {name}: {len(row.values)} cells ({row.nonblank} numbers) do not fit its columns; not read"
            )
            res.rows_found.add(name)
            continue
        res.rows_found.add(name)
        for col, cell in zip(cols, vals, strict=True):
            scale = Decimal(1)
            if col.endswith("_yuan") and cell.kind == "num":
                # the unit comes from the cell, else the header; the 2021 fee column is printed
                # （单位：万元） by the template itself
                u = cell.unit or unit or ("万元" if name == "fees" and layout_name == "2021" else "")
                if u not in _MONEY and cell.value == 0:
                    u = "元"  # nothing is nothing in any unit
                if u not in _MONEY:
                    res.warnings.append(f"active.{name}.{col}: the money unit is not stated; not read")
                    continue
                scale = _MONEY[u]
            res.put(f"active.{name}.{col}", cell, scale)
    return res
