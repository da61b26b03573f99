"""What every row of the contract shares: the row itself, how a row provokes its answer, and
the SDK calls several families of rows make."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from alibabacloud_ecs20140526 import models

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_SYSTEM,
    REGION,
    STOPPED_VSWITCH,
    ZONE_K_VSWITCH,
)
from tests.support.lab_world import ESSD_ONLY_TYPE, LAB_ZONE
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    SETTLE_S,
    create_disk,
    snapshot,
    snapshot_disks,
)

Call = Callable[[], object]
Provoke = Callable[[RunningSandbox], Call]

SOLD_OUT_ZONE, SOLD_OUT_VSWITCH = "cn-hangzhou-k", ZONE_K_VSWITCH  # no ecs.g7.large
NO_ENTRY_ZONE, NO_ENTRY_VSWITCH = "cn-hangzhou-l", STOPPED_VSWITCH  # no ESSD Entry
# 100 GiB ESSD: its snapshot is instantly available after 5 s and accomplished after 90 s.
DB_DATA_INSTANT_ACCESS_S = 6.0
SNAPSHOT_GROUP_TAG = {"ecs-dr": "op-1"}


@dataclass(frozen=True)
class Refused:
    code: str
    status: int


@dataclass(frozen=True)
class Answers:
    result: object


@dataclass(frozen=True)
class Row:
    action: str
    condition: str
    answer: Refused | Answers
    page: str
    was_wrong: bool
    provoke: Provoke
    world: Literal["demo", "lab"] = "demo"


def page(action: str) -> str:
    return f"ECS API reference: {action}"


def at_once(call: Callable[[RunningSandbox], object]) -> Provoke:
    """A row with nothing to set up: the call itself."""
    return lambda served: lambda: call(served)


def after(
    setup: Callable[[RunningSandbox], object], call: Callable[[RunningSandbox], object]
) -> Provoke:
    """A row whose condition `setup` makes; then the call."""

    def provoke(s: RunningSandbox) -> Call:
        setup(s)
        return lambda: call(s)

    return provoke


def twice(make: Callable[[RunningSandbox], object]) -> Provoke:
    """The same call again, right after the first."""
    return after(make, make)


def on_new(
    make: Callable[[RunningSandbox], str], call: Callable[[RunningSandbox, str], object]
) -> Provoke:
    """A row whose condition is a resource `make` creates; then the call, on its id."""

    def provoke(s: RunningSandbox) -> Call:
        resource_id = make(s)
        return lambda: call(s, resource_id)

    return provoke


def again_once_processed(make: Callable[[RunningSandbox], object]) -> Provoke:
    """A create, then the same again once its ClientToken is processed: whether the second
    answers what the first did."""

    def provoke(s: RunningSandbox) -> Call:
        first = make(s)
        s.handle.advance_clock(CLIENT_TOKEN_PROCESSING_S)
        return lambda: make(s) == first

    return provoke


# --- SDK calls the rows share -----------------------------------------------------------------
def group(s: RunningSandbox, region: str = REGION, **kwargs: Any) -> str:
    request = models.CreateSnapshotGroupRequest(region_id=region, **kwargs)
    return str(s.ecs.create_snapshot_group(request).body.snapshot_group_id)


def group_of(s: RunningSandbox, group_id: str) -> Any:
    request = models.DescribeSnapshotGroupsRequest(region_id=REGION, snapshot_group_id=[group_id])
    [found] = s.ecs.describe_snapshot_groups(request).body.snapshot_groups.snapshot_group
    return found


def snapshot_of(s: RunningSandbox, snapshot_id: str) -> Any:
    request = models.DescribeSnapshotsRequest(
        region_id=REGION, snapshot_ids=json.dumps([snapshot_id])
    )
    [found] = s.ecs.describe_snapshots(request).body.snapshots.snapshot
    return found


def disk_of(s: RunningSandbox, disk_id: str) -> Any:
    request = models.DescribeDisksRequest(region_id=REGION, disk_ids=json.dumps([disk_id]))
    [found] = s.ecs.describe_disks(request).body.disks.disk
    return found


def instance_of(s: RunningSandbox, instance_id: str) -> Any:
    request = models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([instance_id])
    )
    [found] = s.ecs.describe_instances(request).body.instances.instance
    return found


def tag(s: RunningSandbox, resource_type: str, ids: list[str], tags: dict[str, str]) -> None:
    s.ecs.tag_resources(
        models.TagResourcesRequest(
            region_id=REGION,
            resource_type=resource_type,
            resource_id=ids,
            tag=[models.TagResourcesRequestTag(key=k, value=v) for k, v in tags.items()],
        )
    )


def listed(s: RunningSandbox, resource_type: str, ids: list[str]) -> list[tuple[str, str, str]]:
    request = models.ListTagResourcesRequest(
        region_id=REGION, resource_type=resource_type, resource_id=ids
    )
    rows = s.ecs.list_tag_resources(request).body.tag_resources.tag_resource
    return sorted((r.resource_id, r.tag_key, r.tag_value) for r in rows)


def image(s: RunningSandbox, **kwargs: Any) -> str:
    request = models.CreateImageRequest(region_id=REGION, **kwargs)
    return str(s.ecs.create_image(request).body.image_id)


def mapping(**kwargs: Any) -> models.CreateImageRequestDiskDeviceMapping:
    return models.CreateImageRequestDiskDeviceMapping(**kwargs)


def data_disk(**kwargs: Any) -> models.RunInstancesRequestDataDisk:
    return models.RunInstancesRequestDataDisk(**kwargs)


def attach(s: RunningSandbox, instance_id: str, disk_id: str, **kwargs: Any) -> None:
    request = models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id, **kwargs)
    s.ecs.attach_disk(request)


def delete_instance(s: RunningSandbox, instance_id: str, force: bool) -> None:
    request = models.DeleteInstanceRequest(instance_id=instance_id, force=force)
    s.ecs.delete_instance(request)


def delete_snapshot(s: RunningSandbox, snapshot_id: str, force: bool = False) -> None:
    s.ecs.delete_snapshot(models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=force))


def lab_offers(s: RunningSandbox, destination: str, **kwargs: Any) -> list[str]:
    """The categories DescribeAvailableResource offers the ESSD-only type in the lab zone."""
    request = models.DescribeAvailableResourceRequest(
        region_id=REGION,
        destination_resource=destination,
        instance_type=ESSD_ONLY_TYPE,
        zone_id=LAB_ZONE,
        **kwargs,
    )
    zones = s.ecs.describe_available_resource(request).body.available_zones.available_zone
    return sorted(
        offer.value
        for zone in zones
        for resource in zone.available_resources.available_resource
        for offer in resource.supported_resources.supported_resource
    )


def settled(s: RunningSandbox) -> None:
    s.handle.advance_clock(SETTLE_S)


def creating_disk(s: RunningSandbox) -> str:
    """A new 40 GiB data disk in zone H, still Creating."""
    return create_disk(s.ecs, size=40)


def available_disk(s: RunningSandbox, **kwargs: Any) -> str:
    """A new data disk in zone H (unless `zone_id` says otherwise), past Creating."""
    disk_id = create_disk(s.ecs, size=40, **kwargs)
    s.handle.advance_clock(15)
    return disk_id


def lab_disk(s: RunningSandbox) -> str:
    """A new data disk in the lab world's zone, past Creating."""
    return available_disk(s, zone_id=LAB_ZONE)


def attach_new(
    new_disk: Callable[[RunningSandbox], str], instance_id: str, **kwargs: Any
) -> Provoke:
    """AttachDisk to `instance_id` of a disk `new_disk` creates."""
    return on_new(new_disk, lambda s, disk_id: attach(s, instance_id, disk_id, **kwargs))


def db_group(s: RunningSandbox) -> str:
    """CreateSnapshotGroup of prod-db-01."""
    return group(s, instance_id=DB_INSTANCE)


def data_snapshot(s: RunningSandbox) -> str:
    """CreateSnapshot of prod-db-01's 100 GiB data disk."""
    return snapshot(s.ecs, DB_DATA)


def uploading_snapshot(disk_id: str) -> Callable[[RunningSandbox], str]:
    """A new snapshot of `disk_id`, DB_DATA_INSTANT_ACCESS_S on: still uploading."""

    def make(s: RunningSandbox) -> str:
        snapshot_id = snapshot(s.ecs, disk_id)
        s.handle.advance_clock(DB_DATA_INSTANT_ACCESS_S)
        return snapshot_id

    return make


def system_snapshot(s: RunningSandbox) -> str:
    """An accomplished snapshot of prod-db-01's system disk."""
    [system] = snapshot_disks(s.ecs, s.handle, (DB_SYSTEM,))
    return system


def image_twice(**kwargs: Any) -> Provoke:
    """CreateImage from an accomplished snapshot of prod-db-01's system disk, then the same
    again."""

    def provoke(s: RunningSandbox) -> Call:
        system = system_snapshot(s)
        image(s, snapshot_id=system, **kwargs)
        return lambda: image(s, snapshot_id=system, **kwargs)

    return provoke
