"""The VPC API (2016-04-28) the sandbox serves beside ECS on the same port, driven through the
official `alibabacloud-vpc20160428` SDK over real HTTP: the version dispatch, DescribeVpcs,
DescribeVSwitches, DescribeVSwitchAttributes, CreateVSwitch, and the VPC API's tag actions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi import utils_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_vpc20160428 import models
from alibabacloud_vpc20160428.client import Client as VpcClient
from darabonba.runtime import RuntimeOptions

from ecs_dr.sandbox.models.durations import VSWITCH_PENDING_S
from ecs_dr.sandbox.models.network import MAX_VSWITCHES_PER_VPC
from tests.support.demo_world import (
    PROD_VPC,
    REGION,
    SOURCE_VSWITCH,
    STAGING_VPC,
    STAGING_VSWITCH,
)
from tests.support.sandboxes import RunningSandbox, SandboxHandle, StartSandbox, World
from tests.support.sdk_calls import ecs_error, round_trips, tag_vpc_resources

TARGET_ZONE = "cn-hangzhou-j"  # a zone without a VSwitch
# Long after any create the tests make was processed and its VSwitch became Available.
SETTLED_S = 60.0


def create_request(**overrides: Any) -> models.CreateVSwitchRequest:
    """CreateVSwitch of a /24 in the prod VPC's free space, in the zone without a VSwitch."""
    fields: dict[str, Any] = {
        "region_id": REGION,
        "vpc_id": PROD_VPC,
        "zone_id": TARGET_ZONE,
        "cidr_block": "172.16.9.0/24",
        "v_switch_name": "dr-target",
        "description": "recovery VSwitch",
    }
    fields.update(overrides)
    return models.CreateVSwitchRequest(**{k: v for k, v in fields.items() if v is not None})


def attributes(vpc: VpcClient, vswitch_id: str) -> models.DescribeVSwitchAttributesResponseBody:
    request = models.DescribeVSwitchAttributesRequest(region_id=REGION, v_switch_id=vswitch_id)
    body: models.DescribeVSwitchAttributesResponseBody = vpc.describe_vswitch_attributes(
        request
    ).body
    return body


def vswitch_ids(vpc: VpcClient, **filters: Any) -> list[str]:
    request = models.DescribeVSwitchesRequest(region_id=REGION, page_size=50, **filters)
    return [s.v_switch_id for s in vpc.describe_vswitches(request).body.v_switches.v_switch]


def raw_call(client: OpenApiClient, action: str, version: str, **query: str) -> Any:
    """An RPC call signed by an official SDK client for any action and version, so a test can
    send one API's action with the other API's version."""
    params = utils_models.Params(
        action=action,
        version=version,
        protocol="HTTPS",
        pathname="/",
        method="POST",
        auth_type="AK",
        style="RPC",
        req_body_type="formData",
        body_type="json",
    )
    request = utils_models.OpenApiRequest(query=query)
    return client.call_api(params, request, RuntimeOptions())


def message_of(call: Callable[[], Any]) -> str:
    with pytest.raises(ClientException) as info:
        call()
    return str(info.value.message)


# --- one port, two APIs ------------------------------------------------------------------------
def test_vpc_sdk_and_ecs_sdk_share_the_port_and_the_log_names_each_api(
    demo: RunningSandbox, vpc: VpcClient, shared: Client
) -> None:
    vpc.describe_vpcs(models.DescribeVpcsRequest(region_id=REGION))
    shared.describe_vpcs(ecs_models.DescribeVpcsRequest(region_id=REGION))
    assert [(r["api"], r["action"], r["status"]) for r in demo.handle.requests()] == [
        ("vpc", "DescribeVpcs", 200),
        ("ecs", "DescribeVpcs", 200),
    ]


def test_vpc_only_action_sent_with_the_ecs_version_is_invalid_action(
    demo: RunningSandbox, shared: Client
) -> None:
    call = lambda: raw_call(  # noqa: E731
        shared, "DescribeVSwitchAttributes", "2014-05-26", VSwitchId=SOURCE_VSWITCH
    )
    assert ecs_error(call) == ("InvalidAction.NotFound", 404)
    assert demo.handle.requests()[-1]["api"] == "ecs"


def test_ecs_only_action_sent_with_the_vpc_version_is_invalid_action(
    demo: RunningSandbox, vpc: VpcClient
) -> None:
    call = lambda: raw_call(vpc, "DescribeInstances", "2016-04-28", RegionId=REGION)  # noqa: E731
    assert ecs_error(call) == ("InvalidAction.NotFound", 404)
    assert demo.handle.requests()[-1]["api"] == "vpc"


def test_unknown_version_is_invalid_version_naming_both_served_versions(
    demo: RunningSandbox, vpc: VpcClient
) -> None:
    call = lambda: raw_call(vpc, "DescribeVpcs", "2016-03-14", RegionId=REGION)  # noqa: E731
    assert ecs_error(call) == ("InvalidVersion", 400)
    message = message_of(call)
    assert "2014-05-26" in message and "2016-04-28" in message
    assert demo.handle.requests()[-1]["api"] == ""


def test_vpc_api_and_ecs_deprecated_vpc_actions_share_one_model(
    vpc: VpcClient, shared: Client
) -> None:
    by_vpc = vpc.create_vswitch(create_request()).body.v_switch_id
    ecs_view = shared.describe_vswitches(
        ecs_models.DescribeVSwitchesRequest(region_id=REGION, v_switch_id=by_vpc)
    ).body.v_switches.v_switch
    assert [s.zone_id for s in ecs_view] == [TARGET_ZONE]
    by_ecs = shared.create_vswitch(
        ecs_models.CreateVSwitchRequest(
            region_id=REGION, vpc_id=STAGING_VPC, zone_id=TARGET_ZONE, cidr_block="10.0.9.0/24"
        )
    ).body.v_switch_id
    assert attributes(vpc, by_ecs).vpc_id == STAGING_VPC


def test_forbidden_ram_names_the_vpc_ram_action_on_either_api(
    demo: RunningSandbox, vpc: VpcClient, shared: Client
) -> None:
    for action in ("CreateVSwitch", "DescribeVSwitches", "DescribeInstances"):
        demo.handle.add_fault({"kind": "error", "action": action, "code": "Forbidden.RAM"})
    assert "Action: vpc:CreateVSwitch" in message_of(lambda: vpc.create_vswitch(create_request()))
    ecs_deprecated = ecs_models.DescribeVSwitchesRequest(region_id=REGION)
    assert "Action: vpc:DescribeVSwitches" in message_of(
        lambda: shared.describe_vswitches(ecs_deprecated)
    )
    ecs_own = ecs_models.DescribeInstancesRequest(region_id=REGION)
    assert "Action: ecs:DescribeInstances" in message_of(lambda: shared.describe_instances(ecs_own))


def test_vpc_error_body_has_the_shared_shape_and_names_the_vpc_product(vpc: VpcClient) -> None:
    with pytest.raises(ClientException) as info:
        attributes(vpc, "vsw-missing")
    body = dict(info.value.data)
    assert {"RequestId", "HostId", "Code", "Message", "Recommend"} <= set(body)
    assert body["HostId"] == "vpc.sandbox.local"
    assert "product=Vpc" in body["Recommend"]


# --- DescribeVpcs --------------------------------------------------------------------------------
def test_describe_vpcs_round_trips_with_cidr_vswitch_ids_and_tags(vpc: VpcClient) -> None:
    tag_vpc_resources(vpc, "VPC", [PROD_VPC], env="prod")
    request = models.DescribeVpcsRequest(region_id=REGION, vpc_id=PROD_VPC)
    _, raw = round_trips(vpc, lambda: vpc.describe_vpcs(request))
    [found] = raw["Vpcs"]["Vpc"]
    assert (found["VpcId"], found["CidrBlock"], found["Status"]) == (
        PROD_VPC,
        "172.16.0.0/16",
        "Available",
    )
    assert SOURCE_VSWITCH in found["VSwitchIds"]["VSwitchId"]
    assert found["Tags"]["Tag"] == [{"Key": "env", "Value": "prod"}]


def test_describe_vpcs_takes_comma_separated_ids_and_pages_up_to_50(vpc: VpcClient) -> None:
    both = models.DescribeVpcsRequest(region_id=REGION, vpc_id=f"{PROD_VPC},{STAGING_VPC}")
    assert vpc.describe_vpcs(both).body.total_count == 2
    pages = [
        vpc.describe_vpcs(
            models.DescribeVpcsRequest(region_id=REGION, page_number=n, page_size=1)
        ).body.vpcs.vpc
        for n in (1, 2, 3)
    ]
    assert [[v.vpc_id for v in page] for page in pages] == [[PROD_VPC], [STAGING_VPC], []]
    too_big = models.DescribeVpcsRequest(region_id=REGION, page_size=51)
    assert ecs_error(lambda: vpc.describe_vpcs(too_big)) == ("InvalidParameter", 400)


# --- DescribeVSwitches ---------------------------------------------------------------------------
def test_describe_vswitches_round_trips_with_tags_as_key_and_value(vpc: VpcClient) -> None:
    tag_vpc_resources(vpc, "VSWITCH", [SOURCE_VSWITCH], team="dr")
    request = models.DescribeVSwitchesRequest(region_id=REGION, v_switch_id=SOURCE_VSWITCH)
    _, raw = round_trips(vpc, lambda: vpc.describe_vswitches(request))
    [found] = raw["VSwitches"]["VSwitch"]
    assert (found["VpcId"], found["ZoneId"], found["CidrBlock"]) == (
        PROD_VPC,
        "cn-hangzhou-h",
        "172.16.1.0/24",
    )
    assert found["AvailableIpAddressCount"] == 248
    assert found["Tags"]["Tag"] == [{"Key": "team", "Value": "dr"}]


def test_describe_vswitches_filters_by_vpc_zone_and_id(vpc: VpcClient) -> None:
    assert vswitch_ids(vpc, vpc_id=STAGING_VPC) == [STAGING_VSWITCH]
    assert len(vswitch_ids(vpc, zone_id="cn-hangzhou-h")) == 2
    assert vswitch_ids(vpc, zone_id=TARGET_ZONE) == []
    assert vswitch_ids(vpc, v_switch_id=SOURCE_VSWITCH) == [SOURCE_VSWITCH]
    assert vswitch_ids(vpc, vpc_id=PROD_VPC, zone_id="cn-hangzhou-h") == [SOURCE_VSWITCH]


def test_describe_vswitches_finds_the_region_from_the_vpc_alone(vpc: VpcClient) -> None:
    request = models.DescribeVSwitchesRequest(vpc_id=STAGING_VPC)
    assert vpc.describe_vswitches(request).body.total_count == 1


def test_describe_vswitches_pages_by_number_and_size_up_to_50(vpc: VpcClient) -> None:
    seen: list[str] = []
    for n in (1, 2, 3):
        body = vpc.describe_vswitches(
            models.DescribeVSwitchesRequest(region_id=REGION, page_number=n, page_size=2)
        ).body
        seen += [s.v_switch_id for s in body.v_switches.v_switch]
        assert (body.total_count, body.page_number, body.page_size) == (5, n, 2)
    assert len(set(seen)) == 5
    too_big = models.DescribeVSwitchesRequest(region_id=REGION, page_size=51)
    assert ecs_error(lambda: vpc.describe_vswitches(too_big)) == ("InvalidParameter", 400)


# --- DescribeVSwitchAttributes and CreateVSwitch -------------------------------------------------
def test_describe_vswitch_attributes_of_an_unknown_id_is_not_found(vpc: VpcClient) -> None:
    assert ecs_error(lambda: attributes(vpc, "vsw-missing")) == ("InvalidVSwitchId.NotFound", 404)


def test_create_vswitch_is_pending_then_available_with_its_tags(
    demo: RunningSandbox, vpc: VpcClient
) -> None:
    created = create_request(tag=[models.CreateVSwitchRequestTag(key="ecs-dr:op", value="op-1")])
    _, raw = round_trips(vpc, lambda: vpc.create_vswitch(created))
    vswitch_id = raw["VSwitchId"]
    assert vswitch_id.startswith("vsw-bp1")
    request = models.DescribeVSwitchAttributesRequest(region_id=REGION, v_switch_id=vswitch_id)
    _, pending = round_trips(vpc, lambda: vpc.describe_vswitch_attributes(request))
    assert (pending["Status"], pending["ZoneId"], pending["VpcId"]) == (
        "Pending",
        TARGET_ZONE,
        PROD_VPC,
    )
    assert (pending["VSwitchName"], pending["Description"]) == ("dr-target", "recovery VSwitch")
    assert pending["AvailableIpAddressCount"] == 252
    assert pending["Tags"]["Tag"] == [{"Key": "ecs-dr:op", "Value": "op-1"}]
    demo.handle.advance_clock(VSWITCH_PENDING_S)
    assert attributes(vpc, vswitch_id).status == "Available"


def test_create_vswitch_finds_the_region_from_the_vpc_alone(vpc: VpcClient) -> None:
    vswitch_id = vpc.create_vswitch(create_request(region_id=None)).body.v_switch_id
    assert attributes(vpc, vswitch_id).zone_id == TARGET_ZONE


def test_create_vswitch_repeat_while_processing_is_idempotent_token_processing(
    demo: RunningSandbox, vpc: VpcClient
) -> None:
    first = vpc.create_vswitch(create_request(client_token="dr-step-1")).body.v_switch_id

    def repeat() -> str:
        return str(vpc.create_vswitch(create_request(client_token="dr-step-1")).body.v_switch_id)

    assert ecs_error(repeat) == ("OperationFailed.IdempotentTokenProcessing", 400)
    demo.handle.advance_clock(SETTLED_S)
    assert repeat() == first
    assert vswitch_ids(vpc, zone_id=TARGET_ZONE) == [first]


def test_create_vswitch_reusing_a_token_with_other_parameters_is_refused(
    demo: RunningSandbox, vpc: VpcClient
) -> None:
    vpc.create_vswitch(create_request(client_token="dr-step-1"))
    demo.handle.advance_clock(SETTLED_S)
    other = create_request(client_token="dr-step-1", cidr_block="172.16.10.0/24")
    assert ecs_error(lambda: vpc.create_vswitch(other))[0] == "IdempotentParameterMismatch"


def test_create_vswitch_while_another_of_the_vpc_is_pending_is_incorrect_vswitch_status(
    demo: RunningSandbox, vpc: VpcClient
) -> None:
    vpc.create_vswitch(create_request())
    second = create_request(cidr_block="172.16.10.0/24")
    assert ecs_error(lambda: vpc.create_vswitch(second)) == ("IncorrectVSwitchStatus", 400)
    # another VPC is not busy
    assert vpc.create_vswitch(create_request(vpc_id=STAGING_VPC, cidr_block="10.0.9.0/24"))
    demo.handle.advance_clock(VSWITCH_PENDING_S)
    assert vpc.create_vswitch(second).body.v_switch_id


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"cidr_block": "172.16.1.128/25"}, ("InvalidCidrBlock.Overlapped", 400)),
        ({"cidr_block": "10.0.9.0/24"}, ("InvalidParameter", 400)),
        ({"cidr_block": "172.16.3.0/30"}, ("InvalidCidrBlock.Malformed", 400)),
        ({"zone_id": "cn-hangzhou-z"}, ("InvalidZoneId.NotFound", 404)),
        ({"vpc_id": "vpc-missing"}, ("InvalidVpcId.NotFound", 404)),
        ({"region_id": "cn-nowhere"}, ("InvalidRegionId.NotFound", 404)),
        ({"cidr_block": None}, ("MissingParameter", 400)),
        ({"v_switch_name": "https://example.com"}, ("InvalidVSwitchName.Malformed", 400)),
        (
            {"tag": [models.CreateVSwitchRequestTag(key="acs:reserved", value="x")]},
            ("IllegalParam.TagKey", 400),
        ),
        (
            {"tag": [models.CreateVSwitchRequestTag(key="k", value="http://example.com")]},
            ("IllegalParam.TagValue", 400),
        ),
        ({"tag": [models.CreateVSwitchRequestTag(value="orphan")]}, ("MissingParam.TagKey", 400)),
    ],
)
def test_create_vswitch_refuses_bad_input_and_creates_nothing(
    demo: RunningSandbox, vpc: VpcClient, overrides: dict[str, Any], expected: tuple[str, int]
) -> None:
    before = vswitch_ids(vpc)
    assert ecs_error(lambda: vpc.create_vswitch(create_request(**overrides))) == expected
    assert vswitch_ids(vpc) == before
    assert demo.handle.state()["regions"][REGION]["tags"] == []


def _full_vpc_world() -> World:
    """One VPC already holding the most VSwitches a VPC may hold."""
    return {
        "instance_types": {"ecs.g7.large": {"cpu": 2, "memory_gib": 8}},
        "regions": [
            {
                "region_id": REGION,
                "zones": [{"zone_id": "cn-hangzhou-h"}],
                "vpcs": [
                    {
                        "vpc_id": "vpc-full",
                        "cidr_block": "10.0.0.0/16",
                        "vswitches": [
                            {
                                "vswitch_id": f"vsw-full{n}",
                                "zone_id": "cn-hangzhou-h",
                                "cidr_block": f"10.0.{n}.0/24",
                            }
                            for n in range(MAX_VSWITCHES_PER_VPC)
                        ],
                    }
                ],
            }
        ],
    }


def test_create_vswitch_in_a_vpc_holding_150_is_quota_exceeded(
    sandboxes: StartSandbox, vpc_clients: Callable[[SandboxHandle], VpcClient]
) -> None:
    client = vpc_clients(sandboxes(_full_vpc_world()).handle)
    request = create_request(vpc_id="vpc-full", zone_id="cn-hangzhou-h", cidr_block="10.0.200.0/24")
    assert ecs_error(lambda: client.create_vswitch(request)) == ("QuotaExceeded.VSwitch", 400)
