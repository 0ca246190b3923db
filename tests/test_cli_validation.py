"""Issue #13: bad command lines end in one clear line and exit 1 before anything is crawled, and
every command uses the same exit codes (crawler/exitcodes.py, README "Exit codes")."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.cli import main
from crawler.exitcodes import EXIT_ALL_FAILED, EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, batch_code

BAD_SEED = """- name: bad
  allowed_domains: [x.gov.cn]
  verified: test
  start_urls: [www.x.gov.cn/zwgk/]
"""


@pytest.mark.parametrize(("argv", "says"), [
    (["--url", "www.pingtan.gov.cn"], "has no scheme: give the whole address, e.g. https://www.pingtan.gov.cn"),
    (["--url", "ftp://www.x.gov.cn/"], "is not an http(s) URL"),
    (["--url", "https://www.x.gov.cn/", "--set", "DOWNLOAD_TIMEOUT=abc"], "DOWNLOAD_TIMEOUT='abc' is not a valid int"),
    (["--url", "https://www.x.gov.cn/", "--set", "ROBOTSTXT_OBEY=maybe"], "is not a valid bool"),
    (["--url", "https://www.x.gov.cn/", "--set", "ZWGK_PARSE_PROCESSES=two"], "is not a valid int"),
    (["--url", "https://www.x.gov.cn/", "--set", "ITEM_PIPELINES=[1]"], "wants a JSON object"),
    (["--url", "https://www.x.gov.cn/", "--set", "=1"], "--set wants NAME=VALUE"),
])
def test_bad_crawl_arguments_are_one_line_and_exit_1(argv: list[str], says: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["crawl", *argv, "--store", f"sqlite:///{tmp_path / 'x.db'}"])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert says in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "x.db").exists()  # nothing was started


def test_a_seed_file_that_seeds_check_rejects_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seeds = tmp_path / "bad.yaml"
    seeds.write_text(BAD_SEED, encoding="utf-8")
    assert main(["seeds", "check", str(seeds)]) == EXIT_USAGE
    capsys.readouterr()
    assert main(["crawl", "--seeds", str(seeds), "--store", f"sqlite:///{tmp_path / 'x.db'}"]) == EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not an absolute http(s) URL" in err[0] and str(seeds) in err[0]


def test_missing_inputs_give_the_same_code_in_parse_and_extract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "/no/such/report.pdf"]) == EXIT_ALL_FAILED
    assert main(["extract", "/no/such/report.pdf"]) == EXIT_ALL_FAILED
    assert main(["seeds", "import", "/no/such/table.tsv"]) == EXIT_ALL_FAILED


def test_batch_code() -> None:
    assert batch_code(0, 3) == EXIT_OK
    assert batch_code(1, 3) == EXIT_SOME_FAILED
    assert batch_code(3, 3) == EXIT_ALL_FAILED
