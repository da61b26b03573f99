"""The contract's rows of a zone outage (the `zone_outage` fault on prod-db-01's zone H).

No ECS page documents what a call answers while a zone is down, so each refusal is the strictest
plausible one and the row names the page its code rests on (see `ecs_dr.sandbox.outage`):
creates in the zone as for a zone that sells nothing, calls on what lives in it as the service
failing (ServiceUnavailable, which a client retries a bounded number of times, then reports).
What is zone-redundant (accomplished snapshots, images) and regional reads keep answering.
"""

from __future__ import annotations

from collections.abc import Callable

from alibabacloud_ecs20140526 import models as ecs_models
from alibabacloud_vpc20160428 import models as vpc_models
from alibabacloud_vpc20160428.client import Client as VpcClient

from tests.sandbox.contract.rows import (
    Answers,
    Call,
    Provoke,
    Refused,
    Row,
    attach,
    available_disk,
    db_group,
    delete_instance,
    instance_of,
    system_snapshot,
    uploading_snapshot,
)
from tests.sandbox.contract.rows import image as create_image
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    PROD_VPC,
    REGION,
    SOURCE_VSWITCH,
    SOURCE_ZONE,
    TARGET_INSTANCE,
    TARGET_ZONE,
)
from tests.support.sandboxes import RunningSandbox, sdk_config
from tests.support.sdk_calls import create_disk, disks_of, full_image, run, snapshot

ZONE_DOWN = {"kind": "zone_outage", "zone_id": SOURCE_ZONE}
NOT_ON_SALE = "ECS API reference: RunInstances and CreateDisk (Zone.NotOnSale, 403)"
VSWITCH_PAGE = "ECS's deprecated CreateVSwitch error table (ResourceNotAvailable, 400)"
# No page documents an outage's answer for a resource in the zone: the strictest plausible one.
UNAVAILABLE = "ECS public error codes (ServiceUnavailable, 503): strictest plausible"
REDUNDANT = "ECS-FACTS.md 'Snapshots and zone failure' (accomplished is zone-redundant)"
LAST_KNOWN = "ECS API reference: DescribeInstances (no Status for an unreachable instance)"
# A zone whose creates answer Zone.NotOnSale offers nothing: the status DescribeAvailableResource
# documents for a zone closed to sale, the strictest plausible answer for one that is down.
OFFERS_NOTHING = "ECS API reference: DescribeAvailableResource (SoldOut, ClosedWithoutStock)"


def _zone_down(s: RunningSandbox) -> None:
    s.handle.add_fault(ZONE_DOWN)


def in_outage(call: Callable[[RunningSandbox], object]) -> Provoke:
    """Zone H goes down; then the call."""

    def provoke(s: RunningSandbox) -> Call:
        _zone_down(s)
        return lambda: call(s)

    return provoke


def made_before_outage(
    make: Callable[[RunningSandbox], str], call: Callable[[RunningSandbox, str], object]
) -> Provoke:
    """`make` makes a resource, zone H goes down; then the call, on the resource's id."""

    def provoke(s: RunningSandbox) -> Call:
        resource_id = make(s)
        _zone_down(s)
        return lambda: call(s, resource_id)

    return provoke


def _vswitch_in_zone_down(s: RunningSandbox) -> None:
    request = vpc_models.CreateVSwitchRequest(
        region_id=REGION, vpc_id=PROD_VPC, zone_id=SOURCE_ZONE, cidr_block="172.16.9.0/24"
    )
    VpcClient(sdk_config(s.handle)).create_vswitch(request)


def _zone_offer(s: RunningSandbox) -> tuple[str, str]:
    """DescribeAvailableResource for zone H as a zone: its (Status, StatusCategory)."""
    request = ecs_models.DescribeAvailableResourceRequest(
        region_id=REGION, destination_resource="Zone", zone_id=SOURCE_ZONE
    )
    (zone,) = s.ecs.describe_available_resource(request).body.available_zones.available_zone
    return zone.status, zone.status_category


def _zone_creates(s: RunningSandbox) -> list[str]:
    """DescribeZones' AvailableResourceCreation of zone H."""
    request = ecs_models.DescribeZonesRequest(region_id=REGION)
    zones = s.ecs.describe_zones(request).body.zones.zone
    (zone,) = [z for z in zones if z.zone_id == SOURCE_ZONE]
    return list(zone.available_resource_creation.resource_types)


def _snapshot_of_target_instance(s: RunningSandbox) -> bool:
    """CreateSnapshot of dr-target-01's first disk (zone I)."""
    first = disks_of(s.handle, TARGET_INSTANCE)[0]["disk_id"]
    return snapshot(s.ecs, first).startswith("s-")


def _disk_in_target_zone_from(s: RunningSandbox, snapshot_id: str) -> bool:
    return create_disk(s.ecs, zone_id=TARGET_ZONE, snapshot_id=snapshot_id).startswith("d-")


OUTAGE_ROWS = (
    Row(
        "CreateSnapshot",
        "a disk in a zone that is down",
        Refused("ServiceUnavailable", 503),
        UNAVAILABLE,
        True,
        in_outage(lambda s: snapshot(s.ecs, DB_DATA)),
    ),
    Row(
        "CreateSnapshotGroup",
        "an instance in a zone that is down",
        Refused("ServiceUnavailable", 503),
        UNAVAILABLE,
        True,
        in_outage(db_group),
    ),
    Row(
        "AttachDisk",
        "to an instance in a zone that is down",
        Refused("ServiceUnavailable", 503),
        UNAVAILABLE,
        True,
        made_before_outage(available_disk, lambda s, disk_id: attach(s, DB_INSTANCE, disk_id)),
    ),
    Row(
        "DeleteInstance",
        "an instance in a zone that is down",
        Refused("ServiceUnavailable", 503),
        UNAVAILABLE,
        True,
        in_outage(lambda s: delete_instance(s, DB_INSTANCE, True)),
    ),
    Row(
        "RunInstances",
        "in a zone that is down",
        Refused("Zone.NotOnSale", 403),
        NOT_ON_SALE,
        True,
        in_outage(lambda s: run(s.ecs, zone_id=SOURCE_ZONE, v_switch_id=SOURCE_VSWITCH)),
    ),
    Row(
        "CreateDisk",
        "in a zone that is down",
        Refused("Zone.NotOnSale", 403),
        NOT_ON_SALE,
        True,
        in_outage(lambda s: create_disk(s.ecs, size=40)),
    ),
    Row(
        "CreateVSwitch",
        "in a zone that is down (VPC API)",
        Refused("ResourceNotAvailable", 400),
        VSWITCH_PAGE,
        True,
        in_outage(_vswitch_in_zone_down),
    ),
    Row(
        "CreateDisk",
        "in another zone from a still-uploading snapshot of a disk in a zone that is down",
        Refused("ServiceUnavailable", 503),
        f"{REDUNDANT}; {UNAVAILABLE}",
        True,
        made_before_outage(uploading_snapshot(DB_DATA), _disk_in_target_zone_from),
    ),
    Row(
        "DescribeAvailableResource",
        "a zone that is down: sold out, closed",
        Answers(("SoldOut", "ClosedWithoutStock")),
        OFFERS_NOTHING,
        True,
        in_outage(_zone_offer),
    ),
    Row(
        "DescribeZones",
        "a zone that is down: nothing to create",
        Answers([]),
        OFFERS_NOTHING,
        True,
        in_outage(_zone_creates),
    ),
    Row(
        "DescribeInstances",
        "an instance in a zone that is down: as last known",
        Answers("Running"),
        LAST_KNOWN,
        False,
        in_outage(lambda s: instance_of(s, DB_INSTANCE).status),
    ),
    Row(
        "CreateDisk",
        "in another zone from an accomplished snapshot of a disk in a zone that is down",
        Answers(True),
        REDUNDANT,
        False,
        made_before_outage(system_snapshot, _disk_in_target_zone_from),
    ),
    Row(
        "CreateImage",
        "from an accomplished snapshot of a disk in a zone that is down",
        Answers(True),
        REDUNDANT,
        False,
        made_before_outage(
            system_snapshot,
            lambda s, snapshot_id: create_image(s, snapshot_id=snapshot_id).startswith("m-"),
        ),
    ),
    Row(
        "RunInstances",
        "in another zone from an image of disks in a zone that is down",
        Answers(True),
        REDUNDANT,
        False,
        made_before_outage(
            lambda s: full_image(s.ecs, s.handle),
            lambda s, image_id: run(s.ecs, image_id=image_id).startswith("i-"),
        ),
    ),
    Row(
        "CreateSnapshot",
        "a disk in another zone while one is down",
        Answers(True),
        "ECS API reference: CreateSnapshot (an outage is one zone's)",
        False,
        in_outage(_snapshot_of_target_instance),
    ),
)
