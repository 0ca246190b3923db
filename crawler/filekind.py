"""What a body is, from its first bytes: the one table of file signatures (no scrapy, no PIL).

The routing of responses (crawler/routing.py), the check that an HTML body is text
(crawler/decoding.py) and the reading of pictures (crawler/report/scan.py) all ask here.
"""

from __future__ import annotations

# Signatures of the pictures OCR reads.
IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
PDF_MAGIC = b"%PDF"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # OLE2 compound file: .doc, .xls, .wps, .et
ZIP_MAGIC = b"PK\x03\x04"  # .docx, .xlsx, .zip
# Other files that portals serve with a text/html content type.
_OTHER_MAGIC = ((b"GIF8", "gif"), (b"\x89PNG", "png"), (b"\x1f\x8b", "gzip"), (b"Rar!", "rar"),
                (b"7z\xbc\xaf", "7z"))


def image_kind(body: bytes) -> str | None:
    """png / jpeg / gif / tiff from the file's first bytes, else None."""
    return next((kind for magic, kind in IMAGE_MAGIC if body.startswith(magic)), None)


def binary_kind(body: bytes) -> str | None:
    """A name for a file that is not text (PDF, Office, archive, picture), else None."""
    if body.startswith(PDF_MAGIC):
        return "pdf"
    if body.startswith(ZIP_MAGIC):
        return "zip/docx/xlsx"
    if body.startswith(OLE_MAGIC):
        return "doc/xls (OLE)"
    kind = image_kind(body)
    if kind is not None:
        return kind
    return next((kind for magic, kind in _OTHER_MAGIC if body.startswith(magic)), None)
