"""Redis key names of one distributed crawl: everything lives under `<prefix>:<spider>:`."""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_PREFIX = "zwgk"
_PREFIX_RE = re.compile(r"^[A-Za-z0-9_.\-]+(:[A-Za-z0-9_.\-]+)*$")


def check_prefix(prefix: str) -> str:
    """The prefix, or ValueError: it is %-formatted by scrapy-redis, so keep it to plain characters."""
    if not _PREFIX_RE.match(prefix):
        raise ValueError(f"ZWGK_REDIS_PREFIX {prefix!r}: use letters, digits, '_', '.', '-' and ':'")
    return prefix


@dataclass(frozen=True)
class Keys:
    """Key names; the two scrapy-redis ones keep their usual `<spider>:requests|dupefilter` tail."""

    prefix: str = DEFAULT_PREFIX
    spider: str = "portal"

    @property
    def base(self) -> str:
        return f"{check_prefix(self.prefix)}:{self.spider}"

    @property
    def requests(self) -> str:  # list: LPUSH in, LMOVE out from the right (FIFO)
        return f"{self.base}:requests"

    @property
    def dupefilter(self) -> str:  # set of request fingerprints (scrapy-redis RFPDupeFilter)
        return f"{self.base}:dupefilter"

    @property
    def workers(self) -> str:  # set of worker ids that may own a processing list
        return f"{self.base}:workers"

    @property
    def rejected(self) -> str:  # list of queued documents refused by the serializer
        return f"{self.base}:rejected"

    def processing(self, worker: str) -> str:  # list of requests a worker has taken, not yet done
        return f"{self.base}:processing:{worker}"

    def alive(self, worker: str) -> str:  # heartbeat key with a TTL
        return f"{self.base}:alive:{worker}"


# Record a request's fingerprint and queue it, both or neither: a worker killed between the two would
# otherwise leave a URL marked seen but never queued, and the re-fetch of its parent page could not
# queue it again. KEYS: dupefilter, requests; ARGV: fingerprint, serialised request. 1 = queued.
PUSH_UNSEEN_LUA = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then
  redis.call('LPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
"""
