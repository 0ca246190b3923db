"""Traditional -> Simplified Chinese (OpenCC t2s), so that rules and deduplication see one script."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_CJK = re.compile(r"[\u4e00-\u9fff]")
_SAMPLE = 20_000


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


def detect_script(text: str) -> str:
    """'traditional' when a clear share of the Chinese characters change under t2s, else 'simplified'."""
    sample = "".join(_CJK.findall(text[:_SAMPLE]))
    if len(sample) < 10:
        return "simplified"
    converted = to_simplified(sample)
    changed = sum(1 for a, b in zip(sample, converted, strict=False) if a != b)
    # Simplified text changes too (著/着, 乾/干 in some phrases), but only in a few places.
    return "traditional" if changed >= 3 and changed / len(sample) >= 0.08 else "simplified"
