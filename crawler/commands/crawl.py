"""`zwgk crawl`: crawl portals (one URL, several, or seed files) into the store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.exitcodes import EXIT_STORE_FAILED, EXIT_USAGE
from crawler.runner import end_interrupted, print_summary, project_settings, run_crawl

HELP = "crawl portals for annual reports and store them"


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `crawl` and `demo`: store, logging, Scrapy settings."""
    parser.add_argument("--store", help="sqlite:///path.db (default ./zwgk.db), a path, or postgresql://…")
    parser.add_argument("--archive-dir", help="raw-body archive directory (default: beside the SQLite file)")
    parser.add_argument("--log-level", default="WARNING", help="Scrapy log level (default WARNING)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE", help="any Scrapy or ZWGK_* setting"
    )


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", action="append", default=[], help="a column or portal start URL (repeatable)")
    parser.add_argument("--seeds", action="append", default=[], help="seed file(s) (YAML, see seeds/README.md)")
    parser.add_argument("--name", default="", help="portal name for --url (default: its host)")
    parser.add_argument(
        "--token", action="append", default=[], metavar="NAME=URL",
        help="fill {NAME} in seed files (e.g. --token demo=http://127.0.0.1:8123 for seeds/demo.yaml)",
    )
    parser.add_argument("--since", type=int, default=0, metavar="YEAR", help="only reports of YEAR or later")
    parser.add_argument("--max-pages", type=int, default=0, help="page budget per portal (0 = none)")
    parser.add_argument("--depth", type=int, help="column discovery depth from the start page")
    parser.add_argument("--ignore-robots", action="store_true", help="do not honour robots.txt")
    parser.add_argument("--full", action="store_true", help="no incremental shortcuts: refetch everything")
    parser.add_argument("--jobdir", help="job directory: a crawl killed and restarted with it resumes")
    parser.add_argument("--redis", help="redis://HOST:6379 — run as a distributed worker (scrapy-redis)")
    add_crawl_options(parser)


def settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """Scrapy settings (priority cmdline) from the flags that were given."""
    out: dict[str, Any] = {"LOG_LEVEL": args.log_level.upper()}
    if args.store:
        out["ZWGK_STORE"] = args.store
    if args.archive_dir:
        out["ZWGK_ARCHIVE_DIR"] = args.archive_dir
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set wants NAME=VALUE, got {pair!r}")
        out[name.strip()] = setting_value(name.strip(), value)
    for flag, setting in (("since", "ZWGK_SINCE_YEAR"), ("max_pages", "ZWGK_MAX_PAGES")):
        value = getattr(args, flag, 0)
        if value:
            out[setting] = value
    if getattr(args, "depth", None) is not None:
        out["ZWGK_DISCOVERY_DEPTH"] = args.depth
    if getattr(args, "ignore_robots", False):
        out["ROBOTSTXT_OBEY"] = False
    if getattr(args, "full", False):
        out["ZWGK_INCREMENTAL"] = False
    if getattr(args, "jobdir", None):
        out["JOBDIR"] = args.jobdir
    if getattr(args, "redis", None):
        out["ZWGK_REDIS_URL"] = args.redis
    return out


def setting_value(name: str, raw: str) -> Any:
    """A --set value read as the type of the setting's default (zwgk's or Scrapy's), so that
    `--set DOWNLOAD_TIMEOUT=abc` is a usage error here and not a traceback inside Scrapy."""
    import json

    from scrapy.settings import default_settings

    from crawler import settings as ours
    from crawler.config import ConfigError, coerce

    default = getattr(ours, name, getattr(default_settings, name, None))
    if default is None or isinstance(default, str):
        return raw
    if isinstance(default, dict):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--set {name}={raw!r}: {name} wants a JSON object ({exc})") from exc
        if not isinstance(value, dict):
            raise ConfigError(f"--set {name}={raw!r}: {name} wants a JSON object")
        return value
    try:
        return coerce(name, raw, default)
    except ConfigError as exc:
        raise ConfigError(f"--set {exc}") from exc


def check_url(url: str) -> None:
    """ValueError naming the flag when a --url is not an absolute http(s) URL."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError as exc:
        raise ValueError(f"--url {url!r} does not parse as a URL ({exc})") from exc
    if parts.scheme in ("http", "https") and host:
        return
    if not parts.scheme and not parts.netloc:
        raise ValueError(f"--url {url!r} has no scheme: give the whole address, e.g. https://{url.strip()}")
    raise ValueError(f"--url {url!r} is not an http(s) URL with a host")


def run(args: argparse.Namespace) -> int:
    if not args.url and not args.seeds:
        print("zwgk crawl: give --url URL or --seeds FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        for url in args.url:
            check_url(url)
        overrides = settings_from_args(args)
        if args.seeds:
            from crawler.seeds import crawl_problems, load_seeds
            from spiders.portal import parse_tokens, unresolved_tokens

            # fail early, naming the file or the token, before Scrapy starts
            seeds = load_seeds(args.seeds, tokens=parse_tokens(",".join(args.token)))
            problems = unresolved_tokens(seeds) or crawl_problems(seeds)
            if problems:
                more = f" (and {len(problems) - 1} more: zwgk seeds check)" if len(problems) > 1 else ""
                raise ValueError(problems[0] + more)
        settings = project_settings(overrides)
        redis_url = settings.get("ZWGK_REDIS_URL")  # checks distributed settings
        if redis_url:
            from crawler.distributed import check_redis

            check_redis(redis_url)  # a clear message, not a traceback from inside Scrapy
    except (ValueError, OSError) as exc:
        print(f"zwgk crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from crawler.store import StoreError, open_store

    try:
        # open (create, migrate) the store before Scrapy starts: an unreachable or unwritable one
        # is a one-line message and exit code 4, not a traceback from inside the spider
        open_store(settings.get("ZWGK_STORE"), archive_dir=settings.get("ZWGK_ARCHIVE_DIR") or None).close()
    except StoreError as exc:
        print(f"zwgk crawl: {exc}", file=sys.stderr)
        return EXIT_STORE_FAILED
    kwargs = {"url": ",".join(args.url), "seeds": ",".join(args.seeds), "name": args.name,
              "tokens": ",".join(args.token)}
    outcome = run_crawl(kwargs, overrides)
    print_summary(outcome)
    if outcome.signal:
        return end_interrupted(outcome, "crawl")
    code = outcome.exit_code
    if outcome.store_failure:
        from crawler.store import StoreUnavailable

        print(f"zwgk crawl: the store failed and the crawl stopped: {outcome.store_failure}; "
              f"{StoreUnavailable.next_step}", file=sys.stderr)
    elif code:
        failed = [n for n, p in outcome.portals.items() if p["status"] not in ("ok", "idle")]
        print(
            f"zwgk crawl: nothing could be fetched from {', '.join(failed)} "
            "(see the errors above; check the URL, the network, or whether the site blocks crawlers)",
            file=sys.stderr,
        )
    return code
