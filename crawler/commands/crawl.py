"""`zwgk crawl`: crawl portals (one URL, several, or seed files) into the store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.runner import EXIT_USAGE, end_interrupted, print_summary, project_settings, run_crawl

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
        if not sep or not name:
            raise ValueError(f"--set wants NAME=VALUE, got {pair!r}")
        out[name.strip()] = value
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


def run(args: argparse.Namespace) -> int:
    if not args.url and not args.seeds:
        print("zwgk crawl: give --url URL or --seeds FILE", file=sys.stderr)
        return EXIT_USAGE
    try:
        overrides = settings_from_args(args)
        if args.seeds:
            from crawler.seeds import load_seeds
            from spiders.portal import parse_tokens, unresolved_tokens

            # fail early, naming the file or the token, before Scrapy starts
            problems = unresolved_tokens(load_seeds(args.seeds, tokens=parse_tokens(",".join(args.token))))
            if problems:
                raise ValueError(problems[0])
        redis_url = project_settings(overrides).get("ZWGK_REDIS_URL")  # checks distributed settings
        if redis_url:
            from crawler.distributed import check_redis

            check_redis(redis_url)  # a clear message, not a traceback from inside Scrapy
    except (ValueError, OSError) as exc:
        print(f"zwgk crawl: {exc}", file=sys.stderr)
        return EXIT_USAGE
    kwargs = {"url": ",".join(args.url), "seeds": ",".join(args.seeds), "name": args.name,
              "tokens": ",".join(args.token)}
    outcome = run_crawl(kwargs, overrides)
    print_summary(outcome)
    if outcome.signal:
        return end_interrupted(outcome, "crawl")
    code = outcome.exit_code
    if code:
        failed = [n for n, p in outcome.portals.items() if p["status"] not in ("ok", "idle")]
        print(
            f"zwgk crawl: nothing could be fetched from {', '.join(failed)} "
            "(see the errors above; check the URL, the network, or whether the site blocks crawlers)",
            file=sys.stderr,
        )
    return code
