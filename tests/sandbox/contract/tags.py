"""The contract's rows of TagResources and ListTagResources."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models

from tests.sandbox.contract.rows import (
    SNAPSHOT_GROUP_TAG,
    Answers,
    Call,
    Refused,
    Row,
    at_once,
    db_group,
    group,
    group_of,
    listed,
    on_new,
    page,
    tag,
)
from tests.support.demo_world import (
    DB_INSTANCE,
    REGION,
    WEB_INSTANCE,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    LAUNCH_VSWITCH,
)


def _tagged_then_listed(s: RunningSandbox) -> Call:
    tag(s, "instance", [DB_INSTANCE], {"dr": "op-1"})
    return lambda: listed(s, "instance", [DB_INSTANCE])


def _tags_past_20(s: RunningSandbox) -> Call:
    tag(s, "instance", [DB_INSTANCE], {f"k{n}": "v" for n in range(20)})
    return lambda: tag(s, "instance", [DB_INSTANCE], {"k20": "v"})


def _group_tags_described(s: RunningSandbox) -> Call:
    tags = [
        models.CreateSnapshotGroupRequestTag(key=k, value=v) for k, v in SNAPSHOT_GROUP_TAG.items()
    ]
    group_id = group(s, instance_id=DB_INSTANCE, tag=tags)
    return lambda: [(t.key, t.value) for t in group_of(s, group_id).tags.tag]


def _listed_by_key(s: RunningSandbox, resource_type: str, key: str) -> list[tuple[str, str, str]]:
    """ListTagResources by Tag.1.Key alone: no ResourceId.N, no Tag.1.Value."""
    request = models.ListTagResourcesRequest(
        region_id=REGION,
        resource_type=resource_type,
        tag=[models.ListTagResourcesRequestTag(key=key)],
    )
    rows = s.ecs.list_tag_resources(request).body.tag_resources.tag_resource
    return sorted((r.resource_id, r.tag_key, r.tag_value) for r in rows)


def _tagged_then_listed_by_key(s: RunningSandbox) -> Call:
    tag(s, "instance", [DB_INSTANCE], {"ecs-dr:operation-id": "op-1"})
    tag(s, "instance", [WEB_INSTANCE], {"owner": "web"})
    return lambda: _listed_by_key(s, "instance", "ecs-dr:operation-id")


TAG_ROWS = (
    Row(
        "TagResources",
        "ResourceType=vswitch (tag VSwitches through the VPC API)",
        Refused("InvalidResourceType.NotFound", 404),
        page("TagResources"),
        True,
        at_once(lambda s: tag(s, "vswitch", [LAUNCH_VSWITCH], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "ResourceType=snapshotgroup (a group takes tags at CreateSnapshotGroup)",
        Refused("InvalidResourceType.NotFound", 404),
        page("TagResources"),
        True,
        on_new(db_group, lambda s, group_id: tag(s, "snapshotgroup", [group_id], {"k": "v"})),
    ),
    Row(
        "ListTagResources",
        "ResourceType=vswitch",
        Refused("InvalidResourceType.NotFound", 404),
        page("ListTagResources"),
        True,
        at_once(lambda s: listed(s, "vswitch", [LAUNCH_VSWITCH])),
    ),
    Row(
        "TagResources",
        "a ResourceType not documented (bucket)",
        Refused("InvalidResourceType.NotFound", 404),
        page("TagResources"),
        False,
        at_once(lambda s: tag(s, "bucket", [DB_INSTANCE], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "a documented ResourceType the account holds no such resource of (keypair)",
        Refused("InvalidResourceId.NotFound", 404),
        page("TagResources"),
        True,
        at_once(lambda s: tag(s, "keypair", ["prod-key"], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "an unknown instance id among the ResourceId.N",
        Refused("InvalidResourceId.NotFound", 404),
        page("TagResources"),
        True,
        at_once(lambda s: tag(s, "instance", [DB_INSTANCE, "i-bp1nothere"], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "tags then ListTagResources by ResourceId.N",
        Answers([(DB_INSTANCE, "dr", "op-1")]),
        page("ListTagResources"),
        False,
        _tagged_then_listed,
    ),
    Row(
        "TagResources",
        "a 21st tag on a resource",
        Refused("OperationDenied.QuotaExceed", 400),
        page("TagResources"),
        True,
        _tags_past_20,
    ),
    Row(
        "TagResources",
        "no ResourceId.N",
        Refused("MissingParameter.ResourceIds", 404),
        page("TagResources"),
        True,
        at_once(lambda s: tag(s, "instance", [], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "no Tag.N",
        Refused("MissingParameter.Tags", 404),
        page("TagResources"),
        True,
        at_once(lambda s: tag(s, "instance", [DB_INSTANCE], {})),
    ),
    Row(
        "TagResources",
        "51 ResourceId.N",
        Refused("NumberExceed.ResourceIds", 400),
        page("TagResources"),
        True,
        at_once(lambda s: tag(s, "instance", [f"i-bp1n{n:015}" for n in range(51)], {"k": "v"})),
    ),
    Row(
        "ListTagResources",
        "neither ResourceId.N nor Tag.N",
        Refused("BothEmpty.TagsAndResources", 403),
        page("ListTagResources"),
        True,
        at_once(lambda s: listed(s, "instance", [])),
    ),
    Row(
        "ListTagResources",
        "Tag.1.Key alone, no ResourceId.N: every resource carrying the key, with its tags",
        Answers([(DB_INSTANCE, "ecs-dr:operation-id", "op-1")]),
        page("ListTagResources") + " (Tag.N: only Tag.N.Key returns every resource with the key)",
        False,
        _tagged_then_listed_by_key,
    ),
    Row(
        "DescribeSnapshotGroups",
        "a group created with Tag.N: Tags.Tag[{Key, Value}]",
        Answers(list(SNAPSHOT_GROUP_TAG.items())),
        page("CreateSnapshotGroup") + "; SDK model DescribeSnapshotGroupsResponseBody",
        False,
        _group_tags_described,
    ),
)
