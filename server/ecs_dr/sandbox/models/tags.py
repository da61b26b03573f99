"""Tags: kept per (resource type, id), the way TagResources and ListTagResources see them."""

from __future__ import annotations

from ecs_dr.sandbox.errors import (
    EcsError,
    InvalidDiskIdNotFound,
    InvalidImageIdNotFound,
    InvalidInstanceIdNotFound,
    InvalidParameter,
    InvalidSecurityGroupIdNotFound,
    InvalidSnapshotGroupIdNotFound,
    InvalidSnapshotIdNotFound,
    InvalidVSwitchIdNotFound,
)
from ecs_dr.sandbox.models.resources import Region

MAX_TAGS_PER_RESOURCE = 20
# ListTagResources' ResourceType values -> the Region collection holding them.
RESOURCE_TYPES = {
    "instance": "instances",
    "disk": "disks",
    "snapshot": "snapshots",
    "image": "images",
    "securitygroup": "security_groups",
    "snapshotgroup": "snapshot_groups",
    "vswitch": "vswitches",
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
# Each resource type's own not-found error, as ECS answers TagResources for a missing id.
NOT_FOUND: dict[str, type[EcsError]] = {
    "instance": InvalidInstanceIdNotFound,
    "disk": InvalidDiskIdNotFound,
    "snapshot": InvalidSnapshotIdNotFound,
    "image": InvalidImageIdNotFound,
    "securitygroup": InvalidSecurityGroupIdNotFound,
    "snapshotgroup": InvalidSnapshotGroupIdNotFound,
    "vswitch": InvalidVSwitchIdNotFound,
}


def require_taggable(region: Region, resource_type: str, resource_id: str) -> None:
    """Raise the resource type's NotFound (404) when the id is not in the region."""
    if resource_id not in getattr(region, RESOURCE_TYPES[resource_type]):
        raise NOT_FOUND[resource_type](resource_id)


def check_tag_room(
    region: Region, resource_type: str, resource_id: str, tags: dict[str, str]
) -> None:
    """Refuse, before anything changes, tags that would take a resource past 20."""
    merged = {**tags_of(region, resource_type, resource_id), **tags}
    if len(merged) > MAX_TAGS_PER_RESOURCE:
        raise InvalidParameter(
            "Tag.N", f"{resource_id} would hold {len(merged)} tags; at most {MAX_TAGS_PER_RESOURCE}"
        )


def has_tags(region: Region, resource_type: str, resource_id: str, wanted: dict[str, str]) -> bool:
    """Whether the resource carries every wanted tag; an empty wanted value matches any value."""
    held = region.tags.get((resource_type, resource_id), {})
    return all(key in held and (not value or held[key] == value) for key, value in wanted.items())
