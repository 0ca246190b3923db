"""`zwgk coverage`: agencies × years with completeness and gaps, as CSV, SVG and HTML."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from crawler.coverage import MISSING, STATUS_COLOURS, collect, to_csv, to_svg
from crawler.store import open_store
from tests.test_store_support import load_benchmark, make_item

BENCH = load_benchmark()
ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


def _complete(status: dict[str, str]) -> dict[str, dict[str, object]]:
    return {t: {"status": s, "expected": 10, "read": 10 if s == "complete" else 3, "blank": 0, "from_text": 0}
            for t, s in status.items()}


def fill(db: Path) -> None:
    """Two agencies in 江苏 (one with a gap in 2021 and a partial 2022), one legacy report in 贵州."""
    plan = [
        ("淮安市人民政府", "江苏省", "320800", 2019, {"二": "complete", "三": "complete", "四": "complete"}),
        ("淮安市人民政府", "江苏省", "320800", 2020, {"二": "complete", "三": "complete", "四": "complete"}),
        ("淮安市人民政府", "江苏省", "320800", 2022, {"二": "complete", "三": "partial", "四": "not_found"}),
        ("淮安市洪泽区人民政府", "江苏省", "320813", 2023, {"二": "complete", "三": "complete", "四": "complete"}),
        ("安顺市住房和城乡建设局", "贵州省", "520400", 2015, {}),
    ]
    with open_store(str(db)) as s:
        for i, (agency, prov, code, year, comp) in enumerate(plan):
            item = make_item(f"http://x/{i}.html", BENCH.base_report(i + 1, year), year=year, agency=agency,
                             province=prov, code=code)
            assert item.report is not None
            item.report["completeness"] = _complete(comp)
            if not comp:
                item.report["template"] = "legacy"
            s.save(item)


def test_collect_marks_gaps_partial_tables_and_legacy(tmp_path: Path) -> None:
    db = tmp_path / "z.db"
    fill(db)
    with open_store(str(db)) as s:
        cov = collect(s)
    assert [a.agency for a in cov.agencies] == ["淮安市人民政府", "淮安市洪泽区人民政府", "安顺市住房和城乡建设局"]
    huaian = cov.agencies[0]
    assert huaian.years == {2019: "complete", 2020: "complete", 2021: MISSING, 2022: "partial"}
    assert huaian.incomplete[2022] == ["三", "四"] and huaian.missing == [2021]
    assert cov.agencies[2].years == {2015: "unassessed"}
    assert (cov.first_year, cov.last_year) == (2015, 2023)
    rows = list(csv.DictReader(io.StringIO(to_csv(cov))))
    assert len(rows) == 6
    gap = next(r for r in rows if r["year"] == "2021")
    assert (gap["agency"], gap["status"], gap["reports"], gap["region_code"]) == ("淮安市人民政府", MISSING, "0", "320800")
    with open_store(str(db)) as s:
        only = collect(s, province="52")
    assert [a.agency for a in only.agencies] == ["安顺市住房和城乡建设局"]


def test_svg_has_one_cell_per_agency_year_in_its_colour(tmp_path: Path) -> None:
    db = tmp_path / "z.db"
    fill(db)
    with open_store(str(db)) as s:
        cov = collect(s)
    root = ElementTree.fromstring(to_svg(cov))  # well-formed XML
    cells = [r for r in root.iter(f"{SVG}rect") if r.get("class")]
    assert len(cells) == 6
    assert sorted(c.get("fill") for c in cells if c.get("class") == MISSING) == [STATUS_COLOURS[MISSING]]
    tips = [c.find(f"{SVG}title").text for c in cells]  # type: ignore[union-attr]
    assert "淮安市人民政府 2022: stored, some table cells missing (tables 三 四)" in tips


def test_cli_writes_csv_svg_and_html_for_the_demo_store(tmp_path: Path) -> None:
    env = dict(os.environ, ZWGK_PROGRESS_INTERVAL="0")
    db = tmp_path / "demo.db"
    demo = subprocess.run([sys.executable, "-m", "crawler.cli", "demo", "--reports", "6", "--store", str(db)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stderr[-2000:]
    run = subprocess.run([sys.executable, "-m", "crawler.cli", "coverage", "--store", str(db), "-o", "cov", "--json"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    totals = json.loads(run.stdout)
    assert totals["agencies"] == 6 and totals["complete"] == 6
    out = tmp_path / "cov"
    assert len(list(csv.DictReader(io.StringIO((out / "coverage.csv").read_text(encoding="utf-8"))))) == 6
    ElementTree.parse(out / "coverage.svg")
    page = (out / "coverage.html").read_text(encoding="utf-8")
    assert 'src="coverage.svg"' in page and "<h2>By province</h2>" in page


def test_cli_refuses_a_store_that_does_not_exist(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "crawler.cli", "coverage"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "zwgk.db does not exist" in run.stderr
    assert not (tmp_path / "zwgk.db").exists()


BROWSER = os.environ.get("ZWGK_BROWSER") or next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)


@pytest.mark.skipif(BROWSER is None, reason="no Chromium found (apt-get install chromium, or set ZWGK_BROWSER)")
def test_browser_renders_the_heat_map(tmp_path: Path) -> None:
    """A real headless browser loads the page and draws the picture (pixels of the status colours)."""
    db = tmp_path / "z.db"
    fill(db)
    run = subprocess.run([sys.executable, "-m", "crawler.cli", "coverage", "--store", str(db), "-o", str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    shot = tmp_path / "shot.png"
    assert BROWSER is not None
    subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=900,900", (tmp_path / "coverage.html").as_uri()],
                   capture_output=True, timeout=120, check=True)
    from PIL import Image

    colours = {tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in STATUS_COLOURS.values()}
    with Image.open(shot) as img:
        rgb = img.convert("RGB")
        pixels = {rgb.getpixel((x, y)) for x in range(0, rgb.width, 2) for y in range(0, rgb.height, 2)}
    assert len(colours & pixels) >= 4, "the heat map's colours were not drawn"
