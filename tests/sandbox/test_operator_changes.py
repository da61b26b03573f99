"""What an operator changes a source with, through the official SDK: ModifyInstanceNetworkSpec
(public bandwidth; 0 releases the public IP) and ResizeDisk (larger only). The product never
calls them; tests use them to change a source between planning and executing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from tests.support.demo_world import DB_DATA, DB_INSTANCE, DB_SYSTEM, REGION, WEB_INSTANCE
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import ecs_error, round_trips, snapshot


@pytest.fixture
def ecs(demo: RunningSandbox) -> Client:
    """The SDK on the module's demo sandbox, reset for this test."""
    return demo.ecs


def instance(ecs: Client, instance_id: str) -> Any:
    request = models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([instance_id])
    )
    [found] = ecs.describe_instances(request).body.instances.instance
    return found


def disk_size(ecs: Client, disk_id: str) -> int:
    request = models.DescribeDisksRequest(region_id=REGION, disk_ids=json.dumps([disk_id]))
    [found] = ecs.describe_disks(request).body.disks.disk
    return int(found.size)


def bandwidth(ecs: Client, instance_id: str, mbps: int, **kwargs: Any) -> Any:
    request = models.ModifyInstanceNetworkSpecRequest(
        instance_id=instance_id, internet_max_bandwidth_out=mbps, **kwargs
    )
    return ecs.modify_instance_network_spec(request)


def resize(ecs: Client, disk_id: str, new_size: int) -> Any:
    return ecs.resize_disk(models.ResizeDiskRequest(disk_id=disk_id, new_size=new_size))


# --- ModifyInstanceNetworkSpec -----------------------------------------------------------------
def test_bandwidth_zero_releases_the_public_ip(ecs: Client) -> None:
    assert instance(ecs, WEB_INSTANCE).public_ip_address.ip_address
    round_trips(ecs, lambda: bandwidth(ecs, WEB_INSTANCE, 0))
    web = instance(ecs, WEB_INSTANCE)
    assert web.internet_max_bandwidth_out == 0
    assert web.public_ip_address.ip_address == []


def test_a_pay_as_you_go_instance_gets_a_public_ip_only_when_asked(ecs: Client) -> None:
    bandwidth(ecs, WEB_INSTANCE, 0)
    bandwidth(ecs, WEB_INSTANCE, 10)
    web = instance(ecs, WEB_INSTANCE)
    assert web.internet_max_bandwidth_out == 10
    assert web.public_ip_address.ip_address == []
    bandwidth(ecs, WEB_INSTANCE, 10, allocate_public_ip=True)
    assert instance(ecs, WEB_INSTANCE).public_ip_address.ip_address


def test_bandwidth_beyond_100_mbps_gets_value_not_supported(ecs: Client) -> None:
    assert ecs_error(lambda: bandwidth(ecs, WEB_INSTANCE, 101)) == (
        "InvalidInternetMaxBandwidthOut.ValueNotSupported",
        400,
    )
    assert instance(ecs, WEB_INSTANCE).internet_max_bandwidth_out == 5


def test_bandwidth_of_an_unknown_instance_gets_not_found(ecs: Client) -> None:
    assert ecs_error(lambda: bandwidth(ecs, "i-bp1nosuch0000000001", 0)) == (
        "InvalidInstanceId.NotFound",
        404,
    )


def test_bandwidth_without_an_instance_id_gets_missing_parameter(ecs: Client) -> None:
    request = models.ModifyInstanceNetworkSpecRequest(internet_max_bandwidth_out=0)
    assert ecs_error(lambda: ecs.modify_instance_network_spec(request)) == (
        "MissingParameter",
        400,
    )


# --- ResizeDisk --------------------------------------------------------------------------------
def test_resize_disk_makes_the_disk_larger(ecs: Client) -> None:
    round_trips(ecs, lambda: resize(ecs, DB_DATA, 200))
    assert disk_size(ecs, DB_DATA) == 200


@pytest.mark.parametrize("new_size", [100, 50])
def test_resize_disk_to_its_size_or_smaller_gets_too_small(ecs: Client, new_size: int) -> None:
    assert ecs_error(lambda: resize(ecs, DB_DATA, new_size)) == ("InvalidDiskSize.TooSmall", 403)
    assert disk_size(ecs, DB_DATA) == 100


def test_resize_disk_beyond_what_the_category_holds_gets_invalid_parameter(ecs: Client) -> None:
    assert ecs_error(lambda: resize(ecs, DB_SYSTEM, 4096)) == ("InvalidParameter", 403)


def test_resize_disk_while_a_snapshot_of_it_uploads_gets_operation_denied(ecs: Client) -> None:
    snapshot(ecs, DB_DATA)
    assert ecs_error(lambda: resize(ecs, DB_DATA, 200)) == ("OperationDenied", 403)


def test_resize_of_an_unknown_disk_gets_not_found(ecs: Client) -> None:
    assert ecs_error(lambda: resize(ecs, "d-bp1nosuch00000000001", 200)) == (
        "InvalidDiskId.NotFound",
        404,
    )


def test_the_source_of_a_resize_keeps_its_other_disks(ecs: Client) -> None:
    resize(ecs, DB_DATA, 300)
    request = models.DescribeDisksRequest(region_id=REGION, instance_id=DB_INSTANCE)
    sizes = {d.disk_id: d.size for d in ecs.describe_disks(request).body.disks.disk}
    assert sizes[DB_DATA] == 300
    assert sizes[DB_SYSTEM] == 40
