"""WAF and JavaScript challenge recognition (crawler.challenge.detect_block)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.challenge import detect_block

PAGES = Path(__file__).parents[1].parent / "shared" / "corpus" / "pages"
FIX = Path(__file__).parent / "fixtures" / "paging"
HTML = {"Content-Type": "text/html; charset=utf-8"}

JIASULE_521 = (
    b"<script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')+('a')+('n')"
    b"+('c')+('e')+('_')+('s')+('=')+(-~[]+'6'+(1+[0]))+'|0|'+'abc'+';max-age=3600;path=/';"
    b"location.href=location.pathname+location.search</script>"
)
JIASULE_GO = (
    b'<script>var _0x1=["\\x67\\x6f"];function go(_0x2){document.cookie=_0x2.tn+"="+_0x2.ct;'
    b"location.href=location.pathname+location.search}"
    b'go({"bts":["1700000000.1|0|x","y"],"chars":"abc","ct":"z","ha":"sha1","tn":"__jsl_clearance_s","vt":"3600","wt":"1500"})'
    b"</script>"
)
RUISHU_412 = (
    b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
    b'<meta id="9DhefwqGPrzGxEp9hPaoag" content="Xyz0123abc" r="m">'
    b'<script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts)$_ts={};$_ts.nsd=12345;'
    b'$_ts.cd="qqqqqq";</script><script type="text/javascript" charset="utf-8" src="/aBcD/eFgH.js" r="m"></script>'
    b"</head><body></body></html>"
)
ALIYUN = (
    b"<html><script>\nvar arg1='8C0B2F1E4D6A9B3C5E7F0A1B2C3D4E5F6A7B8C9D';\n"
    b"function setCookie(name,value){var expiredate=new Date();document.cookie=name+'='+value;}"
    b"setCookie('acw_sc__v2', x);document.location.reload();</script></html>"
)
ALIYUN_PUNISH = b"<html><body><div id='nc'></div><script src='//g.alicdn.com/sd/ncpc/nc.js'></script>" \
    b"<script>var url='/_____tmd_____/punish?x5secdata=abc';</script></body></html>"
YUNSUO = b"<html><script>function stringToHex(s){}; self.location='/?security_verify_data='+stringToHex(" \
    b"screen.width+','+screen.height);</script></html>"
CHUANGYU = "<html><head><title>创宇盾</title></head><body><h1>您的访问被拒绝</h1>" \
    "<p>知道创宇云安全 yunaq.com 提示：当前请求存在风险</p></body></html>".encode()
SAFEDOG = "<html><head><title>网站防火墙</title></head><body>您的访问请求可能对网站造成安全威胁，" \
    "请求已被网站安全狗拦截 safedog</body></html>".encode()
CAPTCHA = "<html><body><h2>安全验证</h2><p>请拖动滑块完成验证</p><div id='captcha'></div>" \
    "<script src='/verify.js'></script></body></html>".encode()
GENERIC_412 = b"<html><head><script>var a=1;eval(function(p,a,c,k,e,d){return p}('x',1,1,'x'.split('|')))" \
    b"</script></head><body></body></html>"
COOKIE_RELOAD_200 = b"<html><head><script>document.cookie='srcurl=687474703a2f2f;path=/';" \
    b"window.location.reload();</script></head><body></body></html>"


@pytest.mark.parametrize(
    ("status", "headers", "body", "reason"),
    [
        (521, {**HTML, "Set-Cookie": "__jsluid_s=0a1b2c; max-age=31536000; path=/; HttpOnly"}, JIASULE_521,
         "jiasule-js-challenge"),
        (521, HTML, JIASULE_GO, "jiasule-js-challenge"),
        (412, HTML, RUISHU_412, "ruishu-js-challenge"),
        (202, HTML, RUISHU_412, "ruishu-js-challenge"),
        (200, HTML, ALIYUN, "aliyun-waf-challenge"),
        (405, HTML, ALIYUN_PUNISH, "captcha"),
        (200, HTML, YUNSUO, "yunsuo-js-challenge"),
        (405, HTML, CHUANGYU, "chuangyu-waf"),
        (403, HTML, SAFEDOG, "waf-block"),
        (200, HTML, CAPTCHA, "captcha"),
        (412, HTML, GENERIC_412, "waf-412-cookie-script"),
        (521, {}, b"", "waf-521"),
        (200, HTML, COOKIE_RELOAD_200, "js-challenge"),
        (200, {b"content-type": [b"text/html"]}, COOKIE_RELOAD_200, "js-challenge"),
    ],
)
def test_blocks_are_recognised(status: int, headers: dict, body: bytes, reason: str) -> None:
    assert detect_block(status, headers, body) == reason


def _normal_page(extra: str = "") -> bytes:
    rows = "".join(f"<li><a href='/a/{i}.html'>某局2023年政府信息公开工作年度报告第{i}条</a><span>2024-01-0{i % 9 + 1}</span></li>"
                   for i in range(30))
    return f"<html><head><script>{extra}</script></head><body><ul>{rows}</ul></body></html>".encode()


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, _normal_page("function setFont(s){document.cookie='fontsize='+s;location.reload();}")),
        (200, _normal_page()),
        (404, b"<html><body><h1>404 Not Found</h1><p>nginx</p></body></html>"),
        (403, b"<html><body><h1>403 Forbidden</h1></body></html>"),
        (500, b"Internal Server Error"),
        (200, b"%PDF-1.7\n% binary captcha document.cookie="),
        (200, b""),
    ],
)
def test_ordinary_responses_pass(status: int, body: bytes) -> None:
    assert detect_block(status, HTML, body) is None


def test_synthetic_list_fixtures_pass() -> None:
    for path in sorted(FIX.glob("*.html")):
        assert detect_block(200, HTML, path.read_bytes()) is None, path.name


@pytest.mark.skipif(not PAGES.is_dir(), reason=f"real corpus not found at {PAGES}")
def test_real_pages_pass() -> None:
    pages = sorted(PAGES.glob("*.html"))
    assert pages
    for path in pages:
        assert detect_block(200, HTML, path.read_bytes()) is None, path.name
