"""ZWGK_* environment overrides of Scrapy settings."""

from __future__ import annotations

import subprocess
import sys

import pytest

from crawler.config import ConfigError, coerce, env_overrides

DEFAULTS = {"ZWGK_STORE": "sqlite:///zwgk.db", "ZWGK_MAX": 0, "ZWGK_ON": True, "ZWGK_RATE": 1.5, "OTHER": 1}


def test_env_overrides_coerce_to_the_defaults_type() -> None:
    env = {"ZWGK_STORE": "postgresql://x", "ZWGK_MAX": "50", "ZWGK_ON": "no", "ZWGK_RATE": "0.5", "OTHER": "9"}
    assert env_overrides(DEFAULTS, env) == {
        "ZWGK_STORE": "postgresql://x",
        "ZWGK_MAX": 50,
        "ZWGK_ON": False,
        "ZWGK_RATE": 0.5,
    }


def test_unset_variables_change_nothing() -> None:
    assert env_overrides(DEFAULTS, {}) == {}


@pytest.mark.parametrize(("raw", "default"), [("many", 0), ("maybe", True), ("x1", 1.0)])
def test_bad_values_say_which_variable(raw: str, default: object) -> None:
    with pytest.raises(ConfigError, match="ZWGK_X"):
        coerce("ZWGK_X", raw, default)


def test_settings_module_reads_the_environment() -> None:
    code = "import crawler.settings as s; print(s.ZWGK_STORE, s.ZWGK_SINCE_YEAR)"
    env = {"ZWGK_STORE": "sqlite:///elsewhere.db", "ZWGK_SINCE_YEAR": "2021", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["sqlite:///elsewhere.db", "2021"]
