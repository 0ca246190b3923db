"""What the corpus covers: agencies × report years, with table completeness and the gaps.

For each agency and year the corpus holds a report for, the status is the best completeness among
its reports (complete, partial, not_found for the 2019/2021 templates' tables; `unassessed` for legacy
reports, which have no template to be complete against). A year between an agency's first and last
stored report with no report is `missing`: the place to re-crawl. Rows are ordered by province and
region code, so one province's agencies sit together.

Outputs (no scrapy, no store writes): the long CSV, an SVG heat map and an HTML page around it.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from crawler.store import Store

COMPLETE, PARTIAL, NOT_FOUND, UNASSESSED, MISSING = "complete", "partial", "not_found", "unassessed", "missing"
# Best first: an agency-year with several reports (a page and its PDF kept apart) shows its best one.
STATUS_ORDER = (COMPLETE, PARTIAL, NOT_FOUND, UNASSESSED, MISSING)
STATUS_COLOURS = {  # a colour-blind-safe diverging scheme (ColorBrewer RdYlBu) plus grey for gaps
    COMPLETE: "#4575b4", PARTIAL: "#fee090", NOT_FOUND: "#d73027", UNASSESSED: "#abd9e9", MISSING: "#d9d9d9",
}
STATUS_TEXT = {
    COMPLETE: "stored, tables 二/三/四 complete",
    PARTIAL: "stored, some table cells missing",
    NOT_FOUND: "stored, no template table found",
    UNASSESSED: "stored, legacy report (no template tables)",
    MISSING: "no report, inside the agency's run of years",
}
UNKNOWN_AGENCY = "(agency unknown)"
UNKNOWN_PROVINCE = "(province unknown)"
CSV_COLUMNS = ("province", "region_code", "agency", "year", "status", "reports", "incomplete_tables")

# SVG geometry, in pixels.
CELL, GAP, LABEL_WIDTH, HEADER, PROVINCE_ROW, FONT, LEGEND_COLUMN = 16, 2, 260, 44, 22, 12, 360


@dataclass
class AgencyCoverage:
    agency: str
    province: str
    region_code: str
    years: dict[int, str] = field(default_factory=dict)  # year -> status (missing years included)
    reports: Counter[int] = field(default_factory=Counter)
    incomplete: dict[int, list[str]] = field(default_factory=dict)  # year -> tables not complete

    @property
    def missing(self) -> list[int]:
        return [y for y, s in self.years.items() if s == MISSING]


@dataclass
class Coverage:
    agencies: list[AgencyCoverage]
    first_year: int
    last_year: int

    def counts(self) -> Counter[str]:
        return Counter(s for a in self.agencies for s in a.years.values())

    def by_province(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for a in self.agencies:
            c = out.setdefault(a.province, Counter())
            c["agencies"] += 1
            c.update(a.years.values())
        return out


def _incomplete_tables(detail: Any) -> list[str]:
    if not isinstance(detail, dict):
        return []
    return [t for t, rec in sorted(detail.items()) if isinstance(rec, dict) and rec.get("status") != COMPLETE]


def collect(store: Store, province: str | None = None) -> Coverage:
    """The coverage of the store's reports (optionally of one province: name or code prefix)."""
    sql = ("SELECT agency, year, province, region_code, completeness, completeness_detail FROM reports "
           "WHERE year IS NOT NULL")
    agencies: dict[str, AgencyCoverage] = {}
    provinces: dict[str, Counter[str]] = {}
    codes: dict[str, Counter[str]] = {}
    for agency, year, prov, code, completeness, detail in store._q(sql).fetchall():
        name = agency or UNKNOWN_AGENCY
        if province and not (province in (prov or "") or (code or "").startswith(province)):
            continue
        a = agencies.setdefault(name, AgencyCoverage(name, "", ""))
        provinces.setdefault(name, Counter())[prov or UNKNOWN_PROVINCE] += 1
        codes.setdefault(name, Counter())[code or ""] += 1
        status = completeness if completeness in (COMPLETE, PARTIAL, NOT_FOUND) else UNASSESSED
        year = int(year)
        a.reports[year] += 1
        if year not in a.years or STATUS_ORDER.index(status) < STATUS_ORDER.index(a.years[year]):
            a.years[year] = status
            try:
                parsed = json.loads(detail) if isinstance(detail, str) else detail
            except ValueError:
                parsed = None
            a.incomplete[year] = _incomplete_tables(parsed)
    for name, a in agencies.items():
        # The place most of its reports name (a department's report may lack it).
        a.province = provinces[name].most_common(1)[0][0]
        a.region_code = next((c for c, _ in codes[name].most_common() if c), "")
        for y in range(min(a.years), max(a.years) + 1):
            a.years.setdefault(y, MISSING)
        a.years = dict(sorted(a.years.items()))
    ordered = sorted(agencies.values(), key=lambda a: (a.province == UNKNOWN_PROVINCE, a.province,
                                                      a.region_code or "999999", a.agency))
    years = [y for a in ordered for y in a.years]
    return Coverage(ordered, min(years, default=0), max(years, default=0))


def to_csv(cov: Coverage) -> str:
    """Long form: one row per agency and year of its run (stored or missing)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for a in cov.agencies:
        for year, status in a.years.items():
            w.writerow([a.province, a.region_code, a.agency, year, status, a.reports.get(year, 0),
                        " ".join(a.incomplete.get(year, []))])
    return buf.getvalue()


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def to_svg(cov: Coverage) -> str:
    """The heat map: one row per agency, one column per year, grouped under province headings."""
    years = list(range(cov.first_year, cov.last_year + 1)) if cov.agencies else []
    step = CELL + GAP
    width = LABEL_WIDTH + step * len(years) + GAP
    rows: list[str] = []
    y = HEADER
    current = None
    for a in cov.agencies:
        if a.province != current:
            current = a.province
            rows.append(f'<text x="4" y="{y + PROVINCE_ROW - 7}" class="prov">{_esc(current)}</text>')
            y += PROVINCE_ROW
        label = a.agency if len(a.agency) <= 18 else a.agency[:17] + "…"
        rows.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + CELL - 4}" class="agency" text-anchor="end">'
                    f'<title>{_esc(a.agency)} ({_esc(a.region_code)})</title>{_esc(label)}</text>')
        for i, year in enumerate(years):
            status = a.years.get(year)
            if status is None:
                continue
            x = LABEL_WIDTH + GAP + i * step
            tables = a.incomplete.get(year) or []
            tip = f"{a.agency} {year}: {STATUS_TEXT[status]}" + (f" (tables {' '.join(tables)})" if tables else "")
            rows.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{STATUS_COLOURS[status]}" '
                        f'class="{status}"><title>{_esc(tip)}</title></rect>')
        y += step
    legend_y = y + 12
    legend = []
    for i, status in enumerate(STATUS_ORDER):
        lx = 4 + (i % 2) * LEGEND_COLUMN
        ly = legend_y + (i // 2) * (CELL + 6)
        legend.append(f'<rect x="{lx}" y="{ly}" width="{CELL}" height="{CELL}" fill="{STATUS_COLOURS[status]}"/>'
                      f'<text x="{lx + CELL + 6}" y="{ly + CELL - 4}">{_esc(status)}: {_esc(STATUS_TEXT[status])}</text>')
    height = legend_y + 3 * (CELL + 6) + 8
    width = max(width, 2 * LEGEND_COLUMN)
    head = [f'<text x="{LABEL_WIDTH + GAP + i * step + CELL / 2}" y="{HEADER - 6}" class="year" '
            f'transform="rotate(-60 {LABEL_WIDTH + GAP + i * step + CELL / 2} {HEADER - 6})">{year}</text>'
            for i, year in enumerate(years)]
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Noto Sans CJK SC, Source Han Sans SC, PingFang SC, '
        f'Microsoft YaHei, sans-serif" font-size="{FONT}">',
        "<style>.prov{font-weight:bold}.year{font-size:10px}.agency{fill:#222}</style>",
        '<rect width="100%" height="100%" fill="white"/>',
        *head, *rows, *legend, "</svg>", "",
    ])


def to_html(cov: Coverage, svg_name: str) -> str:
    """A page around the heat map: totals, a province × status table, and where to re-crawl."""
    counts = cov.counts()
    stored = sum(v for k, v in counts.items() if k != MISSING)
    prov_rows = "".join(
        f"<tr><td>{_esc(p)}</td><td>{c['agencies']}</td>"
        + "".join(f"<td>{c.get(s, 0)}</td>" for s in STATUS_ORDER) + "</tr>"
        for p, c in cov.by_province().items())
    todo = [a for a in cov.agencies if a.missing or any(s in (PARTIAL, NOT_FOUND) for s in a.years.values())]
    todo_rows = "".join(
        f"<tr><td>{_esc(a.province)}</td><td>{_esc(a.region_code)}</td><td>{_esc(a.agency)}</td>"
        f"<td>{' '.join(map(str, a.missing))}</td>"
        f"<td>{' '.join(str(y) for y, s in a.years.items() if s in (PARTIAL, NOT_FOUND))}</td></tr>"
        for a in todo)
    status_heads = "".join(f"<th>{_esc(s)}</th>" for s in STATUS_ORDER)
    span = f"{cov.first_year}–{cov.last_year}" if cov.agencies else "none"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>zwgk corpus coverage</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:72em}}table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left}}img{{border:1px solid #eee}}</style></head>
<body>
<h1>Corpus coverage</h1>
<p>{len(cov.agencies)} agencies, {stored} agency-years stored, {counts.get(MISSING, 0)} missing inside an
agency's run of years, report years {span}. Complete: {counts.get(COMPLETE, 0)}; partial:
{counts.get(PARTIAL, 0)}; no template table found: {counts.get(NOT_FOUND, 0)}; legacy (not assessed):
{counts.get(UNASSESSED, 0)}. Hover a cell for the agency, the year and the incomplete tables.</p>
<p><a href="{_esc(svg_name)}"><img src="{_esc(svg_name)}" alt="agencies by report year, coloured by completeness"></a></p>
<h2>By province</h2>
<table><tr><th>province</th><th>agencies</th>{status_heads}</tr>{prov_rows}</table>
<h2>Where to re-crawl</h2>
<p>Agencies with a missing year inside their run, or a year whose tables are incomplete.</p>
<table><tr><th>province</th><th>region code</th><th>agency</th><th>missing years</th><th>incomplete years</th></tr>
{todo_rows}</table>
</body></html>
"""
