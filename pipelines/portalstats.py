"""Per-portal counters for one crawl, kept on the crawler and mirrored into Scrapy stats."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

_MAX_MESSAGES = 20  # per portal and kind: enough to say what failed without flooding the run record


class PortalStats:
    """Pages, reports (new/changed/unchanged/duplicate), errors, blocks, warnings per portal.

    pages counts responses with content (blocked answers are counted as blocked, not as pages);
    failed counts report pages and attachments that could not be fetched; unparsed counts files that
    were stored as sources but could not be read as reports (they are not in new/changed);
    retried counts requests from the store's pending list tried in this run, recovered those that worked;
    pending and given_up are the pending list's state when the run ended.
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.portals: dict[str, dict[str, Any]] = {}
        self.store_failure = ""  # why the store could not be written (pipelines.storefail); "" = it could

    @classmethod
    def of(cls, crawler: Any) -> PortalStats:
        existing = getattr(crawler, "_zwgk_portal_stats", None)
        if existing is None:
            existing = cls(crawler)
            crawler._zwgk_portal_stats = existing
        return existing

    def portal(self, name: str) -> dict[str, Any]:
        if name not in self.portals:
            self.portals[name] = {"counts": defaultdict(int), "errors": [], "blocked": [], "warnings": []}
        return self.portals[name]

    def count(self, portal: str, key: str, n: int = 1) -> None:
        self.portal(portal)["counts"][key] += n
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"zwgk/{key}", n)

    def page(self, portal: str) -> None:
        self.count(portal, "pages")

    def note(self, portal: str, key: str) -> None:
        self.count(portal, key)

    def _message(self, portal: str, kind: str, message: str) -> None:
        msgs = self.portal(portal)[kind]
        if len(msgs) < _MAX_MESSAGES:
            msgs.append(message)

    def error(self, portal: str, message: str) -> None:
        self.count(portal, "errors")
        self._message(portal, "errors", message)

    def blocked(self, portal: str, message: str) -> None:
        self.count(portal, "blocked")
        self._message(portal, "blocked", message)

    def warn(self, portal: str, message: str) -> None:
        self.count(portal, "warnings")
        self._message(portal, "warnings", message)

    def unparsed(self, portal: str, store_status: str, message: str) -> None:
        """A stored source the parser could not read: move it from new/changed to unparsed, with why."""
        if store_status in ("new", "changed") and self.portal(portal)["counts"].get(store_status, 0) > 0:
            self.count(portal, store_status, -1)
        self.count(portal, "unparsed")
        self.warn(portal, message)

    def set_pending(self, by_portal: dict[str, dict[str, int]]) -> None:
        """What the store still holds at the end of the run: requests pending and given up, per portal
        of this crawl (set, not added: they are the store's state, not events of this run)."""
        for name, p in self.portals.items():
            for key in ("pending", "given_up"):
                p["counts"][key] = by_portal.get(name, {}).get(key, 0)

    def totals(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for p in self.portals.values():
            for k, v in p["counts"].items():
                out[k] += v
        if self.store_failure:
            out["store_failed"] = 1
        return dict(out)

    def status(self, portal: str) -> str:
        """ok, blocked, failed, or idle.

        failed: nothing at all could be fetched from the portal. idle: a distributed worker that
        was handed no request of this portal (another worker crawled it) and saw no error either.
        """
        c = self.portal(portal)["counts"]
        if c.get("pages", 0) > 0 or c.get("unchanged", 0) > 0:
            return "ok"
        if c.get("blocked"):
            return "blocked"
        if self.crawler.settings.get("ZWGK_REDIS_URL") and not c.get("errors") and not c.get("failed"):
            return "idle"
        return "failed"

    def as_dict(self) -> dict[str, Any]:
        return {
            name: {
                "status": self.status(name),
                "counts": dict(p["counts"]),
                "errors": list(p["errors"]),
                "blocked": list(p["blocked"]),
                "warnings": list(p["warnings"]),
            }
            for name, p in self.portals.items()
        }
