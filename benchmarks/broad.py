"""Broad crawl over many loopback portals with server latency, against the politeness ceiling.

    python benchmarks/broad.py                      # 1,000 portals: crawl, list-only split, baseline
    python benchmarks/broad.py --portals 500        # fewer portals
    python benchmarks/broad.py --only crawl         # just the crawl (no list-only run, no baseline)
    python benchmarks/broad.py --set NAME=VALUE     # an extra setting for `zwgk crawl` (not the baseline)
    python benchmarks/broad.py --only crawl --lists-only --against CONCURRENT_REQUESTS=16
                                                    # the defaults against other settings, side by side

This is the one entry point for whole-crawl numbers (benchmarks/crawl.py is the single-portal
throughput and memory benchmark). Each portal is a small demo portal (crawler/demo/site.py: two
column list pages, four reports and two other articles) on its own loopback address 127.0.x.y (one
host per portal, as Scrapy's download slots are per host), all on one port of ONE asyncio server
process that answers from pre-rendered bytes after a latency drawn per request (seeded, 50-200 ms).
Two of every three HTML report pages are real report pages of the corpus (../shared/corpus/pages,
65-180 KB), each with a per-portal comment so no two portals serve identical bytes. PDF attachments
are refused by robots.txt unless --pdf (the baseline does not parse PDFs, and the demo's PDFs are
a quarter of the reports, far more than on real portals).

Runs, all in this one session, against the same server:
1. `zwgk crawl` over every portal with the project's politeness defaults (crawler/settings.py).
2. The same crawl with the report articles refused by robots.txt: list pages only, which splits the
   CPU into per list page and per report page.
3. "Scrapy + plain trafilatura": a plain scrapy.Spider fetching the URLs run 1 fetched, with the same
   politeness settings, calling trafilatura.extract (default mode) in its callback and yielding a
   dict. It runs in one process; `zwgk crawl` uses parse worker processes (ZWGK_PARSE_PROCESSES), and
   both are charged the CPU of every process they run.

Reported: pages/s against the politeness ceiling, CPU (user+system of the crawl process and its
workers, from wait4) per page, per list page and per report page, peak memory (RSS of the crawl
process and its workers, summed, sampled every 0.2 s), the server's own CPU, and a politeness check
from the server's log: most requests in flight at one portal, and the shortest gap between two
request arrivals at one portal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demo.site import COLUMN, DemoPortal  # noqa: E402 - after the path fix above

CORPUS = ROOT.parent / "shared" / "corpus"
REPORTS_PER_PORTAL = 4
OTHERS_PER_PORTAL = 2
PER_PAGE = 3  # 6 items, 3 a page: two column list pages per portal
DISTINCT_SITES = 40  # demo portals rendered; portal i serves site i % 40 (rendering is slow)
REAL_EVERY = 3  # of every 3 HTML report pages, 2 are real corpus pages
LATENCY_MS = (50, 200)
FIRST_OCTET_HOSTS = 250  # 127.0.x.1 … 127.0.x.250
SAMPLE_SECONDS = 0.2
READY = "ready"
HTTP_OK = 200
RANDOM_DELAY_LOW = 0.5  # RANDOMIZE_DOWNLOAD_DELAY: 0.5-1.5 x DOWNLOAD_DELAY
PROFILE_RATE = 50  # py-spy samples per second
PROFILE_TOP = 25
# inclusive counts are shown for the project's own functions, less the ones every sample passes through
_PROJECT_FRAME = re.compile(r"\((crawler|pipelines|spiders)/")
_OUTER_FRAME = re.compile(r"\((crawler/cli\.py|crawler/commands/crawl\.py|crawler/runner\.py)\)$")
_PROCESS_HEADER = re.compile(r'process \d+:".*?";')
SERVER_START_TIMEOUT = 120.0
ARTICLE_DISALLOW = f"Disallow: {COLUMN}2\n"  # article paths are COLUMN + YYYYMM/…: refused in the list-only run
PDF_DISALLOW = "Disallow: /*.pdf$\n"


def address(i: int) -> str:
    """Loopback address of portal i (Linux routes all of 127/8 to lo); never 127.0.0.x."""
    return f"127.0.{1 + i // FIRST_OCTET_HOSTS}.{1 + i % FIRST_OCTET_HOSTS}"


def real_reports() -> list[bytes]:
    """The corpus's real HTML report pages (those expected/ marks as reports)."""
    out = []
    for exp in sorted((CORPUS / "expected").glob("*.json")):
        spec = json.loads(exp.read_text(encoding="utf-8"))
        path = CORPUS / spec["input"]
        if spec.get("is_report") and path.suffix == ".html" and path.exists():
            out.append(path.read_bytes())
    if not out:
        raise SystemExit(f"no real report pages under {CORPUS}/pages: the benchmark needs the shared corpus")
    return out


# --- the server (a subprocess of its own, so its CPU is measured apart) --------------------------

Row = tuple[int, float, float, int, str]  # portal, arrival, answer sent, status, path


@dataclass(frozen=True)
class _Body:
    ctype: bytes
    data: bytes


def _sites(n_sites: int, robots: bytes) -> list[dict[str, _Body]]:
    real = real_reports()
    sites = []
    for s in range(n_sites):
        portal = DemoPortal(seed=s, n_reports=REPORTS_PER_PORTAL, n_other=OTHERS_PER_PORTAL, per_page=PER_PAGE)
        html_reports = {g.path: k for k, g in enumerate(portal.ground_truth) if g.kind == "html"}
        pages: dict[str, _Body] = {}
        for path in portal.paths():
            page = portal.get(path)
            assert page is not None
            body = _Body(page.content_type.encode(), page.body)
            k = html_reports.get(path)
            if k is not None and (s + k) % REAL_EVERY:
                body = _Body(b"text/html; charset=utf-8", real[(s * REPORTS_PER_PORTAL + k) % len(real)])
            pages[path] = body
        pages["/robots.txt"] = _Body(b"text/plain", robots)
        sites.append(pages)
    return sites


class _Server:
    def __init__(self, n_portals: int, robots: bytes, seed: int) -> None:
        self.sites = _sites(min(n_portals, DISTINCT_SITES), robots)
        self.site_of = {address(i): i for i in range(n_portals)}
        self.seed = seed
        self.log: list[Row] = []

    def latency(self, host: str, path: bytes) -> float:
        """Seconds before answering: drawn per request from a generator seeded by seed, host and path."""
        rng = random.Random(zlib.crc32(f"{self.seed}:{host}".encode() + path))
        return rng.uniform(*LATENCY_MS) / 1000

    def answer(self, portal: int, path: bytes) -> tuple[int, list[bytes]]:
        site = self.sites[portal % len(self.sites)]
        clean = path.split(b"?", 1)[0].decode("latin-1")
        if clean.endswith("/"):
            clean += "index.html"
        body = site.get(clean)
        if body is None:
            data = b"<html><body>404</body></html>"
            return 404, [b"HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: "
                         + str(len(data)).encode() + b"\r\n\r\n", data]
        tail = f"\n<!-- portal {portal} -->\n".encode() if body.ctype.startswith(b"text/html") else b""
        head = (b"HTTP/1.1 200 OK\r\nServer: TRS-WCM\r\nContent-Type: " + body.ctype + b"\r\nContent-Length: "
                + str(len(body.data) + len(tail)).encode() + b"\r\n\r\n")
        return 200, [head, body.data, tail]


class _Conn(asyncio.Protocol):
    """HTTP/1.1 with keep-alive; Scrapy sends one request at a time on a connection (no pipelining)."""

    def __init__(self, server: _Server) -> None:
        self.server = server
        self.buf = b""
        self.transport: asyncio.Transport | None = None
        self.host = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.host = transport.get_extra_info("sockname")[0]

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while b"\r\n\r\n" in self.buf:
            head, _, self.buf = self.buf.partition(b"\r\n\r\n")
            path = head.split(b"\r\n", 1)[0].split(b" ")[1]
            arrival = time.monotonic()
            loop = asyncio.get_running_loop()
            loop.call_later(self.server.latency(self.host, path), self._send, path, arrival)

    def _send(self, path: bytes, arrival: float) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        portal = self.server.site_of[self.host]
        status, parts = self.server.answer(portal, path)
        self.transport.writelines(parts)
        self.server.log.append((portal, arrival, time.monotonic(), status, path.decode("latin-1")))


def serve_main(n_portals: int, port: int, robots: str, seed: int, log_path: str) -> None:
    """Serve every portal until SIGTERM, then write the request log (JSON lines)."""
    server = _Server(n_portals, robots.encode(), seed)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
        hosts = [address(i) for i in range(n_portals)]
        srv = await loop.create_server(lambda: _Conn(server), host=hosts, port=port, backlog=512)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(READY, usage.ru_utime + usage.ru_stime, flush=True)  # start-up CPU: rendering, not serving
        await stop
        srv.close()

    asyncio.run(run())
    with open(log_path, "w", encoding="utf-8") as fh:
        for row in server.log:
            fh.write(json.dumps(row) + "\n")


# --- measuring processes ---------------------------------------------------------------------------

def _tree_rss_kb(pid: int) -> int:
    """RSS in kB of a process and all its descendants, summed (0 when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
    total = int(m.group(1)) if m else 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        total += sum(_tree_rss_kb(int(c)) for c in children)
    return total


@dataclass
class Run:
    cpu: float  # user+system seconds of the process and the children it waited for
    wall: float
    peak_rss_mb: float
    stderr: str
    stdout: str


def measured(cmd: list[str], cwd: Path, env: dict[str, str], profile: str = "") -> Run:
    """Run cmd; CPU from wait4 (the process and its reaped workers), peak RSS of the tree sampled;
    with `profile`, py-spy samples the process and its workers into that file (collapsed stacks)."""
    out, err = cwd / "out.txt", cwd / "err.txt"
    started = time.monotonic()
    with out.open("w") as fo, err.open("w") as fe:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fo, stderr=fe)
        spy = None
        if profile:
            spy = subprocess.Popen(["py-spy", "record", "--pid", str(proc.pid), "--subprocesses", "--format", "raw",
                                    "--rate", str(PROFILE_RATE), "--output", profile, "--nonblocking"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        peak = 0
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(SAMPLE_SECONDS):
                peak = max(peak, _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
        if spy is not None:
            spy.wait()  # py-spy writes its file when the process it samples is gone
    wall = time.monotonic() - started
    run = Run(usage.ru_utime + usage.ru_stime, wall, peak / 1024, err.read_text(), out.read_text())
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{run.stderr[-3000:]}")
    return run


@dataclass
class Served:
    log: list[Row]
    cpu: float  # serving only (start-up excluded)


class ServerProcess:
    """The asyncio server in a subprocess; stop() returns its request log and CPU seconds."""

    def __init__(self, n_portals: int, robots: str, seed: int, tmp: Path) -> None:
        self.log_path = tmp / f"server-{time.monotonic_ns()}.jsonl"
        self.port = _free_port()
        cmd = [sys.executable, __file__, "--serve", str(n_portals), "--port", str(self.port), "--robots", robots,
               "--seed", str(seed), "--log", str(self.log_path)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()  # blocks until the server is listening (or died)
        if not line or line[0] != READY:
            self.proc.kill()
            raise SystemExit("the benchmark server did not start")
        self.startup_cpu = float(line[1])

    def stop(self) -> Served:
        self.proc.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(self.proc.pid, 0)
        self.proc.returncode = os.waitstatus_to_exitcode(status)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        rows = [tuple(json.loads(x)) for x in self.log_path.read_text().splitlines()]
        return Served(rows, usage.ru_utime + usage.ru_stime - self.startup_cpu)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the runs ---------------------------------------------------------------------------------------

def crawl_cmd(n_portals: int, port: int, db: Path, extra: list[str]) -> list[str]:
    """`zwgk crawl` over a seed file of every portal (not --url: a profile repeats the command line)."""
    seeds = db.parent / "portals.yaml"
    entries = [{"name": f"p{i}", "start_urls": [f"http://{address(i)}:{port}{COLUMN}index.html"],
                "allowed_domains": [address(i)], "verified": "benchmark portal on loopback"}
               for i in range(n_portals)]
    seeds.write_text(json.dumps({"portals": entries}), encoding="utf-8")  # JSON is YAML
    cmd = [sys.executable, "-m", "crawler.cli", "crawl", "--store", f"sqlite:///{db}", "--seeds", str(seeds),
           "--set", "ZWGK_PROGRESS_INTERVAL=0"]
    for pair in extra:
        cmd += ["--set", pair]
    return cmd


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def politeness(log: list[Row]) -> tuple[int, list[float]]:
    """(most requests in flight at one portal, every gap in seconds between two arrivals at one portal)."""
    by_portal: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for portal, arrival, sent, _, _ in log:
        by_portal[portal].append((arrival, sent))
    most, gaps = 0, []
    for spans in by_portal.values():
        events = sorted([(a, 1) for a, _ in spans] + [(s, -1) for _, s in spans], key=lambda e: (e[0], e[1]))
        level = 0
        for _, step in events:
            level += step
            most = max(most, level)
        arrivals = sorted(a for a, _ in spans)
        gaps += [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    return most, sorted(gaps)


def crawl_summary(stderr: str) -> tuple[int, int]:
    m = re.search(r"done in [\d.]+s: (\d+) pages fetched, (\d+) reports stored", stderr)
    if not m:
        raise SystemExit(f"no summary line in the crawl's output:\n{stderr[-3000:]}")
    return int(m.group(1)), int(m.group(2))


def settings_of_project() -> dict[str, Any]:
    """The politeness and broad-crawl settings of crawler/settings.py, for the baseline spider."""
    import crawler.settings as s

    names = ("CONCURRENT_REQUESTS", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "AUTOTHROTTLE_ENABLED",
             "AUTOTHROTTLE_START_DELAY", "AUTOTHROTTLE_MAX_DELAY", "AUTOTHROTTLE_TARGET_CONCURRENCY",
             "DOWNLOAD_TIMEOUT", "ROBOTSTXT_OBEY", "SCHEDULER_PRIORITY_QUEUE", "REACTOR_THREADPOOL_MAXSIZE", "CONCURRENT_ITEMS",
             "COOKIES_ENABLED", "TWISTED_REACTOR", "USER_AGENT")
    return {n: getattr(s, n) for n in names if hasattr(s, n)}


def plain_trafilatura_crawl(urls: list[str], settings: dict[str, Any]) -> dict[str, float]:
    """Scrapy + plain trafilatura: fetch `urls`, trafilatura.extract each HTML page (default mode) in the
    callback, yield a dict. Returns the pages answered and the seconds from spider open to close."""
    import scrapy
    import trafilatura
    from scrapy import signals
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.http import TextResponse

    got = {"n": 0}
    times: dict[str, float] = {}

    class Plain(scrapy.Spider):
        name = "plain"

        async def start(self):  # type: ignore[no-untyped-def]
            for u in urls:
                yield scrapy.Request(u, callback=self.parse, dont_filter=True)

        def parse(self, response):  # type: ignore[no-untyped-def]
            text = trafilatura.extract(response.text) if isinstance(response, TextResponse) else None
            got["n"] += 1
            yield {"url": response.url, "text": text}

    process = AsyncCrawlerProcess({**settings, "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False})
    crawler = process.create_crawler(Plain)
    # weak=False: the dispatcher holds receivers weakly, and these lambdas have no other owner
    crawler.signals.connect(lambda: times.__setitem__("open", time.monotonic()), signal=signals.spider_opened,
                            weak=False)
    crawler.signals.connect(lambda: times.__setitem__("close", time.monotonic()), signal=signals.spider_closed,
                            weak=False)
    process.crawl(crawler)
    process.start()
    return {"pages": got["n"], "seconds": round(times["close"] - times["open"], 3)}


def baseline_worker(url_file: str) -> None:
    urls = Path(url_file).read_text(encoding="utf-8").split()
    print(json.dumps(plain_trafilatura_crawl(urls, settings_of_project())))


def one_crawl(n_portals: int, robots: str, seed: int, tmp: Path, extra: list[str],
              profile: str = "") -> tuple[Run, Served]:
    server = ServerProcess(n_portals, robots, seed, tmp)
    try:
        work = tmp / f"crawl-{time.monotonic_ns()}"
        work.mkdir()
        run = measured(crawl_cmd(n_portals, server.port, work / "zwgk.db", extra), work, _env(), profile)
    finally:
        served = server.stop()
    return run, served


def rate(served: Served) -> tuple[int, float]:
    """(pages answered, seconds from the first arrival to the last answer)."""
    if not served.log:
        return 0, 0.0
    return len(served.log), max(r[2] for r in served.log) - min(r[1] for r in served.log)


def report_crawl(label: str, n_portals: int, run: Run, served: Served) -> None:
    pages, span = rate(served)
    most, gaps = politeness(served.log)
    fetched, stored = crawl_summary(run.stderr)
    s = settings_of_project()
    delay = float(s["DOWNLOAD_DELAY"])
    ceiling = n_portals / delay
    print(f"{label}: {pages} requests answered ({fetched} pages fetched, {stored} reports stored) in {span:.1f}s "
          f"= {pages / span:.1f} pages/s (politeness ceiling {ceiling:.0f}/s: {n_portals} portals / "
          f"{delay} s delay); process wall {run.wall:.1f}s")
    print(f"  CPU {run.cpu:.1f}s = {1000 * run.cpu / pages:.1f} CPU-ms per request; peak RSS (crawl + workers) "
          f"{run.peak_rss_mb:.0f} MB; server CPU {served.cpu:.1f}s ({100 * served.cpu / run.wall:.0f} % of one core)")
    per_domain = int(s["CONCURRENT_REQUESTS_PER_DOMAIN"])
    floor = delay * RANDOM_DELAY_LOW
    close = sum(g < floor for g in gaps)
    print(f"  politeness: at most {most} in flight at one portal (limit {per_domain}: "
          f"{'kept' if most <= per_domain else 'EXCEEDED'}); gaps between two arrivals at one portal: shortest "
          f"{1000 * gaps[0]:.0f} ms, 0.1th percentile {1000 * gaps[len(gaps) // 1000]:.0f} ms, {close} of {len(gaps)} "
          f"under {1000 * floor:.0f} ms (Scrapy sends them >= {RANDOM_DELAY_LOW} x the {1000 * delay:.0f} ms delay "
          "apart; arrivals add connection set-up jitter)")


def baseline(served: Served, n_portals: int, robots: str, seed: int, tmp: Path) -> tuple[Run, Served]:
    """Scrapy + trafilatura over the pages the crawl fetched (robots.txt excluded: Scrapy asks for it)."""
    wanted = sorted({(p, path) for p, _, _, status, path in served.log if path != "/robots.txt" and status == HTTP_OK})
    server = ServerProcess(n_portals, robots, seed, tmp)
    try:
        url_file = tmp / "urls.txt"
        url_file.write_text("\n".join(f"http://{address(p)}:{server.port}{path}" for p, path in wanted),
                            encoding="utf-8")
        run = measured([sys.executable, __file__, "--baseline-worker", str(url_file)], tmp, _env())
    finally:
        out = server.stop()
    return run, out


def profile_summary(path: str, pages: int, cpu: float) -> None:
    """Top functions by inclusive and by own samples, per process kind, as CPU-ms per page.

    py-spy counts a thread waiting for a core as active, so on a loaded machine its samples
    overstate CPU time: they are scaled so that all of them add up to the measured CPU seconds."""
    incl: dict[tuple[str, str], int] = defaultdict(int)
    own: dict[tuple[str, str], int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        # 'process PID:"command line";[process PID:"…";]frame;…': a worker's stack sits under its
        # parent's header, and its command line holds a ';' of its own
        headers = _PROCESS_HEADER.findall(stack)
        stack = _PROCESS_HEADER.sub("", stack)
        kind = "worker" if len(headers) > 1 else "crawl"  # a worker's header can be empty
        total[kind] += int(n)
        # py-spy's raw frames: "function (file:line)"; the line is dropped so a function counts once
        names = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";") if f and not f.startswith("process ")]
        for name in set(names):
            if _PROJECT_FRAME.search(name) and not _OUTER_FRAME.search(name):
                incl[(kind, name)] += int(n)
        if names:
            own[(kind, names[-1])] += int(n)
    ms = 1000 * cpu / max(sum(total.values()), 1) / max(pages, 1)
    print("profile: CPU-ms per page in " + ", ".join(f"the {k} process{'es' if k == 'worker' else ''} "
                                                     f"{v * ms:.1f}" for k, v in sorted(total.items())))
    for title, table in (("inclusive", incl), ("own", own)):
        print(f"profile, top {PROFILE_TOP} by {title} samples (CPU-ms per page):")
        for (kind, name), n in sorted(table.items(), key=lambda kv: -kv[1])[:PROFILE_TOP]:
            print(f"  {n * ms:7.2f}  {kind:6s} {name[:150]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--portals", type=int, default=1000, help="loopback portals (default 1000)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the server latencies")
    ap.add_argument("--pdf", action="store_true", help="let the crawl fetch the demo's PDF attachments")
    ap.add_argument("--only", choices=("crawl", "split", "baseline"), action="append",
                    help="run only these parts (repeatable; default all three)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra setting for `zwgk crawl` (e.g. ZWGK_PARSE_PROCESSES=0)")
    ap.add_argument("--lists-only", action="store_true",
                    help="refuse the report articles in every run (list pages only: the scheduler, not parsing)")
    ap.add_argument("--against", action="append", default=[], metavar="NAME=VALUE",
                    help="also crawl with these settings instead (repeatable) and print the ratios")
    ap.add_argument("--profile", metavar="FILE", help="py-spy (installed apart) samples the first crawl into FILE")
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--robots", help=argparse.SUPPRESS)
    ap.add_argument("--log", help=argparse.SUPPRESS)
    ap.add_argument("--baseline-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve is not None:
        serve_main(args.serve, args.port, args.robots, args.seed, args.log)
        return
    if args.baseline_worker:
        baseline_worker(args.baseline_worker)
        return
    parts = set(args.only or ("crawl", "split", "baseline"))
    robots = "User-agent: *\n" + ("" if args.pdf else PDF_DISALLOW) + (ARTICLE_DISALLOW if args.lists_only else "")
    print(f"{args.portals} loopback portals x ({REPORTS_PER_PORTAL} reports, {OTHERS_PER_PORTAL} other articles, "
          f"2 list pages); latency {LATENCY_MS[0]}-{LATENCY_MS[1]} ms; PDFs {'fetched' if args.pdf else 'refused'}; "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}", flush=True)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        full, served = one_crawl(args.portals, robots, args.seed, tmp, args.set, args.profile or "")
        report_crawl("zwgk crawl", args.portals, full, served)
        pages = len(served.log)
        if args.profile:
            profile_summary(args.profile, pages, full.cpu)
        if args.against:
            other, oserved = one_crawl(args.portals, robots, args.seed, tmp, args.set + args.against)
            report_crawl(f"zwgk crawl with {' '.join(args.against)}", args.portals, other, oserved)
            (n, span), (n_other, span_other) = rate(served), rate(oserved)
            print(f"ratio default / against: pages/s {n / span / (n_other / span_other):.2f}, CPU per request "
                  f"{full.cpu / n / (other.cpu / n_other):.2f}, peak RSS {full.peak_rss_mb / other.peak_rss_mb:.2f}")
        if "split" in parts and not args.lists_only:
            lists, lserved = one_crawl(args.portals, robots + ARTICLE_DISALLOW, args.seed, tmp, args.set)
            report_crawl("list pages only", args.portals, lists, lserved)
            n_lists = len(lserved.log)
            n_reports = pages - n_lists
            print(f"  CPU per list page {1000 * lists.cpu / n_lists:.1f} ms (start-up included); per report page "
                  f"{1000 * (full.cpu - lists.cpu) / max(n_reports, 1):.1f} ms ({n_reports} report pages)")
        if "baseline" in parts:
            plain, pserved = baseline(served, args.portals, robots, args.seed, tmp)
            n, span = rate(pserved)
            print(f"Scrapy + trafilatura: {n} requests in {span:.1f}s = {n / span:.1f} pages/s; CPU {plain.cpu:.1f}s "
                  f"= {1000 * plain.cpu / n:.1f} CPU-ms per request; peak RSS {plain.peak_rss_mb:.0f} MB")
            print(f"ratio zwgk crawl / Scrapy + trafilatura: CPU {full.cpu / plain.cpu:.2f} (target <= 1.5), "
                  f"wall {full.wall / plain.wall:.2f}")


if __name__ == "__main__":
    main()
