"""RunInstances, DescribeInstances and DeleteInstance through the official SDK."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S
from ecs_dr.sandbox.models.durations import VSWITCH_PENDING_S
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    PROD_SG,
    PROD_VPC,
    PUBLIC_IMAGE,
    REGION,
    SOURCE_VSWITCH,
    STAGING_SG,
    STAGING_VPC,
    STOPPED_INSTANCE,
    STOPPED_VSWITCH,
    TARGET_INSTANCE,
    WEB_INSTANCE,
    ZONE_K_VSWITCH,
)
from tests.support.sandboxes import RunningSandbox, SandboxHandle, StartSandbox
from tests.support.sdk_calls import (
    LAUNCH_ZONE,
    SETTLE_S,
    ecs_error,
    full_image,
    round_trips,
    run,
    run_essd_only,
    run_request,
    snapshot_disks,
    token_pages,
)


def describe(ecs: Client, instance_id: str) -> Any:
    body = ecs.describe_instances(
        models.DescribeInstancesRequest(region_id=REGION, instance_ids=json.dumps([instance_id]))
    ).body
    [instance] = body.instances.instance
    return instance


def disks_of(sandbox: SandboxHandle, instance_id: str) -> list[dict[str, Any]]:
    disks = sandbox.state()["regions"][REGION]["disks"].values()
    return sorted(
        (d for d in disks if d["instance_id"] == instance_id), key=lambda d: str(d["device"])
    )


def stock(sandbox: SandboxHandle, zone: str, instance_type: str) -> int:
    return int(sandbox.state()["regions"][REGION]["zones"][zone]["stock"][instance_type])


@pytest.fixture
def scarce(sandboxes: StartSandbox) -> RunningSandbox:
    """The demo world where zone I does not sell ecs.r7.large and has 2 ecs.g7.xlarge left."""
    world = json.loads(resources.files("ecs_dr.sandbox").joinpath("demo_world.json").read_text())
    zone = next(z for z in world["regions"][0]["zones"] if z["zone_id"] == LAUNCH_ZONE)
    del zone["instance_types"]["ecs.r7.large"]
    zone["instance_types"]["ecs.g7.xlarge"]["stock"] = 2
    return sandboxes(world)


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
    assert describe(ecs, instance_id).status == "Pending"
    sandbox.advance_clock(25)
    assert describe(ecs, instance_id).status == "Starting"
    sandbox.advance_clock(40)
    instance = describe(ecs, instance_id)
    assert instance.status == "Running"
    assert (instance.zone_id, instance.image_id) == (LAUNCH_ZONE, PUBLIC_IMAGE)
    assert instance.vpc_attributes.private_ip_address.ip_address[0].startswith("172.16.2.")
    assert instance.instance_name == "dr-restore"


def test_run_instances_body_round_trips_exactly(ecs: Client) -> None:
    _, raw = round_trips(ecs, lambda: ecs.run_instances(run_request()))
    assert len(raw["InstanceIdSets"]["InstanceIdSet"]) == 1


def test_zero_bandwidth_allocates_no_public_ip(ecs: Client) -> None:
    instance = describe(ecs, run(ecs, internet_max_bandwidth_out=0))
    assert instance.public_ip_address.ip_address == []
    assert instance.internet_max_bandwidth_out == 0


def test_positive_bandwidth_allocates_a_public_ip(ecs: Client) -> None:
    instance = describe(ecs, run(ecs, internet_max_bandwidth_out=5))
    [address] = instance.public_ip_address.ip_address
    assert address.count(".") == 3
    assert instance.internet_max_bandwidth_out == 5


def test_each_new_instance_gets_its_own_private_ip_from_the_vswitch(ecs: Client) -> None:
    ids = ecs.run_instances(run_request(amount=3)).body.instance_id_sets.instance_id_set
    addresses = {describe(ecs, i).vpc_attributes.private_ip_address.ip_address[0] for i in ids}
    assert len(addresses) == 3
    assert all(a.startswith("172.16.2.") for a in addresses)


def test_run_instances_consumes_stock_of_the_zone(ecs: Client, sandbox: SandboxHandle) -> None:
    before = stock(sandbox, LAUNCH_ZONE, "ecs.g7.large")
    ecs.run_instances(run_request(amount=2))
    assert stock(sandbox, LAUNCH_ZONE, "ecs.g7.large") == before - 2


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
    tags = describe(ecs, instance_id).tags.tag
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
    before = stock(sandbox, LAUNCH_ZONE, "ecs.g7.large")
    assert ecs_error(lambda: run(ecs, dry_run=True)) == ("DryRunOperation", 400)
    assert len(sandbox.state()["regions"][REGION]["instances"]) == 6
    assert stock(sandbox, LAUNCH_ZONE, "ecs.g7.large") == before
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
    assert describe(ecs, instance_id).status == "Pending"


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


# --- RunInstances: refusals ---------------------------------------------------------------------
def test_unknown_image_gets_invalid_image_id_not_found(
    shared: Client,
) -> None:
    assert ecs_error(lambda: run(shared, image_id="m-bp1nothere")) == (
        "InvalidImageId.NotFound",
        404,
    )


def test_image_still_creating_cannot_be_launched(ecs: Client, sandbox: SandboxHandle) -> None:
    [system] = snapshot_disks(ecs, sandbox, (DB_SYSTEM,))
    image_id = ecs.create_image(
        models.CreateImageRequest(region_id=REGION, snapshot_id=system)
    ).body.image_id
    assert ecs_error(lambda: run(ecs, image_id=image_id)) == ("InvalidImageId.NotFound", 404)


def test_unknown_vswitch_gets_invalid_vswitch_id_not_found(
    shared: Client,
) -> None:
    code = ecs_error(lambda: run(shared, v_switch_id="vsw-bp1nothere"))
    assert code == ("InvalidVSwitchId.NotFound", 404)


def test_vswitch_still_pending_gets_incorrect_vswitch_status_until_available(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    created = ecs.create_vswitch(
        models.CreateVSwitchRequest(
            region_id=REGION,
            zone_id="cn-hangzhou-j",
            vpc_id=PROD_VPC,
            cidr_block="172.16.9.0/24",
        )
    ).body.v_switch_id
    target = {"zone_id": "cn-hangzhou-j", "v_switch_id": created}
    assert ecs_error(lambda: run(ecs, **target)) == ("IncorrectVSwitchStatus", 400)
    assert len(sandbox.state()["regions"][REGION]["instances"]) == 6
    sandbox.advance_clock(VSWITCH_PENDING_S)
    assert run(ecs, **target).startswith("i-")


def test_vswitch_outside_the_zone_gets_invalid_parameter_mismatch(
    shared: Client,
) -> None:
    code = ecs_error(lambda: run(shared, v_switch_id=SOURCE_VSWITCH))
    assert code == ("InvalidParameter.Mismatch", 400)


def test_security_group_of_another_vpc_gets_invalid_parameter_mismatch(
    shared: Client,
) -> None:
    code = ecs_error(lambda: run(shared, security_group_id=STAGING_SG))
    assert code == ("InvalidParameter.Mismatch", 400)


def test_unknown_security_group_gets_not_found(
    shared: Client,
) -> None:
    code = ecs_error(lambda: run(shared, security_group_id="sg-bp1nothere"))
    assert code == ("InvalidSecurityGroupId.NotFound", 404)


def test_unknown_zone_gets_invalid_zone_id_not_found(
    shared: Client,
) -> None:
    assert ecs_error(lambda: run(shared, zone_id="cn-hangzhou-z")) == (
        "InvalidZoneId.NotFound",
        404,
    )


def test_zone_out_of_stock_gets_no_stock_and_creates_nothing(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    code = ecs_error(lambda: run(ecs, zone_id="cn-hangzhou-k", v_switch_id=ZONE_K_VSWITCH))
    assert code == ("OperationDenied.NoStock", 403)
    assert len(sandbox.state()["regions"][REGION]["instances"]) == 6


def test_system_disk_category_not_sold_in_the_zone_is_refused(
    shared: Client,
) -> None:
    entry = models.RunInstancesRequestSystemDisk(category="cloud_essd_entry", size="40")
    code = ecs_error(
        lambda: run(
            shared,
            zone_id="cn-hangzhou-l",
            v_switch_id=STOPPED_VSWITCH,
            instance_type="ecs.u1-c1m2.large",
            system_disk=entry,
        )
    )
    assert code == ("InvalidSystemDiskCategory.ValueNotSupported", 400)


def test_an_essd_only_type_refuses_another_system_disk_category(lab: RunningSandbox) -> None:
    assert ecs_error(lambda: run_essd_only(lab.ecs, "cloud_efficiency")) == (
        "InvalidDiskCategory.NotSupported",
        403,
    )
    assert run_essd_only(lab.ecs, "cloud_essd").startswith("i-")


def test_data_disk_category_not_sold_in_the_zone_is_refused(
    shared: Client,
) -> None:
    entry = models.RunInstancesRequestDataDisk(category="cloud_essd_entry", size=40)
    code = ecs_error(
        lambda: run(
            shared,
            zone_id="cn-hangzhou-l",
            v_switch_id=STOPPED_VSWITCH,
            instance_type="ecs.u1-c1m2.large",
            data_disk=[entry],
        )
    )
    assert code == ("InvalidDataDiskCategory.ValueNotSupported", 400)


def test_essd_entry_needs_a_u1_or_e_instance_type(ecs: Client) -> None:
    entry = models.RunInstancesRequestSystemDisk(category="cloud_essd_entry", size="40")
    code = ecs_error(lambda: run(ecs, system_disk=entry))
    assert code == ("InvalidDiskCategory.NotSupported", 403)
    assert run(ecs, instance_type="ecs.u1-c1m2.large", system_disk=entry).startswith("i-")


def test_performance_level_below_its_size_range_is_refused(
    shared: Client,
) -> None:
    pl2 = models.RunInstancesRequestDataDisk(
        category="cloud_essd", size=100, performance_level="PL2"
    )
    code = ecs_error(lambda: run(shared, data_disk=[pl2]))
    assert code == ("OperationDenied.PerformanceLevelNotMatch", 403)
    unknown = models.RunInstancesRequestDataDisk(
        category="cloud_essd", size=100, performance_level="PL7"
    )
    assert ecs_error(lambda: run(shared, data_disk=[unknown])) == (
        "InvalidPerformanceLevel.Malformed",
        400,
    )


def test_system_disk_over_2048_gib_gets_invalid_disk_size_too_large(shared: Client) -> None:
    huge = models.RunInstancesRequestSystemDisk(category="cloud_essd", size="2049")
    assert ecs_error(lambda: run(shared, system_disk=huge)) == ("InvalidDiskSize.TooLarge", 400)
    # A data disk of the same size is in range.
    data = models.RunInstancesRequestDataDisk(category="cloud_essd", size=2049)
    assert run(shared, data_disk=[data]).startswith("i-")


def test_system_disk_smaller_than_the_image_is_refused(ecs: Client, sandbox: SandboxHandle) -> None:
    small = models.RunInstancesRequestSystemDisk(category="cloud_essd", size="30")
    code = ecs_error(lambda: run(ecs, image_id=full_image(ecs, sandbox), system_disk=small))
    assert code == ("InvalidSystemDiskSize.LessThanImageSize", 404)


def test_more_data_disks_than_the_type_takes_gets_instance_disk_limit_exceeded(
    shared: Client,
) -> None:
    disks = [models.RunInstancesRequestDataDisk(category="cloud_essd", size=20)] * 9
    code = ecs_error(lambda: run(shared, instance_type="ecs.e-c1m2.large", data_disk=disks))
    assert code == ("InstanceDiskLimitExceeded", 403)


def test_unknown_instance_type_gets_not_found(shared: Client) -> None:
    code = ecs_error(lambda: run(shared, instance_type="ecs.nothere.large"))
    assert code == ("InvalidInstanceType.NotFound", 404)


def test_missing_image_id_gets_missing_parameter(
    shared: Client,
) -> None:
    assert ecs_error(lambda: run(shared, image_id=None)) == ("MissingParameter", 400)


def test_type_not_sold_in_the_zone_gets_zone_not_supported(scarce: RunningSandbox) -> None:
    code = ecs_error(lambda: run(scarce.ecs, instance_type="ecs.r7.large"))
    assert code == ("InvalidInstanceType.ZoneNotSupported", 403)


def test_min_amount_launches_what_stock_allows(scarce: RunningSandbox) -> None:
    sandbox, ecs = scarce.handle, scarce.ecs
    xlarge = {"instance_type": "ecs.g7.xlarge", "amount": 3}
    assert ecs_error(lambda: ecs.run_instances(run_request(**xlarge))) == (
        "OperationDenied.NoStock",
        403,
    )
    ids = ecs.run_instances(run_request(min_amount=2, **xlarge)).body.instance_id_sets
    assert len(ids.instance_id_set) == 2
    assert stock(sandbox, LAUNCH_ZONE, "ecs.g7.xlarge") == 0


# --- DeleteInstance ---------------------------------------------------------------------------
def test_deleting_a_running_instance_needs_force(ecs: Client, sandbox: SandboxHandle) -> None:
    request = models.DeleteInstanceRequest(instance_id=DB_INSTANCE)
    assert ecs_error(lambda: ecs.delete_instance(request)) == ("IncorrectInstanceStatus", 403)
    forced = models.DeleteInstanceRequest(instance_id=DB_INSTANCE, force=True)
    round_trips(ecs, lambda: ecs.delete_instance(forced))
    assert DB_INSTANCE not in sandbox.state()["regions"][REGION]["instances"]


@pytest.mark.parametrize("force", [False, True])
def test_deleting_an_instance_still_launching_is_initializing_until_it_runs(
    ecs: Client, sandbox: SandboxHandle, force: bool
) -> None:
    instance_id = run(ecs)
    request = models.DeleteInstanceRequest(instance_id=instance_id, force=force)
    for status, seconds in (("Pending", 20), ("Starting", 40)):
        assert describe(ecs, instance_id).status == status
        assert ecs_error(lambda: ecs.delete_instance(request)) == (
            "IncorrectInstanceStatus.Initializing",
            403,
        )
        sandbox.advance_clock(seconds)
    forced = models.DeleteInstanceRequest(instance_id=instance_id, force=True)
    ecs.delete_instance(forced)


def test_deleting_a_stopped_instance_needs_no_force(ecs: Client, sandbox: SandboxHandle) -> None:
    request = models.DeleteInstanceRequest(instance_id=STOPPED_INSTANCE)
    _, raw = round_trips(ecs, lambda: ecs.delete_instance(request))
    assert set(raw) == {"RequestId"}
    assert STOPPED_INSTANCE not in sandbox.state()["regions"][REGION]["instances"]


def test_delete_instance_deletes_its_disks_but_detaches_those_kept(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    kept = models.RunInstancesRequestDataDisk(
        category="cloud_essd", size=50, delete_with_instance=False
    )
    gone = models.RunInstancesRequestDataDisk(category="cloud_essd", size=60)
    instance_id = run(ecs, data_disk=[kept, gone], tag=[models.RunInstancesRequestTag(key="k")])
    system, keep, drop = disks_of(sandbox, instance_id)
    sandbox.advance_clock(SETTLE_S)
    ecs.delete_instance(models.DeleteInstanceRequest(instance_id=instance_id, force=True))
    disks = sandbox.state()["regions"][REGION]["disks"]
    assert system["disk_id"] not in disks and drop["disk_id"] not in disks
    left = disks[keep["disk_id"]]
    assert (left["status"], left["instance_id"], left["device"]) == ("Available", None, "")
    tags = sandbox.state()["regions"][REGION]["tags"]
    assert not [t for t in tags if t["resource_id"] == instance_id]


def test_deleting_an_unknown_instance_gets_not_found(
    shared: Client,
) -> None:
    request = models.DeleteInstanceRequest(instance_id="i-bp1nothere", force=True)
    assert ecs_error(lambda: shared.delete_instance(request)) == ("InvalidInstanceId.NotFound", 404)
