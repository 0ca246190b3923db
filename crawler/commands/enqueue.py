"""`zwgk enqueue`: push the seeds' start requests into the shared Redis queue of distributed workers."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any
from urllib.parse import urlsplit

from crawler.runner import EXIT_USAGE

HELP = "queue the seeds' start pages for distributed workers (zwgk crawl --redis)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis", help="redis://HOST:6379[/DB] (default: $ZWGK_REDIS_URL)")
    parser.add_argument(
        "--url", action="append", default=[], help="a column or portal start URL (repeatable)"
    )
    parser.add_argument(
        "--seeds", action="append", default=[], help="seed file(s) (YAML, see seeds/README.md)"
    )
    parser.add_argument("--name", default="", help="portal name for --url (default: its host)")
    parser.add_argument("--prefix", help="Redis key prefix (default: ZWGK_REDIS_PREFIX or 'zwgk')")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="start a new round: forget the queue and the seen fingerprints first (no worker may be running)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON summary object on stdout")


def start_requests(seeds: list[Any]) -> list[dict[str, Any]]:
    """Request dicts (Request.to_dict() shape) for every start URL, as the portal spider makes them."""
    out = []
    for seed in seeds:
        for url in seed.start_urls:
            out.append(
                {
                    "url": url,
                    "method": "GET",
                    "callback": "parse_list",
                    "errback": "on_error",
                    "headers": {},
                    "body": b"",
                    "cookies": {},
                    "meta": {"portal": seed.name},
                    "encoding": "utf-8",
                    "priority": 0,
                    # Filtered like any link: a start page reached again from its own pager is not refetched.
                    "dont_filter": False,
                    "flags": [],
                    "cb_kwargs": {"portal": seed.name, "depth": 0},
                }
            )
    return out


def _seeds(args: argparse.Namespace) -> list[Any]:
    seeds: list[Any] = []
    if args.seeds:
        from crawler.seeds import load_seeds

        seeds.extend(load_seeds(args.seeds))
    if args.url:
        from crawler.seeds import Seed

        for u in (p.strip() for p in args.url):
            if not u.startswith(("http://", "https://")):
                raise ValueError(f"--url wants an http(s) URL, got {u!r}")
            host = urlsplit(u).hostname or u
            seeds.append(Seed(name=args.name or host, start_urls=[u], allowed_domains=[host]))
    return seeds


def enqueue(
    redis_url: str, requests: list[dict[str, Any]], prefix: str, fresh: bool = False
) -> dict[str, Any]:
    """Queue `requests` (dicts) for spider `portal`; returns counts. Scrapy is needed only for fingerprints."""
    import redis
    from scrapy import Request
    from scrapy_redis.dupefilter import RFPDupeFilter

    from crawler.distributed import serializer
    from crawler.distributed.keys import PUSH_UNSEEN_LUA, Keys
    from crawler.distributed.stats import queue_stats

    keys = Keys(prefix, "portal")
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=30)
    try:
        if fresh:
            alive = queue_stats(redis_url, "portal", prefix)["workers_alive"]
            if alive:
                raise ValueError(f"--fresh: {alive} worker(s) still running on {keys.base}; stop them first")
            client.delete(keys.requests, keys.dupefilter, keys.rejected)
        script = client.register_script(PUSH_UNSEEN_LUA)
        dupefilter = RFPDupeFilter(client, keys.dupefilter)  # the workers' fingerprint, exactly
        queued = 0
        for d in requests:
            doc = serializer.dumps(d)
            serializer.loads(doc)  # what a worker will accept
            fp = dupefilter.request_fingerprint(Request(d["url"], method=d["method"], body=d["body"]))
            queued += int(script(keys=[keys.dupefilter, keys.requests], args=[fp, doc]))
    except redis.exceptions.RedisError as exc:
        raise ConnectionError(f"Redis at {redis_url}: {exc}") from None
    finally:
        client.close()
    return {
        "requests": len(requests),
        "queued": queued,
        "already_seen": len(requests) - queued,
        "key": keys.base,
    }


def run(args: argparse.Namespace) -> int:
    from crawler.runner import project_settings

    if not args.url and not args.seeds:
        print("zwgk enqueue: give --url URL or --seeds FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        from crawler.distributed import check_redis, distributed_settings

        settings = project_settings({})
        redis_url = args.redis or settings.get("ZWGK_REDIS_URL")
        if not redis_url:
            raise ValueError("give --redis redis://HOST:6379 (or set ZWGK_REDIS_URL)")
        chosen = {"ZWGK_REDIS_PREFIX": args.prefix or settings.get("ZWGK_REDIS_PREFIX")}
        prefix = distributed_settings(redis_url, chosen)["ZWGK_REDIS_PREFIX"]
        seeds = _seeds(args)
        check_redis(redis_url)
        result = enqueue(redis_url, start_requests(seeds), prefix, fresh=args.fresh)
    except (ValueError, OSError) as exc:
        print(f"zwgk enqueue: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    print(
        f"queued {result['queued']} start request(s) on {redis_url} {result['key']}"
        + (
            f" ({result['already_seen']} already seen: use --fresh for a new round)"
            if result["already_seen"]
            else ""
        ),
        file=sys.stderr,
    )
    return 0
