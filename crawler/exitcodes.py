"""Exit codes shared by every `zwgk` command (the table in README.md, "Exit codes")."""

from __future__ import annotations

EXIT_OK = 0  # everything asked for was done
EXIT_USAGE = 1  # usage or configuration error: nothing was done
EXIT_SOME_FAILED = 2  # some inputs (files, portals) failed; the others were done
EXIT_ALL_FAILED = 3  # every input failed
EXIT_STORE_FAILED = 4  # zwgk crawl: the store could not be written (disk full, database gone); the next run goes on
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM


def batch_code(failed: int, total: int) -> int:
    """The exit code of a batch of `total` inputs of which `failed` failed."""
    if not failed:
        return EXIT_OK
    return EXIT_ALL_FAILED if failed >= total else EXIT_SOME_FAILED
