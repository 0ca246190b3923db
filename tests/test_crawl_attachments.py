"""Reports published as attachments: PDF, DOCX, XLSX, XLS and (through LibreOffice) DOC are parsed;
files that cannot be read and scans are kept with a warning.

Each report sits behind a short wrapper page ("附件：….pdf") on a loopback column. The PDF is a demo
portal report; the DOCX is written here from a demo report page (its paragraphs and table grids);
the workbooks hold a generated report's three tables, one sheet each; the real DOC is a generated report
converted by LibreOffice (left out where it is not installed); the broken DOC and WPS are OLE2 files, which the parser cannot read (crawler/report/parse.py); the scan is
a PDF without a text layer.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.demo.site import DemoPortal, GroundTruthReport
from crawler.report.legacy import soffice_path
from crawler.store import open_store
from crawler.tablegrid import grids_from_element
from tests.faultserver import LOOPBACK_SETTINGS, FaultServer, last_run, list_page, page, report_page, zwgk
from tests.reportgen import random_report, render_doc, render_xls, render_xlsx
from tests.reportgen import title as report_title

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def docx_from_report_page(body: bytes, title: str) -> bytes:
    """A DOCX holding the report page's title, paragraphs and tables, in order."""
    import docx

    root = lxml_html.fromstring(body)
    editor = root.xpath('//div[contains(@class, "TRS_Editor")]')[0]
    document = docx.Document()
    document.add_paragraph(title)
    grids = iter(grids_from_element(editor))
    for el in editor:
        if el.tag == "table":
            grid = next(grids)
            table = document.add_table(rows=len(grid), cols=max(len(r) for r in grid))
            for i, row in enumerate(grid):
                for j, text in enumerate(row):
                    table.cell(i, j).text = text
        else:
            text = el.text_content().strip()
            if text:
                document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def scanned_pdf() -> bytes:
    """A one-page PDF with a drawing and no text layer (as a scanner makes them)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4)
    for i in range(40):
        c.rect(50, 780 - i * 18, 400 + (i % 5) * 20, 9, fill=1)
    c.showPage()
    c.save()
    return out.getvalue()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "某某局2023年政府信息公开工作年度报告".encode("utf-16-le") * 20


def wrapper(title: str, href: str, name: str) -> bytes:
    return report_page(title, f'<p>附件：<a href="{href}">{name}</a></p>')


@pytest.fixture(scope="module")
def attachment_crawl(tmp_path_factory: pytest.TempPathFactory) -> dict:
    portal = DemoPortal(seed=41, n_reports=6, n_other=0)
    pdf_g = next(g for g in portal.ground_truth if g.kind == "pdf")
    docx_g = next(g for g in portal.ground_truth if g.kind == "html" and g.encoding == "utf-8")
    pdf_body = portal.get(pdf_g.attachment or "").body  # type: ignore[union-attr]
    docx_body = docx_from_report_page(portal.get(docx_g.path).body, docx_g.title)  # type: ignore[union-attr]
    xlsx_g, xls_g, doc_g = random_report(7), random_report(8), random_report(9)
    server = FaultServer()
    files = {
        "pdf": (pdf_g.title, "/att/files/report.pdf", pdf_body, "application/pdf"),
        # served as application/octet-stream, as many portals do: the magic bytes decide
        "docx": (docx_g.title, "/att/files/report.docx", docx_body, "application/octet-stream"),
        "xlsx": (report_title(xlsx_g), "/att/files/tables.xlsx", render_xlsx(xlsx_g), "application/octet-stream"),
        "xls": (report_title(xls_g), "/att/files/tables.xls", render_xls(xls_g), "application/vnd.ms-excel"),
        "broken_doc": ("某某市统计局2023年政府信息公开工作年度报告", "/att/files/report.doc", OLE2, "application/msword"),
        "wps": ("某某市民政局2023年政府信息公开工作年度报告", "/att/files/report.wps", OLE2, "application/octet-stream"),
        "scan": ("某某市司法局2023年政府信息公开工作年度报告", "/att/files/scan.pdf", scanned_pdf(), "application/pdf"),
    }
    if soffice_path() is not None:
        files["doc"] = (report_title(doc_g), "/att/files/tables.doc", render_doc(doc_g), "application/msword")
    rows = []
    for kind, (title, href, body, ctype) in files.items():
        server.route(f"/att/{kind}.html", page(wrapper(title, href, href.rsplit("/", 1)[1])))
        server.route(href, page(body, ctype))
        rows.append((f"/att/{kind}.html", title, "2024-02-01"))
    server.route("/att/index.html", page(list_page("政府信息公开年报", rows)))
    db = tmp_path_factory.mktemp("att") / "zwgk.db"
    with server.running() as base:
        run = zwgk("crawl", "--url", base + "/att/index.html", "--name", "att", "--store", f"sqlite:///{db}",
                   "--depth", "0", *LOOPBACK_SETTINGS, cwd=db.parent)
    return {"run": run, "db": db, "pdf": pdf_g, "docx": docx_g, "xlsx": xlsx_g, "xls": xls_g, "doc": doc_g,
            "server": server}


def reports_by_kind(db: Path) -> dict[str, dict]:
    with open_store(f"sqlite:///{db}") as store:
        return {r["file_kind"]: r for r in store.reports()}


def test_crawl_completes(attachment_crawl: dict) -> None:
    run = attachment_crawl["run"]
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]


def test_pdf_report_parsed_with_its_tables(attachment_crawl: dict) -> None:
    g: GroundTruthReport = attachment_crawl["pdf"]
    row = reports_by_kind(attachment_crawl["db"])["pdf"]
    assert (row["agency"], row["year"]) == (g.agency, g.year)
    wrong = {k: (row["cells"].get(k), v) for k, v in g.values.items() if row["cells"].get(k) != pytest.approx(v)}
    assert not wrong, list(wrong.items())[:5]


def test_docx_report_parsed(attachment_crawl: dict) -> None:
    g: GroundTruthReport = attachment_crawl["docx"]
    row = reports_by_kind(attachment_crawl["db"])["docx"]
    assert (row["agency"], row["year"]) == (g.agency, g.year)
    assert row["title"] == g.title
    matching = [k for k, v in g.values.items() if row["cells"].get(k) == pytest.approx(v)]
    assert len(matching) >= len(g.values) * 0.9, (len(matching), len(g.values))


@pytest.mark.parametrize("kind", [
    "xlsx", "xls",
    pytest.param("doc", marks=pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")),
])
def test_spreadsheet_and_legacy_word_reports_parsed_exactly(attachment_crawl: dict, kind: str) -> None:
    g = attachment_crawl[kind]
    row = reports_by_kind(attachment_crawl["db"])[kind]
    assert (row["agency"], row["year"], row["title"]) == (g.agency, g.year, report_title(g))
    assert row["cells"] == pytest.approx(g.values)


def _unread(message: str, ext: str) -> bool:
    """The warning of a .doc/.wps that could not be read: LibreOffice failed, or is not installed."""
    return f"unreadable .{ext}: LibreOffice" in message or f"unsupported format: .{ext}" in message


def test_unreadable_doc_and_wps_are_recorded_with_why(attachment_crawl: dict) -> None:
    rec = last_run(attachment_crawl["db"])
    att = rec["portals"]["att"]
    assert att["counts"].get("unparsed") == 3  # the broken doc and wps, and the scan
    for name in ("report.doc", "report.wps"):
        msgs = [w for w in att["warnings"] if name in w]
        assert msgs and _unread(msgs[0], name.rsplit(".", 1)[1]), att["warnings"]
    with open_store(f"sqlite:///{attachment_crawl['db']}") as store:
        kinds = dict(store._q("SELECT url, file_kind FROM sources").fetchall())
        warned = [m for (m,) in store._q("SELECT message FROM warnings WHERE source_id IS NOT NULL").fetchall()]
    assert sorted(k for u, k in kinds.items() if u.endswith(("report.doc", "report.wps"))) == ["doc", "wps"]
    assert sum(_unread(m, "doc") or _unread(m, "wps") for m in warned) == 2
    # not counted as new reports
    assert rec["counts"].get("new") == len(reports_by_kind(attachment_crawl["db"]))


def test_image_only_pdf_is_kept_with_a_warning(attachment_crawl: dict) -> None:
    with open_store(f"sqlite:///{attachment_crawl['db']}") as store:
        rows = store._q("SELECT s.dedup_status, w.message FROM sources s LEFT JOIN warnings w ON w.source_id = s.id "
                        "WHERE s.url LIKE '%scan.pdf'").fetchall()
    assert rows, "the scanned PDF is stored as a source"
    assert any(m and "no text layer" in m for _, m in rows), rows


def test_attachment_served_once(attachment_crawl: dict) -> None:
    server: FaultServer = attachment_crawl["server"]
    for path in ("/att/files/report.pdf", "/att/files/report.docx", "/att/files/report.doc"):
        assert server.hits(path) == 1
