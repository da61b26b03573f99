"""Account quotas through the official SDK: the world file's `quotas`, enforced per region with
ECS's codes (all 403), and a refusal that changes nothing.

The module's sandbox serves the demo world with low quotas. In cn-hangzhou the demo world's
pay-as-you-go instances hold 10 vCPUs (five running 2-vCPU instances; batch-worker-01 is
Stopped and holds none) and 4 data disks of 900 GiB in all, and no snapshot or custom image
exists. DescribeAccountAttributes reports the vCPU and disk capacity quotas.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.world import QuotaSpec, WorldError, load_world, parse_world
from tests.support.demo_world import (
    DB_DISKS,
    DB_INSTANCE,
    DB_SYSTEM,
    LEGACY_DATA,
    REGION,
    SHANGHAI_DATA,
    WEB_INSTANCE,
    WEB_SYSTEM,
    ZONE_K_VSWITCH,
)
from tests.support.sandboxes import RunningSandbox, StartSandbox, World
from tests.support.sdk_calls import (
    LAUNCH_ZONE,
    SETTLE_S,
    create_disk,
    ecs_error,
    round_trips,
    run,
    run_request,
    snapshot,
)

QUOTAS = {
    "snapshots": 5,
    "concurrent_snapshots": 3,
    "custom_images": 2,
    "postpaid_vcpus": 16,  # the demo world holds 10: room for three 2-vCPU instances
    "postpaid_data_disks": 6,  # the demo world holds 4: room for two
    "postpaid_disk_capacity_gib": 1000,  # the demo world holds 900 GiB: room for 100
}
DISK_READY_S = 15.0


def demo_world(**quotas: Any) -> World:
    world: World = json.loads(
        resources.files("ecs_dr.sandbox").joinpath("demo_world.json").read_text()
    )
    world["quotas"] = quotas
    return world


@pytest.fixture(scope="module")
def quota_server(module_sandboxes: StartSandbox) -> RunningSandbox:
    return module_sandboxes(demo_world(**QUOTAS))


@pytest.fixture
def low(quota_server: RunningSandbox) -> RunningSandbox:
    """The module's low-quota sandbox, reset for this test."""
    return quota_server.fresh()


def held(served: RunningSandbox, collection: str, region: str = REGION) -> int:
    return len(served.handle.state()["regions"][region][collection])


def stock(served: RunningSandbox, zone: str = LAUNCH_ZONE) -> int:
    return int(served.handle.state()["regions"][REGION]["zones"][zone]["stock"]["ecs.g7.large"])


def image_of(ecs: Client, **fields: Any) -> str:
    request = models.CreateImageRequest(region_id=REGION, **fields)
    return str(ecs.create_image(request).body.image_id)


def group_of(ecs: Client, instance_id: str) -> str:
    request = models.CreateSnapshotGroupRequest(region_id=REGION, instance_id=instance_id)
    return str(ecs.create_snapshot_group(request).body.snapshot_group_id)


# --- the world file -----------------------------------------------------------------------
def test_quotas_left_out_get_generous_defaults_and_ecs_image_quota() -> None:
    assert load_world(None).quotas == QuotaSpec()
    assert QuotaSpec().custom_images == 100
    assert parse_world(demo_world(snapshots=7)).quotas == QuotaSpec(snapshots=7)


@pytest.mark.parametrize(
    ("quotas", "named"),
    [
        ({"snapshots": -1}, "quotas.snapshots: Input should be greater than or equal to 0"),
        ({"postpaid_vcpus": "lots"}, "quotas.postpaid_vcpus: Input should be a valid integer"),
        ({"custom_images": True}, "quotas.custom_images: Input should be a valid integer"),
        ({"concurrent_snapshots": 2.5}, "quotas.concurrent_snapshots: Input should be a valid"),
        ({"snapshot": 5}, "quotas.snapshot: Extra inputs are not permitted"),
        ([], "quotas: Input should be"),
    ],
)
def test_a_bad_quota_is_refused_naming_the_field(quotas: Any, named: str) -> None:
    world = demo_world()
    world["quotas"] = quotas
    with pytest.raises(WorldError) as info:
        parse_world(world)
    assert named in str(info.value)


def test_the_state_shows_the_quotas(low: RunningSandbox) -> None:
    assert low.handle.state()["quotas"] == QUOTAS


# --- QuotaExceed.Snapshot / QuotaExceed.ConcurrentSnapshotQuota ------------------------------
def test_a_snapshot_past_the_region_quota_gets_quota_exceed_snapshot(low: RunningSandbox) -> None:
    ecs = low.ecs
    first, *_ = [snapshot(ecs, disk_id) for disk_id in DB_DISKS]
    low.handle.advance_clock(SETTLE_S)
    snapshot(ecs, WEB_SYSTEM)
    snapshot(ecs, LEGACY_DATA)
    assert ecs_error(lambda: snapshot(ecs, DB_SYSTEM)) == ("QuotaExceed.Snapshot", 403)
    assert held(low, "snapshots") == 5
    # The quota is per region: Shanghai has room.
    assert snapshot(ecs, SHANGHAI_DATA).startswith("s-")
    ecs.delete_snapshot(models.DeleteSnapshotRequest(snapshot_id=first))
    assert snapshot(ecs, DB_SYSTEM).startswith("s-")


def test_a_group_or_an_image_of_an_instance_must_fit_the_snapshot_quota(
    low: RunningSandbox,
) -> None:
    ecs = low.ecs
    for disk_id in DB_DISKS:
        snapshot(ecs, disk_id)
    low.handle.advance_clock(SETTLE_S)
    # prod-db-01 has three disks: 3 + 3 > 5.
    assert ecs_error(lambda: group_of(ecs, DB_INSTANCE)) == ("QuotaExceed.Snapshot", 403)
    image = lambda: image_of(ecs, instance_id=DB_INSTANCE, image_name="prod-db")  # noqa: E731
    assert ecs_error(image) == ("QuotaExceed.Snapshot", 403)
    assert (held(low, "snapshots"), held(low, "snapshot_groups"), held(low, "images")) == (3, 0, 0)


def test_snapshots_in_progress_past_the_concurrent_quota_are_refused_until_one_ends(
    low: RunningSandbox,
) -> None:
    ecs = low.ecs
    for disk_id in DB_DISKS:
        snapshot(ecs, disk_id)
    code = ("QuotaExceed.ConcurrentSnapshotQuota", 403)
    assert ecs_error(lambda: snapshot(ecs, WEB_SYSTEM)) == code
    assert ecs_error(lambda: group_of(ecs, WEB_INSTANCE)) == code
    assert (held(low, "snapshots"), held(low, "snapshot_groups")) == (3, 0)
    low.handle.advance_clock(SETTLE_S)
    assert group_of(ecs, WEB_INSTANCE).startswith("ssg-")


# --- QuotaExceed.Image -------------------------------------------------------------------------
def test_a_custom_image_past_the_quota_gets_quota_exceed_image(low: RunningSandbox) -> None:
    ecs = low.ecs
    system = snapshot(ecs, DB_SYSTEM)
    low.handle.advance_clock(SETTLE_S)
    first = image_of(ecs, snapshot_id=system)
    image_of(ecs, snapshot_id=system)
    assert ecs_error(lambda: image_of(ecs, snapshot_id=system)) == ("QuotaExceed.Image", 403)
    assert held(low, "images") == 2
    low.handle.advance_clock(SETTLE_S)
    ecs.delete_image(models.DeleteImageRequest(region_id=REGION, image_id=first))
    assert image_of(ecs, snapshot_id=system).startswith("m-")


# --- QuotaExceed.ElasticQuota ------------------------------------------------------------------
def test_pay_as_you_go_vcpus_past_the_quota_get_elastic_quota_and_launch_nothing(
    low: RunningSandbox,
) -> None:
    ecs = low.ecs
    code = ecs_error(lambda: ecs.run_instances(run_request(amount=4)))
    assert code == ("QuotaExceed.ElasticQuota", 403)
    assert (held(low, "instances"), stock(low)) == (6, 50)
    # MinAmount takes what the quota allows, as it takes what the stock allows.
    launched = ecs.run_instances(run_request(amount=4, min_amount=2)).body.instance_id_sets
    assert len(launched.instance_id_set) == 3
    assert ecs_error(lambda: run(ecs)) == ("QuotaExceed.ElasticQuota", 403)
    dry = run_request(dry_run=True)
    assert ecs_error(lambda: ecs.run_instances(dry)) == ("QuotaExceed.ElasticQuota", 403)


def test_a_released_instance_frees_its_vcpus_and_subscriptions_are_not_counted(
    low: RunningSandbox,
) -> None:
    ecs = low.ecs
    ids = ecs.run_instances(run_request(amount=3)).body.instance_id_sets.instance_id_set
    assert ecs_error(lambda: run(ecs)) == ("QuotaExceed.ElasticQuota", 403)
    assert run(ecs, instance_charge_type="PrePaid").startswith("i-")
    low.handle.advance_clock(SETTLE_S)  # Running: a launch under way cannot be released yet
    ecs.delete_instance(models.DeleteInstanceRequest(instance_id=ids[0], force=True))
    assert run(ecs).startswith("i-")


def test_vcpus_past_the_quota_in_a_zone_out_of_stock_get_no_stock(low: RunningSandbox) -> None:
    out_of_stock = {"zone_id": "cn-hangzhou-k", "v_switch_id": ZONE_K_VSWITCH}
    code = ecs_error(lambda: low.ecs.run_instances(run_request(amount=4, **out_of_stock)))
    assert code == ("OperationDenied.NoStock", 403)


# --- QuotaExceed.PostPaidDisk ------------------------------------------------------------------
def test_pay_as_you_go_data_disks_past_the_quota_get_post_paid_disk(low: RunningSandbox) -> None:
    ecs = low.ecs
    first = create_disk(ecs, size=40)
    create_disk(ecs, size=40)
    code = ("QuotaExceed.PostPaidDisk", 403)
    assert ecs_error(lambda: create_disk(ecs, size=40)) == code
    assert held(low, "disks") == 12
    data = models.RunInstancesRequestDataDisk(category="cloud_essd", size=40)
    assert ecs_error(lambda: run(ecs, data_disk=[data])) == code
    assert (held(low, "instances"), held(low, "disks"), stock(low)) == (6, 12, 50)
    # A system disk is not a data disk.
    assert run(ecs).startswith("i-")
    low.handle.advance_clock(DISK_READY_S)
    ecs.delete_disk(models.DeleteDiskRequest(disk_id=first))
    assert create_disk(ecs, size=40).startswith("d-")


def test_disks_of_a_subscription_instance_are_not_pay_as_you_go(low: RunningSandbox) -> None:
    ecs = low.ecs
    create_disk(ecs, size=40)
    create_disk(ecs, size=40)
    data = models.RunInstancesRequestDataDisk(category="cloud_essd", size=40)
    prepaid = run(ecs, instance_charge_type="PrePaid", data_disk=[data])
    low.handle.advance_clock(SETTLE_S)
    disk_id = create_disk(ecs, size=40, instance_id=prepaid)
    request = models.DescribeDisksRequest(region_id=REGION, instance_id=prepaid)
    disks = ecs.describe_disks(request).body.disks.disk
    assert {d.disk_charge_type for d in disks} == {"PrePaid"}
    assert disk_id in {d.disk_id for d in disks}
    assert ecs_error(lambda: create_disk(ecs, size=40)) == ("QuotaExceed.PostPaidDisk", 403)


def test_pay_as_you_go_disk_capacity_past_the_quota_gets_post_paid_disk(
    low: RunningSandbox,
) -> None:
    ecs = low.ecs
    code = ("QuotaExceed.PostPaidDisk", 403)
    # 900 GiB held, 1000 allowed: 101 GiB does not fit, 100 does; then 20 more does not.
    assert ecs_error(lambda: create_disk(ecs, size=101)) == code
    data = models.RunInstancesRequestDataDisk(category="cloud_essd", size=101)
    assert ecs_error(lambda: run(ecs, data_disk=[data])) == code
    assert (held(low, "instances"), held(low, "disks")) == (6, 10)
    create_disk(ecs, size=100)
    assert ecs_error(lambda: create_disk(ecs, size=20)) == code
    # A subscription instance's disks are not pay-as-you-go capacity.
    prepaid = models.RunInstancesRequestDataDisk(category="cloud_essd", size=200)
    assert run(ecs, instance_charge_type="PrePaid", data_disk=[prepaid]).startswith("i-")


# --- DescribeAccountAttributes -----------------------------------------------------------------
VCPU_AND_DISK = [
    "max-postpaid-instance-vcpu-count",
    "used-postpaid-instance-vcpu-count",
    "max-postpaid-yundisk-capacity",
    "used-postpaid-yundisk-capacity",
]


def account_attributes(ecs: Client, *names: str, **fields: Any) -> dict[str, list[str]]:
    """DescribeAccountAttributes' answer as name -> values, its body checked against the SDK
    model key for key."""
    request = models.DescribeAccountAttributesRequest(
        region_id=fields.pop("region_id", REGION), attribute_name=list(names) or None, **fields
    )
    response, raw = round_trips(ecs, lambda: ecs.describe_account_attributes(request))
    assert raw["RequestId"]
    items = response.body.account_attribute_items.account_attribute_item
    return {i.attribute_name: [v.value for v in i.attribute_values.value_item] for i in items}


def test_account_attributes_report_the_vcpu_and_disk_quotas_and_their_use(
    low: RunningSandbox,
) -> None:
    ecs = low.ecs
    assert account_attributes(ecs, *VCPU_AND_DISK) == {
        "max-postpaid-instance-vcpu-count": ["16"],
        "used-postpaid-instance-vcpu-count": ["10"],
        "max-postpaid-yundisk-capacity": ["1000"],
        "used-postpaid-yundisk-capacity": ["900"],
    }
    # Shanghai: one running 2-vCPU instance with a 200 GiB data disk; a zone changes nothing.
    shanghai = account_attributes(ecs, *VCPU_AND_DISK, region_id="cn-shanghai")
    assert shanghai["used-postpaid-instance-vcpu-count"] == ["2"]
    assert shanghai["used-postpaid-yundisk-capacity"] == ["200"]
    zoned = account_attributes(ecs, *VCPU_AND_DISK, zone_id="cn-hangzhou-h")
    assert zoned == account_attributes(ecs, *VCPU_AND_DISK)


def test_used_vcpus_count_pay_as_you_go_instances_not_stopped_as_the_quota_does(
    low: RunningSandbox,
) -> None:
    ecs = low.ecs
    run(ecs)
    run(ecs, instance_charge_type="PrePaid")
    create_disk(ecs, size=60)
    used = account_attributes(
        ecs, "used-postpaid-instance-vcpu-count", "used-postpaid-yundisk-capacity"
    )
    assert used == {
        "used-postpaid-instance-vcpu-count": ["12"],
        "used-postpaid-yundisk-capacity": ["960"],
    }
    # What is reported left is what RunInstances lets run: (16 - 12) / 2 = two more.
    launched = ecs.run_instances(run_request(amount=3, min_amount=1)).body.instance_id_sets
    assert len(launched.instance_id_set) == 2


def test_account_attributes_without_names_answer_every_documented_one_once(
    demo: RunningSandbox,
) -> None:
    every = account_attributes(demo.ecs)
    assert len(every) == 15
    assert every["max-postpaid-instance-vcpu-count"] == [str(QuotaSpec().postpaid_vcpus)]
    assert every["real-name-authentication"] == ["yes"]
    assert "ecs.g7.large" in every["supported-postpaid-instance-types"]
    twice = account_attributes(demo.ecs, "max-security-groups", "max-security-groups")
    assert list(twice) == ["max-security-groups"]


@pytest.mark.parametrize(
    ("names", "fields", "code"),
    [
        (["max-postpaid-vcpus"], {}, ("InvalidParameter", 400)),
        (VCPU_AND_DISK * 3, {}, ("InvalidParameter", 400)),
        ([], {"region_id": "cn-nowhere"}, ("InvalidRegionId.NotFound", 404)),
        ([], {"zone_id": "cn-shanghai-b"}, ("InvalidZoneId.NotFound", 404)),
    ],
)
def test_account_attributes_refuse_an_unknown_name_region_or_zone(
    demo: RunningSandbox, names: list[str], fields: dict[str, str], code: tuple[str, int]
) -> None:
    assert ecs_error(lambda: account_attributes(demo.ecs, *names, **fields)) == code
