"""Downloader middlewares of the portal spider: retries with backoff, and no off-domain redirects.

Both are switched on by the spider's custom_settings (spiders/portal.py), so every way of running it
(`zwgk crawl`, `scrapy crawl portal`, a distributed worker) gets them.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)


def backoff_delay(attempt: int, base: float, cap: float, retry_after: str = "") -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): exponential with jitter, capped.

    A server's Retry-After (seconds or an HTTP date) is honoured up to the cap: it says when the
    server wants to see us again.
    """
    if retry_after:
        wanted: float | None = None
        value = retry_after.strip()
        if value.isdigit():
            wanted = float(value)
        else:
            try:
                when = parsedate_to_datetime(value)
                wanted = (when - datetime.now(UTC)).total_seconds()
            except (TypeError, ValueError):
                wanted = None
        if wanted is not None:
            return max(0.0, min(wanted, cap))
    delay = base * (2 ** (attempt - 1))
    # Jitter (±25 %) so that many requests failing together do not come back together.
    return min(cap, delay * random.uniform(0.75, 1.25))


async def _sleep(seconds: float) -> None:
    if seconds > 0:
        # Imported here: importing the reactor at module level would install Twisted's default one.
        from twisted.internet import reactor

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))  # type: ignore[arg-type]


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry middleware, waiting ZWGK_RETRY_BACKOFF · 2^(n-1) s (max ZWGK_RETRY_BACKOFF_MAX) first.

    Scrapy retries at once; a portal answering 503 in a burst, or timing out under load, needs a pause.
    The wait happens outside the download slot, so other requests of the portal go on meanwhile.
    """

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("ZWGK_RETRY_BACKOFF", 1.0)
        self.cap = settings.getfloat("ZWGK_RETRY_BACKOFF_MAX", 60.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"HTTP {response.status}")
        if retry is None:
            return response
        retry_after = response.headers.get(b"Retry-After", b"").decode("latin-1")
        await _sleep(backoff_delay(retry.meta["retry_times"], self.base, self.cap, retry_after))
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry", False):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await _sleep(backoff_delay(retry.meta["retry_times"], self.base, self.cap))
        return retry


def host_allowed(host: str, domains: list[str]) -> bool:
    """host is one of `domains` or a subdomain of one (an empty list allows everything)."""
    if not domains:
        return True
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in (x.lower().lstrip(".") for x in domains))


class PortalOffsiteMiddleware:
    """Refuse any request, redirects included, outside its portal's allowed domains.

    Scrapy's own offsite check lets `dont_filter` requests through, and a redirect inherits that flag
    from start and retried requests; this check does not, and it uses the domains of the request's own
    portal (meta "portal"), not the union over all seeds.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> PortalOffsiteMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        spider = self.crawler.spider
        domains_of = getattr(spider, "portal_domains", None)
        if domains_of is None or request.meta.get("allow_offsite"):
            return
        domains = domains_of(request.meta.get("portal", ""))
        host = urlsplit(request.url).hostname or ""
        if not host_allowed(host, domains):
            via = request.meta.get("redirect_urls") or []
            what = f"redirect from {via[0]} to" if via else "request to"
            raise IgnoreRequest(f"off-domain {what} {host} not followed (allowed: {', '.join(domains)})")
