"""Headers that archivers and converters put above a saved text.

Tools that save a page as text or markdown write its metadata first — 标题：… / 发布时间：… / 文号：… /
原文链接：… / 本地目录：… lines, YAML-like ``title: …`` front matter — then a banner such as
``===== 正文 =====`` or a note pointing at side files (页面链接与图片详见 links.tsv). Those lines are
metadata, not article text: they give the title, date and source and are cut from the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# label -> kind. Kinds: title, date, written (成文 date: a fallback only), source, agency, link,
# other (kept in the fields, never used as a value of its own), ignore (tool data such as 采集时间).
_LABELS: dict[str, str] = {
    **dict.fromkeys(("标题", "名称", "题目", "文章标题", "信息名称", "文件名称", "公文名称", "标 题", "名 称",
                     "title"), "title"),
    **dict.fromkeys(("发布时间", "发布日期", "公开日期", "公开时间", "发表时间", "发表日期", "发文时间", "日期",
                     "时间", "發布時間", "發布日期", "date", "published", "pubdate"), "date"),
    **dict.fromkeys(("成文日期", "生成日期", "发文日期", "印发日期"), "written"),
    **dict.fromkeys(("来源", "信息来源", "文章来源", "來源", "source"), "source"),
    **dict.fromkeys(("发布机构", "发文机关", "发布单位", "公开单位", "发文单位", "发文部门", "单位", "发布機構",
                     "發布機構", "publisher"), "agency"),
    **dict.fromkeys(("原文链接", "原文地址", "原始链接", "原文网址", "链接", "网址", "页面地址", "页面链接", "来源链接",
                     "来源网址", "url", "link", "source_url"), "link"),
    **dict.fromkeys(("文号", "发文字号", "文件编号", "索引号", "主题分类", "分类", "栏目", "所属栏目", "频道", "有效性",
                     "作者", "关键词", "主题词", "体裁分类", "组配分类", "服务对象分类", "公开方式", "公开范围",
                     "本地目录", "本地路径", "保存路径", "文件路径", "保存目录", "浏览次数", "点击数", "字数",
                     "author", "tags", "category"), "other"),
    **dict.fromkeys(("采集时间", "抓取时间", "保存时间", "下载时间", "爬取时间", "存档时间", "crawled", "fetched",
                     "saved"), "ignore"),
}
_LABEL_ALT = "|".join(sorted((re.escape(k).replace("\\ ", r"\s*") for k in _LABELS), key=len, reverse=True))
# "- **标题**：value", "> 来源：value", "【来源】：value", "title: value"; half- or full-width colon.
_FIELD = re.compile(
    r"^\s*(?:>\s*)?(?:[-*+]\s+)?(?:\*\*)?\s*[【\[]?\s*(" + _LABEL_ALT + r")\s*[】\]]?\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*(.*?)\s*$",
    re.I)
# ===== 正文 =====, ---, *** or a bare 正文 line: the line where the tool's header ends.
_BANNER = re.compile(r"^\s*(?:[=\-*_~#]{3,}\s*(?:(?:正文|全文|内容|原文|正文内容|content|body|text)\s*[=\-*_~#]{3,})?"
                     r"|[【\[]?\s*(?:正文|全文|正文内容)\s*[】\]]?)\s*$", re.I)
# 页面链接与图片详见 links.tsv(同目录): the tool pointing at the files it saved next to the text.
_SIDE_FILE = re.compile(r"(?:详见|参见|见|see)\s*[\w.\-]+\.(?:tsv|csv|jsonl?|txt|html?|md|xlsx?)\b", re.I)
_HEAD_LINES = 30
_MAX_VALUE = 300


@dataclass
class Header:
    """What the tool's header said, and where the article text starts."""

    start: int = 0  # index of the header's first line (after a title line, if one precedes it)
    body_start: int = 0  # index of the first line after the header (0: no header)
    title_line: str = ""  # a heading line right above the header ("# 标题" then 来源：… 发布时间：…)
    fields: dict[str, str] = field(default_factory=dict)  # label as written -> value (first wins)
    kinds: dict[str, str] = field(default_factory=dict)  # kind -> first non-empty value


# a second label on the same line: 来源：某局 发布时间：2024-01-17
_NEXT = re.compile(r"\s+(?=(?:" + _LABEL_ALT + r")\s*[:：])", re.I)


def _fields(line: str) -> list[tuple[str, str]]:
    """(label, value) pairs of a header line; [] when it is not one."""
    m = _FIELD.match(line)
    if not m:
        return []
    label, value = re.sub(r"\s+", "", m.group(1)), m.group(2)
    if not re.match(r"(?i)^(?:https?:|www\.)", value.strip()):
        parts = _NEXT.split(value, maxsplit=1)
        if len(parts) == 2:
            rest = _fields(parts[1])
            if rest:
                return [*_fields(f"{label}：{parts[0]}"), *rest]
    value = value.strip().strip("*").strip()
    if len(value) > _MAX_VALUE or "。" in value:
        return []
    return [(label, value)]


def _field(line: str) -> tuple[str, str] | None:
    f = _fields(line)
    return f[0] if f else None


def _is_banner(line: str) -> bool:
    s = line.strip()
    return bool(_BANNER.match(s)) or (len(s) <= 80 and bool(_SIDE_FILE.search(s)))


def split_header(lines: list[str]) -> Header:
    """The tool header at the top of ``lines`` (label: value lines and banners), if there is one.

    A header is a run of such lines from the top. It counts when it holds two labelled lines, or
    one that names the title, source or link (a lone 时间：… line may open a report sentence), or
    when a banner closes it. A short heading line may stand above a header of two labelled lines.
    """
    first = next((i for i, x in enumerate(lines[:_HEAD_LINES]) if x.strip()), None)
    if first is None:
        return Header()
    head = _header_from(lines, first)
    if head.body_start or not _title_like(lines[first]):
        return head
    head = _header_from(lines, first + 1)
    if head.body_start and sum(1 for _ in head.fields) >= 2:
        head.title_line = lines[first].strip().lstrip("#").strip()
        return head
    return Header()


def _title_like(line: str) -> bool:
    s = line.strip().lstrip("#").strip()
    return 4 <= len(s) <= 80 and not re.search(r"[。；;：:！？]", s) and _field(line) is None


def _header_from(lines: list[str], start: int) -> Header:
    head = Header(start=start)
    labelled = 0
    strong = False
    banner = False
    end = 0
    for i in range(start, min(len(lines), _HEAD_LINES)):
        line = lines[i]
        if not line.strip():
            continue
        fields = _fields(line)
        if fields:
            for label, value in fields:
                kind = _LABELS.get(label, _LABELS.get(label.lower(), "other"))
                labelled += 1
                strong = strong or kind in ("title", "source", "link")
                head.fields.setdefault(label, value)
                if value and kind not in head.kinds:
                    head.kinds[kind] = value
            end = i + 1
            continue
        if _is_banner(line):
            banner = True
            end = i + 1
            continue
        break
    if labelled >= 2 or (labelled and strong) or (banner and end):
        head.body_start = end
        return head
    return Header(start=start)
