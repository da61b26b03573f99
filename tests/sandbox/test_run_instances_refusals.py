"""RunInstances refused as ECS refuses it, and DeleteInstance, on the demo world through the
official SDK."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.models.durations import VSWITCH_PENDING_S
from tests.support.demo_world import (
    DB_INSTANCE,
    DB_SYSTEM,
    PROD_VPC,
    REGION,
    SOURCE_VSWITCH,
    STAGING_SG,
    STOPPED_INSTANCE,
    STOPPED_VSWITCH,
    ZONE_K_VSWITCH,
)
from tests.support.sandboxes import RunningSandbox, SandboxHandle, StartSandbox
from tests.support.sdk_calls import (
    LAUNCH_ZONE,
    SETTLE_S,
    describe_instance,
    disks_of,
    ecs_error,
    full_image,
    round_trips,
    run,
    run_essd_only,
    run_request,
    snapshot_disks,
    stock_of,
)


@pytest.fixture
def scarce(sandboxes: StartSandbox) -> RunningSandbox:
    """The demo world where zone I does not sell ecs.r7.large and has 2 ecs.g7.xlarge left."""
    world = json.loads(resources.files("ecs_dr.sandbox").joinpath("demo_world.json").read_text())
    zone = next(z for z in world["regions"][0]["zones"] if z["zone_id"] == LAUNCH_ZONE)
    del zone["instance_types"]["ecs.r7.large"]
    zone["instance_types"]["ecs.g7.xlarge"]["stock"] = 2
    return sandboxes(world)


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
    assert stock_of(sandbox, LAUNCH_ZONE, "ecs.g7.xlarge") == 0


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
        assert describe_instance(ecs, instance_id).status == status
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
