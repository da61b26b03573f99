"""Listings across pages, in both of ECS's paging styles."""

from __future__ import annotations

import pytest
from alibabacloud_ecs20140526 import models as ecs

from ecs_dr.cloud.gateway import EcsGateway, listed_items
from tests.support.sandboxes import SandboxHandle, sandbox_gateway


@pytest.fixture
def small_pages(sandbox: SandboxHandle, gateway: EcsGateway) -> EcsGateway:
    """Two items a page, so the demo world spans several pages."""
    return sandbox_gateway(sandbox, gateway.settings.model_copy(update={"page_size": 2}))


def calls(sandbox: SandboxHandle, action: str) -> list[dict[str, str]]:
    return [r["parameters"] for r in sandbox.requests() if r["action"] == action]


async def test_collect_follows_next_tokens_across_pages(
    small_pages: EcsGateway, sandbox: SandboxHandle
) -> None:
    instances = await small_pages.collect(None, "DescribeInstances", ecs.DescribeInstancesRequest())

    expected = set(sandbox.state()["regions"][sandbox.region_id]["instances"])
    assert {i.instance_id for i in instances} == expected
    sent = calls(sandbox, "DescribeInstances")
    assert len(sent) == -(-len(expected) // 2)
    assert all(p["MaxResults"] == "2" for p in sent)
    assert "NextToken" not in sent[0]
    assert all(p.get("NextToken") for p in sent[1:])


async def test_collect_follows_page_numbers_across_pages(
    small_pages: EcsGateway, sandbox: SandboxHandle
) -> None:
    vswitches = await small_pages.collect(
        None,
        "DescribeVSwitches",
        ecs.DescribeVSwitchesRequest(),
        lambda body: body.v_switches.v_switch if body.v_switches else None,
    )

    expected = set(sandbox.state()["regions"][sandbox.region_id]["vswitches"])
    assert {v.v_switch_id for v in vswitches} == expected
    assert len(vswitches) == len(expected)
    sent = calls(sandbox, "DescribeVSwitches")
    assert [p["PageNumber"] for p in sent] == [str(n) for n in range(1, len(sent) + 1)]
    assert len(sent) == -(-len(expected) // 2)


async def test_a_page_size_set_by_the_caller_keeps_page_numbers_on_a_token_action(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    disks = await gateway.collect(None, "DescribeDisks", ecs.DescribeDisksRequest(page_size=3))

    expected = set(sandbox.state()["regions"][sandbox.region_id]["disks"])
    assert {d.disk_id for d in disks} == expected
    sent = calls(sandbox, "DescribeDisks")
    assert all("MaxResults" not in p and p["PageSize"] == "3" for p in sent)


def test_the_one_wrapped_list_of_a_body_is_found_without_being_named() -> None:
    body = ecs.DescribeImagesResponseBody().from_map(
        {"RequestId": "R", "Images": {"Image": [{"ImageId": "m-1"}, {"ImageId": "m-2"}]}}
    )
    empty = ecs.DescribeImagesResponseBody().from_map({"RequestId": "R"})

    assert [image.image_id for image in listed_items(body)] == ["m-1", "m-2"]
    assert listed_items(empty) == []
