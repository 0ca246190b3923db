"""Recognise WAF blocks and JavaScript/cookie challenges, so they are reported, never parsed as content.

detect_block(status, headers, body) returns None for an ordinary response, else a short reason:

    ruishu-js-challenge      瑞数 (Ruishu/River Security): $_ts script + <meta r="m">, usually HTTP 412 or 202
    jiasule-js-challenge     加速乐 (Jiasule/Knownsec): HTTP 521/512, __jsluid cookie, document.cookie script
    aliyun-waf-challenge     Aliyun WAF acw_sc__v2 cookie script (arg1=…)
    yunsuo-js-challenge      云锁 security_verify / yunsuo_session_verify redirect script
    chuangyu-waf             创宇盾 / 知道创宇 (yunaq) block page
    captcha                  a slider / image captcha page (Aliyun punish page, 验证码, geetest …)
    waf-block                a WAF's block page (安全狗, D盾, 360 网站卫士, 云锁 …)
    waf-<status>-cookie-script   HTTP 412/512/521 whose body is a cookie-setting script (vendor unknown)
    waf-<status>             HTTP 412/512/521 without a recognisable body
    js-challenge             a tiny page whose only content is a script that sets document.cookie and reloads

Government portals answer 412/521 only from a WAF (conditional GETs get 304, never 412), so those codes
are blocks whatever the body says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_SCAN = 200_000  # challenge pages are small; the patterns sit near the top of big ones
_WAF_STATUSES = {412, 512, 521}
_TINY_VISIBLE = 300  # visible characters below which a page is all challenge, no content
_BLOCK_PAGE_VISIBLE = 2000  # a WAF's block page says little more than that it blocked

_RUISHU = re.compile(r"\$_ts\s*=|<meta[^>]*\br=['\"]m['\"]|<script[^>]*\br=['\"]m['\"]", re.I)
_JIASULE = re.compile(r"__jsl_clearance|__jsluid|go\(\{\s*['\"]?bts['\"]?", re.I)
_ALIYUN = re.compile(r"acw_sc__v2|var\s+arg1\s*=\s*['\"][0-9A-F]{20,}", re.I)
_ALIYUN_CAPTCHA = re.compile(r"_____tmd_____|/punish\?|aliyun_waf|nc_token|aliyuncaptcha|x5secdata", re.I)
_YUNSUO = re.compile(r"yunsuo_session_verify|security_verify_(data|img)|yunsuologo", re.I)
_CHUANGYU = re.compile(r"创宇盾|知道创宇|yunaq\.com|__tst_status|_ydclearance|jiasule\.com|365cyd", re.I)
_WAF_PAGE = re.compile(
    r"safedog|网站防火墙|网站安全狗|d盾_拦截|d盾拦截|360wzws|网站卫士|您的访问请求可能对网站造成安全威胁|"
    r"当前访问疑似黑客攻击|访问已被拦截|请求已被拦截|web应用防火墙|waf拦截|非法请求已被拦截",
    re.I,
)
_CAPTCHA = re.compile(r"验证码|captcha|滑动验证|滑块验证|人机验证|安全验证|geetest|请完成验证|拖动滑块", re.I)
_COOKIE_JS = re.compile(r"document\.cookie\s*=", re.I)
_RELOAD_JS = re.compile(
    r"location\.(reload|replace|assign)\s*\(|location\.href\s*=|window\.location\s*=|location\s*=\s*['\"\w]|"
    r"settimeout\s*\(",
    re.I,
)
# Literal markers every rule below needs (lower case); a page with none of them is ordinary. Plain
# substring tests keep the common case cheap on 200 KB pages.
_MARKERS = (
    "$_ts", 'r="m"', "r='m'", "__jsl", "go({", "acw_sc__v2", "arg1", "_____tmd_____", "/punish", "aliyun_waf",
    "nc_token", "aliyuncaptcha", "x5secdata", "yunsuo", "security_verify", "创宇", "yunaq", "__tst_status",
    "_ydclearance", "jiasule", "365cyd", "safedog", "防火墙", "安全狗", "d盾", "360wzws", "网站卫士", "安全威胁",
    "黑客攻击", "拦截", "验证码", "captcha", "滑动验证", "滑块", "人机验证", "安全验证", "geetest", "请完成验证",
    "document.cookie",
)
_SCRIPT_BLOCK = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")


def _header(headers: Mapping[str, Any], name: str) -> str:
    """All values of header `name` (any case; str, bytes or lists of them) joined by newlines."""
    values: list[str] = []
    for key, value in headers.items():
        k = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if k.lower() != name:
            continue
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            values.append(item.decode("latin-1") if isinstance(item, bytes) else str(item))
    return "\n".join(values)


def _visible_text(html: str) -> str:
    return re.sub(r"\s+", "", _TAG.sub(" ", _SCRIPT_BLOCK.sub(" ", html)))


def _decode(body: bytes) -> str:
    head = body[:_SCAN]
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError:
        return head.decode("gb18030", errors="ignore")


def detect_block(status: int, headers: Mapping[str, Any], body: bytes) -> str | None:
    """None for an ordinary response; else why the response is a block or challenge (see module doc)."""
    ctype = _header(headers, "content-type").lower()
    if body[:5] == b"%PDF-" or body[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        return None  # documents, not pages
    if ctype and not any(t in ctype for t in ("html", "text", "javascript", "json", "xml")) and status < 400:
        return None
    text = _decode(body)
    cookies = _header(headers, "set-cookie")
    low = text.lower()
    if status < 400 and status not in _WAF_STATUSES and status != 202 and "__jsluid" not in cookies \
            and not any(m in low for m in _MARKERS):
        return None  # fast path: most pages carry no marker at all
    visible = _visible_text(text)
    ordinary = status < 400 and status not in _WAF_STATUSES and status != 202
    if ordinary and len(visible) >= _BLOCK_PAGE_VISIBLE:
        # Every rule below needs a WAF status, an error status or a small page: skip their regexes
        # (~20 case-insensitive scans of up to 200 KB, ~0.2 s on a real report with a 验证码 search box).
        return None
    tiny = len(visible) < _TINY_VISIBLE
    has_script = "<script" in low

    if _RUISHU.search(text) and (status in _WAF_STATUSES or status == 202 or tiny):
        return "ruishu-js-challenge"
    if (_JIASULE.search(text) or "__jsluid" in cookies) and (status in _WAF_STATUSES or (tiny and has_script)):
        if _CAPTCHA.search(visible):
            return "captcha"
        return "jiasule-js-challenge"
    if _ALIYUN_CAPTCHA.search(text) and (tiny or status >= 400):
        return "captcha"
    if _ALIYUN.search(text) and (tiny or status >= 400):
        return "aliyun-waf-challenge"
    if _YUNSUO.search(text) and (tiny or status >= 400):
        return "yunsuo-js-challenge"
    if _CHUANGYU.search(text) and (tiny or status >= 400):
        return "captcha" if _CAPTCHA.search(visible) else "chuangyu-waf"
    if _WAF_PAGE.search(text) and (status >= 400 or len(visible) < _BLOCK_PAGE_VISIBLE):
        return "waf-block"
    if tiny and _CAPTCHA.search(visible) and (status >= 400 or has_script):
        return "captcha"
    if status in _WAF_STATUSES:
        if has_script and (_COOKIE_JS.search(text) or "eval(" in text or _RELOAD_JS.search(text)):
            return f"waf-{status}-cookie-script"
        return f"waf-{status}"
    if tiny and has_script and _COOKIE_JS.search(text) and _RELOAD_JS.search(text):
        return "js-challenge"
    return None
