"""RunInstances, DescribeInstances and DeleteInstance through the official SDK."""

from __future__ import annotations

import json
from typing import Any

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    PROD_SG,
    PROD_VPC,
    PUBLIC_IMAGE,
    REGION,
    STAGING_VPC,
    STOPPED_INSTANCE,
    STOPPED_VSWITCH,
    TARGET_INSTANCE,
    WEB_INSTANCE,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.sdk_calls import (
    LAUNCH_ZONE,
    SETTLE_S,
    describe_instance,
    disks_of,
    ecs_error,
    full_image,
    round_trips,
    run,
    run_request,
    snapshot_disks,
    stock_of,
    token_pages,
)


# --- DescribeInstances -----------------------------------------------------------------------
def test_describe_instances_round_trips_exactly_with_every_key_the_product_reads(
    shared: Client,
) -> None:
    request = models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([DB_INSTANCE, WEB_INSTANCE])
    )
    _, raw = round_trips(shared, lambda: shared.describe_instances(request))
    db, web = sorted(raw["Instances"]["Instance"], key=lambda i: i["InstanceId"])
    for key in (
        "InstanceId",
        "InstanceName",
        "HostName",
        "ZoneId",
        "RegionId",
        "InstanceType",
        "Cpu",
        "Memory",
        "Status",
        "InstanceChargeType",
        "InternetChargeType",
        "InternetMaxBandwidthOut",
        "PublicIpAddress",
        "EipAddress",
        "VpcAttributes",
        "SecurityGroupIds",
        "ImageId",
        "CreationTime",
        "OSName",
        "Tags",
    ):
        assert key in db, key
    assert db["Memory"] == 8192 and db["Cpu"] == 2
    assert db["Status"] == "Running"
    assert db["PublicIpAddress"] == {"IpAddress": []}
    assert len(web["PublicIpAddress"]["IpAddress"]) == 1
    assert db["VpcAttributes"]["VpcId"] == PROD_VPC
    assert db["VpcAttributes"]["PrivateIpAddress"]["IpAddress"][0].startswith("172.16.1.")
    assert db["SecurityGroupIds"] == {"SecurityGroupId": [PROD_SG]}
    assert db["CreationTime"] == "2026-01-01T00:00:00Z"


def test_describe_instances_filters_by_zone_vswitch_name_status_and_tag(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    def ids(**filters: Any) -> set[str]:
        request = models.DescribeInstancesRequest(region_id=REGION, page_size=100, **filters)
        return {i.instance_id for i in ecs.describe_instances(request).body.instances.instance}

    assert ids(zone_id="cn-hangzhou-i") == {TARGET_INSTANCE}
    assert ids(v_switch_id=STOPPED_VSWITCH) == {STOPPED_INSTANCE}
    assert ids(status="Stopped") == {STOPPED_INSTANCE}
    assert ids(instance_name="prod-db-*") == {DB_INSTANCE}
    assert ids(vpc_id=STAGING_VPC) == set()
    ecs.tag_resources(
        models.TagResourcesRequest(
            region_id=REGION,
            resource_type="instance",
            resource_id=[DB_INSTANCE],
            tag=[models.TagResourcesRequestTag(key="app", value="db")],
        )
    )
    tag = models.DescribeInstancesRequestTag(key="app", value="db")
    assert ids(tag=[tag]) == {DB_INSTANCE}
    assert len(ids()) == 6


def test_describe_instances_pages_by_page_number_and_by_next_token(
    shared: Client,
) -> None:
    page = shared.describe_instances(
        models.DescribeInstancesRequest(region_id=REGION, page_number=2, page_size=4)
    ).body
    assert (page.total_count, page.page_number, page.page_size) == (6, 2, 4)
    assert len(page.instances.instance) == 2
    pages = token_pages(
        lambda token: (
            shared.describe_instances(
                models.DescribeInstancesRequest(region_id=REGION, max_results=4, next_token=token)
            ).body
        )
    )
    seen = [i.instance_id for body in pages for i in body.instances.instance]
    assert len(seen) == len(set(seen)) == 6


def test_describe_instances_needs_a_known_region(
    shared: Client,
) -> None:
    assert ecs_error(lambda: shared.describe_instances(models.DescribeInstancesRequest())) == (
        "MissingParameter",
        400,
    )
    assert ecs_error(
        lambda: shared.describe_instances(models.DescribeInstancesRequest(region_id="cn-nowhere"))
    ) == ("InvalidRegionId.NotFound", 404)


# --- RunInstances: the happy path -------------------------------------------------------------
def test_run_instances_answers_ids_at_once_and_the_instance_goes_pending_starting_running(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    response, _ = round_trips(ecs, lambda: ecs.run_instances(run_request()))
    [instance_id] = response.body.instance_id_sets.instance_id_set
    assert instance_id.startswith("i-bp1")
    assert describe_instance(ecs, instance_id).status == "Pending"
    sandbox.advance_clock(25)
    assert describe_instance(ecs, instance_id).status == "Starting"
    sandbox.advance_clock(40)
    instance = describe_instance(ecs, instance_id)
    assert instance.status == "Running"
    assert (instance.zone_id, instance.image_id) == (LAUNCH_ZONE, PUBLIC_IMAGE)
    assert instance.vpc_attributes.private_ip_address.ip_address[0].startswith("172.16.2.")
    assert instance.instance_name == "dr-restore"


def test_run_instances_body_round_trips_exactly(ecs: Client) -> None:
    _, raw = round_trips(ecs, lambda: ecs.run_instances(run_request()))
    assert len(raw["InstanceIdSets"]["InstanceIdSet"]) == 1


def test_zero_bandwidth_allocates_no_public_ip(ecs: Client) -> None:
    instance = describe_instance(ecs, run(ecs, internet_max_bandwidth_out=0))
    assert instance.public_ip_address.ip_address == []
    assert instance.internet_max_bandwidth_out == 0


def test_positive_bandwidth_allocates_a_public_ip(ecs: Client) -> None:
    instance = describe_instance(ecs, run(ecs, internet_max_bandwidth_out=5))
    [address] = instance.public_ip_address.ip_address
    assert address.count(".") == 3
    assert instance.internet_max_bandwidth_out == 5


def test_each_new_instance_gets_its_own_private_ip_from_the_vswitch(ecs: Client) -> None:
    ids = ecs.run_instances(run_request(amount=3)).body.instance_id_sets.instance_id_set
    addresses = {
        describe_instance(ecs, i).vpc_attributes.private_ip_address.ip_address[0] for i in ids
    }
    assert len(addresses) == 3
    assert all(a.startswith("172.16.2.") for a in addresses)


def test_run_instances_consumes_stock_of_the_zone(ecs: Client, sandbox: SandboxHandle) -> None:
    before = stock_of(sandbox, LAUNCH_ZONE, "ecs.g7.large")
    ecs.run_instances(run_request(amount=2))
    assert stock_of(sandbox, LAUNCH_ZONE, "ecs.g7.large") == before - 2


def test_new_instance_disks_are_in_use_with_devices_and_an_omitted_pl_gives_pl1(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    instance_id = run(
        ecs,
        system_disk=models.RunInstancesRequestSystemDisk(category="cloud_essd", size="40"),
        data_disk=[models.RunInstancesRequestDataDisk(category="cloud_essd", size=100)],
    )
    system, data = disks_of(sandbox, instance_id)
    assert (system["type"], system["device"], system["size"]) == ("system", "/dev/xvda", 40)
    assert (data["type"], data["device"], data["size"]) == ("data", "/dev/xvdb", 100)
    assert system["performance_level"] == data["performance_level"] == "PL1"
    assert system["status"] == data["status"] == "In_use"


def test_run_instances_tags_the_instance(ecs: Client) -> None:
    instance_id = run(ecs, tag=[models.RunInstancesRequestTag(key="dr:operation", value="op-1")])
    tags = describe_instance(ecs, instance_id).tags.tag
    assert [(t.tag_key, t.tag_value) for t in tags] == [("dr:operation", "op-1")]


def test_run_instances_with_the_same_client_token_creates_one_instance(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    first = run(ecs, client_token="restore-op-1")
    assert ecs_error(lambda: run(ecs, client_token="restore-op-1")) == ("IdempotentProcessing", 403)
    sandbox.advance_clock(CLIENT_TOKEN_PROCESSING_S)
    second = run(ecs, client_token="restore-op-1")
    assert first == second
    assert len(sandbox.state()["regions"][REGION]["instances"]) == 7
    code = ecs_error(lambda: run(ecs, client_token="restore-op-1", instance_name="other"))
    assert code == ("IdempotentParameterMismatch", 400)


def test_dry_run_validates_and_answers_dry_run_operation_without_creating(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    before = stock_of(sandbox, LAUNCH_ZONE, "ecs.g7.large")
    assert ecs_error(lambda: run(ecs, dry_run=True)) == ("DryRunOperation", 400)
    assert len(sandbox.state()["regions"][REGION]["instances"]) == 6
    assert stock_of(sandbox, LAUNCH_ZONE, "ecs.g7.large") == before
    assert ecs_error(lambda: run(ecs, dry_run=True, image_id="m-missing")) == (
        "InvalidImageId.NotFound",
        404,
    )


def test_outcome_fault_leaves_the_new_instance_stuck_in_pending(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    sandbox.add_fault({"kind": "outcome", "action": "RunInstances", "status": "Pending"})
    instance_id = run(ecs)
    sandbox.advance_clock(SETTLE_S)
    assert describe_instance(ecs, instance_id).status == "Pending"


# --- RunInstances from a full image ------------------------------------------------------------
def test_image_data_disks_come_up_as_cloud_auto_with_the_mapping_size(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    instance_id = run(ecs, image_id=full_image(ecs, sandbox))
    system, data, log = disks_of(sandbox, instance_id)
    assert (system["category"], system["size"], system["performance_level"]) == (
        "cloud_essd",
        40,
        "PL1",
    )
    assert [(d["device"], d["category"], d["size"]) for d in (data, log)] == [
        ("/dev/xvdb", "cloud_auto", 100),
        ("/dev/xvdc", "cloud_auto", 500),
    ]
    assert data["performance_level"] is None and data["source_snapshot_id"].startswith("s-")


def test_device_override_replaces_the_image_disk_and_keeps_the_disk_count(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    override = models.RunInstancesRequestDataDisk(
        device="/dev/xvdc", category="cloud_essd", size=500, performance_level="PL2"
    )
    instance_id = run(ecs, image_id=full_image(ecs, sandbox), data_disk=[override])
    disks = disks_of(sandbox, instance_id)
    assert len(disks) == 3
    log = disks[2]
    assert (log["device"], log["category"], log["size"], log["performance_level"]) == (
        "/dev/xvdc",
        "cloud_essd",
        500,
        "PL2",
    )


def test_device_override_without_performance_level_gets_pl1(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    override = models.RunInstancesRequestDataDisk(device="/dev/xvdb", category="cloud_essd")
    instance_id = run(ecs, image_id=full_image(ecs, sandbox), data_disk=[override])
    assert disks_of(sandbox, instance_id)[1]["performance_level"] == "PL1"


def test_snapshot_id_adds_a_disk_beside_the_image_disks(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    image_id = full_image(ecs, sandbox)
    [extra] = snapshot_disks(ecs, sandbox, (DB_DATA,))
    added = models.RunInstancesRequestDataDisk(snapshot_id=extra, category="cloud_essd")
    instance_id = run(ecs, image_id=image_id, data_disk=[added])
    disks = disks_of(sandbox, instance_id)
    assert len(disks) == 4
    new = disks[3]
    assert (new["device"], new["size"], new["source_snapshot_id"]) == ("/dev/xvdd", 100, extra)
    assert new["performance_level"] == "PL1"


def test_a_device_not_in_the_image_gets_invalid_data_device_malformed(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    image_id = full_image(ecs, sandbox)
    for device in ("/dev/xvdd", "/dev/sdb"):
        disk = models.RunInstancesRequestDataDisk(device=device, category="cloud_essd")
        code = ecs_error(lambda d=disk: run(ecs, image_id=image_id, data_disk=[d]))  # type: ignore[misc]
        assert code == ("InvalidDataDevice.Malformed", 400)


def test_override_smaller_than_the_image_disk_gets_invalid_disk_size_too_small(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    disk = models.RunInstancesRequestDataDisk(device="/dev/xvdb", category="cloud_auto", size=50)
    code = ecs_error(lambda: run(ecs, image_id=full_image(ecs, sandbox), data_disk=[disk]))
    assert code == ("InvalidDiskSize.TooSmall", 403)


def test_data_disk_from_an_unknown_snapshot_gets_not_found(
    shared: Client,
) -> None:
    disk = models.RunInstancesRequestDataDisk(snapshot_id="s-bp1missing", category="cloud_essd")
    assert ecs_error(lambda: run(shared, data_disk=[disk])) == ("InvalidSnapshotId.NotFound", 404)


def test_non_essd_data_disk_from_an_uploading_snapshot_gets_not_ready(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    snapshot_id = ecs.create_snapshot(models.CreateSnapshotRequest(disk_id=DB_LOG)).body.snapshot_id
    sandbox.advance_clock(10)
    slow = models.RunInstancesRequestDataDisk(snapshot_id=snapshot_id, category="cloud_ssd")
    assert ecs_error(lambda: run(ecs, data_disk=[slow])) == ("InvalidSnapshotId.NotReady", 403)
    # An ESSD disk may use it already: instant access.
    fast = models.RunInstancesRequestDataDisk(snapshot_id=snapshot_id, category="cloud_essd")
    assert run(ecs, data_disk=[fast]).startswith("i-")
