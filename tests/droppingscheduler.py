"""A Scrapy scheduler that drops every redirect of a table picture (tests/test_crawl_picture_redirects.py):
the way a request can end without reaching its callback or errback, which the spider must notice."""

from __future__ import annotations

from scrapy import Request
from scrapy.core.scheduler import Scheduler


class DroppingScheduler(Scheduler):
    def enqueue_request(self, request: Request) -> bool:
        if "picture_of" in request.meta and request.meta.get("redirect_urls"):
            return False  # the engine sends request_dropped, nothing else
        return super().enqueue_request(request)
