"""Downloader middlewares of the portal spider: retries with backoff; each request kept on its
portal's hosts and ports and off private addresses; robots.txt with a short timeout of its own.

They are switched on by the spider's custom_settings (spiders/portal.py), so every way of running it
(`zwgk crawl`, `scrapy crawl portal`, a distributed worker) gets them.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from twisted.internet.task import deferLater
from twisted.internet.threads import deferToThread

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


DEFAULT_PORTS = {"http": 80, "https": 443}


def url_port(url: str) -> int | None:
    """The port a URL connects to (its scheme's default when none is written); None if unreadable."""
    try:
        parts = urlsplit(url)
        return parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None


def non_public(addresses: list[str]) -> set[str]:
    """The addresses that are loopback, private, link-local or otherwise not on the public Internet."""
    out = set()
    for a in addresses:
        try:
            ip = ipaddress.ip_address(a.split("%", 1)[0])
        except ValueError:
            continue
        if not ip.is_global or ip.is_multicast:
            out.add(str(ip))
    return out


def resolve(host: str) -> list[str]:
    """Every address a host name resolves to ([] when it does not resolve); an IP literal is itself."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    try:
        return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)})
    except (OSError, UnicodeError):
        return []


class PortalOffsiteMiddleware:
    """Refuse any request, redirects included, outside its portal's allowed domains, on a port the
    portal does not use, or to a name that resolves to a loopback, private or link-local address
    where the portal itself is not.

    Scrapy's own offsite check lets `dont_filter` requests through, and a redirect inherits that flag
    from start and retried requests; this check does not, and it uses the domains of the request's own
    portal (meta "portal"), not the union over all seeds. Ports: 80, 443 and those of the portal's
    start URLs (the portal's Redis on :6379 is not a report). Addresses: a subdomain is any name its
    DNS says; one resolving into the operator's own network is refused unless the portal's start
    hosts resolve there too (a portal served from the same network). Resolutions are cached per host
    for the crawl.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self._addresses: dict[str, list[str]] = {}
        self._starts: dict[str, list[str]] = {}  # per portal: its seeds do not change during a crawl
        self._home: dict[str, set[str]] = {}  # per portal: non-public addresses of its start hosts

    @classmethod
    def from_crawler(cls, crawler: Any) -> PortalOffsiteMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        spider = self.crawler.spider
        domains_of = getattr(spider, "portal_domains", None)
        if domains_of is None:
            return
        portal = request.meta.get("portal", "")
        domains = domains_of(portal)
        host = urlsplit(request.url).hostname or ""
        via = request.meta.get("redirect_urls") or []
        what = f"redirect from {via[0]} to" if via else "request to"
        if not host_allowed(host, domains):
            raise IgnoreRequest(f"off-domain {what} {host} not followed (allowed: {', '.join(domains)})")
        if portal not in self._starts:
            self._starts[portal] = self._start_urls(spider, portal)
        starts = self._starts[portal]
        ports = set(DEFAULT_PORTS.values()) | {p for u in starts if (p := url_port(u)) is not None}
        port = url_port(request.url)
        if port not in ports:
            raise IgnoreRequest(f"off-port {what} {host}:{port} not followed (the portal uses ports "
                                f"{', '.join(str(p) for p in sorted(ports))})")
        private = non_public(await self._resolve(host))
        if private:
            if portal not in self._home:
                home: set[str] = set()
                for u in starts:
                    home |= non_public(await self._resolve(urlsplit(u).hostname or ""))
                self._home[portal] = home
            if not private <= self._home[portal]:
                raise IgnoreRequest(f"{what} {host} refused: it resolves to {', '.join(sorted(private))}, a "
                                    "loopback, private or link-local address where the portal is not")

    @staticmethod
    def _start_urls(spider: Any, portal: str) -> list[str]:
        seeds = getattr(spider, "seed_list", [])
        own = [s for s in seeds if s.name == portal] or list(seeds)
        return [u for s in own for u in (*s.start_urls, *s.guessed_urls)]

    async def _resolve(self, host: str) -> list[str]:
        if not host:
            return []
        if host not in self._addresses:
            self._addresses[host] = await maybe_deferred_to_future(deferToThread(resolve, host))
        return self._addresses[host]


class _Unreachable:
    """The robots.txt of a host could not be read (network error, timeout, HTTP 5xx)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class PortalRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with a timeout of its own (ZWGK_ROBOTS_TIMEOUT, no retries), and
    RFC 9309's rule for an unreachable robots.txt: a network error, a timeout or a 5xx answer means
    complete disallow, so the host is postponed to a later run rather than crawled without rules.
    (Scrapy allows everything then, after the download timeout and every retry: about 2 minutes.)
    A 4xx answer still means no rules, as the RFC says."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        self.timeout = crawler.settings.getfloat("ZWGK_ROBOTS_TIMEOUT")

    def process_request_2(self, rp: Any, request: Request) -> None:
        if isinstance(rp, _Unreachable):
            host = urlparse_cached(request).netloc
            raise IgnoreRequest(f"robots.txt of {host} unreachable ({rp.reason}): the portal is postponed to a "
                                "later run (RFC 9309: an unreachable robots.txt means complete disallow)")
        super().process_request_2(rp, request)

    async def robot_parser(self, request: Request) -> Any:
        url = urlparse_cached(request)
        netloc = url.netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            robots = Request(
                f"{url.scheme}://{netloc}/robots.txt",
                priority=self.DOWNLOAD_PRIORITY,
                meta={"dont_obey_robotstxt": True, "download_timeout": self.timeout, "dont_retry": True,
                      "portal": request.meta.get("portal", "")},
                callback=NO_CALLBACK,
            )
            try:
                resp = await self.crawler.engine.download_async(robots)
            except IgnoreRequest:
                self._robots_error(IgnoreRequest(), netloc)  # refused by our own checks: no rules to read
            except Exception as exc:  # noqa: BLE001 - every network failure means the same here
                self._unreachable(netloc, f"{type(exc).__name__}: {exc}"[:200])
            else:
                if resp.status >= 500:
                    self._unreachable(netloc, f"HTTP {resp.status}")
                else:
                    await self._parse_robots(resp, netloc, request)
            self._stats.inc_value("robotstxt/request_count")
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    def _unreachable(self, netloc: str, reason: str) -> None:
        logger.warning("robots.txt of %s unreachable (%s): its requests are postponed to a later run", netloc, reason)
        self._stats.inc_value("robotstxt/unreachable")
        pending = self._parsers[netloc]
        verdict = _Unreachable(reason)
        self._parsers[netloc] = verdict  # type: ignore[assignment]
        if isinstance(pending, Deferred):
            pending.callback(verdict)
