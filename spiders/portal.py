"""The `portal` spider: from a column page (or a portal home page) to every annual report.

Routing only: which links to follow and what each response is. What a list page holds comes from
crawler.paging, what a column is from crawler.discovery, whether a title is a report from
crawler.routing; extraction and parsing happen in the item pipelines.

    scrapy crawl portal -a url=https://www.example.gov.cn/zwgk/zfxxgknb/index.html
    scrapy crawl portal -a seeds=seeds/portals.yaml
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler.challenge import detect_block
from crawler.discovery import find_columns, is_annual_report_column
from crawler.items import ReportItem
from crawler.paging import ListPage, RequestSpec, analyse_list_page, parse_api_response
from crawler.routing import content_kind, is_attachment_url, link_decision
from crawler.seeds import Seed, load_seeds
from pipelines.portalstats import PortalStats
from pipelines.store import shared_store

# A report page whose own text (outside links, scripts and page frame) is shorter than this and
# that links attachments is a wrapper ("附件：某某2023年报.pdf"): the attachment is the report. A
# report written out in HTML is far longer: its tables' labels alone run past 1,500 characters.
_WRAPPER_TEXT_CHARS = 1500


def _headers(response: Response) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in response.headers.items():
        key = k.decode("latin-1").lower()
        out[key] = v[0].decode("latin-1") if v else ""
    return out


class PortalSpider(scrapy.Spider):
    """Crawl one or more portals for 政府信息公开工作年度报告."""

    name = "portal"
    custom_settings: dict[str, Any] = {}

    def __init__(self, url: str = "", seeds: str = "", name: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed_list: list[Seed] = []
        if seeds:
            self.seed_list.extend(load_seeds([p for p in seeds.split(",") if p]))
        for u in (p.strip() for p in url.split(",")):
            if u:
                host = urlsplit(u).hostname or u
                self.seed_list.append(Seed(name=name or host, start_urls=[u], allowed_domains=[host]))
        if not self.seed_list:
            raise ValueError("portal spider needs -a url=URL or -a seeds=PATH")
        domains: set[str] = set()
        for s in self.seed_list:
            domains.update(s.allowed_domains)
        # OffsiteMiddleware keeps redirects and links inside the portals' domains.
        self.allowed_domains = sorted(domains)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.since_year = settings.getint("ZWGK_SINCE_YEAR")
        spider.max_depth = settings.getint("ZWGK_DISCOVERY_DEPTH")
        spider.incremental = settings.getbool("ZWGK_INCREMENTAL")
        spider.max_pages = settings.getint("ZWGK_MAX_PAGES")
        spider.scheduled: dict[str, int] = {}
        spider.stats = PortalStats.of(crawler)
        spider.store = shared_store(crawler)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        distributed = bool(self.settings.get("ZWGK_REDIS_URL"))
        for seed in self.seed_list:
            self.stats.portal(seed.name)
            if distributed:
                continue  # work comes from the shared Redis queue (`zwgk enqueue`)
            for url in seed.start_urls:
                yield Request(
                    url,
                    callback=self.parse_list,
                    errback=self.on_error,
                    cb_kwargs={"portal": seed.name, "depth": 0},
                    meta={"portal": seed.name},
                    dont_filter=True,
                )

    # --- list pages ---------------------------------------------------------------------------

    def parse_list(self, response: Response, portal: str, depth: int) -> Iterable[Any]:
        self.stats.page(portal)
        if self._blocked(response, portal) or not isinstance(response, TextResponse):
            return
        page = analyse_list_page(response.url, response.text)
        in_column = is_annual_report_column(response.url, self._page_title(response))
        yield from self._follow_list(response, portal, depth, page, in_column)
        if depth < self.max_depth:
            # Department and town columns hang off the directory pages: look for more columns.
            for link in find_columns(response.url, response.text):
                if not self._within_budget(portal):
                    break
                yield response.follow(
                    link.url,
                    callback=self.parse_list,
                    errback=self.on_error,
                    cb_kwargs={"portal": portal, "depth": depth + 1},
                    meta={"portal": portal},
                )

    def parse_api(self, response: Response, portal: str, depth: int, kind: str, request_body: str) -> Iterable[Any]:
        self.stats.page(portal)
        if self._blocked(response, portal):
            return
        page = parse_api_response(kind, response.url, response.body, request_body)
        yield from self._follow_list(response, portal, depth, page, in_column=True)

    def _follow_list(
        self, response: Response, portal: str, depth: int, page: ListPage, in_column: bool
    ) -> Iterable[Any]:
        for warning in page.warnings:
            self.stats.warn(portal, f"{response.url}: {warning}")
        known = 0
        followed = 0
        for link in page.items:
            decision = link_decision(link.text, self.since_year, in_report_column=in_column)
            if decision == "skip":
                continue
            followed += 1
            if self.incremental and self.store.seen(link.url) is not None:
                known += 1
            if self._within_budget(portal):
                yield self._article_request(link.url, portal, link.text, response.url, decision)
        if self.incremental and followed and known == followed:
            # Every report on this page is known: older pages hold nothing new.
            self.stats.note(portal, "paging_stopped_known")
            return
        for spec in page.next:
            if self._within_budget(portal):
                yield self._list_request(spec, portal, depth)

    def _list_request(self, spec: RequestSpec, portal: str, depth: int) -> Request:
        if spec.kind.startswith("api:"):
            return Request(
                spec.url,
                method=spec.method,
                body=spec.body or None,
                headers=spec.headers or None,
                callback=self.parse_api,
                errback=self.on_error,
                cb_kwargs={"portal": portal, "depth": depth, "kind": spec.kind, "request_body": spec.body},
                meta={"portal": portal},
            )
        return Request(
            spec.url,
            method=spec.method,
            body=spec.body or None,
            headers=spec.headers or None,
            callback=self.parse_list,
            errback=self.on_error,
            cb_kwargs={"portal": portal, "depth": depth},
            meta={"portal": portal},
        )

    # --- articles and attachments -------------------------------------------------------------

    def _article_request(
        self, url: str, portal: str, link_text: str, referer: str, decision: str, context: dict | None = None
    ) -> Request:
        headers: dict[str, str] = {}
        meta: dict[str, Any] = {"portal": portal}
        if self.incremental:
            seen = self.store.seen(url)
            if seen is not None:
                if seen.etag:
                    headers["If-None-Match"] = seen.etag
                if seen.last_modified:
                    headers["If-Modified-Since"] = seen.last_modified
                if headers:
                    meta["handle_httpstatus_list"] = [304]
        return Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            headers=headers or None,
            cb_kwargs={
                "portal": portal,
                "link_text": link_text,
                "referer": referer,
                "decision": decision,
                "context": context or {},
            },
            meta=meta,
        )

    def parse_article(
        self, response: Response, portal: str, link_text: str, referer: str, decision: str, context: dict
    ) -> Iterable[Any]:
        self.stats.page(portal)
        if response.status == 304:
            self.stats.count(portal, "unchanged")
            return
        if self._blocked(response, portal):
            return
        kind = content_kind(response.url, _headers(response).get("content-type", ""), response.body[:8])
        if kind != "html" or not isinstance(response, TextResponse):
            yield self._item(response, portal, link_text, referer, kind, context)
            return
        title = self._page_title(response)
        if decision == "maybe" and link_decision(title, self.since_year) != "report":
            self.stats.count(portal, "not_report")
            return
        attachments = [
            (response.urljoin(a.attrib.get("href", "")), " ".join(a.css("::text").getall()).strip())
            for a in response.css("a[href]")
            if is_attachment_url(a.attrib.get("href", ""))
        ]
        ctx = {"title": title, "page_url": response.url, "meta": self._meta_tags(response)}
        wrapper = bool(attachments) and self._body_chars(response) < _WRAPPER_TEXT_CHARS
        for url, text in attachments:
            # On a wrapper every attachment may be the report; on a full report page only those
            # named like a report (the same report as PDF; the store merges the two sources).
            if (wrapper or link_decision(text, self.since_year) == "report") and self._within_budget(portal):
                yield self._article_request(url, portal, text or title, response.url, "report", ctx)
        if not wrapper:
            yield self._item(response, portal, link_text or title, referer, "html", context)

    def _item(
        self, response: Response, portal: str, link_text: str, referer: str, kind: str, context: dict
    ) -> ReportItem:
        headers = _headers(response)
        return ReportItem(
            url=response.url,
            body=response.body,
            status=response.status,
            content_type=headers.get("content-type", ""),
            headers=headers,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            body_sha256=hashlib.sha256(response.body).hexdigest(),
            portal=portal,
            link_text=link_text,
            referer=referer,
            kind=kind,
            context=context,
        )

    # --- helpers ------------------------------------------------------------------------------

    def _within_budget(self, portal: str) -> bool:
        """Count a request against the portal's page budget (ZWGK_MAX_PAGES, 0 = none)."""
        n = self.scheduled.get(portal, 0)
        if self.max_pages and n >= self.max_pages:
            if n == self.max_pages:
                self.stats.warn(portal, f"page budget of {self.max_pages} reached; crawl of this portal cut short")
                self.scheduled[portal] = n + 1
            return False
        self.scheduled[portal] = n + 1
        return True

    def _blocked(self, response: Response, portal: str) -> bool:
        reason = detect_block(response.status, _headers(response), response.body)
        if reason:
            self.stats.blocked(portal, f"{response.url}: {reason}")
            return True
        return False

    @staticmethod
    def _page_title(response: Response) -> str:
        if not isinstance(response, TextResponse):
            return ""
        for sel in ('meta[name="ArticleTitle" i]::attr(content)', "title::text"):
            value = (response.css(sel).get() or "").strip()
            if value:
                return value
        return ""

    @staticmethod
    def _meta_tags(response: Response) -> dict[str, str]:
        out: dict[str, str] = {}
        for m in response.css("meta[name]"):
            name = m.attrib.get("name", "")
            if name and m.attrib.get("content"):
                out[name] = m.attrib["content"].strip()
        return out

    @staticmethod
    def _body_chars(response: Response) -> int:
        texts = response.xpath(
            "//body//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::a)"
            " and not(ancestor::header) and not(ancestor::footer) and not(ancestor::nav)]"
        ).getall()
        return sum(len(t.strip()) for t in texts)

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        portal = request.meta.get("portal", "?")
        self.stats.error(portal, f"{request.url}: {failure.getErrorMessage() or failure.type.__name__}")
