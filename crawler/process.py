"""The per-item analysis shared by the crawl pipelines and `zwgk reparse` (no scrapy import).

extract_stage: raw body -> item.document (HTML pages only; files have no page around them).
parse_stage:   body + document -> item.report (the template's fields, checks, warnings).
"""

from __future__ import annotations

from collections.abc import Callable

from crawler.items import ReportItem


def extract_stage(item: ReportItem) -> ReportItem:
    """Fill item.document for HTML items; a failure becomes a warning, never a crash."""
    if item.kind != "html":
        return item
    from crawler.extract import extract_document

    try:
        doc = extract_document(item.body, item.url, item.headers)
    except Exception as exc:  # noqa: BLE001 - one broken page must not stop the crawl
        item.warnings.append(f"extract failed: {type(exc).__name__}: {exc}")
        return item
    item.document = doc.to_dict()
    item.warnings.extend(doc.warnings)
    return item


def parse_stage(item: ReportItem) -> ReportItem:
    """Fill item.report from the document (HTML) or the file body (PDF, DOCX, text)."""
    from crawler.report.parse import ReportError, parse_bytes, parse_text, picture_grids

    try:
        if item.kind == "html" and item.document is not None:
            doc = item.document
            meta = {
                "published": doc.get("published", ""),
                "source": doc.get("source", ""),
                "site": doc.get("site") or {},
                "breadcrumb": doc.get("breadcrumb") or [],
                "raw_text": doc.get("text", ""),
            }
            pictures = [(p.url, p.body) for p in item.images if not p.error]  # the page's tables as pictures
            report = parse_text(
                doc.get("text", ""), title=doc.get("title", ""), url=item.url, grids=doc.get("tables"), meta=meta,
                merges=doc.get("table_merges"), ocr_grids=picture_grids(pictures, meta),
            )
        else:
            report = parse_bytes(
                item.body,
                url=item.url,
                content_type=item.content_type,
                headers=item.headers,
                context=item.context or None,
            )
    except ReportError as exc:  # a file that cannot be read: the message says why
        item.warnings.append(f"parse: {exc}")
        return item
    except Exception as exc:  # noqa: BLE001 - recorded on the item, the store keeps the source
        item.warnings.append(f"parse failed: {type(exc).__name__}: {exc}")
        return item
    item.report = report.to_dict()
    return item


def bounded(fn: Callable[[ReportItem], ReportItem], item: ReportItem, timeout: float) -> ReportItem:
    """fn(item) interrupted after `timeout` seconds (crawler.limits.deadline) with a warning on the
    item; for stages that run in a thread of the crawl, where no process can be killed."""
    from crawler.limits import ParseTimeout, deadline

    try:
        with deadline(timeout):
            return fn(item)
    except ParseTimeout:
        name = getattr(fn, "__name__", "stage")
        item.warnings.append(f"{name}: gave up after {timeout:g} s (ZWGK_PARSE_TIMEOUT); the body is stored unparsed")
        return item


def warm_up() -> None:
    """Load what the first parse would otherwise pay for: the extractor's modules and the latest
    division list (a parse worker calls this when it starts)."""
    import crawler.extract  # noqa: F401 - imports trafilatura and lxml's HTML parser
    from crawler.report import region

    region.division_index(region.LATEST_YEAR)


def analyse(item: ReportItem) -> ReportItem:
    """Both stages, as the crawl runs them (used by `zwgk reparse`)."""
    return parse_stage(extract_stage(item))
