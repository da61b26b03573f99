"""Action name -> handler. A handler only parses parameters, calls the models and shapes the
answer (moto's `responses/` split); state and rules live in `models/`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import InvalidParameter
from ecs_dr.sandbox.models.resources import Region
from ecs_dr.sandbox.models.tags import tag_resource
from ecs_dr.sandbox.params import Params

Body = dict[str, Any]
# ECS takes ClientTokens of at most 64 ASCII characters on every create.
CLIENT_TOKEN_MAX_LENGTH = 64
Handler = Callable[[Backend, Params], Body]
Register = Callable[[str], Callable[[Handler], Handler]]


def registry(actions: dict[str, Handler], api: str) -> Register:
    """`@<decorator>(name)` for one API's `actions`: registers the handler it decorates under
    that action name, once. ECS's is `action` here, the VPC API's `vpc_action` in `vpc.py`."""

    def action(name: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if name in actions:
                raise ValueError(f"{api} action {name} registered twice")
            actions[name] = handler
            return handler

        return register

    return action


ACTIONS: dict[str, Handler] = {}
action = registry(ACTIONS, "ECS")


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


def create_tagged(
    backend: Backend,
    region: Region,
    params: Params,
    make: Callable[[], str],
    *,
    action_name: str,
    resource_type: str,
    tags: dict[str, str],
) -> str:
    """Run `make`, which creates one resource and returns its id, and tag that resource, once
    per ClientToken: a retry with the same token and parameters gets the same id back."""

    def create() -> tuple[str, ...]:
        resource_id = make()
        tag_resource(region, resource_type, resource_id, tags)
        return (resource_id,)

    token = params.text("ClientToken", max_length=CLIENT_TOKEN_MAX_LENGTH)
    (resource_id,) = backend.idempotent(region, action_name, token, params.raw, create)
    return resource_id
