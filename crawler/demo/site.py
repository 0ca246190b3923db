"""An in-memory 政务公开 portal built around synthetic annual reports, with exact ground truth.

Layout (TRS-like, one prefecture government's site):

- ``/index.html`` home → ``/zwgk/index.html`` 政府信息公开 → ``/zwgk/zfxxgknb/index.html`` the
  政府信息公开年报 column, and ``/zwgk/zfxxgkzn/index.html`` (the 指南, not a report).
- Column list pages ``index.html``, ``index_1.html`` …: the first page has a static pager that only
  reaches the first three pages; every later page has only a TRS ``createPageHTML(n, i, "index", "html")``
  script, so pages past ``index_2.html`` are reachable only by reading the script.
- Articles ``/zwgk/zfxxgknb/YYYYMM/tYYYYMMDD_id.html``: reports (HTML body in ``div.TRS_Editor``),
  reports published only as a PDF attachment (``PYYYYMMDD….pdf`` next to the article), and non-report
  articles (工作动态 / 通知公告) whose titles must not be taken as reports. One report page is served
  as GBK.
- ``image_tables`` publishes that many HTML reports as "图片版": each statistics table is a PNG
  (crawler/demo/tableimage.py) shown with ``<img>`` in the article body, next to the page
  (``t…_id_0.png`` …), where the other reports have ``<table>``.
- ``extra_list_pages`` appends that many further list pages of older non-report articles to the
  column (more crawling, nothing more to store).

Pages are rendered on demand (``get``) and cached, so a portal of ~20,000 pages costs little memory;
``pages`` is a read-only mapping over the same thing.
"""

from __future__ import annotations

import functools
import hashlib
import html
import math
import random
import re
import struct
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from crawler.demo.generator import (
    REGIONS,
    Agency,
    SyntheticReport,
    generate_report,
    region_agencies,
    report_identity,
)
from crawler.demo.render import render_report_html, render_report_pdf

COLUMN = "/zwgk/zfxxgknb/"
COLUMN_NAME = "政府信息公开年报"
YEARS = tuple(range(2019, 2026))


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str
    last_modified: datetime | None = None  # Beijing time, naive

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:20] + '"'


@dataclass(frozen=True)
class GroundTruthReport:
    """One report a correct crawl must store (exactly once)."""

    path: str  # the article page listing the report (for kind "pdf", the page linking the PDF)
    title: str
    year: int
    agency: str
    published: str  # YYYY-MM-DD
    published_at: str  # YYYY-MM-DD HH:MM, as in the PubDate meta tag
    kind: str  # "html" | "pdf"
    template: str  # "2019" | "2021"
    region_code: str
    province: str
    seed: int
    attachment: str | None = None  # path of the PDF for kind "pdf"
    encoding: str = "utf-8"  # "gbk" for the page served as GBK
    pictures: tuple[str, ...] = ()  # paths of its tables' pictures, in page order, for a "图片版" report

    def report(self) -> SyntheticReport:
        return _report(self.seed, self.template, self.agency, self.year, self.region_code)

    @property
    def values(self) -> dict[str, int | float]:
        """Every field key of the template with its exact value."""
        return self.report().values


@functools.lru_cache(maxsize=64)
def _report(seed: int, template: str, agency: str, year: int, region_code: str) -> SyntheticReport:
    return generate_report(seed, template=template, agency=agency, year=year, region_code=region_code)


def template_for_year(year: int) -> str:
    return "2019" if year <= 2020 else "2021"


@dataclass(frozen=True)
class _Item:
    path: str
    title: str
    published: datetime
    kind: str  # report | other (| older while building: other items of the extra list pages)
    index: int  # into ground_truth (report) or _others (other)


@dataclass(frozen=True)
class _Other:
    title: str
    category: str  # 工作动态 | 通知公告
    seed: int


# Titles of non-report articles: they name a year and words close to the report titles, but none is
# a 政府信息公开工作年度报告. {y}: a year, {c}: the city, {d}: a department.
_OTHER_TITLES = (
    ("通知公告", "关于做好{y}年政府信息公开工作的通知"),
    ("工作动态", "{c}{y}年统计年报发布"),
    ("通知公告", "关于印发《{c}{y}年政务公开工作要点》的通知"),
    ("工作动态", "{c}召开{y}年度政务公开工作推进会"),
    ("通知公告", "关于公布{y}年度行政许可事项清单的通知"),
    ("工作动态", "{c}{y}年国民经济和社会发展统计公报"),
    ("通知公告", "关于开展{y}年度政府网站年度报表编制工作的通知"),
    ("工作动态", "{d}开展{y}年政务公开业务培训"),
    ("通知公告", "{c}{y}年度部门决算公开"),
    ("工作动态", "{d}召开{y}年度政府信息公开保密审查工作会议"),
)
_OTHER_PARAS = (
    "为深入贯彻落实《中华人民共和国政府信息公开条例》，进一步做好政务公开工作，现将有关事项通知如下。",
    "会议强调，各单位要进一步提高思想认识，压实工作责任，确保各项工作任务落到实处。",
    "各单位要严格按照时间节点报送相关材料，逾期未报送的，将予以通报。",
    "本次培训采取集中授课与交流研讨相结合的方式，全市各部门政务公开工作人员参加培训。",
    "联系人及电话请见附件，请各单位认真组织实施。",
)

_PAGER_JS = """function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount <= 1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0){
    document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;");
  }else{
    document.write("<a href=\\"" + _sPageName + "." + _sPageExt + "\\">首页</a>&nbsp;");
    var prev = nCurrIndex - 1;
    document.write("<a href=\\"" + _sPageName + (prev == 0 ? "" : "_" + prev) + "." + _sPageExt + "\\">上一页</a>&nbsp;");
  }
  if(nCurrIndex + 1 < _nPageCount){
    document.write("<a href=\\"" + _sPageName + "_" + (nCurrIndex + 1) + "." + _sPageExt + "\\">下一页</a>&nbsp;");
    document.write("<a href=\\"" + _sPageName + "_" + (_nPageCount - 1) + "." + _sPageExt + "\\">尾页</a>");
  }else{
    document.write("<span>下一页</span>&nbsp;<span>尾页</span>");
  }
  document.write("&nbsp;共" + _nPageCount + "页");
}"""



def _png_1x1() -> bytes:
    """A valid 1×1 white PNG, served for the QR code and logo so that every local link resolves."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff")) + chunk(b"IEND", b""))


_PNG = _png_1x1()
_TABLES = 3  # statistics tables of both templates (二, 三, 四): the pictures of a "图片版" report
_TABLE = re.compile(r"<table\b.*?</table>", re.S)
_CSS = b"body{font-family:'Microsoft YaHei',SimSun,sans-serif}.TRS_Editor p{text-indent:2em;line-height:2}\n"


class DemoPortal:
    """A deterministic synthetic government portal; `ground_truth` lists the reports to store."""

    def __init__(
        self,
        seed: int = 0,
        n_reports: int = 12,
        n_other: int = 10,
        extra_list_pages: int = 0,
        per_page: int | None = None,
        image_tables: int = 0,
    ) -> None:
        if n_reports < 0 or n_other < 0 or extra_list_pages < 0 or image_tables < 0:
            raise ValueError("n_reports, n_other, extra_list_pages and image_tables must not be negative")
        self.image_tables = image_tables
        self.seed = seed
        rng = random.Random(seed)
        self.region = REGIONS[rng.randrange(len(REGIONS))]
        r = self.region
        self.site_name = f"{r.city}人民政府"
        self.domain = f"www.{r.domain}.gov.cn"
        self.site_code = f"{r.city_code}0001"
        self.icp = f"{r.icp}ICP备{rng.randint(5_000_000, 20_099_999):08d}号"
        self.police = f"{r.icp}公网安备 {r.city_code}02{rng.randint(0, 999_999):06d}号"

        self.ground_truth: list[GroundTruthReport] = []
        self._others: list[_Other] = []
        self._items: list[_Item] = []
        self._index: dict[str, tuple[str, int]] = {}
        self._cache: OrderedDict[str, Page] = OrderedDict()
        self._lock = threading.Lock()

        # Separate random streams, so that adding extra list pages leaves the rest of the site as it was.
        self._build_reports(random.Random(f"{seed}:reports"), n_reports)
        self._build_others(random.Random(f"{seed}:others"), n_other)
        auto = 6 if n_reports + n_other >= 18 else max(1, math.ceil((n_reports + n_other) / 3))
        self.per_page = per_page or (20 if n_reports + n_other > 200 else auto)
        if extra_list_pages:
            dates = [i.published for i in self._items]
            dates += [datetime.strptime(g.published_at, "%Y-%m-%d %H:%M") for g in self.ground_truth]
            oldest = min(dates, default=datetime(2020, 1, 1))
            self._build_others(random.Random(f"{seed}:older"), extra_list_pages * self.per_page, before=oldest)
        self._layout(random.Random(f"{seed}:layout"))

    # --- construction ----------------------------------------------------------------------

    def _agency_pool(self) -> list[Agency]:
        own = REGIONS.index(self.region)
        pool = list(region_agencies(own))
        for i in range(len(REGIONS)):
            if i != own:
                pool += region_agencies(i)
        return pool

    def _build_reports(self, rng: random.Random, n: int) -> None:
        pool = self._agency_pool()
        local = len(region_agencies(REGIONS.index(self.region)))
        ny = len(YEARS)
        if n > len(pool) * ny:
            raise ValueError(f"n_reports={n} exceeds the {len(pool) * ny} distinct agency-years available")
        # Stay within the site's own prefecture while that leaves room to choose.
        space = local * ny if n <= local * ny // 2 else len(pool) * ny
        pairs = rng.sample(range(space), n)
        # At least two reports of the 2019 template (report years 2019-2020).
        old = [p for p in pairs if YEARS[p % ny] <= 2020]
        if n >= 4 and len(old) < 2:
            taken = set(pairs)
            for i in range(len(pairs)):
                if len(old) >= 2:
                    break
                if YEARS[pairs[i] % ny] > 2020:
                    p = pairs[i] - pairs[i] % ny + rng.randint(0, 1)
                    if p not in taken:
                        taken.add(p)
                        pairs[i] = p
                        old.append(p)
        # PDFs are slow to render (~40 ms): keep them few in big portals.
        n_pdf = 0 if n == 0 else max(1, n // 20 if n <= 200 else n // 100)
        pdf = set(rng.sample(range(n), n_pdf))
        html_ids = [k for k in range(n) if k not in pdf]
        gbk = html_ids[len(html_ids) // 2] if len(html_ids) >= 2 else None
        if self.image_tables > len(html_ids) - (gbk is not None):
            raise ValueError(f"image_tables={self.image_tables} exceeds the {len(html_ids)} UTF-8 HTML reports")
        pictured = set([k for k in html_ids if k != gbk][:self.image_tables])
        for k, p in enumerate(pairs):
            ag, year = pool[p // ny], YEARS[p % ny]
            seed = rng.getrandbits(31)
            title, published = report_identity(seed, ag.name, year)
            self.ground_truth.append(GroundTruthReport(
                path="", title=title, year=year, agency=ag.name, published=published.strftime("%Y-%m-%d"),
                published_at=published.strftime("%Y-%m-%d %H:%M"), kind="pdf" if k in pdf else "html",
                template=template_for_year(year), region_code=ag.region_code, province=ag.province,
                seed=seed, encoding="gbk" if k == gbk else "utf-8", pictures=("",) if k in pictured else (),  # placeholder: named once its path is known (_layout)
            ))

    def _build_others(self, rng: random.Random, n: int, before: datetime | None = None) -> None:
        depts = [a.name for a in region_agencies(REGIONS.index(self.region)) if a.kind == "department"][:30]
        for _ in range(n):
            category, form = rng.choice(_OTHER_TITLES)
            if before is None:
                when = datetime(2020, 1, 1) + timedelta(minutes=rng.randint(0, 6 * 365 * 24 * 60))
            else:
                when = before - timedelta(minutes=rng.randint(60, 3 * 365 * 24 * 60))
            y = when.year if "召开" in form or "培训" in form or "要点" in form else when.year - 1
            title = form.format(y=y, c=self.region.city, d=rng.choice(depts))
            self._others.append(_Other(title, category, rng.getrandbits(31)))
            self._items.append(_Item("", title, when, "older" if before else "other", len(self._others) - 1))

    def _layout(self, rng: random.Random) -> None:
        """Give every article a TRS path (doc ids grow with time) and cut the column into pages."""
        for k, g in enumerate(self.ground_truth):
            when = datetime.strptime(g.published_at, "%Y-%m-%d %H:%M")
            self._items.append(_Item("", g.title, when, "report", k))
        main = sorted((i for i in self._items if i.kind != "older"), key=lambda i: (i.published, i.kind, i.index))
        older = sorted((i for i in self._items if i.kind == "older"), key=lambda i: (i.published, i.index))
        base = 300_000 + rng.randint(0, 50_000)
        if len(older) * 3 >= base:
            raise ValueError("too many extra list pages")
        # Doc ids grow with time; the older items count down from below the first regular id.
        ids = [base - 3 * len(older) + 3 * i + 1 for i in range(len(older))]
        docid = base
        for _ in main:
            docid += rng.randint(1, 9)
            ids.append(docid)
        items: list[_Item] = []
        for it, docid in zip(older + main, ids, strict=True):
            path = f"{COLUMN}{it.published:%Y%m}/t{it.published:%Y%m%d}_{docid}.html"
            kind = "other" if it.kind == "older" else it.kind
            items.append(_Item(path, it.title, it.published, kind, it.index))
            if it.kind == "report":
                g = self.ground_truth[it.index]
                att = None
                if g.kind == "pdf":
                    att = self._pdf_path(it.published, docid, rng)
                pics = tuple(f"{path[:-len('.html')]}_{i}.png" for i in range(_TABLES)) if g.pictures else ()
                self.ground_truth[it.index] = replace(g, path=path, attachment=att, pictures=pics)
        items.reverse()  # the column lists the newest first
        self._items = items
        self._last_docid = docid
        self._reindex()

    @staticmethod
    def _pdf_path(when: datetime, docid: int, rng: random.Random) -> str:
        return f"{COLUMN}{when:%Y%m}/P0{when:%Y%m%d}{docid:08d}{rng.randint(0, 999999):06d}.pdf"

    def _reindex(self) -> None:
        index: dict[str, tuple[str, int]] = {}
        for n, it in enumerate(self._items):
            index[it.path] = ("article", n)
        for k, g in enumerate(self.ground_truth):
            if g.attachment:
                index[g.attachment] = ("pdf", k)
            for i, pic in enumerate(g.pictures):
                index[pic] = ("tableimg", k * _TABLES + i)
        self.n_list_pages = max(1, math.ceil(len(self._items) / self.per_page))
        for n in range(self.n_list_pages):
            index[self.list_path(n)] = ("list", n)
        for path, kind in (("/index.html", "home"), ("/zwgk/index.html", "zwgk"),
                           ("/zwgk/zfxxgkzn/index.html", "guide"), ("/robots.txt", "robots"),
                           ("/images/qrcode.png", "png"), ("/images/logo.png", "png"),
                           ("/images/style.css", "css")):
            index[path] = (kind, 0)
        self._index = index

    def add_report(self, *, kind: str = "html") -> GroundTruthReport:
        """Publish one more report, newer than everything on the site (for incremental-crawl tests).

        The report (the site's next free agency for the latest year) goes to the top of the column:
        list pages and the home page change, every existing article and PDF keeps its path and bytes.
        Call it between crawls, not while a crawl is running.
        """
        if kind not in ("html", "pdf"):
            raise ValueError(f"kind must be 'html' or 'pdf', not {kind!r}")
        rng = random.Random(f"{self.seed}:added:{len(self.ground_truth)}")
        year = YEARS[-1]
        used = {(g.agency, g.year) for g in self.ground_truth}
        agency = next((a for a in self._agency_pool() if (a.name, year) not in used), None)
        if agency is None:
            raise ValueError("no agency left without a report for the latest year")
        newest = self._items[0].published if self._items else datetime(year, 1, 1)
        for _ in range(10_000):  # a seed whose publication time is after everything listed
            seed = rng.getrandbits(31)
            title, published = report_identity(seed, agency.name, year)
            if published > newest:
                break
        else:
            raise ValueError("could not place a new report after the newest article")
        docid = self._last_docid + rng.randint(1, 9)
        path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{docid}.html"
        g = GroundTruthReport(
            path=path, title=title, year=year, agency=agency.name, published=published.strftime("%Y-%m-%d"),
            published_at=published.strftime("%Y-%m-%d %H:%M"), kind=kind, template=template_for_year(year),
            region_code=agency.region_code, province=agency.province, seed=seed,
            attachment=self._pdf_path(published, docid, rng) if kind == "pdf" else None,
        )
        with self._lock:
            self.ground_truth.append(g)
            self._items.insert(0, _Item(path, title, published, "report", len(self.ground_truth) - 1))
            self._last_docid = docid
            self._reindex()
            self._cache.clear()
        return g

    @staticmethod
    def list_path(n: int) -> str:
        return f"{COLUMN}index.html" if n == 0 else f"{COLUMN}index_{n}.html"

    # --- access ----------------------------------------------------------------------------

    @property
    def pages(self) -> Mapping[str, Page]:
        """Every page of the site by path (rendered when read)."""
        return _Pages(self)

    def paths(self) -> list[str]:
        return list(self._index)

    def get(self, path: str) -> Page | None:
        """The page at a URL path ('/' and directory paths mean their index.html), or None."""
        path = path.split("?", 1)[0].split("#", 1)[0] or "/"
        if path.endswith("/"):
            path += "index.html"
        entry = self._index.get(path)
        if entry is None:
            return None
        with self._lock:
            page = self._cache.get(path)
            if page is not None:
                self._cache.move_to_end(path)
                return page
        page = self._render(path, *entry)
        with self._lock:
            self._cache[path] = page
            if len(self._cache) > 256:
                self._cache.popitem(last=False)
        return page

    @property
    def column_url(self) -> str:
        return COLUMN + "index.html"

    # --- rendering -------------------------------------------------------------------------

    def _render(self, path: str, kind: str, n: int) -> Page:
        newest = self._items[0].published if self._items else datetime(2024, 1, 1)
        if kind == "list":
            return _html_page(self._list_page(n), self._items[n * self.per_page].published
                              if self._items else newest)
        if kind == "article":
            it = self._items[n]
            if it.kind == "report":
                g = self.ground_truth[it.index]
                doc = self._report_page(n, g)
                if g.encoding == "gbk":
                    return Page(doc.encode("gbk"), "text/html; charset=gbk", it.published)
                return _html_page(doc, it.published)
            return _html_page(self._other_page(n), it.published)
        if kind == "pdf":
            g = self.ground_truth[n]
            return Page(render_report_pdf(g.report()), "application/pdf",
                        datetime.strptime(g.published_at, "%Y-%m-%d %H:%M"))
        if kind == "tableimg":
            g = self.ground_truth[n // _TABLES]
            from crawler.demo.tableimage import png_bytes, render_table, span_tables

            table = span_tables(render_report_html(g.report()))[n % _TABLES]
            return Page(png_bytes(render_table(table)), "image/png",
                        datetime.strptime(g.published_at, "%Y-%m-%d %H:%M"))
        if kind == "home":
            return _html_page(self._home(), newest)
        if kind == "zwgk":
            return _html_page(self._zwgk(), newest)
        if kind == "guide":
            return _html_page(self._guide(), datetime(2023, 6, 1, 9, 0))
        if kind == "robots":
            return Page(b"User-agent: *\nDisallow:\n", "text/plain; charset=utf-8", datetime(2023, 1, 1))
        if kind == "png":
            return Page(_PNG, "image/png", datetime(2023, 1, 1))
        if kind == "css":
            return Page(_CSS, "text/css; charset=utf-8", datetime(2023, 1, 1))
        raise KeyError(path)

    def _chrome(self, head_title: str, meta: dict[str, str], crumbs: list[tuple[str, str]], main: str,
                charset: str = "utf-8") -> str:
        r = self.region
        e = html.escape
        meta_html = "\n".join(f'<meta name="{k}" content="{e(v)}">' for k, v in meta.items())
        crumb = " &gt; ".join(f'<a href="{href}">{e(name)}</a>' for name, href in crumbs)
        charset_tag = (f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
                       if charset != "utf-8" else '<meta charset="utf-8">')
        return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{charset_tag}
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
{meta_html}
<title>{e(head_title)}</title>
<link rel="stylesheet" type="text/css" href="/images/style.css">
</head>
<body>
<div class="top-bar"><div class="wrap"><span>欢迎访问{e(self.site_name)}门户网站</span>
<a href="javascript:;">无障碍浏览</a> <a href="javascript:;">长者模式</a> <a href="javascript:;">繁體</a></div></div>
<div class="header"><div class="wrap"><a href="/index.html" class="logo"><img src="/images/logo.png" alt="{e(self.site_name)}"></a>
<form class="search" action="/search/" method="get"><input type="text" name="q" placeholder="请输入关键词"><button type="submit">搜索</button></form></div></div>
<div class="nav"><ul>
<li><a href="/index.html">首页</a></li><li><a href="/zwgk/index.html">政务公开</a></li>
<li><a href="{COLUMN}index.html">政府信息公开年报</a></li><li><a href="javascript:;">政务服务</a></li>
<li><a href="javascript:;">互动交流</a></li><li><a href="javascript:;">走进{e(r.city)}</a></li></ul></div>
<div class="wrap main">
<div class="bread">当前位置：{crumb}</div>
{main}
</div>
<div class="footer"><div class="wrap">
<div class="links">友情链接：<a href="https://www.gov.cn/" target="_blank">中国政府网</a></div>
<p>主办单位：{e(r.city)}人民政府办公室　承办单位：{e(r.city)}大数据管理中心</p>
<p>网站标识码：{self.site_code}　<a href="https://beian.miit.gov.cn/" target="_blank">{e(self.icp)}</a>　<img src="/images/logo.png" alt="">{e(self.police)}</p>
<p>地址：{e(r.province)}{e(r.city)}人民政府大楼　联系电话：0000-12345678　建议使用1366×768分辨率浏览</p>
</div></div>
</body>
</html>
"""

    def _meta(self, title: str, column: str, published: datetime | None, source: str, path: str) -> dict[str, str]:
        m = {"SiteName": self.site_name, "SiteDomain": self.domain, "SiteIDCode": self.site_code,
             "ColumnName": column, "ColumnType": column}
        if published is not None:
            m |= {"ArticleTitle": title, "PubDate": f"{published:%Y-%m-%d %H:%M}", "ContentSource": source,
                  "Url": f"https://{self.domain}{path}"}
        return m

    def _crumbs(self, relative: bool) -> list[tuple[str, str]]:
        if relative:  # from /zwgk/zfxxgknb/YYYYMM/…, like TRS writes them
            return [("首页", "../../../index.html"), ("政务公开", "../../index.html"), (COLUMN_NAME, "../index.html")]
        return [("首页", "/index.html"), ("政务公开", "/zwgk/index.html"), (COLUMN_NAME, f"{COLUMN}index.html")]

    def _list_page(self, n: int) -> str:
        e = html.escape
        chunk = self._items[n * self.per_page:(n + 1) * self.per_page]
        lis = "\n".join(
            f'<li><a href="./{it.path[len(COLUMN):]}" target="_blank" title="{e(it.title)}">{e(it.title)}</a>'
            f'<span class="date">{it.published:%Y-%m-%d}</span></li>' for it in chunk)
        total = self.n_list_pages
        if n == 0:
            # Static pager: only the first three pages and 下一页, as a CMS's rendered window shows them.
            nums = ['<span class="now">1</span>'] + [
                f'<a href="index_{i}.html" class="pnum">{i + 1}</a>' for i in range(1, min(total, 3))]
            nxt = '<a href="index_1.html">下一页</a>' if total > 1 else "<span>下一页</span>"
            pager = f'<a href="index.html">首页</a>&nbsp;<span>上一页</span>&nbsp;{"&nbsp;".join(nums)}&nbsp;{nxt}'
        else:
            pager = f'<script language="javascript">createPageHTML({total}, {n}, "index", "html");</script>'
        main = f"""<div class="column-box">
<div class="column-title"><h2>{COLUMN_NAME}</h2></div>
<ul class="list">
{lis}
</ul>
<div class="page">{pager}</div>
</div>"""
        page = self._chrome(f"{COLUMN_NAME}_{self.site_name}", self._meta("", COLUMN_NAME, None, "", ""),
                            self._crumbs(False), main)
        if n > 0:
            page = page.replace("</head>", f'<script type="text/javascript">\n{_PAGER_JS}\n</script>\n</head>', 1)
        return page

    def _related(self, n: int) -> str:
        e = html.escape
        # Only older neighbours: publishing a new article must not change existing pages.
        near = list(range(n + 1, min(len(self._items), n + 6)))
        near += list(range(n - 1, max(-1, n - 1 - (3 - len(near))), -1))  # the oldest articles look forward
        return "\n".join(
            f'<li><a href="../{self._items[i].path[len(COLUMN):]}" target="_blank">{e(self._items[i].title)}</a>'
            f'<span>{self._items[i].published:%Y-%m-%d}</span></li>' for i in near)

    def _article(self, n: int, source: str, body: str, index_no: str) -> str:
        """Detail-page chrome around a body: index block, title, info bar, tools, QR, related."""
        it = self._items[n]
        e = html.escape
        main = f"""<div class="xxgk-index"><table class="xxgk_table">
<tr><th>索引号：</th><td>{e(index_no)}</td><th>主题分类：</th><td>政务公开</td></tr>
<tr><th>发布机构：</th><td>{e(source)}</td><th>成文日期：</th><td>{it.published:%Y-%m-%d}</td></tr>
<tr><th>标　　题：</th><td colspan="3">{e(it.title)}</td></tr>
<tr><th>发布日期：</th><td>{it.published:%Y-%m-%d}</td><th>有效性：</th><td>有效</td></tr>
</table></div>
<div class="article">
<h1 class="article-title">{e(it.title)}</h1>
<div class="article-info"><span>发布时间：{it.published:%Y-%m-%d %H:%M}</span> <span>来源：{e(source)}</span>
<span>浏览次数：<script>document.write(Math.floor(Math.random()*1000))</script></span>
<span class="font-size">字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a></span>
<span class="tools"><a href="javascript:window.print()">打印</a> <a href="javascript:window.close()">关闭</a></span></div>
<div class="article-content" id="zoom"><div class="TRS_Editor">
{body}
</div></div>
<div class="qrcode"><img src="/images/qrcode.png" alt="二维码"><p>扫一扫在手机打开当前页面</p></div>
</div>
<div class="related"><h3>相关文章</h3><ul>
{self._related(n)}
</ul></div>"""
        return main

    def _index_no(self, n: int) -> str:
        it = self._items[n]
        return f"{self.site_code[:6]}-{it.published:%Y}-{int(it.path.rsplit('_', 1)[1].split('.')[0]):06d}"

    def _report_page(self, n: int, g: GroundTruthReport) -> str:
        if g.kind == "pdf":
            name = g.attachment.rsplit("/", 1)[1] if g.attachment else ""
            body = (f'<p style="text-indent:2em;">{html.escape(g.title)}详见附件。</p>\n'
                    f'<p>附件：<a href="./{name}" target="_blank">{html.escape(g.title)}.pdf</a></p>')
        else:
            body = render_report_html(g.report())
            if g.pictures:  # "图片版": each table drawn as a picture (pictures the editor centred)
                names = iter(p.rsplit("/", 1)[1] for p in g.pictures)
                body = _TABLE.sub(lambda _m: f'<p style="text-align:center"><img src="./{next(names)}" '
                                             'border="0"></p>', body)
        main = self._article(n, g.agency, body, self._index_no(n))
        published = datetime.strptime(g.published_at, "%Y-%m-%d %H:%M")
        return self._chrome(f"{g.title}_{COLUMN_NAME}_{self.site_name}",
                            self._meta(g.title, COLUMN_NAME, published, g.agency, g.path),
                            self._crumbs(True), main, charset=g.encoding)

    def _other_page(self, n: int) -> str:
        it = self._items[n]
        o = self._others[it.index]
        rng = random.Random(o.seed)
        paras = rng.sample(_OTHER_PARAS, 3)
        body = "\n".join(f'<p style="text-indent:2em;">{html.escape(p)}</p>' for p in paras)
        source = f"{self.region.city}人民政府办公室"
        main = self._article(n, source, body, self._index_no(n))
        return self._chrome(f"{it.title}_{COLUMN_NAME}_{self.site_name}",
                            self._meta(it.title, COLUMN_NAME, it.published, source, it.path),
                            self._crumbs(True), main)

    def _home(self) -> str:
        e = html.escape
        notices = [it for it in self._items if it.kind == "other"][:6]
        reports = [it for it in self._items if it.kind == "report"][:4]
        lis = lambda items: "\n".join(  # noqa: E731
            f'<li><a href="{it.path}" target="_blank">{e(it.title)}</a><span>{it.published:%m-%d}</span></li>'
            for it in items)
        main = f"""<div class="home">
<div class="block"><h2>通知公告</h2><ul>{lis(notices)}</ul></div>
<div class="block"><h2><a href="/zwgk/index.html">政府信息公开</a></h2><ul>
<li><a href="/zwgk/zfxxgkzn/index.html">政府信息公开指南</a></li>
<li><a href="{COLUMN}index.html">政府信息公开年报</a></li></ul>
<ul>{lis(reports)}</ul></div>
</div>"""
        return self._chrome(self.site_name, self._meta("", "首页", None, "", ""), [("首页", "/index.html")], main)

    def _zwgk(self) -> str:
        main = f"""<div class="xxgk-nav"><h2>政府信息公开</h2><ul>
<li><a href="/zwgk/zfxxgkzn/index.html">政府信息公开指南</a></li>
<li><a href="javascript:;">政府信息公开制度</a></li>
<li><a href="javascript:;">法定主动公开内容</a></li>
<li><a href="{COLUMN}index.html">政府信息公开年报</a></li>
</ul></div>"""
        return self._chrome(f"政府信息公开_{self.site_name}", self._meta("", "政府信息公开", None, "", ""),
                            [("首页", "/index.html"), ("政务公开", "/zwgk/index.html")], main)

    def _guide(self) -> str:
        title = f"{self.site_name}政府信息公开指南"
        body = (f'<p style="text-indent:2em;">为便于公民、法人和其他组织获取{html.escape(self.site_name)}的政府信息，'
                "根据《中华人民共和国政府信息公开条例》，编制本指南。</p>"
                '<p style="text-indent:2em;">本机关每年1月31日前向社会公布上一年度政府信息公开工作年度报告。</p>')
        main = f'<div class="article"><h1>{title}</h1><div class="TRS_Editor">{body}</div></div>'
        return self._chrome(f"{title}_{self.site_name}",
                            self._meta(title, "政府信息公开指南", datetime(2023, 6, 1, 9, 0),
                                       f"{self.region.city}人民政府办公室", "/zwgk/zfxxgkzn/index.html"),
                            [("首页", "/index.html"), ("政务公开", "/zwgk/index.html")], main)


def _html_page(doc: str, last_modified: datetime) -> Page:
    return Page(doc.encode("utf-8"), "text/html; charset=utf-8", last_modified)


class _Pages(Mapping[str, Page]):
    """Read-only mapping view of a portal's pages, rendered on access."""

    def __init__(self, portal: DemoPortal) -> None:
        self._portal = portal

    def __getitem__(self, path: str) -> Page:
        page = self._portal.get(path) if path in self._portal._index else None
        if page is None:
            raise KeyError(path)
        return page

    def __iter__(self) -> Iterator[str]:
        return iter(self._portal.paths())

    def __len__(self) -> int:
        return len(self._portal._index)

    def __contains__(self, path: object) -> bool:
        return path in self._portal._index
