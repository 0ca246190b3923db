"""The README's cron and systemd examples run as written, in the minimal environment they get.

Only what is site-specific is swapped: /srv/zwgk (the checkout), /var/lib and /var/log for a temporary
folder, the venv's zwgk for this interpreter's, the seeds for the demo portal served from this process,
the PostgreSQL store for SQLite, `mail` for a file. PYTHONPATH is added so that the console script runs
this checkout's code (an installed venv does not need it).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.demo.server import serve_portal
from crawler.demo.site import DemoPortal
from crawler.store import open_store

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
ZWGK = Path(sys.executable).parent / "zwgk"
CRON_PATH = "/usr/bin:/bin"  # what cron gives a job
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # systemd's default
N_REPORTS = 5

pytestmark = pytest.mark.skipif(not ZWGK.is_file(), reason=f"the zwgk console script is not installed at {ZWGK}")


def _block(lang: str, first_line: str = "") -> str:
    blocks = re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)
    matching = [b for b in blocks if b.startswith(first_line)]
    assert len(matching) == 1, f"one ```{lang} block starting {first_line!r} in README.md"
    return matching[0]


def _localise(text: str, tmp: Path, base: str) -> str:
    for old, new in [
        ("/srv/zwgk/venv/bin/zwgk", str(ZWGK)),
        ("/srv/zwgk", str(ROOT)),
        ("/var/lib/zwgk", str(tmp / "lib")),
        ("/var/log/zwgk", str(tmp / "log")),
        ("/tmp/zwgk.lock", str(tmp / "zwgk.lock")),
        ("seeds/portals.yaml", f"seeds/demo.yaml --token demo={base}"),
        ('mail -s "zwgk crawl" ops@example.org', f"cat > {tmp / 'mail.txt'}"),
    ]:
        text = text.replace(old, new)
    return text


def _reports(db: Path) -> int:
    with open_store(str(db)) as s:
        return len(list(s.reports(with_text=False)))


def test_cron_example_runs_under_crons_environment(tmp_path: Path) -> None:
    block = _block("cron")
    variables = dict(line.split("=", 1) for line in block.splitlines() if re.match(r"^[A-Z_]+=", line))
    assert variables.get("ZWGK_STORE", "").startswith("postgresql://"), "the example sets the store in the crontab"
    job = next(line for line in block.splitlines() if line and not line.startswith("#") and "=" not in line[:12])
    command = job.split(None, 5)[5]  # after minute, hour, day of month, month, day of week
    (tmp_path / "log").mkdir()
    db = tmp_path / "cron.db"
    variables["ZWGK_STORE"] = f"sqlite:///{db}"
    portal = DemoPortal(seed=11, n_reports=N_REPORTS, n_other=2)
    with serve_portal(portal) as base:
        env = ["env", "-i", f"PATH={CRON_PATH}", f"HOME={tmp_path}", "SHELL=/bin/sh", f"PYTHONPATH={ROOT}",
               "ZWGK_PROGRESS_INTERVAL=0", *(f"{k}={v}" for k, v in variables.items())]
        run = subprocess.run([*env, "/bin/sh", "-c", _localise(command, tmp_path, base)],
                             capture_output=True, text=True, timeout=300)
    log = (tmp_path / "log" / "crawl.log").read_text(encoding="utf-8")
    assert run.returncode == 0, run.stderr + log[-3000:]
    assert not (tmp_path / "mail.txt").exists(), "the failure mail was sent: " + log[-3000:]
    assert _reports(db) == N_REPORTS
    assert (tmp_path / "lib" / "job").is_dir()


def test_systemd_service_example_runs_with_only_its_own_environment(tmp_path: Path) -> None:
    unit = _block("ini", "# /etc/systemd/system/zwgk-crawl.service")
    service = unit.split("[Service]", 1)[1]
    settings = [tuple(line.split("=", 1)) for line in service.splitlines() if re.match(r"^[A-Za-z]+=", line)]
    env = {"PATH": SYSTEMD_PATH, "ZWGK_PROGRESS_INTERVAL": "0"}
    env.update(dict(v.split("=", 1) for k, v in settings if k == "Environment"))
    assert env["ZWGK_STORE"].startswith("postgresql://")
    db = tmp_path / "systemd.db"
    env["ZWGK_STORE"] = f"sqlite:///{db}"
    env["PYTHONPATH"] = str(ROOT)
    ok = {0, *(int(c) for k, v in settings if k == "SuccessExitStatus" for c in v.split())}
    portal = DemoPortal(seed=12, n_reports=N_REPORTS, n_other=2)
    with serve_portal(portal) as base:
        values = dict(settings)
        cwd = _localise(values["WorkingDirectory"], tmp_path, base)
        argv = shlex.split(_localise(values["ExecStart"], tmp_path, base))  # systemd runs it without a shell
        run = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode in ok, run.stderr[-3000:]
    assert _reports(db) == N_REPORTS


def test_demo_serve_feeds_the_token_example(tmp_path: Path) -> None:
    """`zwgk demo --serve` serves the portal alone; the README's `--token demo=URL` crawl reads it."""
    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0")
    server = subprocess.Popen([sys.executable, "-m", "crawler.cli", "demo", "--serve", "--port", "0",
                               "--reports", str(N_REPORTS)], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        base = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
        assert base, line
        db = tmp_path / "token.db"
        run = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--seeds", "seeds/demo.yaml", "--token",
                              f"demo={base.group(1)}", "--store", str(db)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        assert _reports(db) == N_REPORTS
    finally:
        server.terminate()
        assert server.wait(timeout=10) == 0  # SIGTERM is a clean stop
        if server.stdout:
            server.stdout.close()
