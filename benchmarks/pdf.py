"""PDF reading: pdfminer's page objects (pdfplumber alone) vs pdfium's (crawler.report.pdfpage), same run.

usage: python benchmarks/pdf.py [--rounds N] [--generated N] [--corpus DIR]
Inputs: the real PDFs of the corpus (pdfs/*.pdf), N generated reports (tests/reportgen.py, as
benchmarks/parse.py makes them) and the demo portal's PDF reports. For every file, in one run:
- inputs: the time to get every page's characters and paths from pdfminer (page.chars + page.edges,
  what pdfplumber computes) and from pdfium (pdfpage's objects), and whether they agree: the same
  characters in the same order, the largest difference of a char box edge and of a ruling edge in
  points ("char d", "edge d"), the same lines/rects/curves;
- reader: crawler.report.pdf.pdf_text (text + tables, what the report parser reads) with pdfminer's
  objects (pdfium switched off, the reader as it was) and as it is now, and whether its text and
  every table cell are the same.
Pages pdfpage does not cover (vertical writing, rotated text, form XObjects …) are read by pdfminer
in both runs and counted apart. Times are CPU time of this process (time.process_time: on a loaded
machine, wall time would count other processes' turns). Rounds rotate the two readers; medians per
file are printed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
MS = 1000.0
DEMO_SEEDS = (0, 1)

import pdfplumber  # noqa: E402

from crawler.report import pdf as reader  # noqa: E402
from crawler.report.pdfpage import PdfiumPages  # noqa: E402
from tests.pdfbaseline import pdfminer_only  # noqa: E402


def _files(corpus: Path, generated: int) -> list[tuple[str, bytes]]:
    from crawler.demo.site import DemoPortal
    from tests.reportgen import random_report, render_pdf

    out = [(f.name, f.read_bytes()) for f in sorted((corpus / "pdfs").glob("*.pdf"))]
    out += [(f"reportgen-{seed}.pdf", render_pdf(random_report(seed))) for seed in range(generated)]
    for seed in DEMO_SEEDS:
        portal = DemoPortal(seed=seed)
        out += [(f"demo{seed}{path}", page.body) for path, page in portal.pages.items()
                if page.content_type == "application/pdf"][:3]
    return out


def _max_delta(a: list[dict], b: list[dict], keys: tuple[str, ...]) -> float:
    return max((abs(x[k] - y[k]) for x, y in zip(a, b, strict=True) for k in keys), default=0.0)


def compare_inputs(body: bytes) -> dict[str, Any]:
    """Per file: pages covered, pdfminer and pdfium input times, and their largest differences."""
    res: dict[str, Any] = {"pages": 0, "covered": 0, "same_text": True, "char_delta": 0.0, "edge_delta": 0.0,
                           "same_kinds": True, "pdfminer_ms": 0.0, "pdfium_ms": 0.0}
    with pdfplumber.open(io.BytesIO(body)) as pdf, PdfiumPages(body) as pages:
        for page in pdf.pages:
            res["pages"] += 1
            t = time.process_time()
            objects = pages.objects(page)
            res["pdfium_ms"] += (time.process_time() - t) * MS
            t = time.process_time()
            chars, edges = page.chars, page.edges  # pdfminer's, as pdfplumber builds them
            res["pdfminer_ms"] += (time.process_time() - t) * MS
            if objects is None:
                continue
            res["covered"] += 1
            if "".join(c["text"] for c in chars) != "".join(c["text"] for c in objects["char"]):
                res["same_text"] = False
                continue
            res["char_delta"] = max(res["char_delta"], _max_delta(chars, objects["char"], ("x0", "x1", "top", "bottom")))
            kinds = {k: len(page.objects.get(k, [])) for k in ("line", "rect", "curve")}
            if kinds != {k: len(objects[k]) for k in kinds}:
                res["same_kinds"] = False
                continue
            mine = pdfplumber.pdf.Page.__new__(pdfplumber.pdf.Page)  # edges of pdfium's objects, built
            mine._objects = objects                                   # by pdfplumber's own code
            res["edge_delta"] = max(res["edge_delta"], _max_delta(edges, mine.edges, ("x0", "x1", "top", "bottom")))
    return res


def time_readers(files: list[tuple[str, bytes]], rounds: int) -> dict[str, dict[str, float]]:
    runs: dict[str, Callable[[bytes], reader.FileText]] = {"pdfminer": pdfminer_only, "pdfium": reader.pdf_text}
    times: dict[str, dict[str, list[float]]] = {n: {k: [] for k in runs} for n, _ in files}
    labels = list(runs)
    for r in range(rounds):
        order = labels[r % 2:] + labels[: r % 2]
        for name, body in files:
            for label in order:
                t = time.process_time()
                runs[label](body)
                times[name][label].append((time.process_time() - t) * MS)
    return {n: {k: statistics.median(v) for k, v in d.items()} for n, d in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--generated", type=int, default=10)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args()
    files = _files(args.corpus, args.generated)
    for _, body in files:  # warm-up, and the outputs compared
        pdfminer_only(body)
    same_out = {name: (lambda a, b: (a.text == b.text, a.tables == b.tables))(pdfminer_only(body), reader.pdf_text(body))
                for name, body in files}
    inputs = {name: compare_inputs(body) for name, body in files}
    med = time_readers(files, args.rounds)
    print(f"{'file':40} {'pages':>5} {'pdfium':>6} {'chars':>5} {'char d':>7} {'edge d':>7} {'inputs ms':>17} "
          f"{'reader ms':>17} {'ratio':>6} {'text':>5} {'cells':>5}")
    ok = True
    for name, _ in files:
        i, m = inputs[name], med[name]
        same_text, same_cells = same_out[name]
        ok = ok and same_text and same_cells and i["same_text"] and i["same_kinds"]
        print(f"{name[:40]:40} {i['pages']:5d} {i['covered']:6d} {'same' if i['same_text'] else 'DIFF':>5} "
              f"{i['char_delta']:7.3f} {i['edge_delta']:7.3f} {i['pdfminer_ms']:8.1f} {i['pdfium_ms']:8.1f} "
              f"{m['pdfminer']:8.1f} {m['pdfium']:8.1f} {m['pdfium'] / m['pdfminer']:6.2f} "
              f"{'same' if same_text else 'DIFF':>5} {'same' if same_cells else 'DIFF':>5}")
    for title, names in (("real PDFs", [n for n, _ in files if (args.corpus / "pdfs" / n).is_file()]),
                         ("generated PDFs", [n for n, _ in files if not (args.corpus / "pdfs" / n).is_file()])):
        if not names:
            continue
        before, after = sum(med[n]["pdfminer"] for n in names), sum(med[n]["pdfium"] for n in names)
        got_in = (sum(inputs[n]["pdfminer_ms"] for n in names), sum(inputs[n]["pdfium_ms"] for n in names))
        pages = sum(inputs[n]["pages"] for n in names)
        covered = sum(inputs[n]["covered"] for n in names)
        print(f"{title} ({len(names)} files, {pages} pages, {covered} read by pdfium): pdf_text {before / len(names):.1f} "
              f"-> {after / len(names):.1f} ms/file, {before / after:.2f}x faster; page inputs alone "
              f"{got_in[0] / pages:.1f} -> {got_in[1] / pages:.1f} ms/page, {got_in[0] / max(got_in[1], 1e-9):.1f}x")
    print("outputs: " + ("every text and table cell the same" if ok else "DIFFERENCES (see DIFF above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
