"""Where a command's text goes: standard output for `-o -`, else a file (one error line if it cannot)."""

from __future__ import annotations

import sys
from pathlib import Path

STDOUT = "-"


def write_output(command: str, text: str, output: str) -> bool:
    """Write text to `output` (`-`: standard output). False, after one line on stderr naming the
    file and the reason, when the file cannot be written."""
    if output == STDOUT:
        sys.stdout.write(text)
        return True
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"zwgk {command}: cannot write {output}: {exc}", file=sys.stderr)
        return False
    return True
