"""ZWGK_* environment variables as Scrapy setting overrides (no scrapy import).

Every setting whose name starts with ``ZWGK_`` can be set from the environment variable of the
same name; the value is coerced to the type of the default so that ``ZWGK_MAX_PAGES=50`` is an int.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A ZWGK_* variable holds a value that cannot be read as its setting's type."""


def coerce(name: str, raw: str, default: Any) -> Any:
    """Read `raw` as the type of `default` (bool, int, float, list or str)."""
    try:
        if isinstance(default, bool):
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(raw)
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, (list, tuple)):
            return [p.strip() for p in raw.split(",") if p.strip()]
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a valid {type(default).__name__}") from exc
    return raw


def env_overrides(defaults: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings to override from ZWGK_* variables present in `environ` (os.environ by default)."""
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name, default in defaults.items():
        if name.startswith("ZWGK_") and name in env:
            out[name] = coerce(name, env[name], default)
    return out
