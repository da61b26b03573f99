"""Network actions through the official SDK: DescribeVpcs, DescribeVSwitches,
DescribeSecurityGroups and CreateVSwitch, plus the lookups RunInstances shares.
"""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.errors import EcsError, error_code
from ecs_dr.sandbox.models.durations import VSWITCH_PENDING_S
from ecs_dr.sandbox.models.network import check_security_groups, require_vswitch
from ecs_dr.sandbox.models.resources import Region
from ecs_dr.sandbox.models.tags import tag_resource
from ecs_dr.sandbox.world import load_world
from tests.support.demo_world import (
    PROD_SG,
    PROD_VPC,
    REGION,
    SOURCE_VSWITCH,
    STAGING_SG,
    STAGING_VPC,
    STAGING_VSWITCH,
)
from tests.support.sandboxes import RunningSandbox, SandboxHandle
from tests.support.sdk_calls import ecs_error, round_trips

TARGET_ZONE = "cn-hangzhou-j"  # a zone without a VSwitch
# Long after a create was processed and its VSwitch became Available.
VSWITCH_SETTLED_S = 60.0


def create_request(**overrides: Any) -> models.CreateVSwitchRequest:
    fields: dict[str, Any] = {
        "region_id": REGION,
        "zone_id": TARGET_ZONE,
        "vpc_id": PROD_VPC,
        "cidr_block": "172.16.3.0/24",
        "v_switch_name": "dr-target",
        "description": "recovery VSwitch",
    }
    return models.CreateVSwitchRequest(**(fields | overrides))


def vswitches(
    client: Client, **filters: Any
) -> list[models.DescribeVSwitchesResponseBodyVSwitchesVSwitch]:
    request = models.DescribeVSwitchesRequest(region_id=REGION, page_size=50, **filters)
    result: list[models.DescribeVSwitchesResponseBodyVSwitchesVSwitch] = client.describe_vswitches(
        request
    ).body.v_switches.v_switch
    return result


# --- DescribeVpcs --------------------------------------------------------------------------
def test_describe_vpcs_round_trips_with_cidr_status_and_vswitch_ids(shared: Client) -> None:
    request = models.DescribeVpcsRequest(region_id=REGION, vpc_id=PROD_VPC)
    _, raw = round_trips(shared, lambda: shared.describe_vpcs(request))
    [vpc] = raw["Vpcs"]["Vpc"]
    assert (vpc["VpcId"], vpc["CidrBlock"], vpc["Status"]) == (
        PROD_VPC,
        "172.16.0.0/16",
        "Available",
    )
    assert SOURCE_VSWITCH in vpc["VSwitchIds"]["VSwitchId"]
    assert raw["TotalCount"] == 1


def test_describe_vpcs_pages_by_number_and_size(shared: Client) -> None:
    pages = [
        shared.describe_vpcs(
            models.DescribeVpcsRequest(region_id=REGION, page_number=n, page_size=1)
        ).body
        for n in (1, 2, 3)
    ]
    assert [len(p.vpcs.vpc) for p in pages] == [1, 1, 0]
    assert {pages[0].vpcs.vpc[0].vpc_id, pages[1].vpcs.vpc[0].vpc_id} == {PROD_VPC, STAGING_VPC}
    assert pages[0].total_count == 2


def test_describe_vpcs_refuses_a_page_size_over_50(shared: Client) -> None:
    request = models.DescribeVpcsRequest(region_id=REGION, page_size=51)
    assert ecs_error(lambda: shared.describe_vpcs(request)) == ("InvalidParameter", 400)


def test_describe_vpcs_needs_a_known_region(shared: Client) -> None:
    assert ecs_error(lambda: shared.describe_vpcs(models.DescribeVpcsRequest())) == (
        "MissingParameter",
        400,
    )
    request = models.DescribeVpcsRequest(region_id="cn-nowhere")
    assert ecs_error(lambda: shared.describe_vpcs(request)) == ("InvalidRegionId.NotFound", 404)


# --- DescribeVSwitches ---------------------------------------------------------------------
def test_describe_vswitches_round_trips_with_zone_status_and_free_addresses(shared: Client) -> None:
    request = models.DescribeVSwitchesRequest(region_id=REGION, v_switch_id=SOURCE_VSWITCH)
    _, raw = round_trips(shared, lambda: shared.describe_vswitches(request))
    [vsw] = raw["VSwitches"]["VSwitch"]
    assert vsw["VpcId"] == PROD_VPC
    assert vsw["ZoneId"] == "cn-hangzhou-h"
    assert vsw["CidrBlock"] == "172.16.1.0/24"
    assert vsw["Status"] == "Available"
    # 256 addresses, 4 reserved by the VPC service, 4 held by the demo instances
    assert vsw["AvailableIpAddressCount"] == 248


def test_describe_vswitches_filters_by_vpc_and_zone(shared: Client) -> None:
    assert {s.v_switch_id for s in vswitches(shared, vpc_id=STAGING_VPC)} == {STAGING_VSWITCH}
    in_zone_h = vswitches(shared, zone_id="cn-hangzhou-h")
    assert {s.vpc_id for s in in_zone_h} == {PROD_VPC, STAGING_VPC}
    assert vswitches(shared, zone_id=TARGET_ZONE) == []
    assert vswitches(shared, vpc_id=PROD_VPC, zone_id="cn-hangzhou-i")[0].zone_id == "cn-hangzhou-i"


def test_describe_vswitches_pages_by_number_and_size(shared: Client) -> None:
    seen = []
    for n in (1, 2, 3):
        body = shared.describe_vswitches(
            models.DescribeVSwitchesRequest(region_id=REGION, page_number=n, page_size=2)
        ).body
        seen += [s.v_switch_id for s in body.v_switches.v_switch]
        assert (body.total_count, body.page_number, body.page_size) == (5, n, 2)
    assert len(set(seen)) == 5


# --- DescribeSecurityGroups ----------------------------------------------------------------
def test_describe_security_groups_round_trips_with_vpc_and_name(shared: Client) -> None:
    request = models.DescribeSecurityGroupsRequest(
        region_id=REGION, security_group_ids=f'["{PROD_SG}"]'
    )
    _, raw = round_trips(shared, lambda: shared.describe_security_groups(request))
    [group] = raw["SecurityGroups"]["SecurityGroup"]
    assert (group["SecurityGroupId"], group["VpcId"]) == (PROD_SG, PROD_VPC)
    assert group["SecurityGroupName"] == "prod-default"
    assert group["EcsCount"] == 6


def test_describe_security_groups_filters_by_vpc_and_single_id(shared: Client) -> None:
    def ids(**filters: Any) -> list[str]:
        request = models.DescribeSecurityGroupsRequest(region_id=REGION, **filters)
        body = shared.describe_security_groups(request).body
        return [g.security_group_id for g in body.security_groups.security_group]

    assert ids(vpc_id=STAGING_VPC) == [STAGING_SG]
    assert ids(security_group_id=PROD_SG) == [PROD_SG]
    assert ids(security_group_ids=f'["{PROD_SG}","{STAGING_SG}"]', vpc_id=PROD_VPC) == [PROD_SG]
    assert ids(security_group_ids='["sg-missing"]') == []


def test_describe_security_groups_pages_by_token_and_by_number(shared: Client) -> None:
    first = shared.describe_security_groups(
        models.DescribeSecurityGroupsRequest(region_id=REGION, max_results=1)
    ).body
    assert first.next_token
    second = shared.describe_security_groups(
        models.DescribeSecurityGroupsRequest(
            region_id=REGION, max_results=1, next_token=first.next_token
        )
    ).body
    assert not second.next_token
    by_token = [
        first.security_groups.security_group[0].security_group_id,
        second.security_groups.security_group[0].security_group_id,
    ]
    page_2 = shared.describe_security_groups(
        models.DescribeSecurityGroupsRequest(region_id=REGION, page_number=2, page_size=1)
    ).body
    assert page_2.security_groups.security_group[0].security_group_id == by_token[1]
    assert sorted(by_token) == [PROD_SG, STAGING_SG]


def test_describe_security_groups_filters_by_tag(demo: RunningSandbox) -> None:
    client = demo.ecs
    with demo.backend.lock:
        region = demo.backend.region(REGION)
        tag_resource(region, "securitygroup", STAGING_SG, {"env": "staging"})
    request = models.DescribeSecurityGroupsRequest(
        region_id=REGION,
        tag=[models.DescribeSecurityGroupsRequestTag(key="env", value="staging")],
    )
    _, raw = round_trips(client, lambda: client.describe_security_groups(request))
    [group] = raw["SecurityGroups"]["SecurityGroup"]
    assert group["SecurityGroupId"] == STAGING_SG
    assert group["Tags"]["Tag"] == [{"TagKey": "env", "TagValue": "staging"}]


def test_describe_security_groups_refuses_ids_that_are_not_a_json_list(shared: Client) -> None:
    request = models.DescribeSecurityGroupsRequest(region_id=REGION, security_group_ids=PROD_SG)
    assert ecs_error(lambda: shared.describe_security_groups(request)) == ("InvalidParameter", 400)


# --- CreateVSwitch -------------------------------------------------------------------------
def test_create_vswitch_answers_pending_then_becomes_available(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    _, raw = round_trips(ecs, lambda: ecs.create_vswitch(create_request()))
    vswitch_id = raw["VSwitchId"]
    assert vswitch_id.startswith("vsw-bp1")
    [created] = vswitches(ecs, v_switch_id=vswitch_id)
    assert (created.status, created.zone_id, created.vpc_id) == ("Pending", TARGET_ZONE, PROD_VPC)
    assert (created.v_switch_name, created.description) == ("dr-target", "recovery VSwitch")
    assert created.available_ip_address_count == 252
    sandbox.advance_clock(VSWITCH_PENDING_S)
    assert vswitches(ecs, v_switch_id=vswitch_id)[0].status == "Available"
    vpc = ecs.describe_vpcs(models.DescribeVpcsRequest(region_id=REGION, vpc_id=PROD_VPC)).body
    assert vswitch_id in vpc.vpcs.vpc[0].v_switch_ids.v_switch_id


def test_create_vswitch_with_the_same_client_token_creates_one_vswitch(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    first = ecs.create_vswitch(create_request(client_token="dr-step-1")).body.v_switch_id
    # once the first request is no longer being processed (a repeat within that is refused)
    sandbox.advance_clock(VSWITCH_SETTLED_S)
    again = ecs.create_vswitch(create_request(client_token="dr-step-1")).body.v_switch_id
    assert first == again
    assert len(vswitches(ecs, zone_id=TARGET_ZONE)) == 1


def test_create_vswitch_reusing_a_token_with_other_parameters_is_refused(ecs: Client) -> None:
    ecs.create_vswitch(create_request(client_token="dr-step-1"))
    other = create_request(client_token="dr-step-1", cidr_block="172.16.6.0/24")
    assert ecs_error(lambda: ecs.create_vswitch(other)) == ("IdempotentParameterMismatch", 400)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"cidr_block": "172.16.3.0"}, ("InvalidCidrBlock.Malformed", 400)),
        ({"cidr_block": "172.16.3.1/24"}, ("InvalidCidrBlock.Malformed", 400)),
        ({"cidr_block": "not-a-cidr"}, ("InvalidCidrBlock.Malformed", 400)),
        ({"cidr_block": "fd00::/64"}, ("InvalidCidrBlock.Malformed", 400)),
        ({"cidr_block": "172.16.3.0/30"}, ("InvalidCidrBlock.Malformed", 400)),
        ({"cidr_block": "172.0.0.0/15"}, ("InvalidCidrBlock.Malformed", 400)),
        ({"cidr_block": "10.0.9.0/24"}, ("InvalidCIDRBlock.Mismatch", 400)),
        ({"cidr_block": "172.16.1.128/25"}, ("InvalidCidrBlock.Overlapped", 400)),
        ({"cidr_block": "172.16.0.0/16"}, ("InvalidCidrBlock.Overlapped", 400)),
        ({"zone_id": "cn-hangzhou-z"}, ("InvalidZoneId.NotFound", 404)),
        ({"vpc_id": "vpc-missing"}, ("InvalidVpcId.NotFound", 404)),
        ({"region_id": "cn-nowhere"}, ("InvalidRegionId.NotFound", 404)),
        ({"cidr_block": None}, ("MissingParameter", 400)),
        ({"zone_id": None}, ("MissingParameter", 400)),
        ({"vpc_id": None}, ("MissingParameter", 400)),
        ({"v_switch_name": "https://example.com"}, ("InvalidVSwitchName.Malformed", 400)),
        ({"description": "http://example.com"}, ("InvalidDescription.Malformed", 400)),
    ],
)
def test_create_vswitch_refuses_bad_input_and_creates_nothing(
    shared: Client, overrides: dict[str, Any], expected: tuple[str, int]
) -> None:
    before = len(vswitches(shared))
    assert ecs_error(lambda: shared.create_vswitch(create_request(**overrides))) == expected
    assert len(vswitches(shared)) == before


def test_create_vswitch_may_reuse_a_cidr_of_another_vpc(ecs: Client) -> None:
    request = create_request(vpc_id=STAGING_VPC, cidr_block="10.0.2.0/24")
    assert ecs.create_vswitch(request).body.v_switch_id
    overlapping_prod = create_request(cidr_block="172.16.3.0/24")
    assert ecs.create_vswitch(overlapping_prod).body.v_switch_id


# --- lookups RunInstances shares -----------------------------------------------------------
def _code(call: Any) -> str:
    with pytest.raises(EcsError) as info:
        call()
    return error_code(info.value)


@pytest.fixture
def region() -> Region:
    """The demo world's region, without HTTP: these helpers are called by other families."""
    return Backend(load_world(None), VirtualClock()).region(REGION)


def test_require_vswitch_returns_it_or_raises_not_found(region: Region) -> None:
    assert require_vswitch(region, SOURCE_VSWITCH).zone_id == "cn-hangzhou-h"
    assert _code(lambda: require_vswitch(region, "vsw-missing")) == "InvalidVSwitchId.NotFound"


def test_check_security_groups_refuses_unknown_groups_and_groups_of_another_vpc(
    region: Region,
) -> None:
    check_security_groups(region, [PROD_SG], PROD_VPC)
    missing = lambda: check_security_groups(region, [PROD_SG, "sg-missing"], PROD_VPC)  # noqa: E731
    assert _code(missing) == "InvalidSecurityGroupId.NotFound"
    other_vpc = lambda: check_security_groups(region, [STAGING_SG], PROD_VPC)  # noqa: E731
    assert _code(other_vpc) == "InvalidParameter.Mismatch"
