"""Page metadata: title, publication date, source, site meta tags, breadcrumb, 信息公开 index block.

Government CMSs follow the 政府网站发展指引 meta tags (SiteName, SiteDomain, SiteIDCode, ColumnName,
ArticleTitle, PubDate, ContentSource); the visible page repeats them as 来源：/ 发布时间：lines and as
a 索引号 / 发布机构 / 成文日期 table. Meta tags win because they are machine-written.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element

from crawler.document import Attachment

_WS = re.compile(r"[\s\u3000\xa0]+")
SITE_KEYS = ("SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType", "ColumnDescription", "Url")

# ---- dates ------------------------------------------------------------------------------------
_DATE = re.compile(
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT\-]*(\d{1,2})[:：时](\d{2})(?:[:：分](\d{2}))?)?")


def parse_date(raw: str) -> str:
    """ISO date (or date-time) from 2024-03-08 15:34 / 2020年08月02日 / 2007-08-20-23:59:59; '' if none."""
    m = _DATE.search(raw or "")
    if not m:
        return ""
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    out = f"{y:04d}-{mo:02d}-{d:02d}"
    if m.group(4) and int(m.group(4)) < 24 and int(m.group(5)) < 60:
        out += f"T{int(m.group(4)):02d}:{m.group(5)}"
        if m.group(6):
            out += f":{m.group(6)}"
    return out


# ---- meta tags --------------------------------------------------------------------------------
def meta_tags(root: _Element) -> dict[str, str]:
    """name/property -> content of every <meta>, keys lower-cased, first non-empty value wins."""
    out: dict[str, str] = {}
    for m in root.iter("meta"):
        key = (m.get("name") or m.get("property") or m.get("itemprop") or "").strip().lower()
        val = _WS.sub(" ", m.get("content") or "").strip()
        if key and val and key not in out:
            out[key] = val
    return out


_TITLE_KEYS = ("articletitle", "og:title", "dc.title", "title")
_DATE_KEYS = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date",
              "dcterms.created", "publish_time", "pubtime", "releasedate", "createdate")
_SOURCE_KEYS = ("contentsource", "source", "dc.publisher")
_TITLE_SEP = re.compile(r"\s*(?:_{1,2}|\s[-–—|｜]\s|\||｜|-{2,})\s*")
_SITE_SUFFIX = re.compile(r"(?:政府|人民政府|门户网站|网站|政府网|中国政府网|管委会|委员会|政务网|信息公开|平台|首页)$")


# A trailing "-沭阳县发改局" glued to the title: a short name (no digits) of an agency or a site.
_AGENCY_SUFFIX = re.compile(
    r"(?<!—)\s*[-–—]\s*([\u4e00-\u9fff（）()]{2,20}?(?:局|委|委员会|办|办公室|厅|院|政府|网|网站|门户|中心|部|署|所|处"
    r"|站|会|集团|公司|平台|政务网|信息公开|首页|街道|镇|乡))\s*$")


def strip_agency_suffix(title: str, site: dict[str, str] | None = None) -> str:
    """Drop a trailing -某某局 / -某某县人民政府 (or -SiteName) that a CMS or a saving tool appended."""
    t = title.strip()
    for v in (site or {}).values():
        for sep in ("-", "–", "—", "_", "|", "｜"):
            if v and len(t) > len(v) + 4 and t.endswith(sep + v):
                return t[: -len(sep + v)].rstrip()
    m = _AGENCY_SUFFIX.search(t)
    if m and m.start() >= 4:
        return t[: m.start()].rstrip()
    return t


def clean_title(raw: str, site: dict[str, str]) -> str:
    """Strip site and column suffixes (…_政府信息公开年报_平潭综合实验区党工委管委会, …-某某县发改局)."""
    raw = _WS.sub(" ", raw or "").strip()
    if not raw:
        return ""
    parts = [p.strip() for p in _TITLE_SEP.split(raw) if p and p.strip()]
    drop = {v for k, v in site.items() if k in ("SiteName", "ColumnName", "ColumnType") and v}
    keep = [p for p in parts if p not in drop]
    if not keep:
        return parts[0]
    # The article comes first, column and site after; a site name in front means the reverse order.
    if len(keep) > 1 and _SITE_SUFFIX.search(keep[0]):
        return strip_agency_suffix(max(keep, key=len), site)
    return strip_agency_suffix(keep[0], site)


_HEADING_SEP = re.compile(r"^\s*[-–—_|｜]")


def prefer_heading(title: str, raw_title: str, headings: list[str]) -> str:
    """The article's own heading when the <title> is that heading plus a suffix (…报告-某某局)."""
    raw = _WS.sub(" ", raw_title or "").strip()
    for h in headings:
        h = _WS.sub(" ", h or "").strip()
        if len(h) >= 6 and h != raw and raw.startswith(h) and _HEADING_SEP.match(raw[len(h):]):
            return h
    return title


def site_info(meta: dict[str, str]) -> dict[str, str]:
    return {k: meta[k.lower()] for k in SITE_KEYS if meta.get(k.lower())}


def title_from(root: _Element, meta: dict[str, str], site: dict[str, str]) -> str:
    for k in _TITLE_KEYS[:3]:
        if meta.get(k):
            return meta[k]
    t = root.find(".//title")
    if t is not None and (t.text_content() or "").strip():
        raw = t.text_content()
        headings = [h.text_content() for h in root.iter("h1")]
        return prefer_heading(clean_title(raw, site), raw, headings)
    for h in root.iter("h1"):
        txt = _WS.sub(" ", h.text_content()).strip()
        if 4 <= len(txt) <= 120:
            return txt
    return ""


def date_from_meta(meta: dict[str, str]) -> str:
    for k in _DATE_KEYS:
        if meta.get(k):
            d = parse_date(meta[k])
            if d:
                return d
    return ""


_BUILD_TIME = re.compile(r"页面生成时间\s*[:：]?\s*(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)")


def is_build_time(meta: dict[str, str], date: str) -> bool:
    """Whether a meta date is only when the CMS last regenerated the page: 开普云 (ucap) sites state
    it in <meta name="others" content="页面生成时间 …">, and their PubDate repeats it."""
    m = _BUILD_TIME.search(meta.get("others", ""))
    return bool(m and date and parse_date(m.group(1))[:10] == date[:10])


def source_from_meta(meta: dict[str, str]) -> str:
    for k in _SOURCE_KEYS:
        v = meta.get(k, "").strip()
        if v and len(v) <= 60:
            return v
    return ""


# ---- visible label: value pairs ---------------------------------------------------------------
# Index-block labels and their variants (Traditional forms included) -> canonical key.
_INDEX_LABELS = {
    "索引号": "索引号", "信息索引号": "索引号", "索引號": "索引号", "索 引 号": "索引号",
    "主题分类": "主题分类", "主题": "主题分类", "主题类别": "主题分类", "所属主题": "主题分类", "分类": "主题分类",
    "信息分类": "主题分类", "主題分類": "主题分类", "公开目录": "主题分类",
    "体裁分类": "体裁分类", "组配分类": "组配分类", "服务对象分类": "服务对象分类",
    "发布机构": "发布机构", "发文机关": "发布机构", "发布单位": "发布机构", "公开单位": "发布机构",
    "信息来源": "发布机构", "发文单位": "发布机构", "发布機構": "发布机构", "發布機構": "发布机构", "制发机关": "发布机构",
    "成文日期": "成文日期", "生成日期": "成文日期", "发文日期": "成文日期", "印发日期": "成文日期",
    "發文日期": "成文日期",
    "发布日期": "发布日期", "公开日期": "发布日期", "发布时间": "发布日期", "公开时间": "发布日期",
    "發布日期": "发布日期",
    "文号": "文号", "发文字号": "文号", "文件编号": "文号", "文件文号": "文号", "發文字號": "文号", "文號": "文号",
    "有效性": "有效性", "时效性": "有效性", "效力状态": "有效性", "是否有效": "有效性", "有效性状态": "有效性",
    "名称": "名称", "标题": "名称", "信息名称": "名称", "文件名称": "名称", "公文名称": "名称",
    "办文部门": "发布机构", "发文部门": "发布机构",
    "主题词": "主题词", "关键词": "主题词", "公开方式": "公开方式", "公开范围": "公开范围", "公开形式": "公开方式",
}
_LABEL_RE = re.compile(
    r"^\s*[【\[]?\s*(" + "|".join(sorted((re.escape(k).replace("\\ ", r"\s*") for k in _INDEX_LABELS),
                                          key=len, reverse=True))
    + r")\s*[】\]]?\s*[:：]\s*(.*)$", re.S)
_LABEL_NOCOLON = re.compile(r"^\s*(" + "|".join(sorted((re.escape(k) for k in _INDEX_LABELS), key=len, reverse=True))
                            + r")\s*$")
# 采集时间 / 抓取时间 is when a tool saved the page, never when it was published.
INLINE_FIELD = re.compile(
    r"(?<!采集|抓取|爬取|保存|下载|存档|入库)(信息来源|来源|來源|发布机构|发布时间|發布時間|发布日期|發布日期|发表时间|发稿时间|时间|時間|日期|作者|浏览次数|点击数|阅读次数)"
    r"\s*[:：]\s*")


def _label_key(label: str) -> str:
    return _INDEX_LABELS.get(_WS.sub("", label), _INDEX_LABELS.get(label, label))


def index_label(label: str) -> str:
    """The canonical index-block key of a label (发文字号 -> 文号), '' when it is none."""
    return _INDEX_LABELS.get(_WS.sub("", label), "")


_DATE_KEYS_CANON = ("成文日期", "发布日期")
_CORE = frozenset({"索引号", "主题分类", "发布机构", "成文日期", "发布日期", "文号", "有效性"})
_LABEL_TAGS = frozenset({"td", "th", "dt", "b", "strong", "label", "span", "em", "li", "div", "p", "font"})


def _hidden_ancestor(el: _Element) -> bool:
    from crawler.extract.chrome import is_hidden

    return any(is_hidden(a) for a in (el, *el.iterancestors()))


def _looks_like_label(s: str) -> bool:
    return bool(_LABEL_RE.match(s) or _LABEL_NOCOLON.match(s) or re.fullmatch(r".{1,8}[:：]", s))


def _sibling_value(el: _Element) -> str:
    """Text of the element after a label cell (<th>索引号</th><td>value</td>)."""
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    if nxt is None:
        return ""
    return _WS.sub(" ", nxt.text_content()).strip()


def index_block(root: _Element) -> dict[str, str]:
    """The 信息公开 index block as {canonical label: value}, from tables, lists or label: value lines."""
    texts = root.xpath("//body//text()[normalize-space()][not(ancestor::script)][not(ancestor::style)]")
    out: dict[str, str] = {}
    n = len(texts)
    for i, node in enumerate(texts):
        s = _WS.sub(" ", str(node)).strip()
        if len(s) > 60:
            continue
        m = _LABEL_RE.match(s)
        bare = None if m else _LABEL_NOCOLON.match(s)
        if not m and not bare:
            continue
        parent = node.getparent()
        if parent is None or _hidden_ancestor(parent):
            continue
        key = _label_key((m or bare).group(1))
        if key in out:
            continue
        if m:
            value = m.group(2).strip()
            # "索引号：" with the value in the following text node (a <span> or the next cell)
            if not value and i + 1 < n:
                nxt = _WS.sub(" ", str(texts[i + 1])).strip()
                value = "" if _looks_like_label(nxt) else nxt
        elif i + 1 < n and re.match(r"^\s*[:：]", str(texts[i + 1])):
            # <strong>索引号</strong>：value
            value = _WS.sub(" ", str(texts[i + 1])).strip().lstrip(":：").strip()
        else:
            # a bare label is only a label when it fills its own cell and the next cell holds the value
            if parent.tag not in _LABEL_TAGS or _WS.sub("", parent.text_content()) != _WS.sub("", s):
                continue
            value = _sibling_value(parent)
            if _looks_like_label(value):
                value = ""
        value = value.strip(" :：")
        if key in _DATE_KEYS_CANON and not parse_date(value):
            continue
        if value and len(value) <= 200:
            out[key] = value
    # Only a block with two core labels is an index block; a lone 发布时间 is page furniture.
    return out if len(_CORE & out.keys()) >= 2 else {}


_URLISH = re.compile(r"(?i)^(?:https?:|www\.|[\w-]+(?:\.[\w-]+)+/)")


def fields_in_text(text: str) -> dict[str, str]:
    """来源 / 发布时间 / … values from a header line such as 来源：X 时间：2024-03-08 15:34."""
    out: dict[str, str] = {}
    matches = list(INLINE_FIELD.finditer(text))
    for k, m in enumerate(matches):
        end = matches[k + 1].start() if k + 1 < len(matches) else min(len(text), m.end() + 60)
        val = text[m.end():end].split("\n")[0].strip(" 　|｜[]【】")
        val = re.split(r"\s{2,}|\u3000|\xa0", val.strip())[0].strip()
        label = m.group(1)
        if label in ("来源", "信息来源", "來源", "发布机构"):
            # a web address names the page, not its publisher
            if val and len(val) <= 40 and "source" not in out and not _URLISH.match(val):
                out["source"] = val
        elif label not in ("作者", "浏览次数", "点击数", "阅读次数"):
            d = parse_date(val)
            if d and "published" not in out:
                out["published"] = d
    return out


# ---- breadcrumb -------------------------------------------------------------------------------
_HERE = re.compile(r"(?:当前|现在|所在|您的|當前|現在)的?(?:位置|位址)")
_CRUMB_SPLIT = re.compile(r"\s*(?:>|＞|»|›|→|/|\\|>>)\s*")


def breadcrumb(root: _Element) -> list[str]:
    """当前位置：首页 > 政务公开 > … as a list, from the label's own text or the links right after it."""
    for node in root.xpath("//body//text()[contains(., '位置')][not(ancestor::script)][not(ancestor::style)]"):
        s = _WS.sub(" ", str(node)).strip()
        if not _HERE.search(s) or len(s) > 200:
            continue
        crumbs = breadcrumb_from_line(s)
        if len(crumbs) >= 2:
            return crumbs
        el = node.getparent()
        for _ in range(3):
            if el is None:
                break
            text = _WS.sub(" ", el.text_content()).strip()
            if len(text) > 300:
                break
            # the label must open the element, so that the links are the path it introduces
            if text.startswith(s[:4]):
                links = [x for x in (_WS.sub(" ", a.text_content()).strip() for a in el.iter("a")) if x]
                if links:
                    return links
            el = el.getparent()
    return []


def breadcrumb_from_line(line: str) -> list[str]:
    if not _HERE.search(line) or not re.search(r"[:：]", line):
        return []
    rest = re.split(r"[:：]", line, maxsplit=1)[-1]
    return [c.strip() for c in _CRUMB_SPLIT.split(rest) if c.strip()]


# ---- attachments ------------------------------------------------------------------------------
ATTACH_EXT = ("pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "rar", "7z", "ofd", "txt", "csv")
_EXT_RE = re.compile(r"\.(" + "|".join(ATTACH_EXT) + r")$", re.I)


def attachments(root: _Element, base_url: str) -> list[Attachment]:
    out: list[Attachment] = []
    seen: set[str] = set()
    base = base_url
    b = root.find(".//base")
    if b is not None and b.get("href"):
        base = urljoin(base_url, b.get("href").strip())
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        path = urlsplit(href).path
        m = _EXT_RE.search(path)
        if not m:
            continue
        url = urljoin(base, href) if base else href
        if url in seen:
            continue
        seen.add(url)
        text = _WS.sub(" ", a.text_content()).strip() or (a.get("title") or "").strip() or path.rsplit("/", 1)[-1]
        out.append(Attachment(url=url, text=text, ext=m.group(1).lower()))
    return out
