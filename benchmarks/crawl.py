"""Crawl throughput and memory on the demo portal (loopback).

    python benchmarks/crawl.py                    # full pipeline vs Scrapy + trafilatura, same pages, same run
    python benchmarks/crawl.py --polite           # the same with the project's politeness defaults
    python benchmarks/crawl.py --memory           # RSS over a ~20,000-page crawl
    python benchmarks/crawl.py --baseline-tree /work/main   # also the same crawl with another checkout's code

Throughput: the demo portal is served from this process; `zwgk crawl` (spider + extract + parse +
store) crawls it in a subprocess, every request it makes is logged, then "Scrapy + plain trafilatura"
(a plain spider over a flat list of those same URLs, trafilatura.extract in its callback, yielding a
dict; benchmarks/broad.py) fetches them in a second subprocess. The whole-crawl CPU comparison over
many portals with latency and politeness is benchmarks/broad.py, the main entry point. Both use
the same concurrency and no politeness delay; the rate is requests answered / crawl seconds (from
engine start to close, process start-up excluded).

Memory: a portal of ~19,000 list pages and 1,000 reports is crawled with the full pipeline while
this process samples the RSS of the crawler and its parse workers (summed); it is printed at
25/50/75/100 % of the pages.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demo.server import _Handler, _PortalServer  # noqa: E402 - after the path fix above
from crawler.demo.site import DemoPortal  # noqa: E402

COLUMN = "/zwgk/zfxxgknb/index.html"
SPEED = {  # the same for both crawls: no politeness against our own loopback server
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ZWGK_PROGRESS_INTERVAL": "0",
}
# --polite: the project's defaults (crawler/settings.py), as a scheduled crawl of a real portal runs
POLITE = {
    "DOWNLOAD_DELAY": "0.25",
    "AUTOTHROTTLE_ENABLED": "1",
    "AUTOTHROTTLE_START_DELAY": "0.5",
    "AUTOTHROTTLE_TARGET_CONCURRENCY": "1.5",
    "CONCURRENT_REQUESTS": "16",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
    "ZWGK_PROGRESS_INTERVAL": "0",
}
_MODE: dict[str, Any] = {"polite": False, "extra": [], "baseline": ""}


def speed() -> dict[str, str]:
    return POLITE if _MODE["polite"] else SPEED


class _LoggingHandler(_Handler):
    def _respond(self, with_body: bool) -> None:
        with self.server.log_lock:  # type: ignore[attr-defined]
            self.server.paths.append((self.command, self.path))  # type: ignore[attr-defined]
        super()._respond(with_body)


@contextmanager
def serve(portal: DemoPortal) -> Iterator[_PortalServer]:
    server = _PortalServer(portal)
    server.RequestHandlerClass = _LoggingHandler
    server.paths = []  # type: ignore[attr-defined]
    server.log_lock = threading.Lock()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def base_of(server: _PortalServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


# `zwgk crawl` that reports, as it exits, the CPU seconds of the crawl process (all its threads, not its
# parse workers) and of its main thread, which runs the reactor: the serial part of a crawl (start-up
# included in both)
_CPU_REPORTING_CLI = (
    "import resource, runpy, sys\n"
    "try:\n    runpy.run_module('crawler.cli', run_name='__main__')\n"
    "finally:\n    s, t = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_THREAD))\n"
    "    print(f'crawl CPU: {s.ru_utime + s.ru_stime:.3f} {t.ru_utime + t.ru_stime:.3f}', file=sys.stderr)\n"
)


def full_crawl_cmd(base: str, db: Path) -> list[str]:
    cmd = [sys.executable, "-c", _CPU_REPORTING_CLI, "crawl", "--url", base + COLUMN, "--name", "demo",
           "--store", f"sqlite:///{db}"]
    for k, v in speed().items():
        cmd += ["--set", f"{k}={v}"]
    for pair in _MODE["extra"]:
        cmd += ["--set", pair]
    return cmd


def run_full(base: str, tmp: Path, tree: Path = ROOT) -> dict[str, float]:
    """The full crawl with the code of `tree` (this checkout, or --baseline-tree)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    proc = subprocess.run(full_crawl_cmd(base, tmp / "zwgk.db"), cwd=tmp, capture_output=True, text=True, env=env)
    m = re.search(r"done in ([\d.]+)s: (\d+) pages fetched, (\d+) reports stored", proc.stderr)
    cpu = re.search(r"crawl CPU: ([\d.]+) ([\d.]+)", proc.stderr)
    if proc.returncode != 0 or not m or not cpu:
        raise SystemExit(f"full crawl failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"seconds": float(m.group(1)), "pages": int(m.group(2)), "reports": int(m.group(3)),
            "cpu": float(cpu.group(1)), "reactor_cpu": float(cpu.group(2))}


def _full_line(label: str, requests: int, full: dict[str, float]) -> str:
    return (f"{label:14s}: {requests:6d} requests in {full['seconds']:7.2f}s = {requests / full['seconds']:8.1f} "
            f"pages/s ({full['reports']} reports stored); crawl process {full['cpu']:.2f} CPU-s = "
            f"{1000 * full['cpu'] / requests:.1f} CPU-ms/page, its reactor thread {full['reactor_cpu']:.2f} CPU-s = "
            f"{1000 * full['reactor_cpu'] / requests:.1f} CPU-ms/page")


def run_bare(urls: list[str], tmp: Path) -> dict[str, float]:
    url_file = tmp / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    extra = ["--polite"] if _MODE["polite"] else []
    proc = subprocess.run([sys.executable, __file__, "--bare-worker", str(url_file), *extra], cwd=tmp,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"bare crawl failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bare_worker(url_file: str) -> None:
    """Scrapy + plain trafilatura in the callback (benchmarks/broad.py), over a flat list of URLs."""
    from benchmarks.broad import plain_trafilatura_crawl

    urls = Path(url_file).read_text(encoding="utf-8").split()
    settings: dict[str, object] = {k: (float(v) if "." in v else int(v)) for k, v in speed().items()
                                   if not k.startswith("ZWGK")}
    settings.update({
        "ROBOTSTXT_OBEY": False, "USER_AGENT": "zwgk-bench",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    })
    print(json.dumps(plain_trafilatura_crawl(urls, settings)))


def throughput(n_reports: int, n_other: int) -> None:
    portal = DemoPortal(seed=1, n_reports=n_reports, n_other=n_other)
    with tempfile.TemporaryDirectory() as d, serve(portal) as server:
        tmp = Path(d)
        base = base_of(server)
        full = run_full(base, tmp)
        requests = list(server.paths)  # type: ignore[attr-defined]
        fetched = [base + p for m, p in requests if m == "GET" and p != "/robots.txt"]
        bare = run_bare(fetched, tmp)
        baseline = None
        if _MODE["baseline"]:  # the same crawl with another checkout's code, into a fresh store
            (tmp / "baseline").mkdir()
            server.paths.clear()  # type: ignore[attr-defined]
            baseline = run_full(base, tmp / "baseline", Path(_MODE["baseline"]).resolve())
            n_baseline = len(server.paths)  # type: ignore[attr-defined]
    full_rate = len(requests) / full["seconds"]
    bare_rate = bare["pages"] / bare["seconds"]
    mode = "project politeness defaults" if _MODE["polite"] else "no delay, 16 concurrent"
    print(f"demo portal: {n_reports} reports, {n_other} other articles, {portal.n_list_pages} list pages; {mode}")
    print(_full_line("full pipeline", len(requests), full))
    if baseline is not None:
        print(_full_line("baseline tree", n_baseline, baseline))
        print(f"this tree / baseline: pages/s x{(len(requests) / full['seconds']) / (n_baseline / baseline['seconds']):.2f}, "
              f"crawl-process CPU/page x{(full['cpu'] / len(requests)) / (baseline['cpu'] / n_baseline):.2f}, "
              f"reactor-thread CPU/page x{(full['reactor_cpu'] / len(requests)) / (baseline['reactor_cpu'] / n_baseline):.2f}")
    print(f"Scrapy + trafilatura: {bare['pages']:6d} requests in {bare['seconds']:7.2f}s = {bare_rate:8.1f} pages/s")
    print(f"ratio full / (Scrapy + trafilatura): {full_rate / bare_rate:.2f} pages/s (CPU ratios: benchmarks/broad.py)")


def _rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in kB of a live process and its parse workers (children, summed), (0, 0) when
    it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    vals = dict(re.findall(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.M))
    rss, hwm = int(vals.get("VmRSS", 0)), int(vals.get("VmHWM", 0))
    for child in _children(pid):
        c_rss, c_hwm = _rss_kb(child)
        rss, hwm = rss + c_rss, hwm + c_hwm
    return rss, hwm


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def memory(n_reports: int, n_other: int, per_page: int) -> None:
    portal = DemoPortal(seed=1, n_reports=n_reports, n_other=n_other, per_page=per_page)
    expected = portal.n_list_pages + n_reports
    print(f"demo portal: {n_reports} reports, {n_other} other articles, {portal.n_list_pages} list pages "
          f"(~{expected} pages to crawl)", flush=True)
    samples: list[tuple[float, int, int, int]] = []  # (t, pages served, rss kB, hwm kB)
    with tempfile.TemporaryDirectory() as d, serve(portal) as server:
        tmp = Path(d)
        started = time.monotonic()
        proc = subprocess.Popen(full_crawl_cmd(base_of(server), tmp / "zwgk.db"), cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=open(tmp / "err.txt", "w"))  # noqa: SIM115
        while proc.poll() is None:
            rss, hwm = _rss_kb(proc.pid)
            if rss:
                samples.append((time.monotonic() - started, len(server.paths), rss, hwm))  # type: ignore[attr-defined]
            time.sleep(0.5)
        if proc.returncode != 0:
            raise SystemExit(f"crawl failed:\n{(tmp / 'err.txt').read_text()[-3000:]}")
        summary = [ln for ln in (tmp / "err.txt").read_text().splitlines() if ln.startswith("done in")]
    total = samples[-1][1] if samples else 0
    print(f"{total} pages served in {samples[-1][0]:.0f}s; {summary[-1] if summary else ''}")
    print(f"{'share':>6} {'pages':>7} {'RSS MB':>8} {'peak MB':>8}")
    for share in (0.25, 0.5, 0.75, 1.0):
        s = min(samples, key=lambda x: abs(x[1] - share * total))
        print(f"{share:6.0%} {s[1]:7d} {s[2] / 1024:8.1f} {s[3] / 1024:8.1f}")
    after_warmup = [s[2] for s in samples if s[1] >= 0.1 * total]
    if after_warmup:
        print(f"RSS after the first 10 %: min {min(after_warmup) / 1024:.1f} MB, max {max(after_warmup) / 1024:.1f} MB; "
              f"peak (VmHWM) {max(s[3] for s in samples) / 1024:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--memory", action="store_true", help="RSS over a ~20,000-page crawl instead")
    ap.add_argument("--reports", type=int, help="reports on the demo portal (default 60; 1000 with --memory)")
    ap.add_argument("--other", type=int, help="other articles (default 60; 76000 with --memory)")
    ap.add_argument("--per-page", type=int, default=4, help="list page size for --memory (default 4)")
    ap.add_argument("--polite", action="store_true", help="both crawls with the project's politeness defaults")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="an extra setting for the full crawl only (e.g. ZWGK_PARSE_PROCESSES=0)")
    ap.add_argument("--baseline-tree", default="", metavar="DIR",
                    help="also crawl with the code of another checkout (e.g. /work/main), same portal, same run")
    ap.add_argument("--bare-worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    _MODE["baseline"] = args.baseline_tree
    _MODE["polite"] = args.polite
    _MODE["extra"] = args.set
    if args.bare_worker:
        bare_worker(args.bare_worker)
    elif args.memory:
        memory(args.reports or 1000, args.other if args.other is not None else 76000, args.per_page)
    else:
        throughput(args.reports or 60, args.other if args.other is not None else 60)


if __name__ == "__main__":
    os.environ.setdefault("ZWGK_PROGRESS_INTERVAL", "0")
    main()
