"""TagResources and ListTagResources: parse, call `models.tags`, shape. The VPC API's
ListTagResources (`vpc.py`) shapes its answer with `tag_rows_page` too.

Codes and statuses: the TagResources and ListTagResources API reference pages.
"""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import (
    BothEmptyTagsAndResources,
    InvalidResourceTypeNotFound,
    MissingParameterResourceIds,
    MissingParameterResourceType,
    MissingParameterTags,
    NumberExceedResourceIds,
)
from ecs_dr.sandbox.models.resources import Region
from ecs_dr.sandbox.models.tags import (
    TAGGABLE_TYPES,
    check_tag_room,
    has_tags,
    require_taggable,
    tag_resource,
)
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, action, paginate_tokens

MAX_RESOURCES = 50
# ListTagResources answers 1 to 50 tag rows a page, 50 by default (both APIs).
LIST_PAGE_SIZE = 50


def _resource_type(params: Params) -> str:
    resource_type = params.text("ResourceType")
    if resource_type is None:
        raise MissingParameterResourceType()
    if resource_type not in TAGGABLE_TYPES:
        raise InvalidResourceTypeNotFound(
            f"The ResourceType {resource_type!r} is not one of {', '.join(TAGGABLE_TYPES)}."
        )
    return resource_type


def _resource_ids(params: Params) -> list[str]:
    resource_ids = params.repeated("ResourceId")
    if len(resource_ids) > MAX_RESOURCES:
        raise NumberExceedResourceIds(
            f"At most {MAX_RESOURCES} ResourceId.N a call, not {len(resource_ids)}."
        )
    return resource_ids


@action("TagResources")
def tag_resources(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    resource_type = _resource_type(params)
    resource_ids = _resource_ids(params)
    if not resource_ids:
        raise MissingParameterResourceIds()
    tags = params.tags()
    if not tags:
        raise MissingParameterTags()
    # Every resource is checked before any is tagged, so a refusal changes nothing.
    for resource_id in resource_ids:
        require_taggable(region, resource_type, resource_id)
        check_tag_room(region, resource_type, resource_id, tags)
    for resource_id in resource_ids:
        tag_resource(region, resource_type, resource_id, tags)
    return {}


@action("ListTagResources")
def list_tag_resources(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    resource_type = _resource_type(params)
    resource_ids = _resource_ids(params)
    wanted = params.tags()
    if not resource_ids and not wanted:
        raise BothEmptyTagsAndResources()
    return tag_rows_page(
        region,
        params,
        key=resource_type,
        resource_type=resource_type,
        resource_ids=resource_ids,
        wanted=wanted,
    )


def tag_rows_page(
    region: Region,
    params: Params,
    *,
    key: str | None,
    resource_type: str,
    resource_ids: list[str],
    wanted: dict[str, str],
) -> Body:
    """Either API's ListTagResources answer: a row per tag of the resources whose tags are held
    under `key` (those of `resource_ids`, or all) and carry every `wanted` tag, each row naming
    `resource_type` as the API spells it; a page of them by NextToken."""
    rows = [
        {"ResourceId": rid, "ResourceType": resource_type, "TagKey": tag, "TagValue": value}
        for (held_key, rid), tags in region.tags.items()
        if held_key == key
        and (not resource_ids or rid in resource_ids)
        and has_tags(region, held_key, rid, wanted)
        for tag, value in tags.items()
    ]
    page, paging = paginate_tokens(rows, params, max_results=LIST_PAGE_SIZE, default=LIST_PAGE_SIZE)
    return {"TagResources": {"TagResource": page}, "NextToken": paging["NextToken"]}
