"""Tags: kept per (resource type, id), the way TagResources and ListTagResources see them.

Besides the types those actions take, tags are kept for snapshot groups (`snapshotgroup`, set by
CreateSnapshotGroup's Tag.N and read by DescribeSnapshotGroups) and VSwitches (`vswitch`, the VPC
API's): neither is a ResourceType of ECS's TagResources.
"""

from __future__ import annotations

from ecs_dr.sandbox.errors import (
    InvalidParameter,
    InvalidResourceIdNotFound,
    OperationDeniedQuotaExceed,
)
from ecs_dr.sandbox.models.resources import Region

MAX_TAGS_PER_RESOURCE = 20
# TagResources' and ListTagResources' ResourceType values, as their API reference pages and the
# SDK's TagResourcesRequest docstring list them.
TAGGABLE_TYPES = (
    "instance",
    "disk",
    "snapshot",
    "image",
    "securitygroup",
    "volume",
    "eni",
    "ddh",
    "ddhcluster",
    "keypair",
    "launchtemplate",
    "reservedinstance",
    "snapshotpolicy",
    "elasticityassurance",
    "capacityreservation",
    "command",
    "invocation",
    "activation",
    "managedinstance",
)
# The taggable types the sandbox models -> the Region collection holding them. The others have
# no resource here, so every id of theirs is unknown.
MODELLED_TYPES = {
    "instance": "instances",
    "disk": "disks",
    "snapshot": "snapshots",
    "image": "images",
    "securitygroup": "security_groups",
}


def tag_resource(
    region: Region, resource_type: str, resource_id: str, tags: dict[str, str]
) -> None:
    """Add or overwrite tags; ECS refuses more than 20 on one resource."""
    if not tags:
        return
    current = region.tags.setdefault((resource_type, resource_id), {})
    merged = {**current, **tags}
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise InvalidParameter("Tag.N", f"a resource holds at most {MAX_TAGS_PER_RESOURCE} tags")
    current.update(tags)


def tags_of(region: Region, resource_type: str, resource_id: str) -> dict[str, str]:
    return dict(region.tags.get((resource_type, resource_id), {}))


def drop_tags(region: Region, resource_type: str, resource_id: str) -> None:
    region.tags.pop((resource_type, resource_id), None)


def tags_body(
    region: Region, resource_type: str, resource_id: str
) -> dict[str, list[dict[str, str]]]:
    """The `Tags: {Tag: [...]}` block Describe* responses carry."""
    return {
        "Tag": [
            {"TagKey": k, "TagValue": v}
            for k, v in tags_of(region, resource_type, resource_id).items()
        ]
    }


# --- filtering and TagResources' checks ------------------------------------------------------
def require_taggable(region: Region, resource_type: str, resource_id: str) -> None:
    """Raise InvalidResourceId.NotFound (404, TagResources' page) when the region holds no such
    resource of `resource_type` (one of TAGGABLE_TYPES)."""
    collection = MODELLED_TYPES.get(resource_type)
    if collection is None or resource_id not in getattr(region, collection):
        raise InvalidResourceIdNotFound(resource_id)


def check_tag_room(
    region: Region, resource_type: str, resource_id: str, tags: dict[str, str]
) -> None:
    """Refuse, before anything changes, tags that would take a resource past 20:
    OperationDenied.QuotaExceed (400, TagResources' page)."""
    merged = {**tags_of(region, resource_type, resource_id), **tags}
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise OperationDeniedQuotaExceed(
            f"{resource_id} would hold {len(merged)} tags; at most {MAX_TAGS_PER_RESOURCE}."
        )


def has_tags(region: Region, resource_type: str, resource_id: str, wanted: dict[str, str]) -> bool:
    """Whether the resource carries every wanted tag; an empty wanted value matches any value."""
    held = region.tags.get((resource_type, resource_id), {})
    return all(key in held and (not value or held[key] == value) for key, value in wanted.items())
