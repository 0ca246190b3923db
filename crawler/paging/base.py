"""The page context every adapter receives, parsed once by the registry."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree

from crawler.paging.common import parse_html, script_texts


@dataclass
class Page:
    """One list page: its URL, raw HTML, parsed tree (None when unparseable) and inline scripts."""

    url: str
    html: str
    doc: etree._Element | None = field(default=None)

    @classmethod
    def from_html(cls, url: str, html: str, doc: etree._Element | None = None) -> Page:
        """doc: the page's tree when the caller already parsed it (the spider's response.selector.root)."""
        return cls(url=url, html=html, doc=doc if doc is not None else parse_html(html))

    @cached_property
    def scripts(self) -> str:
        return script_texts(self.doc, self.html)

    def script_int(self, *names: str) -> int | None:
        """Value of the first `name = 123` / `name: 123` / `name: '123'` assignment found in the scripts."""
        for name in names:
            m = re.search(rf"(?<![\w.$]){re.escape(name)}\s*[:=]\s*['\"]?(\d+)['\"]?", self.scripts)
            if m:
                return int(m.group(1))
        return None

    def script_str(self, *names: str) -> str | None:
        """Value of the first `name = "x"` / `name: 'x'` string assignment found in the scripts."""
        for name in names:
            m = re.search(rf"(?<![\w.$]){re.escape(name)}\s*[:=]\s*(['\"])(.*?)\1", self.scripts)
            if m:
                return m.group(2)
        return None
