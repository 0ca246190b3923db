"""Legacy Word files (.doc, and Kingsoft WPS .wps, which is the same binary format) converted to .docx
with LibreOffice, so that the one DOCX reader parses them. Many reports before 2019 were published so.

LibreOffice comes from the distribution (Debian: `apt-get install libreoffice-writer-nogui`); where it
is not installed these files are reported as unsupported, with that advice.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

CONVERT_TIMEOUT = 120.0  # seconds; a file LibreOffice cannot finish in this time is given up
INSTALL_HINT = "apt-get install libreoffice-writer-nogui"


class ConversionError(RuntimeError):
    """LibreOffice is missing, failed, or produced nothing."""


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(body: bytes, ext: str, to: str = "docx", *, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """The file converted by LibreOffice (e.g. .doc/.wps -> docx). Each call uses a profile of its
    own, so parse workers can convert at the same time (a shared profile is locked by one process)."""
    exe = soffice_path()
    if exe is None:
        raise ConversionError(f"LibreOffice is not installed ({INSTALL_HINT})")
    with tempfile.TemporaryDirectory(prefix="zwgk-lo-") as d:
        work = Path(d)
        src = work / f"in.{ext}"
        src.write_bytes(body)
        cmd = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", to, "--outdir", str(work / "out"), str(src)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"LibreOffice did not finish in {timeout:g} s") from exc
        out = work / "out" / f"in.{to}"
        if proc.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [""]
            raise ConversionError(f"LibreOffice could not convert it (exit {proc.returncode}) {detail[0][:200]}".strip())
        return out.read_bytes()
