"""The `zwgk` command line: one sub-command per module in crawler/commands/."""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading
from types import FrameType

from crawler import __version__

# name -> module under crawler.commands; each defines HELP, configure(parser) and run(args) -> int.
COMMANDS = ("crawl", "demo", "extract", "parse", "export", "stats", "reparse", "seeds", "enqueue", "init",
            "fields", "coverage", "metadata", "archive")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser; with `only`, just that sub-command's module is imported (fast start-up)."""
    parser = argparse.ArgumentParser(
        prog="zwgk",
        description="Crawl China's government information-disclosure portals for 政府信息公开工作年度报告.",
    )
    parser.add_argument("--version", action="version", version=f"zwgk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if only is not None and name != only:
            continue
        try:
            module = importlib.import_module(f"crawler.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"crawler.commands.{name}":
                raise
            continue  # a command not built yet is simply not offered
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(p)
        p.set_defaults(_run=module.run)
    return parser


# Exit codes of a command stopped by a signal, as a shell reports them (128 + the signal number).
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_SIGTERM = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that transactions roll back and `finally` blocks run."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"received signal {signum}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    first = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(first if first in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 1
    # SIGTERM would otherwise end the process on the spot, without rollback or a clean exit code;
    # `zwgk crawl` replaces this with Scrapy's graceful shutdown once its reactor runs.
    main_thread = threading.current_thread() is threading.main_thread()  # (tests call main() from threads)
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if main_thread else None
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt as exc:
        print("zwgk: interrupted", file=sys.stderr)
        return EXIT_SIGTERM if isinstance(exc, Terminated) else EXIT_SIGINT
    except BrokenPipeError:
        return 0
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
