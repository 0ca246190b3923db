"""Page chrome: the elements to prune before extraction and the text lines to drop after it.

Government CMSs (TRS, Hanweb/大汉, 开普云 ucap, gkmlpt, …) wrap every article in the same furniture:
breadcrumbs, font-size and print buttons, share widgets, QR prompts, related-link lists, policy
consultation boxes and a footer with the 网站标识码 / ICP licence. The rules below name that
furniture by what it is, never by one site's layout.
"""

from __future__ import annotations

import re

from lxml.etree import _Element

# Elements that never carry article text.
DROP_TAGS = frozenset({"script", "style", "noscript", "iframe", "object", "embed", "svg", "canvas",
                       "template", "select", "option", "button", "input", "textarea", "nav", "aside",
                       "footer", "map", "audio", "video", "head", "link", "meta"})

# Parts of class/id names (split on -, _ and case changes) that mark chrome.
_CHROME_PARTS = frozenset({
    "breadcrumb", "breadcrumbs", "crumb", "crumbs", "bread", "position", "location", "weizhi", "dqwz",
    "share", "bdshare", "fenxiang", "jiathis", "bshare", "print", "printer", "dayin",
    "qrcode", "ewm", "erweima", "code2d", "wxcode",
    "footer", "foot", "bottom", "copyright", "banquan", "topbar", "navbar", "nav", "menu", "submenu", "sidebar",
    "related", "xglj", "xgwz", "xgxx", "xgwj", "friendlink", "yqlj", "links",
    "search", "login", "toolbar", "fontsize", "zihao", "gotop", "backtop", "totop",
    "shoucang", "favorite", "sns", "social", "advert", "ads", "comment", "pinglun", "jiucuo",
    "header", "top", "pager", "pagination", "skip", "barrier", "wza", "accessibility",
})
# Class tokens (whole) that mean "not displayed".
_HIDDEN_CLASSES = frozenset({"ng-hide", "hide", "hidden", "d-none", "display-none", "displaynone", "none",
                             "invisible", "sr-only", "visually-hidden"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SPLIT = re.compile(r"[\s_\-:.]+|(?<=[a-z])(?=[A-Z])")


def name_parts(el: _Element) -> set[str]:
    """Lower-cased parts of an element's class and id (share_box -> {share, box})."""
    raw = f"{el.get('class') or ''} {el.get('id') or ''}"
    if not raw.strip():
        return set()
    return {p.lower() for p in _SPLIT.split(raw) if p}


def is_hidden(el: _Element) -> bool:
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    cls = el.get("class")
    if cls and any(t.lower() in _HIDDEN_CLASSES for t in cls.split()):
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def is_chrome_element(el: _Element) -> bool:
    """Named like page furniture (breadcrumb, share, print, footer, …)."""
    parts = name_parts(el)
    return bool(parts & _CHROME_PARTS)


# ---- line level -------------------------------------------------------------------------------

# Phrases removed wherever they stand (some extractors glue them onto the next paragraph).
_GLUED = re.compile(
    r"(?:手机)?扫一扫(?:在|用)?(?:手机|微信)?(?:上)?(?:打开|查看|浏览|阅读)?(?:当前|本|此)?(?:页面|页|文章)?(?:\.{2,}|…+)?"
    r"|【\s*(?:打印|关闭|收藏|字体|大|中|小|返回顶部)[^】]{0,12}】"
)

_LINE_PATTERNS = [
    # breadcrumb
    r"(?:您|你)?(?:当前|现在|目前)?(?:的)?(?:所在)?位置\s*[:：>＞].*",
    r"首页\s*[>＞»›/→].{0,120}",
    # counters and tools
    r".{0,30}(?:浏览|阅读|访问|点击)(?:次数|量|数)\s*[:：].{0,80}",
    r".{0,40}(?:字体|字号)\s*[:：]?\s*[【\[［(（]?\s*(?:[大中小]\s*){0,3}[】\]］)）]?.{0,40}",
    r"[【\[［]?\s*(?:打印本页|打印此页|打印|关闭本页|关闭窗口|关闭|返回顶部|返回|保存|收藏|分享|纠错|我要纠错|下载)\s*[】\]］]?"
    r"(?:\s*[|｜/]?\s*[【\[［]?\s*(?:打印本页|打印此页|打印|关闭本页|关闭窗口|关闭|返回顶部|返回|保存|收藏|分享|纠错|我要纠错)\s*[】\]］]?)*",
    r"分享到\s*[:：]?.{0,60}",
    r"(?:上一篇|下一篇|上一条|下一条)\s*[:：].{0,100}",
    r"(?:全真版|文字版|文件下载|附件下载)(?:\s*(?:全真版|文字版|文件下载|附件下载))*",
    # the time a saving tool fetched the page
    r"(?:采集|抓取|爬取|存档)(?:时间|日期)\s*[:：].{0,40}",
    # footer
    r".{0,60}(?:网站标识码|ICP[备证]\s*[:：]?\s*\d|ICP备案号|公网安备\s*\d|网安备\s*\d|政府网站找错|版权所有"
    r"|Copyright|©|技术支持\s*[:：]).{0,120}",
    # editor credits under an article
    r"[（(\[【]?\s*(?:责任编辑|责编|编辑|审核|审校|校对|核稿|签发|供稿)\s*[:：].{0,30}?[)）\]】]?",
    r"(?:主办|承办|协办|运维|维护)单位\s*[:：].{0,120}",
    r"(?:联系|通讯)?地址\s*[:：].{0,60}(?:邮编|邮政编码|电话|联系电话)\s*[:：]?.{0,60}",
    r"(?:网站地图|联系我们|关于我们|使用帮助|隐私声明|无障碍|适老化|长者模式)(?:\s*[|｜丨]?\s*(?:网站地图|联系我们|关于我们|使用帮助|隐私声明|无障碍|适老化|长者模式))*",
    r"(?:建议使用|推荐使用).{0,40}(?:浏览器|分辨率).{0,40}",
    # page numbers of text pulled from PDFs: - 4 -, — 4 —, 第 4 页 共 9 页
    r"[-—–]\s*\d{1,3}\s*[-—–]",
    r"第\s*\d{1,3}\s*页\s*(?:[/,，]?\s*共\s*\d{1,3}\s*页)?",
    # policy consultation box
    r"政策咨询",
    r"如果您对该政策文件有疑问.{0,60}",
    r"(?:切换到|切換到)?(?:繁體|繁体|简体|簡體)(?:版|中文)?",
]
_CHROME_LINE = re.compile(r"^\s*(?:" + "|".join(f"(?:{p})" for p in _LINE_PATTERNS) + r")\s*$", re.I)
# Headings that open a block of links or boilerplate that runs to its end.
_BLOCK_HEAD = re.compile(
    r"^\s*[【\[]?\s*(?:相关(?:文章|链接|阅读|新闻|信息|文件|稿件|政策|解读|附件)|相关阅读|延伸阅读|猜你喜欢|热点推荐|热门搜索"
    r"|推荐阅读|版权与免责声明|免责声明|版权声明|友情链接|网站导航)\s*[】\]]?\s*[:：]?\s*$")
_SHORT_LINE = 40


def strip_glued(line: str) -> str:
    return _GLUED.sub("", line)


def is_chrome_line(line: str) -> bool:
    s = line.strip()
    if not s:
        return False
    # Long prose lines are body text even when they mention 打印 or 版权.
    return len(s) <= 160 and bool(_CHROME_LINE.match(s))


def is_block_head(line: str) -> bool:
    return bool(_BLOCK_HEAD.match(line))


def is_list_like(line: str) -> bool:
    """A line that belongs to a link list or a disclaimer rather than to prose."""
    s = line.strip()
    if not s:
        return True
    if len(s) <= _SHORT_LINE and not s.endswith(("。", "；", ";")):
        return True
    # numbered disclaimer clauses: 1.凡本站… 2.…
    return bool(re.match(r"^\d{1,2}\s*[.、．]\s*.{0,10}(?:本站|本网|网站|转载|版权)", s))
