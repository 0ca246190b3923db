"""Extraction: fetched bytes (or text other tools extracted) -> a clean `Document`.

Stages, one module each: decoding (crawler.decoding), metadata, chrome pruning, body containers,
trafilatura with a plausibility check and fallbacks (containers / density), line cleaning, and
Traditional -> Simplified conversion.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping

import lxml.html
from lxml import etree
from lxml.etree import _Element

from crawler.decoding import check_text, decode_html
from crawler.document import Document
from crawler.extract import metadata as md
from crawler.extract.chrome import DROP_TAGS, is_chrome_element, is_hidden
from crawler.extract.containers import STRONG, pick_regions
from crawler.extract.convert import detect_script, to_simplified
from crawler.extract.density import density_pick
from crawler.extract.header import Header, split_header
from crawler.extract.render import element_text
from crawler.extract.textclean import (
    cell_per_line,
    clean_lines,
    is_meta_line,
    looks_like_prose,
    strip_residue,
)
from crawler.tablegrid import ZERO_WIDTH, Grid, table_cells

__all__ = ["extract_document", "clean_plain_text"]

# Pages above this many characters are cut (after dropping inline data and scripts): bounded memory.
MAX_HTML_CHARS = 2_000_000
_BIG = 1_000_000
_DATA_URI = re.compile(r"""(?:src|href)\s*=\s*["']?data:[^"'\s>]{200,}["']?""", re.I)
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_WS = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_MARK = re.compile(r"[。，；！？]")
_MAX_TABLE_ROWS = 2000
_SMALL_CONTAINER = 300
_MAX_TABLES = 200


def _shrink(html: str, warnings: list[str]) -> str:
    """Bound the work on huge pages: inline images and scripts first, then a hard cut."""
    if len(html) <= _BIG:
        return html
    before = len(html)
    html = _DATA_URI.sub('src=""', html)
    html = _SCRIPT_STYLE.sub("", html)
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
        warnings.append(f"page of {before} characters cut to the first {MAX_HTML_CHARS}; the rest was not read")
    elif len(html) < before:
        warnings.append(f"page of {before} characters: inline data and scripts dropped before parsing")
    return html


def _parse(html: str, warnings: list[str]) -> _Element | None:
    # Strip an XML declaration (lxml refuses str input that declares an encoding).
    html = re.sub(r"^\s*<\?xml[^>]*>", "", html, count=1)
    parser = lxml.html.HTMLParser(remove_comments=False, remove_pis=True, default_doctype=False)
    try:
        root = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError) as e:
        warnings.append(f"HTML could not be parsed: {e}")
        return None
    return root


_PARSER_DEPTH = 256
_INLINE_WRAPPERS = re.compile(
    r"<(/?)(?:div|span|font|b|i|u|em|strong|section|article|center|small|big|label|a|li|ul|ol|blockquote)\b[^>]*>",
    re.I)


def _flatten_tag(m: re.Match[str]) -> str:
    return "<br>" if m.group(0)[1:4].lower() in ("div", "/di", "li", "/li") else ""


def _max_depth(root: _Element) -> int:
    deepest = 0
    stack = [(root, 0)]
    while stack:
        el, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in el)
    return deepest


def _strong_ancestry(root: _Element) -> dict[int, _Element]:
    """The known body containers and their ancestors (never pruned as chrome), by id.

    The elements are kept as values: lxml proxies that nobody references are freed and their
    ids reused, so an id alone would not stay attached to its element.
    """
    keep: dict[int, _Element] = {}
    for el in root.iter("div", "td", "article", "section", "main", "span", "font"):
        if _is_strong(el):
            keep[id(el)] = el
            keep.update((id(a), a) for a in el.iterancestors())
    return keep


def _prose_guard(el: _Element) -> bool:
    text = el.text_content()
    return text.count("。") >= 5 and len(text) >= 300


def _widget(el: _Element) -> bool:
    """No sentence in it: a share bar or a print button, not a paragraph."""
    text = el.text_content()
    return len(text) < 100 and not _SENTENCE_MARK.search(text)


def prune(root: _Element) -> None:
    """Remove scripts, hidden elements and named chrome in place (iteratively: deep markup is safe).

    Inside a known body container the author's markup rules: a chrome-like class name there only
    removes an element that holds no sentence.
    """
    protected = _strong_ancestry(root)
    stack: list[tuple[_Element, bool]] = [(root, False)]
    while stack:
        el, inside = stack.pop()
        for child in list(el):
            tag = child.tag
            if not isinstance(tag, str) or tag in DROP_TAGS:
                child.drop_tree()
                continue
            if id(child) in protected:
                stack.append((child, inside or _is_strong(child)))
                continue
            if is_hidden(child):
                child.drop_tree()
                continue
            if tag == "header" or is_chrome_element(child):
                if (_widget(child) if inside else not _prose_guard(child)):
                    child.drop_tree()
                    continue
            stack.append((child, inside))


def _is_strong(el: _Element) -> bool:
    tokens = {t.lower() for t in (el.get("class") or "").split()}
    if el.get("id"):
        tokens.add(el.get("id", "").strip().lower())
    return bool(tokens & STRONG)


def _chars(text: str) -> int:
    return len(_WS.sub("", text or ""))


def _body_tables(region: _Element, warnings: list[str]) -> tuple[list[Grid], list[list[list[int]]]]:
    """Data tables of the body and their merged cells; layout tables (holding other tables) are
    skipped, huge ones cut."""
    grids: list[Grid] = []
    merges: list[list[list[int]]] = []
    for t in region.iter("table"):
        if next(t.iterdescendants("table"), None) is not None:
            continue
        rows = sum(1 for _ in t.iter("tr"))
        if rows > _MAX_TABLE_ROWS:
            warnings.append(f"table of {rows} rows: only the first {_MAX_TABLE_ROWS} kept as a grid")
            t = _first_rows(t, _MAX_TABLE_ROWS)
        g, m = table_cells(t)
        if len(g) >= 2 or (g and len(g[0]) >= 2):
            grids.append(g)
            merges.append([list(x) for x in m])
        if len(grids) >= _MAX_TABLES:
            warnings.append(f"more than {_MAX_TABLES} tables: the rest not kept as grids")
            break
    return grids, merges


def _first_rows(table: _Element, n: int) -> _Element:
    small = lxml.html.Element("table")
    for i, tr in enumerate(table.iter("tr")):
        if i >= n:
            break
        small.append(_copy(tr))
    return small


def _head_text(region: _Element) -> str:
    """The 来源：… 时间：… lines just above the body, from earlier siblings of up to 3 ancestors.

    Only short label: value lines count, so that a date in a list or a sentence is never taken
    for the publication date.
    """
    lines: list[str] = []
    seen = 0
    el = region
    for _ in range(3):
        for sib in el.itersiblings(preceding=True):
            if not isinstance(sib.tag, str):
                continue
            raw = sib.text_content()
            seen += len(raw)
            if len(raw) < 5000:
                for line in element_text(sib).split("\n"):
                    if len(line) <= 120 and "。" not in line and md.INLINE_FIELD.search(line):
                        lines.append(line)
            if seen > 20_000:
                return "\n".join(lines)
        parent = el.getparent()
        if parent is None:
            break
        el = parent
    return "\n".join(lines)


def _frame_urls(root: _Element, url: str) -> list[str]:
    from urllib.parse import urljoin

    out = []
    for f in root.iter("iframe", "frame"):
        src = (f.get("src") or "").strip()
        if src and not src.startswith(("javascript:", "about:", "data:")):
            out.append(urljoin(url, src) if url else src)
    return out


def _contains(a: _Element, b: _Element) -> bool:
    return a is b or any(x is a for x in b.iterancestors())


def _join(regions: list[_Element]) -> _Element:
    """One element holding the regions in order (moved, not copied)."""
    div = lxml.html.Element("div")
    for r in regions:
        r.tail = None
        div.append(r)
    return div


def _wrap(region: _Element) -> _Element:
    """region as a standalone document for trafilatura (moved out of its tree, not copied)."""
    html = lxml.html.Element("html")
    body = etree.SubElement(html, "body")
    region.tail = None
    body.append(region)
    return html


def _copy(el: _Element) -> _Element:
    c = copy.deepcopy(el)
    c.tail = None
    return c


def _trafilatura(tree: _Element, fast: bool, warnings: list[str]) -> str:
    import trafilatura

    try:
        out = trafilatura.extract(tree, include_tables=True, include_comments=False, fast=fast,
                                  deduplicate=False, with_metadata=False)
    except Exception as e:  # noqa: BLE001 - third-party code on hostile input; recorded, not fatal
        warnings.append(f"trafilatura failed: {type(e).__name__}: {e}")
        return ""
    return out or ""


def _finish_text(doc: Document, raw_text: str) -> None:
    """Script conversion and line cleaning; fills text, text_original, script."""
    raw_text = ZERO_WIDTH.sub("", raw_text)  # invisible, but they split words a reader searches for
    lines = raw_text.split("\n")
    doc.script = detect_script(raw_text)
    if doc.script == "traditional":
        conv = [to_simplified(x) for x in lines]
        kept = clean_lines(conv)
        cells = cell_per_line(conv)
        doc.text_original = "\n".join(strip_residue(lines[i].strip(), cells) for i, _ in kept)
        doc.title = to_simplified(doc.title)
        doc.source = to_simplified(doc.source)
        doc.breadcrumb = [to_simplified(x) for x in doc.breadcrumb]
        doc.index_block = {k: to_simplified(v) for k, v in doc.index_block.items()}
    else:
        kept = clean_lines(lines)
    doc.text = "\n".join(s for _, s in kept)


def _meta_head(text: str) -> str:
    """The 来源/时间 lines among the first lines of a text (not dates inside report sentences)."""
    return "\n".join(x for x in text.split("\n", 15)[:15] if is_meta_line(x))


def _fill_from_text_head(doc: Document, text: str) -> None:
    """Date and source from the 来源：… 时间：… line when meta tags lacked them."""
    if doc.published and doc.source:
        return
    if detect_script(text) == "traditional":
        text = to_simplified(text)
    found = md.fields_in_text(text)
    if not doc.published and found.get("published"):
        doc.published = found["published"]
    if not doc.source and found.get("source"):
        doc.source = found["source"]


def extract_document(body: bytes, url: str = "", headers: Mapping[str, str] | None = None) -> Document:
    """Document from an HTML page as fetched; every problem is a warning, never an exception."""
    doc = Document(url=url)
    dec = decode_html(body, headers)
    doc.encoding = dec.encoding
    doc.warnings.extend(dec.warnings)
    if dec.binary or not dec.text.strip():
        if not dec.binary and not doc.warnings:
            doc.warnings.append("no text in the body")
        return doc
    html = _shrink(dec.text, doc.warnings)
    # control characters are not allowed in an lxml tree (and never carry text)
    html = _CONTROL.sub("", html)
    if not re.search(r"</(?:html|body)\s*>", html[-4096:], re.I):
        doc.warnings.append("HTML looks truncated (no closing </body> or </html>)")
    root = _parse(html, doc.warnings)
    if root is not None and _max_depth(root) >= _PARSER_DEPTH - 2:
        # libxml2 drops everything nested deeper than 256 levels; flatten the wrappers and reparse.
        doc.warnings.append(f"markup nested deeper than {_PARSER_DEPTH} levels; wrappers flattened to keep the text")
        flat = re.sub(r"(?:<br>\s*){2,}", "<br>", _INLINE_WRAPPERS.sub(_flatten_tag, html))
        root = _parse(flat, doc.warnings)
    if root is None:
        return doc
    try:
        _extract_tree(doc, root, url, len(html))
    except RecursionError:
        doc.warnings.append("markup nested too deeply to extract")
    except (ValueError, etree.LxmlError) as e:
        # hostile markup that lxml refuses midway: recorded, the metadata found so far is kept
        doc.warnings.append(f"extraction failed: {type(e).__name__}: {e}")
    return doc


def _extract_tree(doc: Document, root: _Element, url: str, size: int) -> None:
    meta = md.meta_tags(root)
    doc.site = md.site_info(meta)
    doc.title = md.title_from(root, meta, doc.site)
    doc.published = md.date_from_meta(meta)
    doc.source = md.source_from_meta(meta)
    doc.breadcrumb = md.breadcrumb(root)
    doc.index_block = md.index_block(root)
    if doc.index_block.get("名称"):
        # the index block's 名称 is the article's name: it may show a <title> to carry a suffix
        doc.title = md.prefer_heading(doc.title, doc.title, [doc.index_block["名称"]])
    if not doc.published or md.is_build_time(meta, doc.published):
        # a regenerated page's build time is no publication date: the index block's date wins
        doc.published = md.parse_date(doc.index_block.get("发布日期", "")) or md.parse_date(
            doc.index_block.get("成文日期", "")) or doc.published
    if not doc.source and doc.index_block.get("发布机构"):
        doc.source = doc.index_block["发布机构"]

    frames = _frame_urls(root, url)
    body = root.find("body")
    if body is None:
        body = root
    prune(body)
    doc.attachments = md.attachments(body, url)

    regions = pick_regions(body)
    if regions and len(regions) == 1 and _chars(regions[0].text_content()) < _SMALL_CONTAINER:
        # A small "container" may be a widget that borrowed the name; trust it only when no
        # block elsewhere on the page holds clearly more prose.
        dense = density_pick(body)
        if dense is not None and not _contains(dense, regions[0]) and not _contains(regions[0], dense):
            d_chars, c_chars = _chars(dense.text_content()), _chars(regions[0].text_content())
            if d_chars >= 3 * c_chars:
                doc.warnings.append(f"body container holds {c_chars} characters but a block elsewhere "
                                    f"holds {d_chars}; the container was ignored")
                regions = []
    region: _Element | None = regions[0] if regions else None
    raw = ""
    if region is not None:
        doc.method = "container"
        # Everything that needs the tree in place comes before trafilatura, which takes the region
        # itself (no copy: memory stays at one tree) and rewrites it.
        _fill_from_text_head(doc, _head_text(region))
        if len(regions) > 1:
            doc.warnings.append(f"body split over {len(regions)} containers of the same kind; joined")
            region = _join(regions)
        doc.tables, doc.table_merges = _body_tables(region, doc.warnings)
        own = element_text(region)
        # 发布时间：… 来源：… inside the container, above the first paragraph
        _fill_from_text_head(doc, _meta_head(own))
        _cut_header(doc, own)  # read before trafilatura, which may drop the lines
        # The container is the article: our own text of it keeps every paragraph and renders its
        # tables as rows. trafilatura is not run on it (it cost a third of extract + parse, and
        # where it differed it dropped paragraphs of the body).
        raw = own
    else:
        dense = density_pick(body)
        dense_text = element_text(dense) if dense is not None else ""
        if dense is not None:
            _fill_from_text_head(doc, _head_text(dense))
            _fill_from_text_head(doc, _meta_head(dense_text))
            _cut_header(doc, dense_text)
            doc.tables, doc.table_merges = _body_tables(dense, doc.warnings)
        # trafilatura's fallback extractors cost seconds on megabyte pages
        traf = _trafilatura(_wrap(body), fast=size > _BIG // 2, warnings=doc.warnings)
        if looks_like_prose(traf) and _chars(traf) >= 0.5 * _chars(dense_text):
            raw, doc.method = traf, "trafilatura"
        elif looks_like_prose(dense_text):
            raw, doc.method = dense_text, "density"
            doc.warnings.append("no known body container; text-density pick used")
        elif looks_like_prose(traf):
            raw, doc.method = traf, "trafilatura"
        else:
            raw = ""
            doc.tables, doc.table_merges = [], []
            doc.warnings.append("no article body in the HTML (navigation or link list only, or a body "
                                "filled in by script); text left empty")
            if frames:
                doc.warnings.append("the page embeds frames that may hold the body: " + " ".join(frames[:5]))

    raw = check_text(raw, doc.warnings) if raw else raw
    if raw:
        raw = _cut_header(doc, raw)
    _finish_text(doc, raw)
    if raw and not looks_like_prose(doc.text, bool(doc.tables)):
        doc.warnings.append("extracted text does not read like an article (navigation only?); text left empty")
        doc.text, doc.text_original, doc.method = "", "", ""
    if not doc.title:
        doc.warnings.append("no title found")


# ---- plain text -------------------------------------------------------------------------------
_NUMBERED = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[、.．])")


# Sentence punctuation (full- or half-width) or an opening 根据/按照 mark a sentence, not a title.
_NOT_TITLE = re.compile(r"[。，,；;：:！？]|^(?:根据|按照|依据|为了|现将)")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff\d])[ \t\u3000]+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[ \t\u3000]+(?=\d)")


def _title_line(lines: list[str]) -> str:
    """A title among the first lines: short, no sentence end, not a numbered heading or chrome.

    PDF text splits a title over two lines (洪泽区人民政府 / 2023 年政府信息公开工作年度报告); such pairs
    are joined when only the pair reads as a report title.
    """
    from crawler.report.detect import is_report_title

    # a title may keep a table's closing pipe (报告 |) when the text was a pipe table
    head = [_CJK_GAP.sub("", x.strip().lstrip("#").strip().rstrip("| ")) for x in lines[:12] if x.strip()]
    head = [x for x in head if not _NOT_TITLE.search(x) and not _NUMBERED.match(x)]
    for a, b in zip(head, [*head[1:], ""], strict=False):
        if len(a) > 80:
            continue
        if is_report_title(a):
            return a
        if b and len(a) <= 30 and len(b) <= 60 and is_report_title(a + b):
            return a + b
    # Otherwise only a first line that a 来源/时间 line follows is a title (as on a saved page).
    raw = [x.strip() for x in lines[:4] if x.strip()]
    if len(raw) >= 2 and is_meta_line(raw[1]) and 4 <= len(raw[0]) <= 60 and not _NOT_TITLE.search(raw[0]):
        return _CJK_GAP.sub("", raw[0].lstrip("# ").rstrip("| "))
    return ""


def _fill_from_header(doc: Document, header: Header) -> None:
    """Title, date, source and link from a tool header; the index-block labels among its fields."""
    kinds = header.kinds
    if kinds.get("title") or header.title_line:
        doc.title = md.clean_title(kinds.get("title") or header.title_line, {})
    doc.published = md.parse_date(kinds.get("date", "")) or md.parse_date(kinds.get("written", ""))
    source = kinds.get("source", "")
    # a 来源 that is a web address names the page, not the publisher
    if source and not re.match(r"(?i)^(?:https?:|www\.)", source) and len(source) <= 60:
        doc.source = source
    elif 0 < len(kinds.get("agency", "")) <= 60:
        doc.source = kinds["agency"]
    link = kinds.get("link", "") or (source if source.lower().startswith("http") else "")
    if not doc.url and re.match(r"(?i)^https?://\S+$", link):
        doc.url = link
    block: dict[str, str] = {}
    for label, value in header.fields.items():
        key = md.index_label(label)
        if key and value:
            block.setdefault(key, value)
    doc.index_block = block


def _cut_header(doc: Document, raw: str) -> str:
    """A saving tool's 标题：… 来源：… block at the top of the body text: cut, and read for what is missing.

    The page's own metadata (meta tags, index block) is machine-written and wins.
    """
    lines = raw.split("\n")
    header = split_header(lines)
    if not header.body_start:
        return raw
    found = Document()
    _fill_from_header(found, header)
    doc.title = doc.title or found.title
    doc.published = doc.published or found.published
    doc.source = doc.source or found.source
    doc.url = doc.url or found.url
    return "\n".join(lines[:header.start] + lines[header.body_start:])


def clean_plain_text(text: str, url: str = "") -> Document:
    """Document from text another tool extracted: the same line cleaning, plus any title/date/source."""
    doc = Document(url=url, encoding="unicode")
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = check_text(text, doc.warnings)
    lines = text.split("\n")
    script = detect_script(text)
    # labels are matched in Simplified (標題 -> 标题); the indices are those of the original lines
    header = split_header([to_simplified(x) for x in lines[:40]] if script == "traditional" else lines)
    if header.body_start:
        # the tool's own header (标题：… 原文链接：… ===== 正文 =====) is metadata, not text
        lines = lines[:header.start] + lines[header.body_start:]
        text = "\n".join(lines)
        _fill_from_header(doc, header)
    head = lines[:15]
    for line in head:
        crumbs = md.breadcrumb_from_line(line)
        if len(crumbs) >= 2:
            doc.breadcrumb = crumbs
            break
    # only 来源/时间 header lines: a date inside a report sentence (统计时间：…) is not the publication date
    _fill_from_text_head(doc, _meta_head("\n".join(head)))
    probe = [to_simplified(x) for x in head] if script == "traditional" else head
    kept_head = [s for _, s in clean_lines(probe)]
    if not doc.title:
        doc.title = _title_line(kept_head)
    _finish_text(doc, text)
    doc.method = "plain"
    if not doc.text.strip():
        doc.warnings.append("no text left after cleaning")
    return doc
