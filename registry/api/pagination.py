"""Pages of a list endpoint: items, totals and links to the neighbouring pages."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from flask import current_app, request, url_for
from sqlalchemy import Select

from registry.services.queries import paginate as paginate_select

MAX_PER_PAGE = 100


def paginate(stmt: Select, args: dict[str, Any], *, transform=None, cache_key: Hashable | None = None
             ) -> dict[str, Any]:
    """One page of ``stmt`` as ``{items, total, page, per_page, pages, links}``.

    ``args`` are the endpoint's parsed query arguments (``page``, ``per_page`` and its filters); the links
    repeat the filters. ``transform`` maps the rows (e.g. to per-viewer cards). ``cache_key``: what determines
    ``stmt`` (the reader, the filters): the total and the page's ids are kept under it until the trail moves, as
    the pages keep theirs (``registry.services.queries.paginate``).
    """
    page_number = args.get("page") or 1
    per_page = args.get("per_page") or current_app.config["PAGE_SIZE"]
    page = paginate_select(stmt, page=page_number, per_page=per_page, max_per_page=MAX_PER_PAGE,
                           cache_key=cache_key)
    filters = {key: getattr(value, "value", value) for key, value in args.items()
               if key not in ("page", "per_page") and value not in (None, "")}
    if args.get("per_page"):
        filters["per_page"] = per_page

    def link(number: int) -> str:
        return url_for(request.endpoint, **(request.view_args or {}), **filters, page=number)

    items = list(page.items)
    pages = page.pages or 1
    return {
        "items": [transform(item) for item in items] if transform else items,
        "total": page.total,
        "page": page_number,
        "per_page": per_page,
        "pages": pages,
        "links": {
            "self": link(page_number),
            "next": link(page_number + 1) if page_number < pages else None,
            "prev": link(min(page_number - 1, pages)) if page_number > 1 else None,
        },
    }
