"""Legacy Word files (.doc, and Kingsoft WPS .wps, which is the same binary format) converted to .docx
with LibreOffice, so that the one DOCX reader parses them. Many reports before 2019 were published so.

LibreOffice comes from the distribution (Debian: `apt-get install libreoffice-writer-nogui`); where it
is not installed these files are reported as unsupported, with that advice.

LibreOffice follows links inside the documents it opens: a ".doc" that is really flat ODT or HTML
can name images, style sheets and sections on any address, and LibreOffice fetches them while
converting, past the crawl's allowlist (loopback and private services included). So it runs in a
network namespace of its own (`unshare --net`, or `unshare --user --map-root-user --net` where
unprivileged user namespaces are allowed), which has no interface but a loopback that is down: it
cannot reach any address. Where no such sandbox can be set up, conversion is refused (fails closed).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CONVERT_TIMEOUT = 120.0  # seconds; a file LibreOffice cannot finish in this time is given up
INSTALL_HINT = "apt-get install libreoffice-writer-nogui"


class ConversionError(RuntimeError):
    """LibreOffice is missing, failed, or produced nothing."""


SANDBOX_PROBE_TIMEOUT = 10.0  # seconds for `unshare … true`


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@functools.cache
def network_sandbox() -> tuple[str, ...]:
    """The command prefix that runs a program without network: `unshare --net` as root, else in a
    new user namespace. ConversionError when neither works here (checked once per process)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise ConversionError("cannot run LibreOffice without network: `unshare` (util-linux) is not installed; "
                              "refusing to convert, since LibreOffice would fetch the links inside the file")
    candidates = [(unshare, "--net")] if os.geteuid() == 0 else []
    candidates.append((unshare, "--user", "--map-root-user", "--net"))
    reasons = []
    for prefix in candidates:
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, text=True, timeout=SANDBOX_PROBE_TIMEOUT,
                                   stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            reasons.append(f"{' '.join(prefix[1:])}: {exc}")
            continue
        if probe.returncode == 0:
            return prefix
        reasons.append(f"{' '.join(prefix[1:])}: {probe.stderr.strip()[:120]}")
    raise ConversionError("cannot run LibreOffice without network (" + "; ".join(reasons) + "); refusing to "
                          "convert, since LibreOffice would fetch the links inside the file — run as root or "
                          "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)")


def convert(body: bytes, ext: str, to: str = "docx", *, timeout: float = CONVERT_TIMEOUT) -> bytes:
    """The file converted by LibreOffice (e.g. .doc/.wps -> docx), with no network (network_sandbox).
    Each call uses a profile of its own, so parse workers can convert at the same time (a shared
    profile is locked by one process)."""
    exe = soffice_path()
    if exe is None:
        raise ConversionError(f"LibreOffice is not installed ({INSTALL_HINT})")
    sandbox = network_sandbox()
    with tempfile.TemporaryDirectory(prefix="zwgk-lo-") as d:
        work = Path(d)
        src = work / f"in.{ext}"
        src.write_bytes(body)
        cmd = [*sandbox, exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
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
