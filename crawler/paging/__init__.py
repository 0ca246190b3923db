"""List-page paging for government portals: one small adapter per CMS pattern, chosen from the page.

    analyse_list_page(url, html) -> ListPage        # items + next list pages / API requests
    parse_api_response(kind, url, body, request_body="") -> ListPage   # for RequestSpec.kind "api:*"

Adapters: static (rendered 下一页 / numbered links), trs (createPageHTML / countPage scripts),
hanweb (jpage datastore + dataproxy.jsp), gkmlpt (Guangdong JSON API), fjdzapp (Pingtan-style static
first page + /fjdzapp/search JSON).
"""

from crawler.paging.registry import analyse_list_page, parse_api_response
from crawler.paging.types import Link, ListPage, RequestSpec

__all__ = ["Link", "ListPage", "RequestSpec", "analyse_list_page", "parse_api_response"]
