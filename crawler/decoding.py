"""Bytes of a fetched page -> text, with the reasons for the chosen encoding recorded.

Order: byte-order mark, HTTP charset, <meta> charset, then detection. GB2312/GBK are read as
GB18030 (a superset: portals label GBK pages gb2312 and use characters outside it). Declared
charsets are only trusted when the bytes decode cleanly under them, because Chinese portals
often send a stale header. Mojibake (UTF-8 read as GBK, UTF-8 read as Latin-1, runs of U+FFFD)
is repaired when the repair is provably better, and otherwise flagged in `warnings`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import charset_normalizer

from crawler.filekind import binary_kind

# Labels that mean "some GB encoding": all are read as GB18030.
_GB_ALIASES = {"gb2312", "gbk", "gb_2312", "gb_2312-80", "x-gbk", "cp936", "ms936", "windows-936",
               "csgb2312", "euc-cn", "x-euc-cn", "chinese", "iso-ir-58", "gb18030", "hz-gb-2312"}
_BIG5_ALIASES = {"big5", "big-5", "cn-big5", "csbig5", "x-x-big5", "big5-hkscs"}
# Header defaults that say nothing about a Chinese page.
_WEAK = {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "windows-1252", "cp1252"}

_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]+)", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Only the head of a big page is examined for statistics: enough to judge, bounded in time.
_SAMPLE = 200_000


@dataclass
class Decoded:
    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)
    binary: bool = False  # the body is not text at all (PDF, image, ...)


def normalise_charset(label: str | None) -> str | None:
    """Python codec name for a charset label, GB family -> gb18030; None when unknown."""
    if not label:
        return None
    lab = label.strip().strip("\"'").lower()
    if lab in _GB_ALIASES:
        return "gb18030"
    if lab in _BIG5_ALIASES:
        return "big5hkscs"
    if lab in ("utf8", "unicode-1-1-utf-8", "x-unicode20utf8"):
        return "utf-8"
    try:
        return codecs.lookup(lab).name
    except LookupError:
        return None


def http_charset(headers: Mapping[str, str] | None) -> str | None:
    if not headers:
        return None
    for k, v in headers.items():
        if k.lower() == "content-type" and v:
            m = _HTTP_CHARSET.search(v if isinstance(v, str) else str(v))
            return m.group(1) if m else None
    return None


def meta_charset(body: bytes) -> str | None:
    """The first <meta> charset in the head (Word-pasted fragments later in a page declare others)."""
    head = body[:65536]
    end = head.lower().find(b"</head")
    if end > 0:
        head = head[:end]
    m = _META_CHARSET.search(head)
    return m.group(1).decode("ascii", "ignore") if m else None


def sniff_binary(body: bytes) -> str | None:
    """A name for the kind of non-text body, or None when it looks like text."""
    kind = binary_kind(body)
    if kind is not None:
        return kind
    sample = body[:4096]
    if not sample:
        return None
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if sample.count(b"\x00") > len(sample) // 100:
        return "binary (NUL bytes)"
    ctrl = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if ctrl > len(sample) // 20:
        return "binary (control bytes)"
    return None


def _level1_hanzi() -> frozenset[str]:
    """GB2312 level-1 hanzi (rows 0xB0–0xD7): the 3755 common characters."""
    out: set[str] = set()
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # the unused positions at the end of row 0xD7
    return frozenset(out)


# built once: encoding every character of every page to test it cost ~15 % of a real page's time
_LEVEL1 = _level1_hanzi()
_MAX_CJK_SAMPLE = 5000


def _common_ratio(text: str) -> float:
    """Share of CJK characters that are GB2312 level-1 hanzi (the 3755 common ones).

    Ordinary Chinese text scores above 0.9; UTF-8 read as GBK lands mostly in level 2 and the
    GBK extensions (鏀垮簻淇℃伅), so it scores far lower.
    """
    chars = _CJK.findall(text[:_SAMPLE])[:_MAX_CJK_SAMPLE]
    return sum(map(_LEVEL1.__contains__, chars)) / len(chars) if chars else 1.0


def _cjk_count(text: str) -> int:
    return len(_CJK.findall(text[:_SAMPLE]))


_LATIN_RUN = re.compile(r"[\u00c0-\u00ff\u0080-\u00bf\u0152-\u0178\u02c6-\u02dc\u2013-\u203a\u20ac\u2122]{2,}")


def _fix_latin_run(m: re.Match[str]) -> str:
    run = m.group(0)
    for enc in ("cp1252", "latin-1"):
        try:
            return run.encode(enc).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return run


def repair_mojibake(text: str) -> tuple[str, str | None]:
    """Undo UTF-8-read-as-GBK or UTF-8-read-as-Latin-1; returns (text, what was repaired or None)."""
    sample = text[:_SAMPLE]
    cjk = _cjk_count(sample)
    if cjk >= 20 and _common_ratio(sample) < 0.6:
        try:
            # bytes lost to U+FFFD stay lost; the rest comes back
            fixed = text.encode("gb18030").decode("utf-8", errors="replace")
        except UnicodeEncodeError:
            fixed = ""
        if fixed and _common_ratio(fixed) > 0.85 and _cjk_count(fixed) >= cjk // 3:
            lost = fixed.count("\ufffd") - text.count("\ufffd")
            note = f"; {lost} characters could not be recovered" if lost > 0 else ""
            return fixed, "UTF-8 text had been read as GBK; repaired" + note
    latin = len(re.findall(r"[\u00c0-\u00ff][\u0080-\u00bf\u2000-\u203a\u0152-\u0178]", sample))
    if latin >= 10 and cjk < latin:
        # run by run: the page around the garbled text may be fine
        fixed = _LATIN_RUN.sub(_fix_latin_run, text)
        if _cjk_count(fixed) >= cjk + latin // 3:
            return fixed, "UTF-8 text had been read as Latin-1; repaired"
    return text, None


def check_text(text: str, warnings: list[str]) -> str:
    """Repair or flag mojibake in already-decoded text; returns the (possibly repaired) text."""
    fixed, what = repair_mojibake(text)
    if what:
        warnings.append(f"mojibake: {what}")
        text = fixed
    elif _cjk_count(text) >= 50 and _common_ratio(text) < 0.6:
        warnings.append("mojibake suspected: most Chinese characters are rare ones; not repaired")
    runs = len(re.findall("\ufffd{2,}", text[:_SAMPLE]))
    singles = text.count("\ufffd", 0, _SAMPLE)
    if runs >= 3 or singles >= 20:
        warnings.append(f"mojibake: {singles} replacement characters (U+FFFD) in the text, bytes were lost")
    return text


def _strict(body: bytes, enc: str) -> str | None:
    try:
        return body.decode(enc)
    except (UnicodeDecodeError, LookupError):
        return None


def _has_multibyte(body: bytes) -> bool:
    # the whole body: a page can be ASCII markup for megabytes before its first Chinese character
    return not body.isascii()


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> Decoded:
    """Decode a page body; see the module docstring for the order of evidence."""
    warnings: list[str] = []
    if not body:
        return Decoded("", "ascii", ["empty body"])
    kind = sniff_binary(body)
    if kind:
        return Decoded("", "", [f"body is binary data ({kind}), not HTML"], binary=True)

    for bom, enc in _BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(enc, errors="replace")
            return Decoded(check_text(text, warnings), enc, warnings)

    http_raw, meta_raw = http_charset(headers), meta_charset(body)
    candidates: list[tuple[str, str]] = []
    for source, raw in (("HTTP", http_raw), ("meta", meta_raw)):
        enc = normalise_charset(raw)
        if raw and enc is None:
            warnings.append(f"unknown {source} charset {raw!r}")
        elif enc and raw and raw.strip().lower() in _WEAK and source == "HTTP":
            continue  # a server default, not a statement about this page
        elif enc and all(enc != c for _, c in candidates):
            candidates.append((source, enc))

    if not _has_multibyte(body):
        return Decoded(body.decode("ascii", errors="replace"), candidates[0][1] if candidates else "ascii",
                       warnings)

    utf8 = _strict(body, "utf-8")
    for source, enc in candidates:
        if enc == "utf-8" and utf8 is not None:
            return Decoded(check_text(utf8, warnings), "utf-8", warnings)
        if enc != "utf-8" and utf8 is not None:
            # Valid UTF-8 with multibyte characters is practically never GBK by accident.
            warnings.append(f"{source} charset says {enc} but the bytes are valid UTF-8; read as UTF-8")
            return Decoded(check_text(utf8, warnings), "utf-8", warnings)
        text = _strict(body, enc) if enc != "utf-8" else None
        if text is not None:
            return Decoded(check_text(text, warnings), enc, warnings)
        # A few bad bytes (a truncated body, one broken character) do not disprove the label.
        text = body.decode(enc, errors="replace")
        bad = text.count("\ufffd")
        if bad <= max(3, len(body) // 2000):
            warnings.append(f"{bad} undecodable byte sequence(s) under the {source} charset {enc}")
            return Decoded(check_text(text, warnings), enc, warnings)
        warnings.append(f"{source} charset {enc} does not fit the bytes")

    if utf8 is not None:
        return Decoded(check_text(utf8, warnings), "utf-8", warnings)
    loose = body.decode("utf-8", errors="replace")
    bad = loose.count("\ufffd")
    if bad <= max(3, len(body) // 2000) and len(loose) < len(body) * 0.9:
        warnings.append(f"{bad} undecodable byte sequence(s); read as UTF-8")
        return Decoded(check_text(loose, warnings), "utf-8", warnings)
    gb = _strict(body, "gb18030")
    if gb is not None and _common_ratio(gb) > 0.7:
        if not candidates:
            warnings.append("no charset declared; detected gb18030")
        return Decoded(check_text(gb, warnings), "gb18030", warnings)
    best = charset_normalizer.from_bytes(body[:_SAMPLE]).best()
    enc = normalise_charset(best.encoding) if best is not None else None
    if enc:
        warnings.append(f"charset detected as {enc}")
        text = body.decode(enc, errors="replace")
    else:
        enc = "gb18030" if candidates and candidates[0][1] == "gb18030" else "utf-8"
        warnings.append(f"charset unknown; decoded as {enc} with replacement characters")
        text = body.decode(enc, errors="replace")
    return Decoded(check_text(text, warnings), enc, warnings)
