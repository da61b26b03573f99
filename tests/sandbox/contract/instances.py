"""The contract's rows of RunInstances."""

from __future__ import annotations

from typing import Any

from alibabacloud_ecs20140526 import models

from tests.sandbox.contract.rows import (
    NO_ENTRY_VSWITCH,
    NO_ENTRY_ZONE,
    SOLD_OUT_VSWITCH,
    SOLD_OUT_ZONE,
    Answers,
    Call,
    Provoke,
    Refused,
    Row,
    at_once,
    data_disk,
    instance_of,
    on_new,
    page,
    uploading_snapshot,
)
from tests.support.demo_world import (
    DB_LOG,
    REGION,
    STAGING_SG,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    full_image,
    run,
)


def _launch_where_entry_is_not_sold(s: RunningSandbox, **overrides: Any) -> str:
    """RunInstances of an ecs.u1 type, which takes cloud_essd_entry, in the zone that does not
    sell it."""
    return run(
        s.ecs,
        zone_id=NO_ENTRY_ZONE,
        v_switch_id=NO_ENTRY_VSWITCH,
        instance_type="ecs.u1-c1m2.large",
        **overrides,
    )


def _named(instance_name: str) -> Provoke:
    """DescribeInstances with InstanceName: the names of the instances it answers, sorted."""

    def call(s: RunningSandbox) -> list[str]:
        request = models.DescribeInstancesRequest(
            region_id=REGION, instance_name=instance_name, page_size=100
        )
        found = s.ecs.describe_instances(request).body.instances.instance
        return sorted(i.instance_name for i in found)

    return at_once(call)


def _launch_from_the_full_image(**overrides: Any) -> Provoke:
    def provoke(s: RunningSandbox) -> Call:
        image_id = full_image(s.ecs, s.handle)
        return lambda: run(s.ecs, image_id=image_id, **overrides)

    return provoke


def _launched_disks(s: RunningSandbox) -> Call:
    image_id = full_image(s.ecs, s.handle)

    def disks() -> list[tuple[str, str, str | None]]:
        instance_id = run(s.ecs, image_id=image_id)
        request = models.DescribeDisksRequest(region_id=REGION, instance_id=instance_id)
        found = s.ecs.describe_disks(request).body.disks.disk
        return sorted((d.device, d.category, d.performance_level) for d in found)

    return disks


def _public_ips(s: RunningSandbox) -> Call:
    def ips() -> tuple[int, int]:
        with_ip = instance_of(s, run(s.ecs, internet_max_bandwidth_out=5))
        without = instance_of(s, run(s.ecs))
        return len(with_ip.public_ip_address.ip_address), len(without.public_ip_address.ip_address)

    return ips


def _launch_statuses(s: RunningSandbox) -> Call:
    instance_id = run(s.ecs)

    def statuses() -> list[str]:
        seen = []
        for seconds in (0, 20, 40):
            s.handle.advance_clock(seconds)
            seen.append(str(instance_of(s, instance_id).status))
        return seen

    return statuses


RUN_ROWS = (
    Row(
        "RunInstances",
        "a zone out of stock of the type",
        Refused("OperationDenied.NoStock", 403),
        page("RunInstances"),
        False,
        at_once(lambda s: run(s.ecs, zone_id=SOLD_OUT_ZONE, v_switch_id=SOLD_OUT_VSWITCH)),
    ),
    Row(
        "RunInstances",
        "a system disk category the zone does not sell",
        Refused("InvalidSystemDiskCategory.ValueNotSupported", 400),
        page("RunInstances"),
        False,
        at_once(
            lambda s: _launch_where_entry_is_not_sold(
                s,
                system_disk=models.RunInstancesRequestSystemDisk(
                    category="cloud_essd_entry", size="40"
                ),
            )
        ),
    ),
    Row(
        "RunInstances",
        "a data disk category the zone does not sell",
        Refused("InvalidDataDiskCategory.ValueNotSupported", 400),
        page("RunInstances"),
        False,
        at_once(
            lambda s: _launch_where_entry_is_not_sold(
                s, data_disk=[data_disk(category="cloud_essd_entry", size=40)]
            )
        ),
    ),
    Row(
        "RunInstances",
        "cloud_essd_entry with a type neither ecs.u1 nor ecs.e",
        Refused("InvalidDiskCategory.NotSupported", 403),
        page("RunInstances"),
        False,
        at_once(lambda s: run(s.ecs, data_disk=[data_disk(category="cloud_essd_entry", size=40)])),
    ),
    Row(
        "RunInstances",
        "DataDisk.N.Device naming no data disk of the image",
        Refused("InvalidDataDevice.Malformed", 400),
        page("RunInstances"),
        False,
        _launch_from_the_full_image(data_disk=[data_disk(device="/dev/xvdq", size=50)]),
    ),
    Row(
        "RunInstances",
        "an override smaller than the image's data disk",
        Refused("InvalidDiskSize.TooSmall", 403),
        page("RunInstances"),
        True,
        _launch_from_the_full_image(
            data_disk=[data_disk(device="/dev/xvdb", category="cloud_auto", size=50)]
        ),
    ),
    Row(
        "RunInstances",
        "SystemDisk.Size smaller than the image (listed under 404)",
        Refused("InvalidSystemDiskSize.LessThanImageSize", 404),
        page("RunInstances"),
        True,
        _launch_from_the_full_image(
            system_disk=models.RunInstancesRequestSystemDisk(category="cloud_essd", size="30")
        ),
    ),
    Row(
        "RunInstances",
        "a DataDisk.N PerformanceLevel its size does not allow (PL2 at 100 GiB)",
        Refused("OperationDenied.PerformanceLevelNotMatch", 403),
        page("RunInstances"),
        True,
        at_once(
            lambda s: run(
                s.ecs,
                data_disk=[data_disk(category="cloud_essd", size=100, performance_level="PL2")],
            )
        ),
    ),
    Row(
        "RunInstances",
        "a non-ESSD data disk from a snapshot still uploading",
        Refused("InvalidSnapshotId.NotReady", 403),
        page("RunInstances"),
        True,
        on_new(
            uploading_snapshot(DB_LOG),
            lambda s, snapshot_id: run(
                s.ecs, data_disk=[data_disk(snapshot_id=snapshot_id, category="cloud_ssd")]
            ),
        ),
    ),
    Row(
        "RunInstances",
        "an unknown VSwitch",
        Refused("InvalidVSwitchId.NotFound", 404),
        page("RunInstances"),
        False,
        at_once(lambda s: run(s.ecs, v_switch_id="vsw-bp1nosuchvswitch0")),
    ),
    Row(
        "RunInstances",
        "a security group of another VPC",
        Refused("InvalidParameter.Mismatch", 400),
        page("RunInstances"),
        False,
        at_once(lambda s: run(s.ecs, security_group_id=STAGING_SG)),
    ),
    Row(
        "RunInstances",
        "a VSwitch outside the ZoneId",
        Refused("InvalidParameter.Mismatch", 400),
        page("RunInstances"),
        False,
        at_once(lambda s: run(s.ecs, zone_id="cn-hangzhou-h")),
    ),
    Row(
        "RunInstances",
        "an unknown image",
        Refused("InvalidImageId.NotFound", 404),
        page("RunInstances"),
        False,
        at_once(lambda s: run(s.ecs, image_id="m-bp1nosuchimage00000")),
    ),
    Row(
        "RunInstances",
        "InternetMaxBandwidthOut 5 and 0: one public IP, none",
        Answers((1, 0)),
        page("RunInstances"),
        False,
        _public_ips,
    ),
    Row(
        "RunInstances",
        "a new instance: Pending, Starting, Running",
        Answers(["Pending", "Starting", "Running"]),
        page("DescribeInstances"),
        False,
        _launch_statuses,
    ),
    Row(
        "RunInstances",
        "from a full image without overrides: data disks cloud_auto, ESSD system disk PL1",
        Answers(
            [
                ("/dev/xvda", "cloud_essd", "PL1"),
                ("/dev/xvdb", "cloud_auto", None),
                ("/dev/xvdc", "cloud_auto", None),
            ]
        ),
        page("RunInstances"),
        False,
        _launched_disks,
    ),
    Row(
        "DescribeInstances",
        "InstanceName without a wildcard: the exact name only",
        Answers(["prod-db-01"]),
        page("DescribeInstances"),
        False,
        _named("prod-db-01"),
    ),
    Row(
        "DescribeInstances",
        "InstanceName with *: any run of characters",
        Answers(["entry-app-01", "legacy-app-01"]),
        page("DescribeInstances"),
        False,
        _named("*-app-*"),
    ),
    Row(
        "DescribeInstances",
        "InstanceName with ? or [: the characters themselves, not wildcards",
        Answers([]),
        page("DescribeInstances"),
        True,
        _named("prod-db-0?"),
    ),
)
