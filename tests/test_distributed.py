"""Distributed mode, unit level: JSON request serializer, settings switch, reliable queue on real Redis."""

from __future__ import annotations

import base64
import json
import pickle
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import scrapy
from scrapy.http import Request
from scrapy.utils.test import get_crawler

from crawler.distributed import Keys, distributed_settings, queue_stats, serializer
from crawler.distributed.serializer import RequestRejected

REDIS_URL = "redis://127.0.0.1:6379/0"


# --- serializer ---------------------------------------------------------------------------------


def _request_dict(**over: Any) -> dict[str, Any]:
    d = Request(
        "https://www.example.gov.cn/zwgk/nb/index_2.html",
        method="POST",
        body=b"page=2&\xff\x00raw",
        headers={"X-Token": "abc", "Content-Type": "application/x-www-form-urlencoded"},
        meta={"portal": "示例市", "depth": 1, "redirect_urls": ["a", "b"], "handle_httpstatus_list": [304]},
        cb_kwargs={"portal": "示例市", "depth": 1, "kind": "api:trs", "request_body": "page=2"},
        priority=-1,
        dont_filter=True,
    ).to_dict()
    d["callback"], d["errback"] = "parse_api", "on_error"
    d.update(over)
    return d


def test_round_trip_keeps_every_field() -> None:
    d = _request_dict()
    back = serializer.loads(serializer.dumps(d))
    assert back["url"] == d["url"] and back["method"] == "POST"
    assert back["body"] == b"page=2&\xff\x00raw"
    assert back["headers"] == {k.decode(): v for k, v in d["headers"].items()}
    assert back["meta"] == d["meta"] and back["cb_kwargs"] == d["cb_kwargs"]
    assert (back["callback"], back["errback"], back["priority"], back["dont_filter"]) == (
        "parse_api",
        "on_error",
        -1,
        True,
    )
    # Rebuilt as a Request, it fingerprints the same as the original.
    kwargs = {k: v for k, v in back.items() if k not in ("callback", "errback")}
    again = Request(**kwargs)
    assert again.body == d["body"] and again.headers.get("X-Token") == b"abc"


@pytest.mark.parametrize("meta", [
    {"allow_offsite": True}, {"proxy": "http://127.0.0.1:8888"}, {"download_maxsize": 0},
    {"dont_obey_robotstxt": True}, {"download_timeout": 1e9}, {"handle_httpstatus_list": [200, 500]},
    {"handle_httpstatus_all": True}, {"depth": "0"}, {"bindaddress": ["10.0.0.1", 0]}, {"raw": b"\x01"},
])
def test_dangerous_request_options_are_dropped_with_a_reason(meta: dict[str, Any],
                                                             caplog: pytest.LogCaptureFixture) -> None:
    d = _request_dict(meta={"portal": "示例市", **meta})
    with caplog.at_level("WARNING", logger="crawler.distributed.serializer"):
        back = serializer.loads(serializer.dumps(d))
    assert back["meta"] == {"portal": "示例市"}  # the request still runs, without the option
    assert any(f"{sorted(meta)}" in r.getMessage() and "dropped" in r.getMessage() for r in caplog.records)


def test_bytes_are_base64_and_document_is_json() -> None:
    doc = json.loads(serializer.dumps(_request_dict()))
    assert doc["zwgk"] == serializer.FORMAT_VERSION
    assert base64.b64decode(doc["request"]["body"]["$b64"]) == b"page=2&\xff\x00raw"


class _Boom:
    """Unpickling this runs code: exactly what a shared Redis must not be able to do."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> Any:
        return (Path(self.path).write_text, ("pwned",))


def test_pickle_is_refused_and_not_executed(tmp_path: Path) -> None:
    target = tmp_path / "ran"
    payload = pickle.dumps({"url": "https://x.gov.cn/", "callback": _Boom(str(target))}, protocol=4)
    with pytest.raises(RequestRejected, match="pickle"):
        serializer.loads(payload)
    assert not target.exists()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.update(_class="os.system"), "class"),
        (lambda r: r.update(url="file:///etc/passwd"), "http"),
        (lambda r: r.update(url="data:text/html,hi"), "http"),
        (lambda r: r.update(callback="__init__"), "public method"),
        (lambda r: r.update(callback="os.system"), "public method"),
        (lambda r: r.update(evil=1), "unknown request fields"),
        (lambda r: r.update(body={"$b64": "not base64!"}), "base64"),
        (lambda r: r.update(body={"$b64": "AA==", "x": 1}), "malformed"),
        (lambda r: r.update(priority="high"), "priority"),
        (lambda r: r.update(method="CONNECT"), "method"),
        (lambda r: r.pop("url"), "missing"),
        (lambda r: r["headers"].update(Cookie="plain string"), "header"),
    ],
)
def test_malformed_documents_are_rejected(mutate: Any, message: str) -> None:
    doc = json.loads(serializer.dumps(_request_dict()))
    mutate(doc["request"])
    with pytest.raises(RequestRejected, match=message):
        serializer.loads(json.dumps(doc).encode())


@pytest.mark.parametrize(
    "raw",
    [b"", b"[]", b'{"zwgk": 2, "request": {}}', b'{"request": {}}', b"\xff\xfe", b'{"zwgk":1,"request":NaN}'],
)
def test_not_an_envelope_is_rejected(raw: bytes) -> None:
    with pytest.raises(RequestRejected):
        serializer.loads(raw)


def test_dumps_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(TypeError, match="set"):
        serializer.dumps(_request_dict(meta={"s": {1, 2}}))
    with pytest.raises(TypeError, match="class"):
        serializer.dumps(_request_dict(_class="scrapy.http.request.form.FormRequest"))
    with pytest.raises(TypeError, match="reserved"):
        serializer.dumps(_request_dict(meta={"$b64": "x"}))


# --- settings switch ----------------------------------------------------------------------------


def test_distributed_settings_switch() -> None:
    s = distributed_settings(
        "redis://10.0.0.5:6379/2",
        {"ZWGK_IDLE_SECONDS": "7", "ZWGK_REDIS_PREFIX": "nat", "EXTENSIONS": {"x.Y": 1}},
    )
    assert s["SCHEDULER"] == "pipelines.distributed.scheduler.Scheduler"
    assert s["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert s["SCHEDULER_QUEUE_CLASS"] == "pipelines.distributed.queue.ReliableQueue"
    assert s["SCHEDULER_SERIALIZER"] == "crawler.distributed.serializer"
    assert s["REDIS_URL"] == "redis://10.0.0.5:6379/2" and s["SCHEDULER_PERSIST"] is True
    assert s["SCHEDULER_QUEUE_KEY"] % {"spider": "portal"} == Keys("nat", "portal").requests
    assert s["ZWGK_IDLE_SECONDS"] == 7.0
    assert (
        s["EXTENSIONS"]["x.Y"] == 1
        and "pipelines.distributed.extension.DistributedExtension" in s["EXTENSIONS"]
    )
    assert distributed_settings("redis://h:1")["ZWGK_IDLE_SECONDS"] == 30.0


@pytest.mark.parametrize(
    ("url", "settings", "message"),
    [
        ("http://h:6379", {}, "redis://"),
        ("redis://h:6379", {"JOBDIR": "/tmp/j"}, "JOBDIR"),
        ("redis://h:6379", {"ZWGK_REDIS_PREFIX": "a%(b)s"}, "PREFIX"),
        ("redis://h:6379", {"ZWGK_HEARTBEAT_SECONDS": "0"}, "HEARTBEAT"),
        ("redis://h:6379", {"ZWGK_IDLE_SECONDS": "soon"}, "not a number"),
        ("redis://h:6379", {"ZWGK_MAX_IN_FLIGHT": "-1"}, "MAX_IN_FLIGHT"),
    ],
)
def test_distributed_settings_refuses_bad_input(url: str, settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        distributed_settings(url, settings)


def test_runner_applies_switch_only_when_redis_is_set() -> None:
    from crawler.runner import project_settings

    single = project_settings({})
    assert "distributed" not in str(single.get("SCHEDULER"))
    dist = project_settings({"ZWGK_REDIS_URL": REDIS_URL, "ZWGK_IDLE_SECONDS": "3"})
    assert dist.get("SCHEDULER") == "pipelines.distributed.scheduler.Scheduler"
    assert dist.getfloat("ZWGK_IDLE_SECONDS") == 3.0
    # The project's own extensions stay on.
    assert set(single.getdict("EXTENSIONS")) <= set(dist.getdict("EXTENSIONS"))


# --- reliable queue on real Redis ---------------------------------------------------------------


_QUEUES: list[Any] = []


@pytest.fixture
def redis_prefix() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"no Redis at {REDIS_URL} ({exc}); .ci/run starts one")
    prefix = f"zwgktest-{uuid.uuid4().hex[:10]}"
    yield prefix
    while _QUEUES:
        q = _QUEUES.pop()
        q.stop_heartbeat()
        q.server.close()
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


class _Spider(scrapy.Spider):
    name = "portal"

    def parse_list(self, response: Any, portal: str, depth: int) -> None:
        return None

    def on_error(self, failure: Any) -> None:
        return None


def _queue(prefix: str, heartbeat: float = 5.0, max_in_flight: int = 0) -> Any:
    import redis

    from pipelines.distributed.queue import ReliableQueue

    settings = distributed_settings(
        REDIS_URL,
        {
            "ZWGK_REDIS_PREFIX": prefix,
            "ZWGK_HEARTBEAT_SECONDS": heartbeat,
            "ZWGK_MAX_IN_FLIGHT": max_in_flight,
        },
    )
    crawler = get_crawler(_Spider, settings)
    spider = _Spider.from_crawler(crawler)
    server = redis.Redis.from_url(REDIS_URL)
    key = settings["SCHEDULER_QUEUE_KEY"] % {"spider": spider.name}
    q = ReliableQueue(server, spider, key, serializer=serializer)
    _QUEUES.append(q)
    return q


def _req(spider: Any, n: int) -> Request:
    return Request(
        f"https://www.example.gov.cn/list_{n}.html",
        callback=spider.parse_list,
        errback=spider.on_error,
        cb_kwargs={"portal": "p", "depth": 0},
        meta={"portal": "p"},
    )


def test_queue_round_trip_and_callbacks_by_name(redis_prefix: str) -> None:
    q = _queue(redis_prefix)
    q.push(_req(q.spider, 1))
    r = q.pop()
    assert (
        r.url.endswith("list_1.html") and r.callback == q.spider.parse_list and r.errback == q.spider.on_error
    )
    assert r.cb_kwargs == {"portal": "p", "depth": 0}
    assert "parse_list" in q.callbacks and "start" not in q.callbacks and "close" not in q.callbacks


def test_queue_refuses_unknown_callbacks_and_keeps_going(redis_prefix: str) -> None:
    q = _queue(redis_prefix)
    good = json.loads(q._encode_request(_req(q.spider, 2)))
    for name in ("close", "start", "log", "parse_nothing"):
        bad = json.loads(json.dumps(good))
        bad["request"]["callback"] = name
        q.server.lpush(q.key, json.dumps(bad))
    q.server.lpush(q.key, pickle.dumps({"url": "https://x/"}))
    q.push(_req(q.spider, 2))
    popped = q.pop()  # the five bad documents are set aside, the good one comes out
    assert popped is not None and popped.url.endswith("list_2.html")
    assert q.server.llen(q.keys.rejected) == 5
    assert q.counts["rejected"] == 5
    assert q.pop() is None


def test_queued_request_with_dangerous_options_runs_without_them(redis_prefix: str,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    q = _queue(redis_prefix)
    doc = json.loads(q._encode_request(_req(q.spider, 3)))
    doc["request"]["meta"].update(allow_offsite=True, proxy="http://127.0.0.1:3128", download_maxsize=0,
                                  dont_obey_robotstxt=True)
    q.server.lpush(q.key, json.dumps(doc))  # written by whoever can write to the Redis
    with caplog.at_level("WARNING", logger="crawler.distributed.serializer"):
        r = q.pop()
    assert r is not None and r.url.endswith("list_3.html") and r.callback == q.spider.parse_list
    assert {k: v for k, v in r.meta.items() if not k.startswith("_zwgk")} == {"portal": "p"}
    assert any("allow_offsite" in rec.getMessage() and "dropped" in rec.getMessage() for rec in caplog.records)


def test_pickle_serializer_setting_is_refused(redis_prefix: str) -> None:
    import redis
    from scrapy_redis import picklecompat

    from pipelines.distributed.queue import ReliableQueue

    q = _queue(redis_prefix)
    server = redis.Redis.from_url(REDIS_URL)
    with pytest.raises(ValueError, match="SCHEDULER_SERIALIZER"):
        ReliableQueue(server, q.spider, q.key, serializer=picklecompat)
    server.close()


def test_dead_workers_requests_are_reclaimed(redis_prefix: str) -> None:
    a = _queue(redis_prefix, heartbeat=0.3)  # heartbeat TTL: 1 s
    b = _queue(redis_prefix, heartbeat=5.0)
    for n in range(10):
        a.push(_req(a.spider, n))
    taken = [a.pop().url for _ in range(4)]
    assert a.server.llen(a.processing) == 4 and a.server.llen(a.key) == 6
    assert b.reclaim_dead() == 0  # a is alive: its in-flight requests are its own
    assert b.pending_anywhere() == 10
    time.sleep(1.3)
    assert b.reclaim_dead() == 0  # a's heartbeat thread keeps it alive while it is busy
    a.stop_heartbeat()  # a "dies" (as under SIGKILL): no more heartbeats, its key expires
    time.sleep(1.3)
    assert b.reclaim_dead() == 4
    assert a.worker not in {m.decode() for m in b.server.smembers(b.keys.workers)}
    got = []
    while (r := b.pop()) is not None:
        got.append(r.url)
    assert sorted(got) == sorted(f"https://www.example.gov.cn/list_{n}.html" for n in range(10))
    assert set(taken) <= set(got)
    assert b.reclaim_dead() == 0  # nothing moved twice


def test_ack_waits_for_the_engine_to_finish_the_request(redis_prefix: str) -> None:
    q = _queue(redis_prefix)
    # Stand-in for the running engine's slot: the set of requests it has not finished.
    inprogress: set[Request] = set()
    q.spider.crawler.engine = SimpleNamespace(_slot=SimpleNamespace(inprogress=inprogress))
    for n in range(3):
        q.push(_req(q.spider, n))
    r1 = q.pop()
    inprogress.add(r1)  # as the engine does, synchronously, right after next_request()
    r2 = q.pop()
    inprogress.add(r2)
    assert q.ack_finished() == 0 and q.server.llen(q.processing) == 2
    inprogress.discard(r1)
    assert q.ack_finished() == 1
    assert [json.loads(x)["request"]["url"] for x in q.server.lrange(q.processing, 0, -1)] == [r2.url]
    # A retry/redirect of r2 pushed while r2 is in progress is queued without the lease marker.
    q.push(r2.replace(url=r2.url + "?retry"))
    assert "_zwgk_lease" not in q.server.lindex(q.key, 0).decode()
    inprogress.clear()
    assert q.release(finished=True) == 0
    assert not q.server.exists(q.processing, q.keys.alive(q.worker))


def test_a_worker_takes_no_more_than_max_in_flight(redis_prefix: str) -> None:
    q = _queue(redis_prefix, max_in_flight=2)
    inprogress: set[Request] = set()
    q.spider.crawler.engine = SimpleNamespace(_slot=SimpleNamespace(inprogress=inprogress))
    for n in range(5):
        q.push(_req(q.spider, n))
    first = []
    for _ in range(2):
        first.append(q.pop())
        inprogress.add(first[-1])  # as the engine does, right after next_request()
    assert q.pop() is None and len(q) == 3  # the rest stays in Redis for other workers
    inprogress.discard(first[0])
    assert q.pop() is not None and len(q) == 2


def test_scheduler_filters_and_pushes_in_one_step(redis_prefix: str) -> None:
    from pipelines.distributed.scheduler import Scheduler

    settings = distributed_settings(REDIS_URL, {"ZWGK_REDIS_PREFIX": redis_prefix})
    crawler = get_crawler(_Spider, settings)
    spider = _Spider.from_crawler(crawler)
    sched = Scheduler.from_crawler(crawler)
    sched.open(spider)
    _QUEUES.append(sched.queue)
    assert sched.enqueue_request(_req(spider, 1)) is True
    assert sched.enqueue_request(_req(spider, 1)) is False  # seen: neither recorded again nor queued
    assert sched.enqueue_request(_req(spider, 1).replace(dont_filter=True)) is True
    assert len(sched) == 2 and sched.server.scard(Keys(redis_prefix, "portal").dupefilter) == 1
    assert sched.next_request().url.endswith("list_1.html")
    sched.server.close()


def test_unqueueable_request_is_refused_loudly(redis_prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    from pipelines.distributed.scheduler import Scheduler

    settings = distributed_settings(REDIS_URL, {"ZWGK_REDIS_PREFIX": redis_prefix})
    crawler = get_crawler(_Spider, settings)
    spider = _Spider.from_crawler(crawler)
    sched = Scheduler.from_crawler(crawler)
    sched.open(spider)
    _QUEUES.append(sched.queue)
    bad = _req(spider, 9).replace(meta={"portal": "p", "objects": {object()}})
    assert sched.enqueue_request(bad) is False
    assert "cannot queue https://www.example.gov.cn/list_9.html" in caplog.text
    assert len(sched) == 0 and sched.server.scard(Keys(redis_prefix, "portal").dupefilter) == 0
    sched.server.close()


def test_after_a_failure_nothing_is_acknowledged(redis_prefix: str) -> None:
    q = _queue(redis_prefix)
    q.spider.crawler.engine = SimpleNamespace(_slot=SimpleNamespace(inprogress=set()), spider=None)
    for n in range(2):
        q.push(_req(q.spider, n))
    q.pop()
    q.fail("test")
    q.pop()
    assert q.ack_finished() == 0 and q.server.llen(q.processing) == 2
    assert q.release(finished=False) == 2 and q.server.llen(q.key) == 2


def test_release_requeues_unfinished(redis_prefix: str) -> None:
    q = _queue(redis_prefix)
    q.push(_req(q.spider, 1))
    q.pop()  # no engine: nothing is known finished
    assert q.release(finished=False) == 1
    assert q.server.llen(q.key) == 1


def test_queue_stats(redis_prefix: str) -> None:
    q = _queue(redis_prefix)
    for n in range(5):
        q.push(_req(q.spider, n))
    q.pop()
    q.server.sadd(q.keys.dupefilter, "fp1", "fp2")
    st = queue_stats(REDIS_URL, "portal", redis_prefix)
    assert (st["queued"], st["in_flight"], st["seen"], st["workers_alive"]) == (4, 1, 2, 1)
    assert st["workers"][0]["worker"] == q.worker and st["workers"][0]["alive"]


def test_queue_stats_names_an_unreachable_redis() -> None:
    with pytest.raises(ConnectionError, match="127.0.0.1:1"):
        queue_stats("redis://127.0.0.1:1/0")


def test_enqueue_is_idempotent_and_fresh_restarts(redis_prefix: str) -> None:
    from crawler.commands.enqueue import enqueue, start_requests

    seeds = [SimpleNamespace(name="示例市", start_urls=["https://a.gov.cn/nb/", "https://a.gov.cn/nb2/"])]
    first = enqueue(REDIS_URL, start_requests(seeds), redis_prefix)
    assert (first["queued"], first["already_seen"]) == (2, 0)
    again = enqueue(REDIS_URL, start_requests(seeds), redis_prefix)
    assert (again["queued"], again["already_seen"]) == (0, 2)
    q = _queue(redis_prefix)
    r = q.pop()
    assert r.callback == q.spider.parse_list and r.cb_kwargs == {"portal": "示例市", "depth": 0}
    assert r.meta["portal"] == "示例市"
    with pytest.raises(ValueError, match="still running"):
        enqueue(REDIS_URL, start_requests(seeds), redis_prefix, fresh=True)
    q.release(finished=False)
    assert enqueue(REDIS_URL, start_requests(seeds), redis_prefix, fresh=True)["queued"] == 2
    assert q.server.llen(q.key) == 2
