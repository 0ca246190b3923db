"""Which pictures of a report page are its tables ("图片版"), from cheap signals of the page's tree.

The crawl fetches a report page's table pictures so that OCR can read them (crawler/report/scan.py).
Fetching and reading a picture costs a request and seconds of OCR, so the choice is made before
any extraction, on the page's parsed tree (a parsel Selector: the spider's response.selector,
whose tree Scrapy has already built), and only when the page's own HTML lacks the tables:

- need: fewer than the template's three statistics tables are HTML tables holding numbers;
- each <img>: inside the article body, not in the page frame (header, footer, navigation, share
  bar, QR code box); not an icon, a QR code, a banner or a tracking pixel by its size attributes;
  not a logo / QR code / share button by its file name or alt text. Alt or title text naming a
  table (表, 统计, 情况, 附件, 图片版 …) or a file name like one makes a picture wanted even where
  the page has no recognisable body container.

No scrapy import: the spider passes its selector in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urljoin, urlsplit

# The template's statistics tables (二 主动公开, 三 申请, 四 复议诉讼): a page with this many number
# tables has its tables in HTML, and its pictures are photos or decoration, not worth OCR seconds.
TEMPLATE_TABLES = 3
# A table "holds numbers" when at least this many of its cells are numbers (the index block at the
# top of TRS pages has dates and codes, not bare numbers; table 二 alone has over 20).
MIN_NUMBER_CELLS = 8
# Size attributes (CSS pixels): a table drawn as a picture is at least this wide and tall; icons,
# share buttons and tracking pixels are smaller, QR codes small and square, banners flat.
MIN_WIDTH_PX = 200
MIN_HEIGHT_PX = 60
MAX_SQUARE_PX = 320  # a square picture up to this size is a QR code or a seal, not a table
SQUARE_TOLERANCE = 0.15
BANNER_RATIO = 8.0  # width / height above this (and short) is a banner or a divider
BANNER_MAX_HEIGHT_PX = 160

_NUMBER = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*%?\s*$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*$", re.I)
_STYLE_SIZE = re.compile(r"(?<![-\w])(width|height)\s*:\s*(\d+(?:\.\d+)?)\s*px", re.I)
_SPLIT = re.compile(r"[\s_\-:.]+|(?<=[a-z])(?=[A-Z])")

# class/id words of the body container of common CMSs (TRS, 大汉, 拓尔思, 博思 …)
_BODY_WORDS = frozenset({
    "trs", "editor", "article", "content", "zoom", "detail", "con", "main", "text", "body", "zw",
    "nr", "wzzw", "custom", "unionstyle", "view", "info", "xxgk", "pages", "news",
})
# class/id words of page frame: nothing inside is a report's table
_FRAME_WORDS = frozenset({
    "header", "head", "top", "footer", "foot", "bottom", "nav", "menu", "sidebar", "side", "aside",
    "share", "bdshare", "fx", "qrcode", "qr", "ewm", "erweima", "code", "weixin", "wechat", "weibo",
    "logo", "banner", "related", "xgwz", "links", "link", "friend", "search", "toolbar", "tools", "print",
    "bar", "breadcrumb", "bread", "crumb", "location", "position", "copyright", "jiucuo", "dzjg",
})
_FRAME_TAGS = frozenset({"header", "footer", "nav", "aside", "form", "button"})  # not <a>: editors link a picture to its full size
# file-name words of pictures that are never tables
_BAD_NAME = re.compile(
    r"logo|qr|ewm|erweima|code|icon|ico\b|share|banner|btn|button|arrow|spacer|blank|pixel|"
    r"weixin|wechat|weibo|gongan|beian|jiucuo|dzjg|biaoshi|print|close|loading|avatar|bg\b|line|"
    r"back|dayin|fanhui|guanbi|fenxiang|sousuo|search|gotop|warn|wza",
    re.I)
_GOOD_NAME = re.compile(r"table|biao|tongji|tjb|qingkuang|nb|nianbao|report", re.I)
_BAD_ALT = ("二维码", "扫一扫", "微信", "微博", "分享", "打印", "关闭", "党政机关", "找错", "备案", "标识", "logo",
            "LOGO", "返回", "搜索", "无障碍")
_GOOD_ALT = ("表", "统计", "情况", "附件", "图片版", "年报", "年度报告", "数据")
# the template's section headings: a page that has them but no number tables has its tables elsewhere
_HEADINGS = ("主动公开政府信息情况", "收到和处理政府信息公开申请情况", "政府信息公开行政复议")


class Tree(Protocol):
    """What is needed of a parsel Selector (or a Scrapy response's .selector): its lxml root."""

    root: Any


@dataclass(frozen=True)
class Picture:
    """A picture chosen as a table: its absolute address and why it was chosen."""

    url: str
    reason: str


@dataclass(frozen=True)
class PictureChoice:
    """The pictures to fetch (page order, bounded) and the page signals behind the choice."""

    pictures: list[Picture]
    number_tables: int  # HTML tables of the page holding numbers
    headings: bool  # the template's section headings are in the page's text
    skipped: int  # table-like pictures over the per-page bound

    @property
    def needed(self) -> bool:
        return self.number_tables < TEMPLATE_TABLES


def _words(values: Iterable[str]) -> set[str]:
    return {w.lower() for v in values for w in _SPLIT.split(v) if w}


def _px(value: str | None) -> float | None:
    m = _SIZE.match(value or "")
    return float(m.group(1)) if m else None


def _size(attrib: dict[str, str]) -> tuple[float | None, float | None]:
    """Width and height from the attributes or the inline style (style wins, as in a browser)."""
    w, h = _px(attrib.get("width")), _px(attrib.get("height"))
    for name, value in _STYLE_SIZE.findall(attrib.get("style", "")):
        if name.lower() == "width":
            w = float(value)
        else:
            h = float(value)
    return w, h


def size_rejects(width: float | None, height: float | None) -> str:
    """Why a picture of this declared size is no table ('' when it may be one or the size is unknown)."""
    if width is not None and height is not None:
        if width <= 2 or height <= 2:
            return "tracking pixel"
        if abs(width - height) <= SQUARE_TOLERANCE * max(width, height) and max(width, height) <= MAX_SQUARE_PX:
            return "small square (QR code, seal)"
        if width / height > BANNER_RATIO and height <= BANNER_MAX_HEIGHT_PX:
            return "banner"
    if width is not None and width < MIN_WIDTH_PX:
        return "narrow (icon)"
    if height is not None and height < MIN_HEIGHT_PX:
        return "flat (icon, divider)"
    return ""


def _place(img: Any) -> tuple[bool, bool]:
    """(inside a body container, inside page frame) from the picture's ancestors."""
    body = frame = False
    for anc in img.iterancestors():
        tag = anc.tag.lower() if isinstance(anc.tag, str) else ""
        if tag in _FRAME_TAGS:
            frame = True
        words = _words([anc.attrib.get("class", ""), anc.attrib.get("id", "")])
        if words & _FRAME_WORDS:
            frame = True
        if words & _BODY_WORDS:
            body = True
    return body, frame


def judge(img: Any, page_url: str) -> tuple[str, str]:
    """(absolute address, reason chosen) or ('', reason refused) for one <img> (lxml) element."""
    attrib = dict(img.attrib)
    src = (attrib.get("src") or attrib.get("data-src") or attrib.get("data-original") or "").strip()
    if not src or src.startswith(("data:", "javascript:")):
        return "", "no fetchable src"
    url = urljoin(page_url, src)
    if urlsplit(url).scheme not in ("http", "https"):
        return "", "not http(s)"
    label = f"{attrib.get('alt', '')} {attrib.get('title', '')}"
    if any(b in label for b in _BAD_ALT):
        return "", "alt text of chrome"
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    if _BAD_NAME.search(name):
        return "", "file name of chrome"
    if why := size_rejects(*_size(attrib)):
        return "", why
    body, frame = _place(img)
    if frame:
        return "", "in the page frame"
    named = any(g in label for g in _GOOD_ALT) or bool(_GOOD_NAME.search(name))
    if body:
        return url, "in the article body" + (", named like a table" if named else "")
    if named:
        return url, "named like a table"
    return "", "outside the article body"


def count_number_tables(tree: Tree, enough: int = TEMPLATE_TABLES) -> int:
    """HTML tables holding at least MIN_NUMBER_CELLS numbers (nested tables counted once, innermost),
    counted up to `enough`."""
    n = 0
    for table in tree.root.iter("table"):
        if table.find(".//table") is not None:
            continue
        numbers = 0
        for cell in table.iter("td", "th"):
            if _NUMBER.match(cell.text_content()):
                numbers += 1
                if numbers >= MIN_NUMBER_CELLS:
                    n += 1
                    break
        if n >= enough:
            break
    return n


def has_headings(tree: Tree) -> bool:
    """The template's section headings are in the page (an informative signal for the report's
    warnings and tests: a "图片版" page has them and no number tables)."""
    text = tree.root.text_content() if hasattr(tree.root, "text_content") else ""
    return any(h in text for h in _HEADINGS)


def choose_pictures(tree: Tree, page_url: str, max_pictures: int) -> PictureChoice:
    """The page's table pictures to fetch, in page order, at most max_pictures (none when the
    page's HTML has the tables)."""
    number_tables = count_number_tables(tree)
    if number_tables >= TEMPLATE_TABLES:
        return PictureChoice([], number_tables, False, 0)  # headings not looked for: not needed
    headings = has_headings(tree)
    chosen: list[Picture] = []
    seen: set[str] = set()
    for img in tree.root.iter("img"):
        url, reason = judge(img, page_url)
        if url and url not in seen:  # one picture shown twice is fetched once
            seen.add(url)
            chosen.append(Picture(url, reason))
    return PictureChoice(chosen[:max_pictures], number_tables, headings, max(0, len(chosen) - max_pictures))
