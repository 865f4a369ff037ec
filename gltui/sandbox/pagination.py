"""GitLab's offset pagination: headers, ``Link`` and the 10,000-row count cut-off."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus

from gltui.sandbox.request import Params, Request

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
COUNT_LIMIT = 10_000
"""Above this many rows GitLab stops counting: no X-Total, X-Total-Pages or rel="last"."""

T = TypeVar("T")


@dataclass
class Page:
    """One page of a listing, rendered, with the headers GitLab sends."""

    items: list[Any]
    headers: dict[str, str]


def read_page_params(params: Params) -> tuple[int, int]:
    """``page``/``per_page`` with GitLab's validation; ``per_page`` is capped at 100."""
    page = params.integer("page")
    per_page = params.integer("per_page")
    if page is not None and page < 0:
        params.errors.append("page does not have a valid value")
    if per_page is not None:
        if per_page == 0:
            params.errors.append("per_page has a value not allowed")
        elif per_page < 0:
            params.errors.append("per_page does not have a valid value")
    params.check()
    page = max(1, page or 1)
    per_page = min(MAX_PER_PAGE, per_page or DEFAULT_PER_PAGE)
    return page, per_page


def _to_query(params: dict[str, Any]) -> str:
    """Rails' ``Hash#to_query``: keys sorted, arrays as ``key[]=v``, CGI escaping."""
    parts: list[str] = []
    for key in sorted(params):
        value = params[key]
        if isinstance(value, list):
            parts.extend(f"{quote_plus(key + '[]')}={quote_plus(str(v))}" for v in value)
        elif isinstance(value, bool):
            parts.append(f"{quote_plus(key)}={str(value).lower()}")
        elif value is not None:
            parts.append(f"{quote_plus(key)}={quote_plus(str(value))}")
    return "&".join(parts)


def paginate(
    request: Request, rows: Sequence[T], render: Callable[[T], Any], params: Params
) -> Page:
    """Slice ``rows`` for the requested page and build GitLab's headers."""
    page, per_page = read_page_params(params)
    total = len(rows)
    start = (page - 1) * per_page
    items = [render(row) for row in rows[start : start + per_page]]
    counted = total <= COUNT_LIMIT
    total_pages = max(1, -(-total // per_page))
    has_next = start + per_page < total
    next_page = page + 1 if has_next else None
    prev_page = page - 1 if page > 1 else None

    link_params = request.merged() | dict(request.route_params)
    link_params["per_page"] = per_page
    base = request.base_url + "/api/v4/" + "/".join(quote(s, safe="") for s in request.segments)

    def href(number: int) -> str:
        return f"{base}?{_to_query(link_params | {'page': number})}"

    links = []
    if prev_page is not None:
        links.append(f'<{href(prev_page)}>; rel="prev"')
    if next_page is not None:
        links.append(f'<{href(next_page)}>; rel="next"')
    links.append(f'<{href(1)}>; rel="first"')
    if counted:
        links.append(f'<{href(total_pages)}>; rel="last"')

    headers = {
        "X-Page": str(page),
        "X-Per-Page": str(per_page),
        "X-Next-Page": "" if next_page is None else str(next_page),
        "X-Prev-Page": "" if prev_page is None else str(prev_page),
        "Link": ", ".join(links),
    }
    if counted:
        headers["X-Total"] = str(total)
        headers["X-Total-Pages"] = str(total_pages)
    return Page(items, headers)
