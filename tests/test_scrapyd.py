"""scrapyd: `scrapyd-deploy` uploads the project from its scrapy.cfg to a real scrapyd on 127.0.0.1, and a
scheduled crawl of the demo portal stores its reports and writes scrapyd's item feed.

The project is copied to a temporary folder first (scrapyd-deploy builds its egg in place), with the
deploy URL pointed at this test's scrapyd port.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from crawler.demo.server import serve_portal
from crawler.demo.site import DemoPortal
from crawler.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SCRAPYD, DEPLOY = shutil.which("scrapyd"), shutil.which("scrapyd-deploy")
pytestmark = pytest.mark.skipif(SCRAPYD is None or DEPLOY is None,
                                reason='scrapyd and scrapyd-client not installed (pip install -e ".[test]")')
N_REPORTS = 5
JOB_TIMEOUT, START_TIMEOUT = 240.0, 30.0
PROJECT_FILES = ("scrapy.cfg", "setup.py", "pyproject.toml", "README.md", "crawler", "spiders", "pipelines", "seeds")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _call(url: str, data: dict[str, str] | list[tuple[str, str]] | None = None) -> dict:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(url, data=body, timeout=10) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


def test_deploy_and_schedule_the_demo_crawl(tmp_path: Path) -> None:
    project, run_dir = tmp_path / "project", tmp_path / "scrapyd"
    project.mkdir()
    run_dir.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.db", "*-archive")
    for name in PROJECT_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, project / name, ignore=ignore)
        else:
            shutil.copy2(src, project / name)
    port = _free_port()
    cfg = (project / "scrapy.cfg").read_text(encoding="utf-8")
    assert "url = http://127.0.0.1:6800/" in cfg, "the default deploy target is a local scrapyd"
    (project / "scrapy.cfg").write_text(cfg.replace(":6800/", f":{port}/"), encoding="utf-8")
    (run_dir / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\neggs_dir = eggs\nlogs_dir = logs\n"
        "items_dir = items\ndbs_dir = dbs\nmax_proc = 1\npoll_interval = 0.5\n", encoding="utf-8")
    # No PYTHONPATH: scrapyd must run the deployed egg's code.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"ZWGK_PROGRESS_INTERVAL": "0"}
    assert SCRAPYD is not None and DEPLOY is not None
    server = subprocess.Popen([SCRAPYD], cwd=run_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                _call(base_url + "/daemonstatus.json")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "scrapyd did not start"
                time.sleep(0.3)
        deploy = subprocess.run([DEPLOY], cwd=project, env=env, capture_output=True, text=True, timeout=180)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert '"status": "ok"' in deploy.stdout and '"spiders": 1' in deploy.stdout, deploy.stdout

        db = tmp_path / "scrapyd.db"
        portal = DemoPortal(seed=21, n_reports=N_REPORTS, n_other=2)
        with serve_portal(portal) as site:
            job = _call(base_url + "/schedule.json", [
                ("project", "zwgk"), ("spider", "portal"), ("url", site + "/zwgk/zfxxgknb/index.html"),
                ("setting", f"ZWGK_STORE=sqlite:///{db}"), ("setting", "DOWNLOAD_DELAY=0"),
                ("setting", "AUTOTHROTTLE_ENABLED=0"),
            ])
            assert job["status"] == "ok", job
            deadline = time.monotonic() + JOB_TIMEOUT
            while not any(j["id"] == job["jobid"] for j in _call(f"{base_url}/listjobs.json?project=zwgk")["finished"]):
                assert time.monotonic() < deadline, "the scheduled crawl did not finish"
                time.sleep(0.5)
        log = next((run_dir / "logs" / "zwgk" / "portal").glob("*.log")).read_text(encoding="utf-8")
        assert "Traceback" not in log, log[-3000:]
        with open_store(str(db)) as s:
            stored = sorted((r["agency"], r["year"]) for r in s.reports(with_text=False))
        assert stored == sorted((g.agency, g.year) for g in portal.ground_truth), log[-3000:]
        items = next((run_dir / "items" / "zwgk" / "portal").glob("*.jl")).read_text(encoding="utf-8")
        assert len([json.loads(line) for line in items.splitlines()]) == N_REPORTS  # scrapyd's item feed
    finally:
        server.terminate()
        server.wait(timeout=20)
