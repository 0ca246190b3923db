"""Traditional -> Simplified Chinese (OpenCC t2s), so that rules and deduplication see one script.

Detection does not convert: it counts characters that OpenCC's TSCharacters table maps to a different
Simplified character (fast, and Simplified pages pay almost nothing for it).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

import opencc

_SAMPLE = 20_000


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _traditional_only() -> frozenset[str]:
    """Characters that exist only in Traditional writing (their t2s mapping differs)."""
    path = os.path.join(os.path.dirname(opencc.__file__), "dictionary", "TSCharacters.txt")
    chars: set[str] = set()
    simplified_targets: set[str] = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                targets = parts[1].split()
                if targets and targets[0] != parts[0]:
                    chars.add(parts[0])
                simplified_targets.update(t for t in targets if len(t) == 1)
    # a character that is also the Simplified form of something (著, 乾, 麼 …) is not evidence
    return frozenset(chars - simplified_targets)


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if text else text


_CJK = re.compile(r"[\u4e00-\u9fff]")


def detect_script(text: str) -> str:
    """'traditional' when a clear share of the Chinese characters are Traditional-only forms."""
    sample = text[:_SAMPLE]
    table = _traditional_only()
    trad = sum(1 for ch in sample if ch in table)
    if trad < 3:
        return "simplified"
    cjk = len(_CJK.findall(sample))
    return "traditional" if cjk and trad / cjk >= 0.05 else "simplified"
