"""Ctrl-C and SIGTERM stop a crawl cleanly: within seconds, exit 130 / 143, no traceback from the
crawl or its parse workers, and the run recorded as interrupted (real processes, real signals, a
slow loopback portal so that the crawl is still running when the signal arrives)."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import sqlite3
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from crawler.cli import main
from crawler.demo.site import DemoPortal
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run

COLUMN = "/zwgk/zfxxgknb/index.html"
STOP_WITHIN = 20.0  # seconds from the signal to the end of the process
CTRL_C = b"\x03"


def stored_reports(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT COUNT(*) FROM reports").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0


@contextmanager
def slow_portal() -> Iterator[tuple[str, DemoPortal]]:
    # 80 reports at 1 s per answer and 2 requests at a time: about 50 s of crawling in all, while
    # the parse workers take a few seconds to start
    portal = DemoPortal(seed=21, n_reports=80, n_other=4, per_page=4)
    with FaultServer(portal=portal, delay=1.0).running() as base:
        yield base, portal


def crawl_argv(base: str, db: Path) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", "crawl", "--url", base + COLUMN, "--name", "demo",
            "--store", f"sqlite:///{db}", *LOOPBACK_SETTINGS, "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
            "--set", "ZWGK_PARSE_PROCESSES=2"]


def _env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]), ZWGK_PROGRESS_INTERVAL="0")


def _wait_for_first_report(db: Path, proc: subprocess.Popen[bytes]) -> None:
    """The parse workers are up and reports are arriving: the crawl is in full swing."""
    deadline = time.monotonic() + 90
    while stored_reports(db) < 1 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the crawl ended before the signal"


class Terminal:
    """A pseudo-terminal that is the crawl's controlling terminal: Ctrl-C typed into it sends SIGINT
    to the whole foreground process group, the parse workers included, as in a real shell."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        self.output = bytearray()
        self._reader = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:  # keep draining, so the crawl never blocks on a full terminal
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: every process holding the terminal has exited
                return
            if not chunk:
                return
            self.output += chunk

    def start(self, argv: list[str], cwd: Path) -> subprocess.Popen[bytes]:
        slave = self.slave

        def controlling_terminal() -> None:
            os.setsid()
            fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

        proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=_env(),
                                preexec_fn=controlling_terminal)
        os.close(slave)
        self._reader.start()
        return proc

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def text(self) -> str:
        self._reader.join(timeout=5)
        os.close(self.master)
        return self.output.decode("utf-8", errors="replace")


def _ended(proc: subprocess.Popen[bytes], since: float) -> tuple[int, float]:
    try:
        code = proc.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"the crawl was still running {STOP_WITHIN:g} s after the signal")
    return code, time.monotonic() - since


def _assert_recorded_interrupted(db: Path, portal: DemoPortal) -> None:
    run = last_run(db)
    assert run["finish_reason"] == "interrupted" and run["finished_at"], run
    stored = stored_reports(db)
    assert 0 < stored < len(portal.ground_truth)  # it was stopped mid-crawl
    assert run["counts"]["new"] == stored  # the counts of what it did


def test_ctrl_c_in_a_terminal(tmp_path: Path) -> None:
    db = tmp_path / "zwgk.db"
    with slow_portal() as (base, portal):
        term = Terminal()
        proc = term.start(crawl_argv(base, db), tmp_path)
        _wait_for_first_report(db, proc)
        sent = time.monotonic()
        term.type(CTRL_C)
        code, took = _ended(proc, sent)
    out = term.text()
    assert code == 130, out[-3000:]
    assert "Traceback" not in out and "KeyboardInterrupt" not in out, out[-3000:]
    assert "interrupted by SIGINT, stopped after the requests in flight" in out
    _assert_recorded_interrupted(db, portal)
    assert took < STOP_WITHIN


def test_second_ctrl_c_stops_at_once(tmp_path: Path) -> None:
    db = tmp_path / "zwgk.db"
    with slow_portal() as (base, portal):
        term = Terminal()
        proc = term.start(crawl_argv(base, db), tmp_path)
        _wait_for_first_report(db, proc)
        term.type(CTRL_C)
        time.sleep(0.3)
        sent = time.monotonic()
        term.type(CTRL_C)
        code, took = _ended(proc, sent)
    out = term.text()
    assert code == 130 and "Traceback" not in out, out[-3000:]
    assert "stopped at once by a second signal" in out
    assert took < 5.0, f"{took:.1f} s after the second Ctrl-C"
    run = last_run(db)
    assert run["finish_reason"] == "interrupted" and run["counts"] is not None
    # no parse worker outlives the crawl
    time.sleep(1.5)
    ps = subprocess.run(["ps", "-eo", "ppid,args"], capture_output=True, text=True, check=True).stdout
    assert not [line for line in ps.splitlines() if line.split(None, 1)[0] == str(proc.pid)]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_a_background_crawl(tmp_path: Path, sig: signal.Signals) -> None:
    db = tmp_path / "zwgk.db"
    with slow_portal() as (base, portal):
        # as from cron or systemd: no terminal, output to a file
        with (tmp_path / "crawl.log").open("wb") as log:
            proc = subprocess.Popen(crawl_argv(base, db), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    cwd=tmp_path, env=_env())
            _wait_for_first_report(db, proc)
            sent = time.monotonic()
            proc.send_signal(sig)
            code, _ = _ended(proc, sent)
    out = (tmp_path / "crawl.log").read_text(encoding="utf-8", errors="replace")
    assert code == 128 + sig, out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    _assert_recorded_interrupted(db, portal)


def test_a_complete_crawl_is_recorded_finished_and_stats_lists_the_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "zwgk.db"
    portal = DemoPortal(seed=22, n_reports=2, n_other=0)
    with FaultServer(portal=portal).running() as base:
        argv = crawl_argv(base, db)
        done = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path, env=_env(), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert last_run(db)["finish_reason"] == "finished"
    assert main(["stats", "--store", str(db)]) == 0
    out = capsys.readouterr().out
    assert "last runs (newest first):" in out
    line = next(x for x in out.splitlines() if x.strip().startswith("#1 "))
    assert "finished" in line and "new 2" in line
