"""JSON serializer for requests kept in a shared Redis (scrapy-redis SCHEDULER_SERIALIZER).

scrapy-redis pickles requests by default; a Redis shared by several machines would then be a way to
run code on every worker. Here a request is a plain JSON document:

    {"zwgk": 1, "request": {"url": ..., "method": ..., "callback": "parse_list", ...}}

Bytes (body, header values, bytes inside meta) are written as {"$b64": "..."}. `loads` refuses
anything that is not exactly that shape: unknown keys, `_class` (Scrapy's hook to load any class),
non-http(s) URLs (file://, data:, s3:// would read local files or credentials), callback names that
are not identifiers, and nested values that are not JSON scalars, lists, string-keyed dicts or
tagged bytes. Whether a callback name is a method the spider allows is checked by the queue, which
knows the spider (pipelines.distributed.queue).

Request options (`meta`) are taken from the queue only from an allowlist: the keys the portal spider
sets and Scrapy's own bookkeeping of redirects, retries and depth. Anything else, e.g.
`allow_offsite`, `proxy`, `download_maxsize`, `dont_obey_robotstxt`, `download_timeout`, is dropped
with a logged reason: whoever can write to the queue must not switch off the crawl's safeguards.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from typing import Any

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
MAX_BYTES = 16 * 1024 * 1024  # a queued request is a URL plus a small form body; larger is not ours
_MAX_DEPTH = 32
_BYTES_TAG = "$b64"

# Request.to_dict() keys we carry. "_class" is deliberately absent: request_from_dict() would
# load_object() whatever class it names.
_FIELDS: dict[str, tuple[type, ...]] = {
    "url": (str,),
    "method": (str,),
    "callback": (str, type(None)),
    "errback": (str, type(None)),
    "headers": (dict,),
    "body": (bytes,),
    "cookies": (dict, list),
    "meta": (dict,),
    "encoding": (str,),
    "priority": (int,),
    "dont_filter": (bool,),
    "flags": (list,),
    "cb_kwargs": (dict,),
}
_REQUIRED = ("url", "method")

# meta keys a queued request may carry, with the types of their values
_META: dict[str, tuple[type, ...]] = {
    "portal": (str,),  # the spider's own keys
    "guessed": (bool,),
    "article": (bool,),
    "wrapper": (str,),
    "picture_of": (str,),  # a report page's table picture: the page it belongs to
    "dont_redirect": (bool,),
    "start": (bool,),  # a portal's start page (its failure is the portal's, never pending)
    "pending": (int,),  # taken from the store's pending list: runs it failed in before
    "handle_httpstatus_list": (list,),  # only [304], for conditional requests (checked below)
    "depth": (int,),  # Scrapy's bookkeeping of requests it scheduled itself
    "redirect_times": (int,),
    "redirect_ttl": (int,),
    "redirect_urls": (list,),
    "redirect_reasons": (list,),
    "retry_times": (int,),
}
_HTTPSTATUS_ALLOWED = frozenset({304})
_METHODS = frozenset({"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"})


class RequestRejected(ValueError):
    """A queued document that is not a plain request dict; it must not be turned into a request."""


def _encode(value: Any, path: str, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        raise TypeError(f"{path}: nested deeper than {_MAX_DEPTH}")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return {_BYTES_TAG: base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if isinstance(k, bytes):
                k = k.decode("latin-1")  # header names; latin-1 is lossless for bytes
            if not isinstance(k, str):
                raise TypeError(f"{path}: dict key {k!r} is not a string")
            if k == _BYTES_TAG:
                raise TypeError(f"{path}: the key {_BYTES_TAG!r} is reserved by the request serializer")
            out[k] = _encode(v, f"{path}.{k}", depth + 1)
        return out
    raise TypeError(
        f"{path}: {type(value).__name__} cannot be queued in distributed mode "
        "(use JSON values: str, int, float, bool, None, list, dict, bytes)"
    )


def _decode(value: Any, path: str, depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        raise RequestRejected(f"{path}: nested deeper than {_MAX_DEPTH}")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, dict):
        if _BYTES_TAG in value:
            raw = value[_BYTES_TAG]
            if len(value) != 1 or not isinstance(raw, str):
                raise RequestRejected(f"{path}: malformed bytes value")
            try:
                return base64.b64decode(raw.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError) as exc:
                raise RequestRejected(f"{path}: invalid base64 ({exc})") from None
        return {k: _decode(v, f"{path}.{k}", depth + 1) for k, v in value.items()}
    raise RequestRejected(f"{path}: unexpected {type(value).__name__}")


def dumps(obj: dict[str, Any]) -> bytes:
    """Encode a Request.to_dict() as JSON bytes; TypeError for values JSON cannot carry."""
    if not isinstance(obj, dict):
        raise TypeError(f"expected a request dict, got {type(obj).__name__}")
    if "_class" in obj:
        raise TypeError(
            f"request class {obj['_class']} cannot be queued in distributed mode: only plain "
            "scrapy.Request is allowed (a class name from Redis would be imported on every worker)"
        )
    unknown = sorted(set(obj) - set(_FIELDS))
    if unknown:
        raise TypeError(f"unknown request fields {unknown}")
    for name in ("callback", "errback"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise TypeError(f"{name} must be the name of a spider method, got {obj[name]!r}")
    doc = {"zwgk": FORMAT_VERSION, "request": _encode(obj, "request")}
    data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(data) > MAX_BYTES:
        raise TypeError(f"request for {obj.get('url')} is {len(data)} bytes serialised (limit {MAX_BYTES})")
    return data


def loads(data: bytes | str) -> dict[str, Any]:
    """Decode and validate one queued request; RequestRejected for anything else."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not isinstance(data, (bytes, bytearray)):
        raise RequestRejected(f"expected bytes, got {type(data).__name__}")
    if len(data) > MAX_BYTES:
        raise RequestRejected(f"document of {len(data)} bytes exceeds {MAX_BYTES}")
    if data[:1] != b"{":
        # A pickle starts with b"\x80"; say so, since that is what old scrapy-redis queues hold.
        kind = "a pickle" if data[:1] == b"\x80" else "not a JSON object"
        raise RequestRejected(f"queued request is {kind}; refusing it")
    try:
        doc = json.loads(bytes(data).decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise RequestRejected(f"queued request is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or set(doc) != {"zwgk", "request"}:
        raise RequestRejected("queued document is not a zwgk request envelope")
    if doc["zwgk"] != FORMAT_VERSION:
        raise RequestRejected(f"unsupported request format version {doc['zwgk']!r}")
    raw = doc["request"]
    if not isinstance(raw, dict):
        raise RequestRejected("request is not an object")
    if "_class" in raw:
        raise RequestRejected("request names a class (_class); only plain requests are accepted")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise RequestRejected(f"unknown request fields {unknown}")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise RequestRejected(f"missing request fields {missing}")
    req = _decode(raw, "request")
    for key, types in _FIELDS.items():
        if key in req and not isinstance(req[key], types):
            raise RequestRejected(f"request.{key} has type {type(req[key]).__name__}")
        if key in req and key == "priority" and isinstance(req[key], bool):
            raise RequestRejected("request.priority is not an integer")
    _check_request(req)
    if "meta" in req:
        req["meta"] = allowed_meta(req["meta"], req["url"])
    return req


def allowed_meta(meta: dict[str, Any], url: str) -> dict[str, Any]:
    """The request options of a queued request that may be honoured; the others are logged and
    dropped (the request itself still runs, under the worker's own settings)."""
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in meta.items():
        types = _META.get(key)
        ok = types is not None and isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if ok and key == "handle_httpstatus_list":
            ok = all(isinstance(v, int) and v in _HTTPSTATUS_ALLOWED for v in value)
        if ok:
            kept[key] = value
        else:
            dropped.append(key)
    if dropped:
        logger.warning("queued request for %s: request options %s dropped (only %s are taken from the queue)",
                       url[:200], sorted(dropped), ", ".join(sorted(_META)))
    return kept


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _check_request(req: dict[str, Any]) -> None:
    url = req["url"]
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        raise RequestRejected(f"only http(s) URLs are queued, got {url[:80]!r}")
    if req["method"].upper() not in _METHODS:
        raise RequestRejected(f"unsupported HTTP method {req['method'][:20]!r}")
    for name in ("callback", "errback"):
        value = req.get(name)
        if value is not None and not (value.isidentifier() and not value.startswith("_")):
            raise RequestRejected(f"{name} {value[:60]!r} is not a public method name")
    headers = req.get("headers", {})
    for k, values in headers.items():
        if not isinstance(values, list) or not all(isinstance(v, bytes) for v in values):
            raise RequestRejected(f"header {k[:40]!r} is not a list of byte strings")
    if not all(isinstance(f, str) for f in req.get("flags", [])):
        raise RequestRejected("request.flags holds non-strings")
