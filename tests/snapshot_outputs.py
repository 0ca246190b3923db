"""Before/after check for changes that must not change output: `zwgk extract --json` over HTML pages
and `zwgk parse --json` over PDFs, the real corpus's and generated ones, saved or compared.

usage: python tests/snapshot_outputs.py OUT.json [--against BEFORE.json] [--corpus DIR] [--generated N]
Run it once before a change (writing BEFORE.json) and once after with --against: it prints every
file whose output differs and exits 1 if any does. Generated inputs: the demo portal's pages (seeds
0-2, HTML reports, list pages and other articles, and its PDF reports) and N reports of
tests/reportgen.py as HTML and PDF. Run with PYTHONPATH set to the tree under test (`zwgk` honours it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
DEMO_SEEDS = (0, 1, 2)


def _write_generated(html_dir: Path, pdf_dir: Path, n: int) -> None:
    from crawler.demo.site import DemoPortal
    from tests.reportgen import random_report, render_html, render_pdf

    for seed in DEMO_SEEDS:
        portal = DemoPortal(seed=seed)
        for path, page in portal.pages.items():
            name = f"demo{seed}-" + path.strip("/").replace("/", "_")
            if page.content_type.startswith("text/html"):
                (html_dir / (name if name.endswith(".html") else name + ".html")).write_bytes(page.body)
            elif page.content_type == "application/pdf":
                (pdf_dir / name).write_bytes(page.body)
    for seed in range(n):
        g = random_report(seed)
        (html_dir / f"reportgen-{seed}.html").write_text(render_html(g), encoding="utf-8")
        (pdf_dir / f"reportgen-{seed}.pdf").write_bytes(render_pdf(g))


def _run(verb: str, folder: Path) -> dict[str, dict]:
    p = subprocess.run(["zwgk", verb, str(folder), "--json"], capture_output=True, text=True, check=False)
    out: dict[str, dict] = {}
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            out[f"{verb} {Path(d.get('path') or d.get('source_file') or '?').name}"] = d
    if not out:
        raise SystemExit(f"zwgk {verb} {folder} printed nothing (exit {p.returncode}): {p.stderr[-300:]}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--against", type=Path)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--generated", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        html_dir, pdf_dir = Path(tmp, "html"), Path(tmp, "pdf")
        html_dir.mkdir()
        pdf_dir.mkdir()
        _write_generated(html_dir, pdf_dir, args.generated)
        outputs: dict[str, dict] = {}
        for verb, folder in (("extract", args.corpus / "pages"), ("extract", html_dir),
                             ("parse", args.corpus / "pdfs"), ("parse", pdf_dir)):
            outputs.update(_run(verb, folder))
    for d in outputs.values():
        d.pop("path", None)  # the temporary folder's name changes between runs
    args.out.write_text(json.dumps(outputs, ensure_ascii=False, sort_keys=True, indent=1), encoding="utf-8")
    print(f"{len(outputs)} outputs written to {args.out}")
    if not args.against:
        return 0
    before = json.loads(args.against.read_text(encoding="utf-8"))
    changed = sorted(k for k in before.keys() | outputs.keys() if before.get(k) != outputs.get(k))
    for key in changed:
        print(f"changed: {key}")
    print(f"{len(outputs)} outputs, {len(changed)} changed against {args.against}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
