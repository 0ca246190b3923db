"""Scrapy settings for zwgk: the one configuration system.

Values here are defaults. ZWGK_* settings can be overridden by environment variables of the same
name (see crawler.config) and by `zwgk` command-line flags, which set them with priority "cmdline".
"""

from __future__ import annotations

import os

from crawler import __version__
from crawler.config import env_overrides

# Scrapy's cookie middleware builds a tldextract splitter at import time, and tldextract then
# fetches the Public Suffix List from the web (logging a traceback where there is no network, and
# calling a host the operator never named). Its bundled snapshot is enough to keep cookies off
# public suffixes, so no fetch unless the operator sets TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

BOT_NAME = "zwgk"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- zwgk's own settings -------------------------------------------------------------------------
ZWGK_STORE = "sqlite:///zwgk.db"  # sqlite:///path.db, a plain path, or postgresql://...
ZWGK_ARCHIVE_DIR = ""  # raw-body archive; "" = next to the SQLite file (zwgk-archive/)
ZWGK_WARC_MAX_BYTES = 1_000_000_000  # start a new WARC file once one reaches this size (crawler/archive.py)
ZWGK_STORE_BATCH_ITEMS = 64  # store writes committed per transaction, at most (crawler/store/writer.py)
ZWGK_STORE_BATCH_WAIT = 0.02  # seconds a store batch waits for more writes after its first
ZWGK_MAX_PAGES = 0  # per-portal budget of requests scheduled; 0 = unlimited
ZWGK_MAX_LIST_PAGES = 1000  # list pages per portal whose "next" links are followed; 0 = unlimited
ZWGK_LIST_TRAP_PAGES = 20  # list pages in a row with no new item: a list trap, paging stops; 0 = off
ZWGK_PAGE_IMAGES_MAX = 8  # table pictures fetched per report page for OCR (crawler/pictures.py); 0 = none
ZWGK_IMAGE_MAX_BYTES = 10 * 1024 * 1024  # a table picture larger than this is not downloaded; 0 = DOWNLOAD_MAXSIZE
ZWGK_DISCOVERY_DEPTH = 3  # link depth when looking for annual-report columns from a portal home page
ZWGK_SINCE_YEAR = 0  # only reports of this year or later; 0 = all
ZWGK_INCREMENTAL = True  # conditional requests + stop paging when a list page holds only known items
ZWGK_PROGRESS_INTERVAL = 10.0  # seconds between progress lines
ZWGK_PARSE_PROCESSES = -1  # worker processes for extraction and parsing; -1 = one per core, 0 = none
ZWGK_PARSE_TIMEOUT = 120.0  # seconds before one item's extraction or parsing is given up (0 = no limit)
ZWGK_PARSE_MEMORY_MB = 2048  # address-space cap of a parse worker process / `zwgk parse` child (0 = none)
ZWGK_PARSE_IN_THREAD = True  # without worker processes: in a thread, off the reactor (keeps downloads flowing)
ZWGK_ROBOTS_TIMEOUT = 10.0  # seconds for a robots.txt (no retries); unreachable = the portal is postponed
ZWGK_RETRY_BACKOFF = 1.0  # seconds before the first retry; doubles each time, with jitter
ZWGK_RETRY_BACKOFF_MAX = 60.0  # cap on one retry wait (Retry-After is honoured up to this)
# Failed report pages, attachments and list pages are retried by later runs (crawler/pending.py):
ZWGK_PENDING_MAX_ATTEMPTS = 8  # given up after failing in this many runs (then listed by `zwgk stats`)
ZWGK_PENDING_BACKOFF = 3600.0  # seconds: a second failure waits this long, doubling after each further one
ZWGK_PENDING_BACKOFF_MAX = 604800.0  # at most a week between retries

# --- distributed mode (crawler/distributed: scrapy-redis frontier, switched on by ZWGK_REDIS_URL) ---
ZWGK_REDIS_URL = ""  # redis://HOST:6379/0; "" = single-machine mode
ZWGK_REDIS_PREFIX = "zwgk"  # key prefix, so several projects can share one Redis
ZWGK_IDLE_SECONDS = 30.0  # a worker with an empty queue for this long exits
ZWGK_HEARTBEAT_SECONDS = 5.0  # worker liveness; a dead worker's in-flight requests are reclaimed
ZWGK_MAX_IN_FLIGHT = 16  # requests one worker holds at a time (not CONCURRENT_REQUESTS: others would idle); 0 = CONCURRENT_REQUESTS

# --- politeness and robustness -------------------------------------------------------------------
# No project page is named here: an operator adds where to reach them (README, "Politeness and faults").
USER_AGENT = f"zwgk/{__version__} (government information-disclosure report crawler)"
ROBOTSTXT_OBEY = True  # switch off with `zwgk crawl --ignore-robots` for portals you have permission for
# Broad crawls (many portals at once; Scrapy's "Broad Crawls" advice, measured by benchmarks/broad.py):
# politeness is per portal (2 in flight, DOWNLOAD_DELAY apart), so the global cap must leave room for
# many portals at once, and the scheduler must hand out requests of portals whose slot is free rather
# than the next request of a portal that is waiting out its delay.
CONCURRENT_REQUESTS = 100
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
REACTOR_THREADPOOL_MAXSIZE = 20  # DNS lookups of thousands of portal hosts go through this pool
# Scrapy starts this many asyncio tasks for every response to run its output through (default 100);
# a page yields one report or a few dozen links, and 100 tasks a page were a third of the crawl
# process's CPU on list pages.
CONCURRENT_ITEMS = 16
MEMUSAGE_WARNING_MB = 1024  # the crawl process alone; parse workers are capped by ZWGK_PARSE_MEMORY_MB
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.25
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.5
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # a report PDF is rarely above a few MB
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = True  # kept for broad crawls: WAF cookies (__jsluid …) and JSP session paging need them
HTTPERROR_ALLOW_ALL = False
DEPTH_PRIORITY = 0

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 300,
    "pipelines.parse.ParsePipeline": 400,
    "pipelines.store.StorePipeline": 800,
}

EXTENSIONS = {
    "pipelines.progress.ProgressExtension": 500,
}

LOG_LEVEL = "INFO"
LOG_FORMATTER = "pipelines.logformat.ZwgkLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
# `-O reports.jsonl|json|csv|xml` writes each stored report as its feed record (crawler/feed.py).
FEED_EXPORTERS = {
    "jsonlines": "pipelines.feeds.ReportJsonLinesExporter",
    "jsonl": "pipelines.feeds.ReportJsonLinesExporter",
    "jl": "pipelines.feeds.ReportJsonLinesExporter",
    "json": "pipelines.feeds.ReportJsonExporter",
    "csv": "pipelines.feeds.ReportCsvExporter",
    "xml": "pipelines.feeds.ReportXmlExporter",
}
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

globals().update(env_overrides({k: v for k, v in dict(globals()).items() if k.startswith("ZWGK_")}))
