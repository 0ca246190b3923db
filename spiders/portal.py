"""The `portal` spider: from a column page (or a portal home page) to every annual report.

Routing only: which links to follow and what each response is. What a list page holds comes from
crawler.paging, what a column is from crawler.discovery, whether a title is a report from
crawler.routing; extraction and parsing happen in the item pipelines.

    scrapy crawl portal -a url=https://www.example.gov.cn/zwgk/zfxxgknb/index.html
    scrapy crawl portal -a seeds=seeds/portals.yaml
    scrapy crawl portal -a seeds=seeds/demo.yaml -a tokens=demo=http://127.0.0.1:8123

Incremental runs and resumed jobs both lean on the store's seen table: a URL seen before this job
started is "known" (conditional request; a list page of only known reports ends its column's
paging), a URL seen since the job started is "done" (not requested again after a restart).
Requests carry only picklable / JSON-able data and spider-method callbacks, so JOBDIR, the
Redis queue and the store's pending list can serialise them.

A report page, attachment or list page that fails (HTTP error, timeout, lost connection, a body
cut short, size cap, redirect loop, a challenge, or a store that could not keep it) is recorded
as pending in the store; every later run starts with the pending requests that are due
(crawler/pending.py) until they succeed or are given up.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.utils.request import request_from_dict
from twisted.python.failure import Failure

from crawler.bodychars import body_text_chars
from crawler.challenge import detect_block
from crawler.discovery import find_columns, is_annual_report_column, site_key
from crawler.distributed import serializer
from crawler.filekind import image_kind
from crawler.items import PageImage, ReportItem
from crawler.paging import ListPage, RequestSpec, analyse_list_page, parse_api_response
from crawler.paging.budget import ListBudget
from crawler.pending import PendingPolicy, request_key
from crawler.pictures import choose_pictures
from crawler.report.detect import title_year
from crawler.routing import content_kind, is_attachment_url, link_decision
from crawler.seeds import Seed, load_seeds
from crawler.store import PendingEntry, SeenInfo, StoreUnavailable
from crawler.store.base import utcnow
from pipelines.downloader import host_allowed
from pipelines.portalstats import PortalStats
from pipelines.store import shared_store, shared_writer
from pipelines.storefail import stop_for_store_failure

# A report page whose own text (outside links, scripts and page frame) is shorter than this and
# that links attachments is a wrapper ("附件：某某2023年报.pdf"): the attachment is the report. A
# report written out in HTML is far longer: its tables' labels alone run past 1,500 characters.
_WRAPPER_TEXT_CHARS = 1500
_TOKEN_LEFT = re.compile(r"\{[a-z_][a-z0-9_]*\}")
# What a pending request keeps of its meta (routing context), and the headers it drops: the
# downloader middlewares set those again, and a cookie has no business in the store.
_PENDING_META = ("portal", "article", "wrapper", "handle_httpstatus_list", "picture_of", "dont_redirect")
_UNSAVED_HEADERS = {b"cookie", b"user-agent", b"accept-encoding", b"accept-language", b"referer"}
# callback -> errback of the requests the pending list may hold
_PENDING_CALLBACKS = {"parse_list": "on_error", "parse_api": "on_error", "parse_article": "on_error",
                      "parse_picture": "on_picture_error"}
# A report page's table pictures are fetched before more pages, so that its item, held until they
# are in, is not held long.
_PICTURE_PRIORITY = 1
# The delivery request of an item whose last picture ended outside a callback: it needs no network
# (and the offsite check refuses it, which reaches the same method as its errback).
_DELIVERY_URL = "data:,"


def _headers(message: Response | Request) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in message.headers.items():
        key = k.decode("latin-1").lower()
        out[key] = v[0].decode("latin-1") if v else ""
    return out


def _html_tree(response: TextResponse) -> lxml.html.HtmlElement | None:
    """The lxml.html tree behind response.selector (parsed once, cached by Scrapy); None for XML."""
    root = response.selector.root
    return root if isinstance(root, lxml.html.HtmlElement) else None


def _when(value: str | None) -> datetime | None:
    """A stored timestamp ('…Z' or '…+00:00') as an aware datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_tokens(spec: str) -> dict[str, str]:
    """'demo=http://127.0.0.1:8123,x=http://…' -> {'demo': 'http://127.0.0.1:8123', 'x': …}."""
    out: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"token wants NAME=VALUE, got {part!r}")
        out[key.strip()] = value.strip()
    return out


def unresolved_tokens(seeds: Iterable[Seed]) -> list[str]:
    """Messages for seed URLs still holding a {token} (a seed file needing --token NAME=URL)."""
    return [
        f"seed {s.name!r}: unresolved token in {u} (pass --token NAME=URL)"
        for s in seeds
        for u in s.start_urls + s.guessed_urls
        if _TOKEN_LEFT.search(u)
    ]


class PortalSpider(scrapy.Spider):
    """Crawl one or more portals for 政府信息公开工作年度报告."""

    name = "portal"
    custom_settings: dict[str, Any] = {
        "DOWNLOADER_MIDDLEWARES": {
            # Scrapy retries at once; ours waits with exponential backoff (and honours Retry-After).
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "pipelines.downloader.BackoffRetryMiddleware": 550,
            # Right after Scrapy's offsite check (50), before robots.txt is fetched for a foreign host.
            "pipelines.downloader.PortalOffsiteMiddleware": 55,
            # robots.txt with a short timeout of its own; unreachable = the portal is postponed
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "pipelines.downloader.PortalRobotsTxtMiddleware": 100,
        },
        "SPIDER_MIDDLEWARES": {
            # Closest to the spider (after DepthMiddleware, 900), so it sees a callback's exception
            # first: a callback that finds the store gone stops the crawl with one message.
            "pipelines.storefail.StoreFailureMiddleware": 950,
        },
    }

    def __init__(self, url: str = "", seeds: str = "", name: str = "", tokens: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed_list: list[Seed] = []
        if seeds:
            self.seed_list.extend(load_seeds([p for p in seeds.split(",") if p], tokens=parse_tokens(tokens)))
        for u in (p.strip() for p in url.split(",")):
            if u:
                host = urlsplit(u).hostname or u
                # The whole site (x.gov.cn for www.x.gov.cn): a portal's columns often live on xxgk.x.gov.cn.
                self.seed_list.append(Seed(name=name or host, start_urls=[u], allowed_domains=[site_key(host)]))
        if not self.seed_list:
            raise ValueError("portal spider needs -a url=URL or -a seeds=PATH")
        problems = unresolved_tokens(self.seed_list)
        if problems:
            raise ValueError(problems[0])
        self.domains_by_portal: dict[str, list[str]] = {}
        for s in self.seed_list:
            domains = list(s.allowed_domains) or [site_key(urlsplit(u).hostname or "") for u in s.start_urls]
            self.domains_by_portal.setdefault(s.name, []).extend(domains)
        # Scrapy's OffsiteMiddleware keeps links inside the union; PortalOffsiteMiddleware keeps each
        # request (redirects included) inside its own portal's domains.
        self.allowed_domains = sorted({d for ds in self.domains_by_portal.values() for d in ds})
        self.since_year = 0
        self.max_depth = 3
        self.incremental = True
        self.max_pages = 0
        self.job_started = datetime.now(UTC)
        self.resumed = False
        self.scheduled: dict[str, int] = {}
        # wrapper page URL -> attachments still pending, its validators, and whether all went well
        self.wrappers: dict[str, dict[str, Any]] = {}
        self.lists_seen: set[str] = set()  # list pages analysed by this process
        self.pending_policy = PendingPolicy()
        self.run_token = uuid.uuid4().hex  # a pending entry's attempts count runs, not tries
        self.pending_urls: set[str] = set()  # URLs taken from the pending list by this run
        self.continued = False  # continues the job of a run that did not finish
        self.max_list_pages = 0
        self.trap_pages = 0
        self.paging: dict[str, ListBudget] = {}  # per portal: list pages, items seen, pages with nothing new
        # report page URL -> its item waiting for its table pictures (see _with_pictures)
        self.picture_pages: dict[str, dict[str, Any]] = {}
        # report page URL -> its response, from when a picture emitted its item until the item's signal
        self.held_pages: dict[str, Response] = {}
        # report page URL -> its item, complete, waiting for its delivery request (see _picture_lost)
        self.delivering: dict[str, ReportItem] = {}
        self.page_images_max = 0
        self.image_max_bytes = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> PortalSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.since_year = settings.getint("ZWGK_SINCE_YEAR")
        spider.max_depth = settings.getint("ZWGK_DISCOVERY_DEPTH")
        spider.incremental = settings.getbool("ZWGK_INCREMENTAL")
        spider.max_pages = settings.getint("ZWGK_MAX_PAGES")
        spider.max_list_pages = settings.getint("ZWGK_MAX_LIST_PAGES")
        spider.trap_pages = settings.getint("ZWGK_LIST_TRAP_PAGES")
        spider.page_images_max = settings.getint("ZWGK_PAGE_IMAGES_MAX")
        spider.image_max_bytes = settings.getint("ZWGK_IMAGE_MAX_BYTES")
        started = _when(settings.get("ZWGK_JOB_STARTED"))
        if started is not None:
            spider.job_started = started
        spider.resumed = settings.getbool("ZWGK_JOB_RESUMED")
        spider.pending_policy = PendingPolicy(
            max_attempts=settings.getint("ZWGK_PENDING_MAX_ATTEMPTS"),
            backoff=settings.getfloat("ZWGK_PENDING_BACKOFF"),
            backoff_max=settings.getfloat("ZWGK_PENDING_BACKOFF_MAX"),
        )
        spider.stats = PortalStats.of(crawler)
        spider.store = shared_store(crawler)
        spider.writer = shared_writer(crawler)  # saves and mark_seen, batched off the reactor; seen() sees them
        if started is None and not settings.get("ZWGK_REDIS_URL"):
            # Without --jobdir: a last run that was killed or stopped by a store failure is continued,
            # so that what it never fetched or stored is fetched now (in distributed mode the Redis
            # queue keeps the crawl's state instead).
            unfinished = _when(spider.store.unfinished_job_start())
            if unfinished is not None:
                spider.job_started = unfinished
                spider.continued = True
        crawler.signals.connect(spider.on_item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(spider.on_item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(spider.on_item_error, signal=signals.item_error)
        crawler.signals.connect(spider.on_request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(spider.on_request_scheduled, signal=signals.request_scheduled)
        return spider

    def portal_domains(self, portal: str) -> list[str]:
        """Allowed domains of one portal (PortalOffsiteMiddleware); the union for unknown names."""
        return self.domains_by_portal.get(portal) or self.allowed_domains

    def _on_site(self, portal: str, url: str) -> bool:
        """A link inside the portal's domains; others are noted, not requested (and not errors)."""
        if host_allowed(urlsplit(url).hostname or "", self.portal_domains(portal)):
            return True
        self.stats.note(portal, "offsite_links")
        return False

    async def start(self) -> AsyncIterator[Any]:
        distributed = bool(self.settings.get("ZWGK_REDIS_URL"))
        for seed in self.seed_list:
            self.stats.portal(seed.name)
        # What earlier runs could not fetch or store, first: in distributed mode every worker reads
        # the list and the shared dupefilter lets one of them have each request.
        for request in self._pending_requests():
            yield request
        for seed in self.seed_list:
            if distributed:
                continue  # work comes from the shared Redis queue (`zwgk enqueue`)
            if self.resumed:
                self.stats.note(seed.name, "resumed")
            elif self.continued:
                self.stats.note(seed.name, "continued_unfinished_run")
            for url, guessed in [(u, False) for u in seed.start_urls] + [(u, True) for u in seed.guessed_urls]:
                meta: dict[str, Any] = {"portal": seed.name, "start": True}
                if guessed:
                    meta["guessed"] = True  # derived from a URL pattern: its failure is no portal error
                yield Request(
                    url,
                    callback=self.parse_list,
                    errback=self.on_error,
                    cb_kwargs={"portal": seed.name, "depth": 0},
                    meta=meta,
                    dont_filter=True,  # a resumed job starts from its start pages again
                )

    # --- list pages ---------------------------------------------------------------------------

    def parse_list(self, response: Response, portal: str, depth: int) -> Iterable[Any]:
        self._count_retry(response.meta, portal)
        if self._blocked(response, portal) or self._truncated(response, portal):
            return
        if not isinstance(response, TextResponse):
            return
        self.stats.page(portal)
        self._done_pending(response)
        if response.url in self.lists_seen:
            # A start page (dont_filter) found again through its directory: its links are out already.
            return
        self.lists_seen.add(response.url)
        # One parse per list page: the tree Scrapy built for response.selector serves every reader.
        tree = _html_tree(response)
        page = analyse_list_page(response.url, response.text, tree)
        title = self._page_title(response)
        in_column = is_annual_report_column(response.url, title)
        candidates = [lk for lk in page.items if link_decision(lk.text, self.since_year, in_column) != "skip"]
        if not candidates and link_decision(title, self.since_year) == "report":
            # A report page reached as a start URL (seeds often hold one) or as a column link: store
            # it, and still look around it for its column.
            self.stats.note(portal, "start_was_report")
            yield from self._article(response, portal, "", "", "report", {})
        yield from self._follow_list(response, portal, depth, page, in_column)
        if depth < self.max_depth:
            # Department and town columns hang off the directory pages: look for more columns.
            for link in find_columns(response.url, response.text if tree is None else tree):
                if link.url in self.lists_seen or not self._on_site(portal, link.url):
                    continue
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
        self._count_retry(response.meta, portal)
        if self._blocked(response, portal) or self._truncated(response, portal):
            return
        self.stats.page(portal)
        self._done_pending(response)
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
            if decision == "skip" or not self._on_site(portal, link.url):
                continue
            followed += 1
            seen = self.writer.seen(link.url)
            if seen is not None and not self._done_this_job(seen):
                known += 1
            if self._within_budget(portal):
                request = self._article_request(link.url, portal, link.text, response.url, decision, seen=seen)
                if request is not None:
                    yield request
        if self.incremental and followed and known == followed:
            # Every report on this page was known before this job: older pages hold nothing new.
            self.stats.note(portal, "paging_stopped_known")
            return
        if self.since_year and page.items and all(self._older_than_since(lk.text, lk.date) for lk in page.items):
            # Columns list the newest first: a page of only older items ends the --since crawl.
            self.stats.note(portal, "paging_stopped_since")
            return
        budget = self.paging.setdefault(portal, ListBudget(self.max_list_pages, self.trap_pages))
        stop = budget.stop_reason(response.url, [lk.url for lk in page.items])
        if stop:
            if budget.warn_once():
                self.stats.warn(portal, stop)
            return
        for spec in page.next:
            if self._on_site(portal, spec.url) and self._within_budget(portal):
                yield self._list_request(spec, portal, depth)

    def _older_than_since(self, text: str, date: str) -> bool:
        year = title_year(text or "")
        if year is not None:
            return year < self.since_year
        # A report of year Y is published in Y+1 at the earliest: published before `since` is older.
        return bool(re.match(r"\d{4}", date or "")) and int(date[:4]) < self.since_year

    def _list_request(self, spec: RequestSpec, portal: str, depth: int) -> Request:
        api = spec.kind.startswith("api:")
        cb_kwargs: dict[str, Any] = {"portal": portal, "depth": depth}
        if api:
            cb_kwargs.update(kind=spec.kind, request_body=spec.body)
        return Request(
            spec.url,
            method=spec.method,
            body=spec.body or None,
            headers=spec.headers or None,
            callback=self.parse_api if api else self.parse_list,
            errback=self.on_error,
            cb_kwargs=cb_kwargs,
            meta={"portal": portal},
        )

    # --- articles and attachments -------------------------------------------------------------

    def _done_this_job(self, seen: SeenInfo) -> bool:
        """Fetched (stored, or judged not a report) since this job started: a resumed job skips it."""
        when = _when(seen.fetched_at)
        return when is not None and when >= self.job_started

    def _article_request(
        self,
        url: str,
        portal: str,
        link_text: str,
        referer: str,
        decision: str,
        context: dict | None = None,
        *,
        seen: SeenInfo | None = None,
        wrapper: str = "",
    ) -> Request | None:
        """The request for a report page or attachment; None when this job already fetched it."""
        if seen is None:
            seen = self.writer.seen(url)
        if seen is not None and self._done_this_job(seen):
            self.stats.note(portal, "done_earlier_in_job")
            return None
        headers: dict[str, str] = {}
        meta: dict[str, Any] = {"portal": portal, "article": True}
        if wrapper:
            meta["wrapper"] = wrapper
        if self.incremental and seen is not None and (seen.http_status or 200) < 300:
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
        self._count_retry(response.meta, portal)
        if response.status == 304:
            self.stats.count(portal, "unchanged")
            self._confirm_seen(response)
            self._recovered(response, portal)
            self._settle(response.meta, ok=True)
            return
        if self._blocked(response, portal) or self._truncated(response, portal):
            self._settle(response.meta, ok=False)
            return
        self.stats.page(portal)
        yielded = False
        for out in self._article(response, portal, link_text, referer, decision, context):
            yielded = yielded or isinstance(out, ReportItem)
            yield out
        if not yielded:
            self._settle(response.meta, ok=True)

    def _article(
        self, response: Response, portal: str, link_text: str, referer: str, decision: str, context: dict
    ) -> Iterable[Any]:
        kind = content_kind(response.url, _headers(response).get("content-type", ""), response.body[:8])
        if kind != "html" or not isinstance(response, TextResponse):
            yield self._item(response, portal, link_text, referer, kind, context)
            return
        title = self._page_title(response)
        if decision == "maybe" and link_decision(title, self.since_year) != "report":
            self.stats.count(portal, "not_report")
            self._mark_seen(response)  # the next run asks conditionally instead of downloading it again
            return
        attachments = [
            (response.urljoin(a.attrib.get("href", "")), " ".join(a.css("::text").getall()).strip())
            for a in response.css("a[href]")
            if is_attachment_url(a.attrib.get("href", ""))
        ]
        ctx = {"title": title, "page_url": response.url, "meta": self._meta_tags(response)}
        wrapper = bool(attachments) and self._body_chars(response) < _WRAPPER_TEXT_CHARS
        requests: list[Request] = []
        for url, text in dict(attachments).items():
            # On a wrapper every attachment may be the report; on a full report page only those
            # named like a report (the same report as PDF; the store merges the two sources).
            wanted = wrapper or link_decision(text, self.since_year) == "report"
            if wanted and self._on_site(portal, url) and self._within_budget(portal):
                req = self._article_request(
                    url, portal, text or title, response.url, "report", ctx, wrapper=response.url if wrapper else ""
                )
                if req is not None:
                    requests.append(req)
        if wrapper:
            # The wrapper page itself is marked seen once all its attachments are stored, so that a
            # later run asks for it conditionally, and a run killed in between fetches it again.
            # Its own fetch worked: it is no longer pending (an attachment that fails is, itself;
            # in distributed mode another worker may fetch the attachments).
            self._done_pending(response)
            if requests:
                self.wrappers[response.url] = {"pending": len(requests), "ok": True, **self._validators(response)}
            else:
                self._mark_seen(response)
        yield from requests
        if not wrapper:
            yield from self._with_pictures(response, self._item(response, portal, link_text or title, referer,
                                                                 "html", context), portal)

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
            request_headers=_headers(response.request),
            fetched_at=utcnow(),
            body_sha256=hashlib.sha256(response.body).hexdigest(),
            portal=portal,
            link_text=link_text,
            referer=referer,
            kind=kind,
            context=context,
        )

    # --- table pictures: a report page whose tables are images ----------------------------------

    def _with_pictures(self, response: TextResponse, item: ReportItem, portal: str) -> Iterable[Any]:
        """The report page's item, or the requests for its table pictures (crawler/pictures.py),
        after which the item follows with them (the last picture in emits it).

        Pictures are fetched only when the page's own HTML lacks the template's number tables, not
        whenever a picture looks table-like: each costs a request and seconds of OCR, and on a page
        whose tables are HTML its pictures are photos, seals or decoration. The choice reads the
        tree Scrapy already parsed (response.selector), not a second parse of the page.
        """
        if self.page_images_max <= 0:
            yield item
            return
        choice = choose_pictures(response.selector, response.url, self.page_images_max)
        if choice.pictures and self.settings.get("ZWGK_REDIS_URL"):
            # The item waits in this process's memory, and the shared queue may give its pictures to
            # another worker: not fetched in distributed mode (yet), and the report says so.
            item.warnings.append(f"{len(choice.pictures)} table picture(s) not fetched: distributed mode")
            yield item
            return
        if choice.skipped:
            item.warnings.append(f"{choice.skipped} more table-like pictures than ZWGK_PAGE_IMAGES_MAX="
                                 f"{self.page_images_max}; not fetched")
        requests = [self._picture_request(pic.url, portal, response.url, n)
                    for n, pic in enumerate(p for p in choice.pictures
                                            if self._on_site(portal, p.url) and self._within_budget(portal))]
        if not requests:
            yield item
            return
        self.stats.note(portal, "pages_with_table_pictures")
        self.picture_pages[response.url] = {"item": item, "response": response, "left": len(requests),
                                            "pictures": [None] * len(requests)}
        yield from requests

    def _picture_request(self, url: str, portal: str, page: str, position: int) -> Request:
        return Request(
            url,
            callback=self.parse_picture,
            errback=self.on_picture_error,
            cb_kwargs={"page": page, "position": position},
            # Not through the dupefilter: the page's item waits for every one of its pictures, and a
            # dropped request would never answer. Redirects are followed (http→https, a CDN) within
            # the portal's domains and REDIRECT_MAX_TIMES; one the scheduler refuses or drops has no
            # errback, so on_request_scheduled / on_request_dropped settle it (_picture_lost).
            dont_filter=True,
            priority=_PICTURE_PRIORITY,
            meta={"portal": portal, "picture_of": page,
                  # 0 in the meta would lift Scrapy's cap: DOWNLOAD_MAXSIZE stays then
                  **({"download_maxsize": self.image_max_bytes} if self.image_max_bytes > 0 else {})},
        )

    def parse_picture(self, response: Response, page: str, position: int) -> Iterable[Any]:
        portal = response.meta.get("portal", "?")
        self._count_retry(response.meta, portal)
        if page not in self.picture_pages:
            if "pending" in response.meta:
                # From the pending list: its page was stored without it in an earlier run. The page
                # is fetched again, unconditionally, and read with all its pictures.
                yield from self._refetch_page(page, portal)
            else:  # its page's item is gone (a resumed job): the page's next fetch asks again
                self.stats.note(portal, "picture_without_page")
            return
        if self._blocked(response, portal) or self._truncated(response, portal):  # both record it as pending
            failed = PageImage(response.url, b"", error=f"{response.url}: blocked or cut short")
            yield from self._picture_in(page, position, failed)
            return
        too_big = 0 < self.image_max_bytes < len(response.body)  # a server that ignored the size cap
        if too_big or image_kind(response.body) is None:
            message = (f"{response.url}: larger than ZWGK_IMAGE_MAX_BYTES" if too_big
                       else f"{response.url}: not a picture ({_headers(response).get('content-type', '?')})")
            self._record_failure(response.request, message)
            yield from self._picture_in(page, position, PageImage(response.url, b"", error=message))
            return
        self._done_pending(response)
        headers = _headers(response)
        picture = PageImage(url=response.url, body=response.body, status=response.status, headers=headers,
                            request_headers=_headers(response.request), fetched_at=utcnow())
        yield from self._picture_in(page, position, picture)

    def on_picture_error(self, failure: Failure) -> Iterable[Any]:
        request = failure.request  # type: ignore[attr-defined]
        portal = request.meta.get("portal", "?")
        self._count_retry(request.meta, portal)
        response = getattr(failure.value, "response", None)
        message = f"HTTP {response.status}" if isinstance(response, Response) else (
            failure.getErrorMessage() or failure.type.__name__)
        message = f"{request.url}: {message}"
        self._record_failure(request, message)
        page = request.cb_kwargs.get("page", "")
        if page not in self.picture_pages:
            self.stats.warn(portal, f"table picture {message}")  # a pending retry that failed again
            return
        yield from self._picture_in(page, int(request.cb_kwargs.get("position", 0)),
                                    PageImage(request.url, b"", error=message))

    def _picture_lost(self, request: Request, message: str) -> None:
        """A picture request that ended outside any callback (refused or dropped when scheduled):
        recorded pending, and a warning on its page's item; when it was the last one the page
        waited for, the item is handed over by a delivery request (a signal handler cannot yield)."""
        self._record_failure(request, message)
        page = request.cb_kwargs.get("page", "")
        if page not in self.picture_pages:
            return
        for _ in self._picture_in(page, int(request.cb_kwargs.get("position", 0)),
                                  PageImage(request.url, b"", error=message), deliver=False):
            pass
        if page in self.delivering:  # the last picture: the item waits for its delivery
            deliver = Request(_DELIVERY_URL, callback=self.deliver_page, errback=self.deliver_page,
                              cb_kwargs={"page": page}, dont_filter=True, priority=_PICTURE_PRIORITY,
                              meta={"portal": request.meta.get("portal", "?"), "picture_of": page,
                                    "dont_redirect": True})
            from twisted.internet import reactor

            reactor.callLater(0, self.crawler.engine.crawl, deliver)  # not inside the scheduler's signal

    def deliver_page(self, response: Response | Failure, page: str = "") -> Iterable[Any]:
        """The item of a page whose last picture ended outside a callback (see _picture_lost). Its
        own request may be answered or refused (a data: URL): either way the item is emitted."""
        if isinstance(response, Failure):
            page = response.request.cb_kwargs.get("page", page)  # type: ignore[attr-defined]
        item = self.delivering.pop(page, None)
        if item is not None:
            yield item

    def _picture_in(self, page: str, position: int, picture: PageImage, deliver: bool = True) -> Iterable[Any]:
        """One picture of a page fetched (or failed: a warning on the report, which is stored with
        what could be read); the last one emits the page's item with its pictures in page order."""
        state = self.picture_pages.get(page)
        if state is None:
            return
        item: ReportItem = state["item"]
        if picture.error:
            item.warnings.append(picture.warning())
        state["pictures"][position] = picture
        state["left"] -= 1
        if state["left"] > 0:
            return
        del self.picture_pages[page]
        item.images = state["pictures"]
        self.held_pages[page] = state["response"]
        if deliver:
            yield item
        else:
            self.delivering[page] = item

    def _refetch_page(self, page: str, portal: str) -> Iterable[Any]:
        """The report page again, whatever this run did with it (a 304 before this picture came
        leaves it "done this job"): unconditional, since the stored copy lacks this picture."""
        if self._on_site(portal, page):
            yield Request(page, callback=self.parse_article, errback=self.on_error, dont_filter=True,
                          cb_kwargs={"portal": portal, "link_text": "", "referer": "", "decision": "report",
                                     "context": {}},
                          meta={"portal": portal, "article": True})

    def closed(self, reason: str) -> None:
        """Report pages still waiting for pictures when the crawl ends (interrupted, stopped) are not
        stored, hence not seen: the next run fetches them again. Said in the log, and counted as
        failed with an error in the portal's summary (the runner writes it into the run record)."""
        waiting = [(page, state["item"], f"before its {state['left']} table picture(s) came")
                   for page, state in self.picture_pages.items()]
        waiting += [(page, item, "before its item was handed over") for page, item in self.delivering.items()]
        for page, item, why in waiting:
            message = f"{page}: the crawl ended ({reason}) {why}; not stored, the next run fetches it again"
            self.logger.warning("%s", message)
            self.stats.count(item.portal, "failed")
            self.stats.error(item.portal, message)

    def _page_of(self, response: Response | Failure | None) -> Response | None:
        """The response whose meta an item's signal goes by: for an item a picture's callback (or
        errback, which passes its Failure) emitted, the page's own response."""
        if isinstance(response, Failure):
            request = getattr(response, "request", None)
            meta = request.meta if request is not None else {}
        else:
            meta = response.meta if response is not None else {}
        if "picture_of" in meta:
            return self.held_pages.pop(meta["picture_of"], None)
        return response if isinstance(response, Response) else None

    # --- the seen table and wrapper pages -----------------------------------------------------

    @staticmethod
    def _validators(response: Response) -> dict[str, Any]:
        h = _headers(response)
        return {
            "etag": h.get("etag") or None,
            "last_modified": h.get("last-modified") or None,
            "body_sha256": hashlib.sha256(response.body).hexdigest(),
            "status": response.status,
        }

    def _mark_seen(self, response: Response) -> None:
        self._store_write(self.writer.mark_seen, response.url, **self._validators(response))

    def _confirm_seen(self, response: Response) -> None:
        """A 304: the stored copy is current; record when that was confirmed (and any new validators)."""
        seen = self.writer.seen(response.url)
        if seen is None:
            return
        h = _headers(response)
        self._store_write(
            self.writer.mark_seen,
            response.url,
            etag=h.get("etag") or seen.etag,
            last_modified=h.get("last-modified") or seen.last_modified,
            body_sha256=seen.body_sha256,
            status=seen.http_status,
        )

    def _store_write(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A store call from a callback or signal handler; a failing store stops the crawl."""
        try:
            return write(*args, **kwargs)
        except StoreUnavailable as exc:
            stop_for_store_failure(self.crawler, exc)
            return None

    # --- the pending list: failed requests that later runs retry ----------------------------------

    def _pending_requests(self) -> list[Request]:
        """The due pending requests of this crawl's portals, rebuilt with their callback context."""
        entries: list[PendingEntry] = self._store_write(self.store.due_pending) or []
        out: list[Request] = []
        for entry in entries:
            if entry.portal not in self.domains_by_portal:
                continue  # another crawl's portal: its own runs retry it
            try:
                request = self._rebuild(entry)
            except (serializer.RequestRejected, ValueError, AttributeError) as exc:
                # Cannot happen for what this spider wrote; say so rather than retry it forever.
                self.stats.warn(entry.portal, f"pending request for {entry.url} cannot be rebuilt ({exc}); skipped")
                continue
            self.pending_urls.add(entry.url)
            out.append(request)
        return out

    def _rebuild(self, entry: PendingEntry) -> Request:
        doc = serializer.loads(entry.request)
        if doc.get("callback") not in _PENDING_CALLBACKS or doc.get("errback") != _PENDING_CALLBACKS[doc["callback"]]:
            raise ValueError(f"callback {doc.get('callback')!r} is not a parse method of this spider")
        # Through the dupefilter: the same link found on a list page, or queued by another worker's
        # pending list, is fetched once.
        request = request_from_dict(doc, spider=self).replace(dont_filter=False)
        request.meta["pending"] = entry.attempts  # failed in this many runs before
        return request

    def _record_failure(self, request: Request | None, error: str) -> None:
        """Keep a request that could not be fetched or stored in the pending list (not start pages:
        every run requests them anyway, nor guessed URLs: a guess that fails is no loss)."""
        if request is None or request.meta.get("start") or request.meta.get("guessed"):
            return
        via = request.meta.get("redirect_urls") or []
        portal = request.meta.get("portal", "?")
        saved = request.replace(
            url=via[0] if via else request.url,  # the link as found, not where it redirected to
            headers={k: v for k, v in request.headers.items() if k.lower() not in _UNSAVED_HEADERS},
            meta={k: request.meta[k] for k in _PENDING_META if k in request.meta},
            flags=[],
            dont_filter=False,  # a retried request has it set; the pending one must meet the dupefilter
        )
        try:
            doc = serializer.dumps(saved.to_dict(spider=self)).decode("utf-8")
        except (TypeError, ValueError) as exc:
            self.stats.warn(portal, f"{saved.url}: failed request cannot be kept for the next run ({exc})")
            return
        entry = self._store_write(
            self.store.record_failure,
            request_key(saved.method, saved.url, saved.body),
            saved.url,
            portal=portal,
            request=doc,
            error=error,
            run=self.run_token,
            policy=self.pending_policy,
        )
        if entry is not None and entry.given_up_at is not None:
            self.stats.warn(portal, f"{saved.url}: given up after failing in {entry.attempts} runs ({error})")

    def _count_retry(self, meta: dict[str, Any], portal: str) -> None:
        """A request from the pending list was tried (counted here, not when queued: in distributed
        mode every worker queues the list and the shared dupefilter lets one of them have it)."""
        if "pending" in meta:
            self.stats.note(portal, "retried")

    def _done_pending(self, response: Response) -> None:
        """A list or wrapper page taken from the pending list was read: it is no longer pending."""
        url = (response.meta.get("redirect_urls") or [response.url])[0]
        if url in self.pending_urls:
            self._store_write(self.store.clear_pending, url)
            self.stats.note(response.meta.get("portal", "?"), "recovered")

    def _recovered(self, response: Response | None, portal: str) -> None:
        """A report page or attachment from the pending list was stored (its entry went with the save)."""
        if response is not None and "pending" in response.meta:
            self.stats.note(portal, "recovered")

    def _truncated(self, response: Response, portal: str) -> bool:
        """A body shorter than its Content-Length (the connection was cut): a failed fetch, never content.

        Scrapy fails such a download by default; with DOWNLOAD_FAIL_ON_DATALOSS off it delivers it
        flagged "dataloss". ("partial" is a body without Content-Length that ended with the
        connection, which is how HTTP/1.0-style servers send every page: content as usual.)
        """
        if "dataloss" not in response.flags:
            return False
        message = f"{response.url}: body cut short ({len(response.body)} bytes received, connection lost)"
        self.stats.error(portal, message)
        if response.meta.get("article"):
            self.stats.count(portal, "failed")
        self._record_failure(response.request, message)
        return True

    def _settle(self, meta: dict[str, Any], ok: bool) -> None:
        """One attachment of a wrapper page is finished; the last one marks the wrapper seen."""
        url = meta.get("wrapper")
        state = self.wrappers.get(url) if url else None
        if state is None:
            return
        state["pending"] -= 1
        state["ok"] = state["ok"] and ok
        if state["pending"] > 0:
            return
        del self.wrappers[url]
        if state["ok"]:  # a failed attachment leaves the wrapper unseen: the next run tries again
            self._store_write(
                self.writer.mark_seen,
                url,
                etag=state["etag"],
                last_modified=state["last_modified"],
                body_sha256=state["body_sha256"],
                status=state["status"],
            )

    def on_item_scraped(self, item: Any, response: Response, spider: Any = None) -> None:
        response = self._page_of(response)
        if isinstance(item, ReportItem) and not (item.report or {}).get("is_report"):
            # Stored as a source, but nothing could be read (legacy .doc, a broken file): not a report.
            self.stats.unparsed(item.portal, item.store_status, f"{item.url}: {'; '.join(item.warnings)[:300]}")
        if response is not None:
            self._recovered(response, getattr(item, "portal", "?"))
            self._settle(response.meta, ok=True)

    def on_item_dropped(self, item: Any, response: Response, exception: BaseException, spider: Any = None) -> None:
        response = self._page_of(response)
        if isinstance(item, ReportItem) and item.status == 200:
            # Judged not a report: remember it so that the next run asks conditionally.
            h = item.headers
            self._store_write(
                self.writer.mark_seen,
                item.url, etag=h.get("etag") or None, last_modified=h.get("last-modified") or None,
                body_sha256=item.body_sha256 or None, status=item.status,
            )
        if response is not None:
            self._settle(response.meta, ok=True)

    def on_item_error(self, item: Any, response: Response, failure: Failure, spider: Any = None) -> None:
        response = self._page_of(response)
        portal = getattr(item, "portal", "") or (response.meta.get("portal", "?") if response is not None else "?")
        stored = "store failed" if failure.check(StoreUnavailable) else "pipeline error"
        message = f"{getattr(item, 'url', '?')}: {stored}: {failure.getErrorMessage()}"
        self.stats.error(portal, message)
        self.stats.count(portal, "failed")
        if response is not None:
            if not failure.check(StoreUnavailable):  # a store that failed cannot keep the entry either
                self._record_failure(response.request, message)
            self._settle(response.meta, ok=False)

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
            self._record_failure(response.request, f"blocked: {reason}")
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
        return body_text_chars(response.selector.root)  # the selector's tree: no second parse

    def on_request_scheduled(self, request: Request, spider: Any = None) -> None:
        """Refuse a redirect out of its portal's domains, and record it (Scrapy's offsite check is silent).

        Raising IgnoreRequest here drops the request before it is queued, as Scrapy's own check does;
        unlike that check, dont_filter (start and retried requests, and their redirects) is no way out.
        """
        via = request.meta.get("redirect_urls") or []
        if not via:
            return
        portal = request.meta.get("portal", "?")
        host = urlsplit(request.url).hostname or ""
        if host_allowed(host, self.portal_domains(portal)):
            return
        message = f"{via[0]}: off-domain redirect to {host} not followed ({request.url})"
        self.stats.error(portal, message)
        if request.meta.get("article"):
            self.stats.count(portal, "failed")
        if "picture_of" in request.meta:
            self._picture_lost(request, message)
        else:
            self._record_failure(request, message)
        self._settle(request.meta, ok=False)
        raise IgnoreRequest(f"off-domain redirect to {host}")

    def on_request_dropped(self, request: Request, spider: Any = None) -> None:
        """The scheduler dropped a request as a duplicate: silent for links, an error for a redirect loop
        (and for a table picture, whose page waits for it)."""
        via = request.meta.get("redirect_urls") or []
        if request.cb_kwargs.get("page") in self.picture_pages and "picture_of" in request.meta:
            loop = " (redirect loop)" if request.url in via else ""
            self.stats.error(request.meta.get("portal", "?"), f"{request.url}: table picture dropped by the scheduler{loop}")
            self._picture_lost(request, f"{(via or [request.url])[0]}: dropped by the scheduler{loop}")
            return
        if not via:
            return
        portal = request.meta.get("portal", "?")
        if request.url in via:
            message = f"{via[0]}: redirect loop ({' -> '.join([*via, request.url])[:300]})"
            self.stats.error(portal, message)
            if request.meta.get("article"):
                self.stats.count(portal, "failed")
            self._record_failure(request, message)
            self._settle(request.meta, ok=False)
        else:
            self.stats.note(portal, "redirect_to_known_url")
            self._settle(request.meta, ok=True)

    def on_error(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        meta = request.meta
        portal = meta.get("portal", "?")
        self._count_retry(meta, portal)
        response = getattr(failure.value, "response", None)
        if isinstance(response, Response):
            # An HTTP error status (HttpError): a WAF answers 412/521 with a challenge, not content.
            if self._blocked(response, portal):
                self._settle(meta, ok=False)
                return
            message = f"HTTP {response.status}"
        else:
            message = failure.getErrorMessage() or failure.type.__name__
        if meta.get("guessed"):
            self.stats.warn(portal, f"guessed URL {request.url} failed: {message}")
            self.stats.note(portal, "guess_failed")
        else:
            self.stats.error(portal, f"{request.url}: {message}")
            if meta.get("article"):
                self.stats.count(portal, "failed")
            self._record_failure(request, message)
        self._settle(meta, ok=False)
