"""Action name -> handler. A handler only parses parameters, calls the models and shapes the
answer (moto's `responses/` split); state and rules live in `models/`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import InvalidParameter
from ecs_dr.sandbox.params import Params

Body = dict[str, Any]
Handler = Callable[[Backend, Params], Body]

ACTIONS: dict[str, Handler] = {}


def action(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in ACTIONS:
            raise ValueError(f"action {name} registered twice")
        ACTIONS[name] = handler
        return handler

    return register


def paginate_pages(
    items: list[Any], params: Params, *, max_page_size: int = 100
) -> tuple[list[Any], Body]:
    """`PageNumber`/`PageSize` paging; returns the page and the fields ECS reports with it."""
    page_number = params.integer("PageNumber", minimum=1) or 1
    page_size = params.integer("PageSize", minimum=1, maximum=max_page_size) or 10
    start = (page_number - 1) * page_size
    return items[start : start + page_size], {
        "TotalCount": len(items),
        "PageNumber": page_number,
        "PageSize": page_size,
    }


def paginate_tokens(
    items: list[Any], params: Params, *, max_results: int = 100, default: int = 10
) -> tuple[list[Any], Body]:
    """`NextToken`/`MaxResults` paging; the token is the offset, opaque to callers."""
    token = params.text("NextToken")
    limit = params.integer("MaxResults", minimum=1, maximum=max_results) or default
    try:
        start = int(token) if token else 0
    except ValueError:
        raise InvalidParameter("NextToken", "the token was not issued by this API") from None
    page = items[start : start + limit]
    next_token = str(start + limit) if start + limit < len(items) else ""
    return page, {"NextToken": next_token, "TotalCount": len(items)}


def paginate(items: list[Any], params: Params) -> tuple[list[Any], Body]:
    """Either paging style, chosen the way ECS chooses: NextToken/MaxResults win when given."""
    if params.has("NextToken") or params.has("MaxResults"):
        page, fields = paginate_tokens(items, params)
        return page, {**fields, "PageSize": params.integer("MaxResults") or 10}
    return paginate_pages(items, params)
