"""Failed fetches that later runs retry: the backoff policy and the key of a pending request.

A report page, attachment or list page that could not be fetched or stored is kept in the store's
`pending` table (crawler.store). Every later run requests the entries that are due again, until
the request succeeds or has failed in ZWGK_PENDING_MAX_ATTEMPTS runs: then it is given up and
listed by `zwgk stats`.

Backoff is by time, so that it means the same for a weekly cron job and for several distributed
workers starting the same round: the first failure is due again at the next run, the k-th (k >= 2)
after ZWGK_PENDING_BACKOFF · 2^(k-2) seconds, at most ZWGK_PENDING_BACKOFF_MAX.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_BACKOFF = 3600.0  # one hour: an hourly job retries at once, a daily or weekly one every run
DEFAULT_BACKOFF_MAX = 7 * 24 * 3600.0  # a week: a weekly job never skips a due retry


@dataclass(frozen=True)
class PendingPolicy:
    """How often a failed request is tried again across runs."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    backoff_max: float = DEFAULT_BACKOFF_MAX

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"ZWGK_PENDING_MAX_ATTEMPTS must be 1 or more, got {self.max_attempts}")
        if self.backoff < 0 or self.backoff_max < 0:
            raise ValueError("ZWGK_PENDING_BACKOFF and ZWGK_PENDING_BACKOFF_MAX must not be negative")

    def given_up(self, attempts: int) -> bool:
        """After this many failed runs the request is not retried any more."""
        return attempts >= self.max_attempts

    def due_at(self, attempts: int, failed_at: datetime) -> datetime:
        """When a request that has now failed in `attempts` runs is due again."""
        if attempts <= 1:
            return failed_at  # a first failure is often transient: the very next run tries again
        return failed_at + timedelta(seconds=min(self.backoff_max, self.backoff * 2 ** (attempts - 2)))


def request_key(method: str, url: str, body: bytes = b"") -> str:
    """The identity of a pending request: its URL, or for a POST (a list-page API) URL and body."""
    if method.upper() == "GET" and not body:
        return url
    return f"{method.upper()} {url} {hashlib.sha256(body).hexdigest()[:16]}"
