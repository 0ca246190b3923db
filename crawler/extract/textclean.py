"""Line-level cleaning shared by HTML extraction and text that other tools extracted.

Drops the chrome lines that survive element pruning, cuts link lists and disclaimers that follow
their heading (相关文章, 版权与免责声明 …) and keeps each paragraph once: CMS pages repeat the summary
or print the body twice (page and print/download pop-up).
"""

from __future__ import annotations

import re

from crawler.extract.chrome import is_block_head, is_chrome_line, is_list_like, strip_glued
from crawler.extract.metadata import INLINE_FIELD

_WS = re.compile(r"[\s\u3000\xa0]+")
_SENTENCE = re.compile(r"[。；！？，]|(?<=[\u4e00-\u9fff])[,;](?=[\u4e00-\u9fff])")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Lines this long are paragraphs; shorter ones (headings, table cells, numbers) may repeat legitimately.
_DEDUP_MIN = 16
_CONTAINED_MIN = 30
_CONTAIN_MAX_LINES = 1500
# A report section heading ends a link block: 相关链接 never runs into 二、…
_SECTION = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]")

# Markdown and pipe-table residue (a converter's leftovers, not text): lines of only pipes, dashes and
# colons (||||, |---|---|), empty image links (![]()), and a stray closing pipe after a title.
_PIPE_ONLY = re.compile(r"^[\s|:\-]*\|[\s|:\-]*$")
_EMPTY_IMAGE = re.compile(r"!\[\s*\]\(\s*\)")
_CELL_LINE = re.compile(r"^[^|]*[^|\s][^|]*\s*\|\s*$")  # "本年新收 |": one cell, closed by its pipe
# Texts with this many one-cell lines are tables flattened one cell per line: there a lone "|" is a
# blank cell and "label |" a cell, both needed by the table reader, so they are left alone.
_CELL_PER_LINE_MIN = 5
# A closing pipe is stripped only from a line of words this long (a title); "0 |" stays a cell.
_TITLE_CJK_MIN = 8


def _key(line: str) -> str:
    return _WS.sub("", line)


def is_meta_line(line: str) -> bool:
    """来源：X 时间：2024-03-08 15:34 / 发布日期：… 浏览次数：… — page furniture above the body."""
    s = line.strip()
    if len(s) > 120 or _SENTENCE.search(s.replace("，", "")):
        return False
    fields = list(INLINE_FIELD.finditer(s))
    if not fields or fields[0].start() > 2:
        return False
    # 统计时间：2023年1月1日至… is a report sentence; only a bare 时间/日期 label is page furniture
    if fields[0].group(1) in ("时间", "時間", "日期") and _CJK.match(s[fields[0].start() - 1:fields[0].start()]):
        return False
    # two fields (来源 + 时间) or a lone date/counter field
    return len(fields) >= 2 or bool(re.search(r"\d{4}\s*[-年/.]\s*\d{1,2}", s)) or len(s) <= 20


def cell_per_line(lines: list[str]) -> bool:
    """Whether the text holds a table flattened one cell per line ("0 |" lines)."""
    return sum(1 for ln in lines if _CELL_LINE.match(ln)) >= _CELL_PER_LINE_MIN


def strip_residue(line: str, cells: bool = False) -> str:
    """A line without markdown/pipe residue ("" when it was only residue).

    Real table rows (| 本年新收 | 3 | … |) are kept whole; with cells=True (a text flattened one cell
    per line) pipe-only lines and closing pipes are structure and are kept too."""
    s = _EMPTY_IMAGE.sub("", line).strip()
    if "-" in s and _PIPE_ONLY.match(s) and re.search(r"-{2,}", s):
        return ""  # a markdown header separator |---|---|
    if cells:
        return s
    if _PIPE_ONLY.match(s):
        return ""
    if s.count("|") == 1 and s.endswith("|") and len(_CJK.findall(s)) >= _TITLE_CJK_MIN:
        return s[:-1].rstrip()  # 三明市2022年…报告 | : a title that kept a table's closing pipe
    return s


def clean_lines(lines: list[str]) -> list[tuple[int, str]]:
    """Indices and cleaned text of the lines worth keeping, in order."""
    kept: list[tuple[int, str]] = []
    in_block = False
    cells = cell_per_line(lines)
    for i, raw in enumerate(lines):
        line = strip_residue(strip_glued(raw).rstrip(), cells)
        s = line.strip()
        if not s:
            continue
        if is_block_head(s):
            in_block = True
            continue
        if in_block:
            if (is_list_like(s) or is_chrome_line(s)) and not _SECTION.match(s):
                continue
            in_block = False
        if is_chrome_line(s) or is_meta_line(s):
            continue
        kept.append((i, s))
    return dedupe(kept)


def dedupe(kept: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Keep each paragraph once: drop exact repeats and paragraphs contained in a longer one."""
    keys = [_key(s) for _, s in kept]
    seen: set[str] = set()
    out: list[tuple[int, str]] = []
    long_keys = [k for k in keys if len(k) >= _DEDUP_MIN and not k.startswith("|")]
    # containment is quadratic: on texts of thousands of paragraphs only exact repeats are removed
    contain = len(long_keys) <= _CONTAIN_MAX_LINES
    joined = "\n".join(long_keys) if contain else ""
    for (i, s), k in zip(kept, keys, strict=True):
        if len(k) >= _DEDUP_MIN and not k.startswith("|"):
            if k in seen:
                continue
            # contained in another (longer) paragraph: a summary or a truncated copy. Only sentences:
            # a heading or title line is legitimately quoted inside a paragraph.
            if (contain and len(k) >= _CONTAINED_MIN and _SENTENCE.search(k) and joined.count(k) > 1
                    and any(len(o) > len(k) and k in o for o in long_keys)):
                continue
            seen.add(k)
        out.append((i, s))
    return out


def looks_like_prose(text: str, has_tables: bool = False) -> bool:
    """Article text, not a navigation bar: some sentences, or a table."""
    cjk = len(_CJK.findall(text))
    sentences = len(_SENTENCE.findall(text))
    if has_tables and cjk >= 10:
        return True
    if cjk < 20 or sentences < 1:
        return False
    lines = [x for x in text.split("\n") if x.strip()]
    avg = sum(len(x.strip()) for x in lines) / max(1, len(lines))
    return avg >= 8 or sentences >= 3
