"""TagResources and ListTagResources: parse, call `models.tags`, shape."""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import InvalidResourceTypeNotFound, MissingParameter
from ecs_dr.sandbox.models.tags import (
    RESOURCE_TYPES,
    check_tag_room,
    has_tags,
    require_taggable,
    tag_resource,
)
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, action, paginate_tokens

MAX_RESOURCES = 50
# ListTagResources answers up to 50 tag rows a page.
LIST_PAGE_SIZE = 50


def _resource_type(params: Params) -> str:
    resource_type = params.required_text("ResourceType")
    if resource_type not in RESOURCE_TYPES:
        raise InvalidResourceTypeNotFound(
            f"The resource type {resource_type!r} is not one of {', '.join(RESOURCE_TYPES)}."
        )
    return resource_type


@action("TagResources")
def tag_resources(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    resource_type = _resource_type(params)
    resource_ids = params.repeated("ResourceId", max_items=MAX_RESOURCES)
    if not resource_ids:
        raise MissingParameter("ResourceId.N")
    tags = params.tags()
    if not tags:
        raise MissingParameter("Tag.N.Key")
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
    resource_ids = params.repeated("ResourceId", max_items=MAX_RESOURCES)
    wanted = params.tags()
    rows = [
        {"ResourceId": rid, "ResourceType": rtype, "TagKey": key, "TagValue": value}
        for (rtype, rid), tags in region.tags.items()
        if rtype == resource_type
        and (not resource_ids or rid in resource_ids)
        and has_tags(region, rtype, rid, wanted)
        for key, value in tags.items()
    ]
    page, paging = paginate_tokens(rows, params, max_results=LIST_PAGE_SIZE, default=LIST_PAGE_SIZE)
    return {"TagResources": {"TagResource": page}, "NextToken": paging["NextToken"]}
