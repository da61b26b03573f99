"""TagResources and ListTagResources through the official SDK (codes from their API reference
pages)."""

from __future__ import annotations

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from tests.support.demo_world import DB_DISKS, DB_INSTANCE, REGION, WEB_INSTANCE
from tests.support.sdk_calls import create_disk, ecs_error, round_trips


def tag(ecs: Client, resource_type: str, ids: list[str], tags: dict[str, str]) -> None:
    ecs.tag_resources(
        models.TagResourcesRequest(
            region_id=REGION,
            resource_type=resource_type,
            resource_id=ids,
            tag=[models.TagResourcesRequestTag(key=k, value=v) for k, v in tags.items()],
        )
    )


def listed(
    ecs: Client, resource_type: str, ids: list[str], **filters: object
) -> list[tuple[str, str, str]]:
    request = models.ListTagResourcesRequest(
        region_id=REGION, resource_type=resource_type, resource_id=ids, **filters
    )
    rows = ecs.list_tag_resources(request).body.tag_resources.tag_resource
    return sorted((r.resource_id, r.tag_key, r.tag_value) for r in rows)


def test_tag_resources_then_list_tag_resources_round_trip_exactly(ecs: Client) -> None:
    request = models.TagResourcesRequest(
        region_id=REGION,
        resource_type="instance",
        resource_id=[DB_INSTANCE, WEB_INSTANCE],
        tag=[models.TagResourcesRequestTag(key="dr:protected", value="true")],
    )
    _, raw = round_trips(ecs, lambda: ecs.tag_resources(request))
    assert set(raw) == {"RequestId"}
    listing = models.ListTagResourcesRequest(
        region_id=REGION, resource_type="instance", resource_id=[DB_INSTANCE]
    )
    _, raw = round_trips(ecs, lambda: ecs.list_tag_resources(listing))
    assert raw["TagResources"]["TagResource"] == [
        {
            "ResourceId": DB_INSTANCE,
            "ResourceType": "instance",
            "TagKey": "dr:protected",
            "TagValue": "true",
        }
    ]
    assert raw["NextToken"] == ""


def test_tag_resources_response_round_trips_through_the_sdk(ecs: Client) -> None:
    request = models.TagResourcesRequest(
        region_id=REGION,
        resource_type="disk",
        resource_id=[DB_DISKS[0]],
        tag=[models.TagResourcesRequestTag(key="role", value="system")],
    )
    round_trips(ecs, lambda: ecs.tag_resources(request))
    assert listed(ecs, "disk", list(DB_DISKS)) == [(DB_DISKS[0], "role", "system")]


def test_tagging_again_overwrites_the_value_of_a_key(ecs: Client) -> None:
    tag(ecs, "instance", [DB_INSTANCE], {"env": "prod", "team": "db"})
    tag(ecs, "instance", [DB_INSTANCE], {"env": "dr"})
    assert listed(ecs, "instance", [DB_INSTANCE]) == [
        (DB_INSTANCE, "env", "dr"),
        (DB_INSTANCE, "team", "db"),
    ]


def test_list_tag_resources_filters_by_tag(ecs: Client) -> None:
    tag(ecs, "instance", [DB_INSTANCE], {"env": "prod"})
    tag(ecs, "instance", [WEB_INSTANCE], {"env": "test"})
    by_value = [models.ListTagResourcesRequestTag(key="env", value="prod")]
    assert listed(ecs, "instance", [], tag=by_value) == [(DB_INSTANCE, "env", "prod")]
    by_key = [models.ListTagResourcesRequestTag(key="env")]
    assert len(listed(ecs, "instance", [], tag=by_key)) == 2
    assert listed(ecs, "disk", [], tag=by_key) == []


def test_list_tag_resources_needs_resource_ids_or_tags(ecs: Client) -> None:
    assert ecs_error(lambda: listed(ecs, "instance", [])) == ("BothEmpty.TagsAndResources", 403)


def test_list_tag_resources_pages_with_next_token(ecs: Client) -> None:
    tags = {f"key-{n:02}": str(n) for n in range(20)}
    tag(ecs, "disk", list(DB_DISKS), tags)
    request = models.ListTagResourcesRequest(
        region_id=REGION, resource_type="disk", resource_id=list(DB_DISKS)
    )
    first = ecs.list_tag_resources(request).body
    assert len(first.tag_resources.tag_resource) == 50 and first.next_token
    request.next_token = first.next_token
    second = ecs.list_tag_resources(request).body
    assert len(second.tag_resources.tag_resource) == 10 and not second.next_token


@pytest.mark.parametrize(
    ("resource_type", "resource_id"),
    [
        ("instance", "i-bp1nothere"),
        ("disk", "d-bp1nothere"),
        ("image", "m-bp1nothere"),
        ("keypair", "prod-key"),  # documented, but the sandbox holds none
    ],
)
def test_tagging_an_unknown_resource_is_resource_id_not_found_and_tags_nothing(
    ecs: Client, resource_type: str, resource_id: str
) -> None:
    code = ecs_error(lambda: tag(ecs, resource_type, [DB_INSTANCE, resource_id], {"a": "b"}))
    assert code == ("InvalidResourceId.NotFound", 404)
    assert listed(ecs, "instance", [DB_INSTANCE]) == []


def test_a_resource_holds_at_most_20_tags(ecs: Client) -> None:
    tag(ecs, "instance", [DB_INSTANCE], {f"k{n}": "v" for n in range(19)})
    too_many = {"k19": "v", "k20": "v"}
    code = ecs_error(lambda: tag(ecs, "instance", [DB_INSTANCE], too_many))
    assert code == ("OperationDenied.QuotaExceed", 400)
    assert len(listed(ecs, "instance", [DB_INSTANCE])) == 19


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("acs:owner", "dr", "InvalidTagKey.Malformed"),
        ("aliyun-team", "dr", "InvalidTagKey.Malformed"),
        ("k" * 129, "dr", "InvalidTagKey.Malformed"),
        ("see-https://example.com", "dr", "InvalidTagKey.Malformed"),
        ("owner", "acs:dr", "InvalidTagValue.Malformed"),
        ("owner", "v" * 129, "InvalidTagValue.Malformed"),
        ("owner", "http://example.com", "InvalidTagValue.Malformed"),
    ],
)
def test_a_malformed_tag_is_refused_on_tag_resources_and_on_a_create(
    ecs: Client, key: str, value: str, code: str
) -> None:
    assert ecs_error(lambda: tag(ecs, "instance", [DB_INSTANCE], {key: value})) == (code, 400)
    assert listed(ecs, "instance", [DB_INSTANCE]) == []
    disks = models.DescribeDisksRequest(region_id=REGION, page_size=100)
    before = len(ecs.describe_disks(disks).body.disks.disk)
    malformed = models.CreateDiskRequestTag(key=key, value=value)
    assert ecs_error(lambda: create_disk(ecs, size=40, tag=[malformed])) == (code, 400)
    assert len(ecs.describe_disks(disks).body.disks.disk) == before


def test_tag_keys_and_values_at_their_limits_are_taken(ecs: Client) -> None:
    tags = {"k" * 128: "v" * 128, "dr:acs": "", "owner": "aliyun"}
    tag(ecs, "instance", [DB_INSTANCE], tags)
    assert {(k, v) for _, k, v in listed(ecs, "instance", [DB_INSTANCE])} == set(tags.items())


@pytest.mark.parametrize("resource_type", ["bucket", "vswitch", "snapshotgroup", "Instance"])
def test_a_resource_type_ecs_does_not_document_is_invalid_resource_type_not_found(
    ecs: Client, resource_type: str
) -> None:
    assert ecs_error(lambda: tag(ecs, resource_type, [DB_INSTANCE], {"a": "b"})) == (
        "InvalidResourceType.NotFound",
        404,
    )
    assert ecs_error(lambda: listed(ecs, resource_type, [DB_INSTANCE])) == (
        "InvalidResourceType.NotFound",
        404,
    )


def test_tag_resources_needs_a_type_ids_and_tags(ecs: Client) -> None:
    assert ecs_error(lambda: tag(ecs, "instance", [], {"a": "b"})) == (
        "MissingParameter.ResourceIds",
        404,
    )
    assert ecs_error(lambda: tag(ecs, "instance", [DB_INSTANCE], {})) == (
        "MissingParameter.Tags",
        404,
    )
    untyped = models.TagResourcesRequest(
        region_id=REGION,
        resource_id=[DB_INSTANCE],
        tag=[models.TagResourcesRequestTag(key="a", value="b")],
    )
    assert ecs_error(lambda: ecs.tag_resources(untyped)) == ("MissingParameter.ResourceType", 404)


def test_tag_resources_takes_at_most_50_resource_ids(ecs: Client) -> None:
    ids = [f"i-bp1many{n:012}" for n in range(51)]
    assert ecs_error(lambda: tag(ecs, "instance", ids, {"a": "b"})) == (
        "NumberExceed.ResourceIds",
        400,
    )


def test_tags_of_a_deleted_instance_are_dropped(ecs: Client) -> None:
    tag(ecs, "instance", [DB_INSTANCE], {"env": "prod"})
    ecs.delete_instance(models.DeleteInstanceRequest(instance_id=DB_INSTANCE, force=True))
    assert listed(ecs, "instance", [DB_INSTANCE]) == []
