"""Hostile and broken inputs of every kind zwgk reads, for the limit tests and the fuzz runs.

`named()` gives the hand-made attacks of issue #13 (reference-loop PDF, gridSpan DOCX, zip bombs,
staggered spans, compressed-content PDF, 5,000-digit numbers, a huge sheet); `fuzzed(seed, n)` gives
n inputs mutated from good generated reports and from the attacks (bytes flipped, cut, repeated,
spans and numbers blown up). Every input is (file name, bytes, holds_values): holds_values is False
for an input that contains no report figures, so a value parsed from it is invented.
"""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from collections.abc import Iterator
from functools import cache

from tests.reportgen import (
    random_report,
    render_docx,
    render_html,
    render_pdf,
    render_text,
    render_xls,
    render_xlsx,
)

Input = tuple[str, bytes, bool]


def _pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF with a correct xref table around the given object bodies (object i+1 = objects[i])."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref))
    return out.getvalue()


def reference_loop_pdf() -> bytes:
    """The catalog's /Pages is object 2, which is a reference to 3, which refers back to 2."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>", b"3 0 R", b"2 0 R"])


def compressed_content_pdf(operators: int = 1_500_000) -> bytes:
    """One page whose Flate content stream (≈ 80 kB) inflates to tens of MB of text operators."""
    ops = b"BT /F1 1 Tf " + b"1 0 0 1 1 1 Tm (x) Tj " * operators + b"ET"
    packed = zlib.compress(ops, 9)
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 800] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def _docx_parts() -> dict[str, bytes]:
    import docx

    d = docx.Document()
    d.add_paragraph("某县2023年政府信息公开工作年度报告")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "项目"
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {name: z.read(name) for name in z.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return buf.getvalue()


def gridspan_docx(span: int = 10**9) -> bytes:
    parts = _docx_parts()
    parts["word/document.xml"] = parts["word/document.xml"].replace(
        b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="%d"/>' % span, 1)
    return _zip(parts)


_CHUNK = 1 << 20


def zip_bomb_docx(inflated: int = 1_200_000_000) -> bytes:
    """document.xml padded with whitespace to over a GB (about 1.2 MB compressed), streamed into the
    zip a megabyte at a time so that building it does not take a GB here."""
    parts = _docx_parts()
    head, tail = parts.pop("word/document.xml").split(b"</w:body>", 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
        with z.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(inflated // _CHUNK):
                part.write(b" " * _CHUNK)
            part.write(b"</w:body>" + tail)
    return buf.getvalue()


def many_rows_xlsx(rows: int = 200_000) -> bytes:
    """A workbook whose one sheet has `rows` rows of three numbers (raw XML: openpyxl is too slow)."""
    sheet = io.BytesIO()
    sheet.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                b'spreadsheetml/2006/main"><sheetData>')
    for r in range(1, rows + 1):
        sheet.write(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="B%d"><v>2</v></c><c r="C%d"><v>3</v></c></row>'
                    % (r, r, r, r))
    sheet.write(b"</sheetData></worksheet>")
    ns = b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    return _zip({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        b'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        b'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships ' + ns + b'><Relationship Id="rId1" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        b"</Relationships>",
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        b'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships ' + ns + b'><Relationship Id="rId1" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        b'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet.getvalue(),
    })


def staggered_spans_html(rows: int = 400) -> bytes:
    """A table whose cells all span ~60 × ~60 positions, shifted row by row (about 80 kB)."""
    body = "".join(
        "<tr>" + "".join(f'<td rowspan="{60 - (i + j) % 3}" colspan="{60 - (i * j) % 5}">{i}</td>' for j in range(5))
        + "</tr>" for i in range(rows))
    return (f"<html><body><h1>某县2023年政府信息公开工作年度报告</h1><table>{body}</table></body></html>").encode()


def huge_number_html(digits: int = 5000) -> bytes:
    n = "9" * digits
    return (f"<html><body><h1>某县2023年政府信息公开工作年度报告</h1><p>本年度主动公开政府信息{n}条。</p>"
            f"<table><tr><td>新收政府信息公开申请数量</td><td>{n}</td></tr></table></body></html>").encode()


def huge_number_text(digits: int = 5000) -> bytes:
    return (f"某县2023年政府信息公开工作年度报告\n一、总体情况\n本年度主动公开政府信息{'7' * digits}条，"
            f"收到政府信息公开申请{'8' * digits}件。\n").encode()


def billion_laughs_html() -> bytes:
    ents = "".join(f'<!ENTITY l{i} "&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};&l{i - 1};">' for i in range(1, 12))
    return (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY l0 "lol">{ents}]>'
            "<html><body><p>&l11;</p></body></html>").encode()


@cache
def named() -> list[Input]:
    """The hand-made attacks; none of them holds a report figure except the huge numbers, which are
    refused as values (more than 15 digits is not a count)."""
    return [
        ("reference-loop.pdf", reference_loop_pdf(), False),
        ("compressed-content.pdf", compressed_content_pdf(), False),
        ("gridspan.docx", gridspan_docx(), False),
        ("zip-bomb.docx", zip_bomb_docx(), False),
        ("many-rows.xlsx", many_rows_xlsx(), True),  # 1, 2, 3 in every row: values, but no report
        ("staggered-spans.html", staggered_spans_html(), False),
        ("huge-number.html", huge_number_html(), False),
        ("huge-number.txt", huge_number_text(), False),
        ("billion-laughs.html", billion_laughs_html(), False),
    ]


@cache
def _good(seed: int) -> list[Input]:
    g = random_report(seed)
    return [
        (f"good-{seed}.html", render_html(g).encode(), True),
        (f"good-{seed}.txt", render_text(g, "markdown").encode(), True),
        (f"good-{seed}.pdf", render_pdf(g), True),
        (f"good-{seed}.docx", render_docx(g), True),
        (f"good-{seed}.xlsx", render_xlsx(g), True),
        (f"good-{seed}.xls", render_xls(g), True),
    ]


def _mutate(rng: random.Random, data: bytes) -> tuple[bytes, bool]:
    """One of: flip bytes, cut, repeat a slice, insert junk, blow up digits or spans, or noise; and
    whether the result may still hold the original's figures (not for noise)."""
    return _mutated(rng, data), True


def _mutated(rng: random.Random, data: bytes) -> bytes:
    op = rng.randrange(6)
    n = len(data)
    if op == 0 and n:  # flip up to 16 bytes
        buf = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            buf[rng.randrange(n)] = rng.randrange(256)
        return bytes(buf)
    if op == 1 and n:  # truncate
        return data[: rng.randrange(n)]
    if op == 2 and n:  # repeat a slice many times
        a = rng.randrange(n)
        b = min(n, a + rng.randint(1, 256))
        return data[:a] + data[a:b] * rng.randint(2, 2000) + data[b:]
    if op == 3:  # random junk in the middle
        pos = rng.randrange(n + 1)
        return data[:pos] + rng.randbytes(rng.randint(1, 4096)) + data[pos:]
    if op == 4:  # numbers of thousands of digits
        return data.replace(b"1", b"1" * rng.randint(16, 6000), 3)
    # op 5: absurd spans
    return data.replace(b'colspan="', b'colspan="99999').replace(b'rowspan="', b'rowspan="99999')


def fuzzed(seed: int, count: int) -> Iterator[Input]:
    """`count` inputs mutated from good reports and the named attacks, reproducible from seed. A
    mutated good report may still hold its figures (holds_values True); noise does not."""
    rng = random.Random(seed)
    pool: list[Input] = []
    for s in range(3):
        pool.extend(_good(seed * 10 + s))
    attacks = named()
    for i in range(count):
        if i % 10 == 0:
            name, data, holds = attacks[(i // 10) % len(attacks)]
            yield f"{i:05d}-{name}", data, holds
            continue
        name, data, holds = rng.choice(pool)
        if rng.random() < 0.1:  # pure noise under a report's name
            mutated, kept = rng.randbytes(rng.randint(0, 2048)), False
        else:
            mutated, kept = _mutate(rng, data)
        holds = holds and kept
        ext = name.rsplit(".", 1)[-1]
        if rng.random() < 0.1:  # a file under another kind's name: .doc/.wps that is HTML, etc.
            ext = rng.choice(["pdf", "docx", "xlsx", "xls", "html", "txt", "doc", "wps"])
        # renamed, a file still holds its figures: readers go by the content's magic number
        yield f"{i:05d}-{name.rsplit('.', 1)[0]}.{ext}", mutated, holds
