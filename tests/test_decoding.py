"""Decoding of page bytes: declared charsets, BOMs, detection, mojibake repair and flags."""

from __future__ import annotations

import codecs

import pytest

from crawler.decoding import decode_html, normalise_charset, repair_mojibake

TEXT = ("本报告根据《中华人民共和国政府信息公开条例》编制。一、总体情况：全年主动公开政府信息二千余条，"
        "依申请公开办理答复及时，行政复议和行政诉讼情况良好。")
# 镕 and 堃 are GBK characters outside GB2312: a page labelled gb2312 uses them anyway.
GBK_ONLY = "朱镕基同志与王堃同志"


def page(body: str, meta: str | None = None) -> str:
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if meta else ""
    return f"<html><head>{head}<title>年度报告</title></head><body><p>{body}</p></body></html>"


def test_gb2312_label_is_read_as_gb18030():
    raw = page(TEXT + GBK_ONLY, "gb2312").encode("gbk")
    d = decode_html(raw)
    assert d.encoding == "gb18030"
    assert GBK_ONLY in d.text and TEXT in d.text
    assert d.warnings == []


def test_http_charset_used_when_bytes_fit():
    raw = page(TEXT, None).encode("gbk")
    d = decode_html(raw, {"Content-Type": "text/html; charset=GBK"})
    assert d.encoding == "gb18030" and TEXT in d.text


def test_wrong_http_charset_is_overruled_and_recorded():
    raw = page(TEXT, "gbk").encode("gbk")
    d = decode_html(raw, {"content-type": "text/html; charset=utf-8"})
    assert TEXT in d.text
    assert d.encoding == "gb18030"
    assert any("utf-8" in w and "does not fit" in w for w in d.warnings)


def test_gb_label_on_utf8_bytes_reads_utf8_with_warning():
    raw = page(TEXT, "gb2312").encode("utf-8")
    d = decode_html(raw)
    assert d.encoding == "utf-8" and TEXT in d.text
    assert any("valid UTF-8" in w for w in d.warnings)


def test_latin1_server_default_is_ignored():
    raw = page(TEXT, "utf-8").encode("utf-8")
    d = decode_html(raw, {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert d.encoding == "utf-8" and TEXT in d.text


@pytest.mark.parametrize("bom,enc", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                                     (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_bom_wins(bom: bytes, enc: str):
    raw = bom + page(TEXT, "gb2312").encode(enc)
    d = decode_html(raw)
    assert d.encoding == enc and TEXT in d.text


def test_undeclared_gbk_is_detected():
    raw = page(TEXT).encode("gbk")
    d = decode_html(raw)
    assert d.encoding == "gb18030" and TEXT in d.text
    assert any("detected" in w for w in d.warnings)


def test_first_meta_charset_counts_not_a_pasted_word_fragment():
    html = ('<html><head><meta charset="utf-8"><title>t</title></head><body>'
            '<meta http-equiv=Content-Type content="text/html; charset=gb2312">' + f"<p>{TEXT}</p></body></html>")
    d = decode_html(html.encode("utf-8"))
    assert d.encoding == "utf-8" and TEXT in d.text and d.warnings == []


def test_truncated_multibyte_character_is_a_warning_not_a_failure():
    raw = page(TEXT, "utf-8").encode("utf-8")
    cut = raw[: raw.index(TEXT[-5:].encode()) + 1]  # ends inside a 3-byte character
    d = decode_html(cut)
    assert d.encoding == "utf-8"
    assert TEXT[:20] in d.text
    assert any("undecodable" in w for w in d.warnings)


def test_utf8_read_as_gbk_is_repaired():
    good = "政府信息公开工作年度报告总体情况主动公开依申请公开政府信息管理平台建设监督保障" * 3
    # what a reader that assumed GBK produced (undecodable pairs become U+FFFD)
    broken = good.encode("utf-8").decode("gb18030", errors="replace")
    assert broken != good
    fixed, what = repair_mojibake(broken)
    assert what and "GBK" in what
    assert fixed.count("政府信息管理平台建设监督保障") == 3
    assert "政府信息公开工作年度报告" in fixed
    d = decode_html(page(broken, "utf-8").encode("utf-8"))
    assert fixed in d.text
    assert any(w.startswith("mojibake") and "repaired" in w for w in d.warnings)


def test_utf8_read_as_latin1_is_repaired():
    broken = TEXT.encode("utf-8").decode("latin-1")
    d = decode_html(page(broken, "utf-8").encode("utf-8"))
    assert TEXT in d.text
    assert any("Latin-1" in w for w in d.warnings)


def test_replacement_character_runs_are_flagged():
    lossy = TEXT.encode("utf-8").decode("ascii", errors="replace")
    d = decode_html(page(lossy, "utf-8").encode("utf-8"))
    assert any("U+FFFD" in w for w in d.warnings)


def test_clean_text_has_no_mojibake_warning():
    d = decode_html(page(TEXT * 20, "utf-8").encode("utf-8"))
    assert not any("mojibake" in w for w in d.warnings)


@pytest.mark.parametrize("raw,kind", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
    (b"PK\x03\x04\x14\x00\x06\x00", "zip"),
    (bytes(range(256)) * 8, "binary"),
])
def test_binary_bodies_are_refused(raw: bytes, kind: str):
    d = decode_html(raw, {"Content-Type": "text/html"})
    assert d.binary and d.text == ""
    assert kind in d.warnings[0]


def test_empty_body():
    d = decode_html(b"")
    assert d.text == "" and d.warnings == ["empty body"]


def test_normalise_charset():
    assert normalise_charset("GB2312") == "gb18030"
    assert normalise_charset("x-gbk") == "gb18030"
    assert normalise_charset("UTF8") == "utf-8"
    assert normalise_charset("big5") == "big5hkscs"
    assert normalise_charset("no-such-charset") is None


def test_chinese_after_a_long_ascii_prefix_is_not_lost():
    raw = ("<html><body>" + "<div>" * 100_000 + TEXT + "</body></html>").encode("utf-8")
    d = decode_html(raw)
    assert d.encoding == "utf-8" and TEXT in d.text
