"""The contract: each documented ECS behaviour the product relies on, one row each, with how to
provoke it in the sandbox. `test_contract.py` runs every row through the official SDK over real
HTTP.

A row names the action and the condition, ECS's answer (`Refused(code, status)`, or `Answers`
with what the provoking call returns), where that answer is documented (the API reference page,
or what stands in for it where the page is silent), whether the sandbox answered otherwise
before this table was written (`was_wrong`), the world it needs (`demo` or `lab`, see
`helpers.lab_world`), and `provoke`: set up the condition on a fresh sandbox, then return the call
whose answer the row states. Most `provoke`s are built from the same few steps: `at_once`,
`after`, `twice`, `on_new` and `again_once_processed`.
"""

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
    DB_LOG,
    DB_SYSTEM,
    LEGACY_DATA,
    LEGACY_INSTANCE,
    REGION,
    STAGING_SG,
    STOPPED_VSWITCH,
    TARGET_INSTANCE,
    WEB_INSTANCE,
    WEB_SYSTEM,
    ZONE_K_VSWITCH,
)
from tests.support.lab_world import ESSD_ONLY_TYPE, LAB_ZONE
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    LAUNCH_VSWITCH,
    SETTLE_S,
    create_disk,
    full_image,
    run,
    run_essd_only,
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
def _group(s: RunningSandbox, region: str = REGION, **kwargs: Any) -> str:
    request = models.CreateSnapshotGroupRequest(region_id=region, **kwargs)
    return str(s.ecs.create_snapshot_group(request).body.snapshot_group_id)


def _group_of(s: RunningSandbox, group_id: str) -> Any:
    request = models.DescribeSnapshotGroupsRequest(region_id=REGION, snapshot_group_id=[group_id])
    [found] = s.ecs.describe_snapshot_groups(request).body.snapshot_groups.snapshot_group
    return found


def _snapshot_of(s: RunningSandbox, snapshot_id: str) -> Any:
    request = models.DescribeSnapshotsRequest(
        region_id=REGION, snapshot_ids=json.dumps([snapshot_id])
    )
    [found] = s.ecs.describe_snapshots(request).body.snapshots.snapshot
    return found


def _disk_of(s: RunningSandbox, disk_id: str) -> Any:
    request = models.DescribeDisksRequest(region_id=REGION, disk_ids=json.dumps([disk_id]))
    [found] = s.ecs.describe_disks(request).body.disks.disk
    return found


def _instance_of(s: RunningSandbox, instance_id: str) -> Any:
    request = models.DescribeInstancesRequest(
        region_id=REGION, instance_ids=json.dumps([instance_id])
    )
    [found] = s.ecs.describe_instances(request).body.instances.instance
    return found


def _tag(s: RunningSandbox, resource_type: str, ids: list[str], tags: dict[str, str]) -> None:
    s.ecs.tag_resources(
        models.TagResourcesRequest(
            region_id=REGION,
            resource_type=resource_type,
            resource_id=ids,
            tag=[models.TagResourcesRequestTag(key=k, value=v) for k, v in tags.items()],
        )
    )


def _listed(s: RunningSandbox, resource_type: str, ids: list[str]) -> list[tuple[str, str, str]]:
    request = models.ListTagResourcesRequest(
        region_id=REGION, resource_type=resource_type, resource_id=ids
    )
    rows = s.ecs.list_tag_resources(request).body.tag_resources.tag_resource
    return sorted((r.resource_id, r.tag_key, r.tag_value) for r in rows)


def _image(s: RunningSandbox, **kwargs: Any) -> str:
    request = models.CreateImageRequest(region_id=REGION, **kwargs)
    return str(s.ecs.create_image(request).body.image_id)


def _mapping(**kwargs: Any) -> models.CreateImageRequestDiskDeviceMapping:
    return models.CreateImageRequestDiskDeviceMapping(**kwargs)


def _data_disk(**kwargs: Any) -> models.RunInstancesRequestDataDisk:
    return models.RunInstancesRequestDataDisk(**kwargs)


def _attach(s: RunningSandbox, instance_id: str, disk_id: str, **kwargs: Any) -> None:
    request = models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id, **kwargs)
    s.ecs.attach_disk(request)


def _delete_instance(s: RunningSandbox, instance_id: str, force: bool) -> None:
    request = models.DeleteInstanceRequest(instance_id=instance_id, force=force)
    s.ecs.delete_instance(request)


def _delete_snapshot(s: RunningSandbox, snapshot_id: str, force: bool = False) -> None:
    s.ecs.delete_snapshot(models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=force))


def _lab_offers(s: RunningSandbox, destination: str, **kwargs: Any) -> list[str]:
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


def _settled(s: RunningSandbox) -> None:
    s.handle.advance_clock(SETTLE_S)


def _creating_disk(s: RunningSandbox) -> str:
    """A new 40 GiB data disk in zone H, still Creating."""
    return create_disk(s.ecs, size=40)


def _available_disk(s: RunningSandbox, **kwargs: Any) -> str:
    """A new data disk in zone H (unless `zone_id` says otherwise), past Creating."""
    disk_id = create_disk(s.ecs, size=40, **kwargs)
    s.handle.advance_clock(15)
    return disk_id


def _lab_disk(s: RunningSandbox) -> str:
    """A new data disk in the lab world's zone, past Creating."""
    return _available_disk(s, zone_id=LAB_ZONE)


def _attach_new(
    new_disk: Callable[[RunningSandbox], str], instance_id: str, **kwargs: Any
) -> Provoke:
    """AttachDisk to `instance_id` of a disk `new_disk` creates."""
    return on_new(new_disk, lambda s, disk_id: _attach(s, instance_id, disk_id, **kwargs))


def _db_group(s: RunningSandbox) -> str:
    """CreateSnapshotGroup of prod-db-01."""
    return _group(s, instance_id=DB_INSTANCE)


def _data_snapshot(s: RunningSandbox) -> str:
    """CreateSnapshot of prod-db-01's 100 GiB data disk."""
    return snapshot(s.ecs, DB_DATA)


def _uploading_snapshot(disk_id: str) -> Callable[[RunningSandbox], str]:
    """A new snapshot of `disk_id`, DB_DATA_INSTANT_ACCESS_S on: still uploading."""

    def make(s: RunningSandbox) -> str:
        snapshot_id = snapshot(s.ecs, disk_id)
        s.handle.advance_clock(DB_DATA_INSTANT_ACCESS_S)
        return snapshot_id

    return make


def _system_snapshot(s: RunningSandbox) -> str:
    """An accomplished snapshot of prod-db-01's system disk."""
    [system] = snapshot_disks(s.ecs, s.handle, (DB_SYSTEM,))
    return system


def _image_twice(**kwargs: Any) -> Provoke:
    """CreateImage from an accomplished snapshot of prod-db-01's system disk, then the same
    again."""

    def provoke(s: RunningSandbox) -> Call:
        system = _system_snapshot(s)
        _image(s, snapshot_id=system, **kwargs)
        return lambda: _image(s, snapshot_id=system, **kwargs)

    return provoke


# --- TagResources / ListTagResources -----------------------------------------------------------
def _tagged_then_listed(s: RunningSandbox) -> Call:
    _tag(s, "instance", [DB_INSTANCE], {"dr": "op-1"})
    return lambda: _listed(s, "instance", [DB_INSTANCE])


def _tags_past_20(s: RunningSandbox) -> Call:
    _tag(s, "instance", [DB_INSTANCE], {f"k{n}": "v" for n in range(20)})
    return lambda: _tag(s, "instance", [DB_INSTANCE], {"k20": "v"})


def _group_tags_described(s: RunningSandbox) -> Call:
    tags = [
        models.CreateSnapshotGroupRequestTag(key=k, value=v) for k, v in SNAPSHOT_GROUP_TAG.items()
    ]
    group_id = _group(s, instance_id=DB_INSTANCE, tag=tags)
    return lambda: [(t.key, t.value) for t in _group_of(s, group_id).tags.tag]


def _listed_by_key(s: RunningSandbox, resource_type: str, key: str) -> list[tuple[str, str, str]]:
    """ListTagResources by Tag.1.Key alone: no ResourceId.N, no Tag.1.Value."""
    request = models.ListTagResourcesRequest(
        region_id=REGION,
        resource_type=resource_type,
        tag=[models.ListTagResourcesRequestTag(key=key)],
    )
    rows = s.ecs.list_tag_resources(request).body.tag_resources.tag_resource
    return sorted((r.resource_id, r.tag_key, r.tag_value) for r in rows)


def _tagged_then_listed_by_key(s: RunningSandbox) -> Call:
    _tag(s, "instance", [DB_INSTANCE], {"ecs-dr:operation-id": "op-1"})
    _tag(s, "instance", [WEB_INSTANCE], {"owner": "web"})
    return lambda: _listed_by_key(s, "instance", "ecs-dr:operation-id")


TAG_ROWS = (
    Row(
        "TagResources",
        "ResourceType=vswitch (tag VSwitches through the VPC API)",
        Refused("InvalidResourceType.NotFound", 404),
        page("TagResources"),
        True,
        at_once(lambda s: _tag(s, "vswitch", [LAUNCH_VSWITCH], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "ResourceType=snapshotgroup (a group takes tags at CreateSnapshotGroup)",
        Refused("InvalidResourceType.NotFound", 404),
        page("TagResources"),
        True,
        on_new(_db_group, lambda s, group_id: _tag(s, "snapshotgroup", [group_id], {"k": "v"})),
    ),
    Row(
        "ListTagResources",
        "ResourceType=vswitch",
        Refused("InvalidResourceType.NotFound", 404),
        page("ListTagResources"),
        True,
        at_once(lambda s: _listed(s, "vswitch", [LAUNCH_VSWITCH])),
    ),
    Row(
        "TagResources",
        "a ResourceType not documented (bucket)",
        Refused("InvalidResourceType.NotFound", 404),
        page("TagResources"),
        False,
        at_once(lambda s: _tag(s, "bucket", [DB_INSTANCE], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "a documented ResourceType the account holds no such resource of (keypair)",
        Refused("InvalidResourceId.NotFound", 404),
        page("TagResources"),
        True,
        at_once(lambda s: _tag(s, "keypair", ["prod-key"], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "an unknown instance id among the ResourceId.N",
        Refused("InvalidResourceId.NotFound", 404),
        page("TagResources"),
        True,
        at_once(lambda s: _tag(s, "instance", [DB_INSTANCE, "i-bp1nothere"], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "tags then ListTagResources by ResourceId.N",
        Answers([(DB_INSTANCE, "dr", "op-1")]),
        page("ListTagResources"),
        False,
        _tagged_then_listed,
    ),
    Row(
        "TagResources",
        "a 21st tag on a resource",
        Refused("OperationDenied.QuotaExceed", 400),
        page("TagResources"),
        True,
        _tags_past_20,
    ),
    Row(
        "TagResources",
        "no ResourceId.N",
        Refused("MissingParameter.ResourceIds", 404),
        page("TagResources"),
        True,
        at_once(lambda s: _tag(s, "instance", [], {"k": "v"})),
    ),
    Row(
        "TagResources",
        "no Tag.N",
        Refused("MissingParameter.Tags", 404),
        page("TagResources"),
        True,
        at_once(lambda s: _tag(s, "instance", [DB_INSTANCE], {})),
    ),
    Row(
        "TagResources",
        "51 ResourceId.N",
        Refused("NumberExceed.ResourceIds", 400),
        page("TagResources"),
        True,
        at_once(lambda s: _tag(s, "instance", [f"i-bp1n{n:015}" for n in range(51)], {"k": "v"})),
    ),
    Row(
        "ListTagResources",
        "neither ResourceId.N nor Tag.N",
        Refused("BothEmpty.TagsAndResources", 403),
        page("ListTagResources"),
        True,
        at_once(lambda s: _listed(s, "instance", [])),
    ),
    Row(
        "ListTagResources",
        "Tag.1.Key alone, no ResourceId.N: every resource carrying the key, with its tags",
        Answers([(DB_INSTANCE, "ecs-dr:operation-id", "op-1")]),
        page("ListTagResources") + " (Tag.N: only Tag.N.Key returns every resource with the key)",
        False,
        _tagged_then_listed_by_key,
    ),
    Row(
        "DescribeSnapshotGroups",
        "a group created with Tag.N: Tags.Tag[{Key, Value}]",
        Answers(list(SNAPSHOT_GROUP_TAG.items())),
        page("CreateSnapshotGroup") + "; SDK model DescribeSnapshotGroupsResponseBody",
        False,
        _group_tags_described,
    ),
)


# --- ClientToken: the same create again --------------------------------------------------------
# Each create with its own ClientToken, op-1-<kind>.
def _snapshot_op1(s: RunningSandbox, disk_id: str = DB_DATA) -> str:
    return snapshot(s.ecs, disk_id, client_token="op-1-snap")


def _group_op1(s: RunningSandbox, instance_id: str = DB_INSTANCE) -> str:
    return _group(s, instance_id=instance_id, client_token="op-1-group")


def _disk_op1(s: RunningSandbox) -> str:
    return create_disk(s.ecs, size=40, client_token="op-1-disk")


def _launch_op1(s: RunningSandbox, **overrides: Any) -> str:
    return run(s.ecs, client_token="op-1-launch", **overrides)


TOKEN_ROWS = (
    Row(
        "CreateSnapshot",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        page("CreateSnapshot"),
        True,
        twice(_snapshot_op1),
    ),
    Row(
        "CreateSnapshot",
        "the same ClientToken and parameters once processed: the same snapshot",
        Answers(True),
        page("How to ensure idempotence"),
        False,
        again_once_processed(_snapshot_op1),
    ),
    Row(
        "CreateSnapshot",
        "a used ClientToken with other parameters",
        Refused("IdempotentParameterMismatch", 403),
        page("CreateSnapshot"),
        True,
        after(_snapshot_op1, lambda s: _snapshot_op1(s, DB_LOG)),
    ),
    Row(
        "CreateSnapshotGroup",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        page("CreateSnapshotGroup"),
        True,
        twice(_group_op1),
    ),
    Row(
        "CreateSnapshotGroup",
        "a used ClientToken with other parameters",
        Refused("IdempotentParameterMismatch", 403),
        page("CreateSnapshotGroup"),
        True,
        after(_group_op1, lambda s: _group_op1(s, WEB_INSTANCE)),
    ),
    Row(
        "CreateDisk",
        "the same ClientToken and parameters while the first is being processed",
        Refused("LastTokenProcessing", 403),
        page("CreateDisk"),
        True,
        twice(_disk_op1),
    ),
    Row(
        "CreateDisk",
        "the same ClientToken and parameters once processed: the same disk",
        Answers(True),
        page("How to ensure idempotence"),
        False,
        again_once_processed(_disk_op1),
    ),
    Row(
        "CreateImage",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        "Packer alicloud builder step_create_image.go retries it; ECS API reference: CreateImage "
        "lists no code for it (unconfirmed, made strict)",
        True,
        _image_twice(client_token="op-1-image"),
    ),
    Row(
        "RunInstances",
        "the same ClientToken and parameters while the first is being processed",
        Refused("IdempotentProcessing", 403),
        "ECS-FACTS (IdempotentProcessing / LastTokenProcessing); ECS API reference: RunInstances "
        "lists no code for it (unconfirmed, made strict)",
        True,
        twice(_launch_op1),
    ),
    Row(
        "RunInstances",
        "a used ClientToken with other parameters",
        Refused("IdempotentParameterMismatch", 400),
        page("How to ensure idempotence") + " (RunInstances' page lists no status)",
        False,
        after(_launch_op1, lambda s: _launch_op1(s, instance_name="other")),
    ),
)


# --- busy: wait and ask again ------------------------------------------------------------------
def _delete_launching(status: str, force: bool) -> Provoke:
    """DeleteInstance of a new instance while it is `status` (Pending 20 s, then Starting)."""

    def provoke(s: RunningSandbox) -> Call:
        instance_id = run(s.ecs)
        if status == "Starting":
            s.handle.advance_clock(20)
        return lambda: _delete_instance(s, instance_id, force)

    return provoke


BUSY_ROWS = (
    Row(
        "AttachDisk",
        "a disk still Creating",
        Refused("IncorrectDiskStatus", 403),
        page("AttachDisk"),
        True,
        _attach_new(_creating_disk, DB_INSTANCE),
    ),
    Row(
        "DeleteInstance",
        "an instance still Pending, without Force",
        Refused("IncorrectInstanceStatus.Initializing", 403),
        page("DeleteInstance"),
        True,
        _delete_launching("Pending", force=False),
    ),
    Row(
        "DeleteInstance",
        "an instance still Pending, with Force",
        Refused("IncorrectInstanceStatus.Initializing", 403),
        page("DeleteInstance"),
        True,
        _delete_launching("Pending", force=True),
    ),
    Row(
        "DeleteInstance",
        "an instance still Starting, with Force",
        Refused("IncorrectInstanceStatus.Initializing", 403),
        page("DeleteInstance"),
        True,
        _delete_launching("Starting", force=True),
    ),
    Row(
        "DeleteSnapshot",
        "a snapshot still progressing (the page's description says it is cancelled; its error "
        "table wins)",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 400),
        page("DeleteSnapshot"),
        True,
        on_new(_data_snapshot, lambda s, snapshot_id: _delete_snapshot(s, snapshot_id, force=True)),
    ),
    Row(
        "CreateSnapshot",
        "a disk with a snapshot in progress",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateSnapshot"),
        True,
        twice(_data_snapshot),
    ),
    Row(
        "CreateSnapshotGroup",
        "a disk of the group with a snapshot in progress",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateSnapshotGroup"),
        True,
        after(lambda s: snapshot(s.ecs, DB_LOG), _db_group),
    ),
    Row(
        "CreateSnapshotGroup",
        "the instance's previous group still progressing",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateSnapshotGroup"),
        True,
        twice(_db_group),
    ),
    Row(
        "CreateImage",
        "InstanceId with a snapshot of one of its disks in progress",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateImage"),
        True,
        after(_data_snapshot, lambda s: _image(s, instance_id=DB_INSTANCE)),
    ),
    Row(
        "DeleteDisk",
        "a disk still Creating",
        Refused("IncorrectDiskStatus.Initializing", 403),
        page("DeleteDisk"),
        True,
        on_new(
            _creating_disk,
            lambda s, disk_id: s.ecs.delete_disk(models.DeleteDiskRequest(disk_id=disk_id)),
        ),
    ),
)


# --- searches and catalog ----------------------------------------------------------------------
def _image_found_by_part_of_its_name(s: RunningSandbox) -> Call:
    full_image(s.ecs, s.handle, name="prod-db-full")
    request = models.DescribeImagesRequest(
        region_id=REGION, image_owner_alias="self", image_name="DB-FU"
    )
    return lambda: [i.image_name for i in s.ecs.describe_images(request).body.images.image]


CATALOG_ROWS = (
    Row(
        "DescribeImages",
        "ImageName a part of the name in another case (fuzzy search)",
        Answers(["prod-db-full"]),
        page("DescribeImages"),
        True,
        _image_found_by_part_of_its_name,
    ),
    Row(
        "DescribeAvailableResource",
        "DataDisk for an ESSD-only type, SystemDiskCategory omitted (cloud_efficiency)",
        Answers([]),
        page("DescribeAvailableResource"),
        True,
        at_once(lambda s: _lab_offers(s, "DataDisk")),
        world="lab",
    ),
    Row(
        "DescribeAvailableResource",
        "DataDisk for an ESSD-only type, SystemDiskCategory=cloud_essd",
        Answers(["cloud_auto", "cloud_efficiency", "cloud_essd"]),
        page("DescribeAvailableResource"),
        False,
        at_once(lambda s: _lab_offers(s, "DataDisk", system_disk_category="cloud_essd")),
        world="lab",
    ),
    Row(
        "DescribeAvailableResource",
        "SystemDisk for an ESSD-only type",
        Answers(["cloud_auto", "cloud_essd"]),
        page("DescribeAvailableResource"),
        True,
        at_once(lambda s: _lab_offers(s, "SystemDisk")),
        world="lab",
    ),
    Row(
        "RunInstances",
        "an ESSD-only type with a cloud_efficiency system disk",
        Refused("InvalidDiskCategory.NotSupported", 403),
        page("RunInstances"),
        True,
        at_once(lambda s: run_essd_only(s.ecs, "cloud_efficiency")),
        world="lab",
    ),
)


# --- deletes -----------------------------------------------------------------------------------
def _delete_a_snapshot_an_image_uses(s: RunningSandbox) -> Call:
    system = _system_snapshot(s)
    _image(s, snapshot_id=system)
    return lambda: _delete_snapshot(s, system, force=True)


def _delete_a_snapshot_a_disk_came_from(s: RunningSandbox) -> Call:
    [data] = snapshot_disks(s.ecs, s.handle, (DB_DATA,))
    create_disk(s.ecs, snapshot_id=data)
    return lambda: _delete_snapshot(s, data)


def _released(s: RunningSandbox) -> bool:
    _delete_instance(s, DB_INSTANCE, force=True)
    return DB_INSTANCE not in s.handle.state()["regions"][REGION]["instances"]


DELETE_ROWS = (
    Row(
        "DeleteSnapshot",
        "an unknown snapshot id (the page's description says it is ignored; its error table wins)",
        Refused("InvalidSnapshotId.NotFound", 404),
        page("DeleteSnapshot"),
        True,
        at_once(lambda s: _delete_snapshot(s, "s-bp1nosuchsnapshot00")),
    ),
    Row(
        "DeleteSnapshot",
        "a snapshot a custom image uses, even with Force",
        Refused("SnapshotCreatedImage", 403),
        page("DeleteSnapshot"),
        False,
        _delete_a_snapshot_an_image_uses,
    ),
    Row(
        "DeleteSnapshot",
        "a snapshot a disk came from, without Force",
        Refused("SnapshotCreatedDisk", 403),
        page("DeleteSnapshot"),
        False,
        _delete_a_snapshot_a_disk_came_from,
    ),
    Row(
        "DeleteInstance",
        "a Running instance without Force",
        Refused("IncorrectInstanceStatus", 403),
        page("DeleteInstance"),
        True,
        at_once(lambda s: _delete_instance(s, DB_INSTANCE, force=False)),
    ),
    Row(
        "DeleteInstance",
        "a Running instance with Force: released",
        Answers(True),
        page("DeleteInstance"),
        False,
        at_once(_released),
    ),
    Row(
        "DeleteInstance",
        "an unknown instance id",
        Refused("InvalidInstanceId.NotFound", 404),
        page("DeleteInstance"),
        False,
        at_once(lambda s: _delete_instance(s, "i-bp1nosuchinstance00", force=True)),
    ),
)


# --- CreateSnapshot and CreateSnapshotGroup ----------------------------------------------------
def _group_across_zones(s: RunningSandbox) -> Call:
    other_zone = create_disk(s.ecs, size=40, zone_id="cn-hangzhou-i")
    return lambda: _group(s, disk_id=[DB_DATA, other_zone])


def _snapshot_progress(s: RunningSandbox) -> Call:
    snapshot_id = snapshot(s.ecs, DB_DATA)

    def statuses() -> list[tuple[str, str, bool]]:
        seen = []
        for seconds in (0.0, DB_DATA_INSTANT_ACCESS_S, SETTLE_S):
            s.handle.advance_clock(seconds)
            found = _snapshot_of(s, snapshot_id)
            seen.append((found.status, found.progress, found.available))
        return seen

    return statuses


def _group_progress(s: RunningSandbox) -> Call:
    group_id = _db_group(s)

    def statuses() -> tuple[str, str]:
        first = _group_of(s, group_id).status
        _settled(s)
        return first, _group_of(s, group_id).status

    return statuses


SNAPSHOT_ROWS = (
    Row(
        "CreateSnapshot",
        "an Available disk never attached to an instance",
        Refused("IncorrectDiskStatus.NeverAttached", 403),
        page("CreateSnapshot"),
        True,
        on_new(_available_disk, lambda s, disk_id: snapshot(s.ecs, disk_id)),
    ),
    Row(
        "CreateSnapshot",
        "a disk still Creating",
        Refused("IncorrectDiskStatus", 403),
        page("CreateSnapshot"),
        True,
        on_new(_creating_disk, lambda s, disk_id: snapshot(s.ecs, disk_id)),
    ),
    Row(
        "CreateSnapshot",
        "an ESSD snapshot: progressing, instantly available, then accomplished at 100%",
        Answers(
            [
                ("progressing", "0%", False),
                ("progressing", "6%", True),
                ("accomplished", "100%", True),
            ]
        ),
        page("DescribeSnapshots"),
        False,
        _snapshot_progress,
    ),
    Row(
        "CreateSnapshotGroup",
        "an Available disk never attached, by DiskId.N",
        Refused("IncorrectDiskStatus.NeverAttached", 403),
        page("CreateSnapshotGroup"),
        True,
        on_new(_available_disk, lambda s, disk_id: _group(s, disk_id=[disk_id])),
    ),
    Row(
        "CreateSnapshotGroup",
        "DiskId.N in two zones",
        Refused("InvalidDiskIds.NotInSameZone", 400),
        page("CreateSnapshotGroup"),
        True,
        _group_across_zones,
    ),
    Row(
        "CreateSnapshotGroup",
        "17 disks (DiskId.N 1-16)",
        Refused("NumberExceed.TooManyDisks", 403),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: _group(s, instance_id="i-hzmany")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "17 disks in ap-southeast-1 (16 in every region)",
        Refused("NumberExceed.TooManyDisks", 403),
        page("CreateSnapshotGroup"),
        True,
        at_once(lambda s: _group(s, "ap-southeast-1", instance_id="i-sgmany")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "more than 32 TiB of disks",
        Refused("CapacityExceed.TooManyDisks", 403),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: _group(s, instance_id="i-hzbig")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "more than 32 TiB in ap-southeast-1 (32 TiB in every region)",
        Refused("CapacityExceed.TooManyDisks", 403),
        page("CreateSnapshotGroup"),
        True,
        at_once(lambda s: _group(s, "ap-southeast-1", instance_id="i-sgbig")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "an instance with a non-ESSD disk not excluded",
        Refused("DiskCategory.OperationNotSupported", 400),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: _group(s, instance_id=LEGACY_INSTANCE)),
    ),
    Row(
        "CreateSnapshotGroup",
        "the non-ESSD disk excluded (ExcludeDiskId.N)",
        Answers(True),
        page("CreateSnapshotGroup"),
        False,
        at_once(
            lambda s: _group(
                s, instance_id=LEGACY_INSTANCE, exclude_disk_id=[LEGACY_DATA]
            ).startswith("ssg-")
        ),
    ),
    Row(
        "CreateSnapshotGroup",
        "a multi-attach disk not excluded",
        Refused("InvalidOperation.MultiAttachDisk", 403),
        page("CreateSnapshotGroup"),
        True,
        at_once(lambda s: _group(s, instance_id="i-hzshared")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "DiskId.N with ExcludeDiskId.N",
        Refused("InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict", 400),
        page("CreateSnapshotGroup"),
        False,
        at_once(
            lambda s: _group(
                s, instance_id=DB_INSTANCE, disk_id=[DB_DATA], exclude_disk_id=[DB_LOG]
            )
        ),
    ),
    Row(
        "CreateSnapshotGroup",
        "an instance neither Running nor Stopped (Stopping)",
        Refused("IncorrectInstanceStatus", 400),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: _group(s, instance_id="i-hzstopping")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "every disk of the instance excluded",
        Refused("InvalidInstance.NoDisk", 403),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: _group(s, instance_id=WEB_INSTANCE, exclude_disk_id=[WEB_SYSTEM])),
    ),
    Row(
        "CreateSnapshotGroup",
        "an unknown instance",
        Refused("InvalidInstanceId.NotFound", 404),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: _group(s, instance_id="i-bp1nosuchinstance00")),
    ),
    Row(
        "CreateSnapshotGroup",
        "an unknown region",
        Refused("InvalidRegionId.NotFound", 404),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: _group(s, "eu-nowhere-1", instance_id=DB_INSTANCE)),
    ),
    Row(
        "CreateSnapshotGroup",
        "neither InstanceId nor DiskId.N (the code is spelled so on the page)",
        Refused("MissingParamter.InstanceId", 400),
        page("CreateSnapshotGroup"),
        True,
        at_once(lambda s: _group(s)),
    ),
    Row(
        "DescribeSnapshotGroups",
        "a new group: progressing, then accomplished",
        Answers(("progressing", "accomplished")),
        page("DescribeSnapshotGroups"),
        False,
        _group_progress,
    ),
)


# --- CreateImage -------------------------------------------------------------------------------
def _image_from(mappings: Callable[[list[str]], list[dict[str, Any]]]) -> Provoke:
    """CreateImage from accomplished snapshots of prod-db-01's system, data and log disks."""

    def provoke(s: RunningSandbox) -> Call:
        snapshots = snapshot_disks(s.ecs, s.handle, (DB_SYSTEM, DB_DATA, DB_LOG))
        request = [_mapping(**m) for m in mappings(snapshots)]
        return lambda: _image(s, disk_device_mapping=request)

    return provoke


def _image_status(s: RunningSandbox) -> Call:
    image_id = _image(s, snapshot_id=_system_snapshot(s))

    def statuses() -> tuple[str, str]:
        request = models.DescribeImagesRequest(
            region_id=REGION, image_id=image_id, status="Creating,Available"
        )

        def now() -> str:
            [found] = s.ecs.describe_images(request).body.images.image
            return str(found.status)

        first = now()
        _settled(s)
        return first, now()

    return statuses


IMAGE_ROWS = (
    Row(
        "CreateImage",
        "two system disk snapshots",
        Refused("OperationDenied", 400),
        page("CreateImage"),
        True,
        _image_from(
            lambda ids: [
                {"snapshot_id": ids[0], "disk_type": "system"},
                {"snapshot_id": ids[1], "disk_type": "system"},
            ]
        ),
    ),
    Row(
        "CreateImage",
        "no system disk snapshot among the mappings",
        Refused("OperationDenied", 400),
        page("CreateImage"),
        True,
        _image_from(lambda ids: [{"snapshot_id": ids[1], "disk_type": "data"}]),
    ),
    Row(
        "CreateImage",
        "a system mapping without SnapshotId",
        Refused("InvalidSystemSnapshot.Missing", 403),
        page("CreateImage"),
        True,
        _image_from(lambda ids: [{"disk_type": "system", "size": 40}]),
    ),
    Row(
        "CreateImage",
        "a data device outside /dev/xvdb-/dev/xvdz",
        Refused("InvalidDevice.Malformed", 400),
        page("CreateImage"),
        False,
        _image_from(
            lambda ids: [
                {"snapshot_id": ids[0], "device": "/dev/xvda"},
                {"snapshot_id": ids[1], "device": "/dev/sdb"},
            ]
        ),
    ),
    Row(
        "CreateImage",
        "one device for two mappings",
        Refused("InvalidDevice.InUse", 400),
        page("CreateImage"),
        False,
        _image_from(
            lambda ids: [
                {"snapshot_id": ids[0], "device": "/dev/xvda"},
                {"snapshot_id": ids[1], "device": "/dev/xvdb"},
                {"snapshot_id": ids[2], "device": "/dev/xvdb"},
            ]
        ),
    ),
    Row(
        "CreateImage",
        "a mapping Size below its snapshot's source disk",
        Refused("InvalidSize.ValueNotSupported", 400),
        page("CreateImage"),
        False,
        _image_from(
            lambda ids: [
                {"snapshot_id": ids[0], "device": "/dev/xvda"},
                {"snapshot_id": ids[1], "device": "/dev/xvdb", "size": 50},
            ]
        ),
    ),
    Row(
        "CreateImage",
        "a snapshot still progressing",
        Refused("InvalidSnapshotId.NotReady", 403),
        page("CreateImage"),
        True,
        on_new(
            _uploading_snapshot(DB_SYSTEM),
            lambda s, snapshot_id: _image(s, snapshot_id=snapshot_id),
        ),
    ),
    Row(
        "CreateImage",
        "an unknown snapshot",
        Refused("InvalidSnapshotId.NotFound", 404),
        page("CreateImage"),
        False,
        at_once(lambda s: _image(s, snapshot_id="s-bp1nosuchsnapshot00")),
    ),
    Row(
        "CreateImage",
        "an image name already used in the region",
        Refused("InvalidImageName.Duplicated", 400),
        page("CreateImage"),
        False,
        _image_twice(image_name="prod-db"),
    ),
    Row(
        "DescribeImages",
        "a new image: Creating, then Available",
        Answers(("Creating", "Available")),
        page("DescribeImages"),
        False,
        _image_status,
    ),
)


# --- RunInstances ------------------------------------------------------------------------------
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
        with_ip = _instance_of(s, run(s.ecs, internet_max_bandwidth_out=5))
        without = _instance_of(s, run(s.ecs))
        return len(with_ip.public_ip_address.ip_address), len(without.public_ip_address.ip_address)

    return ips


def _launch_statuses(s: RunningSandbox) -> Call:
    instance_id = run(s.ecs)

    def statuses() -> list[str]:
        seen = []
        for seconds in (0, 20, 40):
            s.handle.advance_clock(seconds)
            seen.append(str(_instance_of(s, instance_id).status))
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
                s, data_disk=[_data_disk(category="cloud_essd_entry", size=40)]
            )
        ),
    ),
    Row(
        "RunInstances",
        "cloud_essd_entry with a type neither ecs.u1 nor ecs.e",
        Refused("InvalidDiskCategory.NotSupported", 403),
        page("RunInstances"),
        False,
        at_once(lambda s: run(s.ecs, data_disk=[_data_disk(category="cloud_essd_entry", size=40)])),
    ),
    Row(
        "RunInstances",
        "DataDisk.N.Device naming no data disk of the image",
        Refused("InvalidDataDevice.Malformed", 400),
        page("RunInstances"),
        False,
        _launch_from_the_full_image(data_disk=[_data_disk(device="/dev/xvdq", size=50)]),
    ),
    Row(
        "RunInstances",
        "an override smaller than the image's data disk",
        Refused("InvalidDiskSize.TooSmall", 403),
        page("RunInstances"),
        True,
        _launch_from_the_full_image(
            data_disk=[_data_disk(device="/dev/xvdb", category="cloud_auto", size=50)]
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
                data_disk=[_data_disk(category="cloud_essd", size=100, performance_level="PL2")],
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
            _uploading_snapshot(DB_LOG),
            lambda s, snapshot_id: run(
                s.ecs, data_disk=[_data_disk(snapshot_id=snapshot_id, category="cloud_ssd")]
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
)


# --- CreateDisk and AttachDisk -----------------------------------------------------------------
def _disk_from_a_progressing_snapshot(category: str) -> Provoke:
    return on_new(
        _uploading_snapshot(DB_DATA),
        lambda s, snapshot_id: create_disk(s.ecs, snapshot_id=snapshot_id, disk_category=category),
    )


def _disk_from_a_progressing_essd_snapshot(s: RunningSandbox) -> Call:
    make = _disk_from_a_progressing_snapshot("cloud_essd")(s)
    return lambda: str(make()).startswith("d-")


def _disk_larger_snapshot(s: RunningSandbox) -> Call:
    [data] = snapshot_disks(s.ecs, s.handle, (DB_DATA,))
    return lambda: _disk_of(s, create_disk(s.ecs, snapshot_id=data, size=50)).size


def _attach_statuses(s: RunningSandbox) -> Call:
    disk_id = _available_disk(s)

    def statuses() -> list[str]:
        _attach(s, DB_INSTANCE, disk_id)
        attaching = str(_disk_of(s, disk_id).status)
        s.handle.advance_clock(5)
        return [attaching, str(_disk_of(s, disk_id).status)]

    return statuses


DISK_ROWS = (
    Row(
        "CreateDisk",
        "an ESSD without PerformanceLevel: PL1",
        Answers("PL1"),
        page("CreateDisk"),
        False,
        at_once(lambda s: _disk_of(s, create_disk(s.ecs, size=40)).performance_level),
    ),
    Row(
        "CreateDisk",
        "a PerformanceLevel its size does not allow (PL2 at 100 GiB)",
        Refused("OperationDenied.PerformanceLevelNotMatch", 403),
        page("CreateDisk"),
        True,
        at_once(lambda s: create_disk(s.ecs, size=100, performance_level="PL2")),
    ),
    Row(
        "CreateDisk",
        "a PerformanceLevel that does not exist",
        Refused("InvalidPerformanceLevel.Malformed", 400),
        page("CreateDisk"),
        True,
        at_once(lambda s: create_disk(s.ecs, size=40, performance_level="PL9")),
    ),
    Row(
        "CreateDisk",
        "ZoneId and InstanceId both",
        Refused("InvalidParam.ZoneIdAndInstanceId.Conflict", 403),
        page("CreateDisk"),
        True,
        at_once(
            lambda s: create_disk(s.ecs, size=40, zone_id="cn-hangzhou-h", instance_id=DB_INSTANCE)
        ),
    ),
    Row(
        "CreateDisk",
        "a snapshot larger than Size: the snapshot's size wins",
        Answers(100),
        page("CreateDisk"),
        False,
        _disk_larger_snapshot,
    ),
    Row(
        "CreateDisk",
        "a non-ESSD disk from a snapshot still uploading",
        Refused("InvalidSnapshotId.NotReady", 403),
        page("CreateDisk"),
        True,
        _disk_from_a_progressing_snapshot("cloud_efficiency"),
    ),
    Row(
        "CreateDisk",
        "an ESSD from a snapshot still uploading, once instantly available",
        Answers(True),
        page("CreateSnapshot") + " (instant access)",
        False,
        _disk_from_a_progressing_essd_snapshot,
    ),
    Row(
        "CreateDisk",
        "an unknown snapshot",
        Refused("InvalidSnapshotId.NotFound", 404),
        page("CreateDisk"),
        False,
        at_once(lambda s: create_disk(s.ecs, snapshot_id="s-bp1nosuchsnapshot00")),
    ),
    Row(
        "CreateDisk",
        "a category the zone does not sell",
        Refused("InvalidDiskCategory.NotSupported", 403),
        page("CreateDisk"),
        False,
        at_once(
            lambda s: create_disk(
                s.ecs, size=40, zone_id=NO_ENTRY_ZONE, disk_category="cloud_essd_entry"
            )
        ),
    ),
    Row(
        "CreateDisk",
        "an unknown zone",
        Refused("InvalidZoneId.NotFound", 404),
        page("CreateDisk"),
        False,
        at_once(lambda s: create_disk(s.ecs, size=40, zone_id="cn-hangzhou-z")),
    ),
    Row(
        "AttachDisk",
        "a disk In_use (not Available)",
        Refused("IncorrectDiskStatus", 403),
        page("AttachDisk"),
        True,
        at_once(lambda s: _attach(s, DB_INSTANCE, DB_DATA)),
    ),
    Row(
        "AttachDisk",
        "a disk and an instance in different zones",
        Refused("ResourcesNotInSameZone", 403),
        page("AttachDisk"),
        False,
        _attach_new(_available_disk, TARGET_INSTANCE),
    ),
    Row(
        "AttachDisk",
        "cloud_essd_entry to a type neither ecs.u1 nor ecs.e",
        Refused("InvalidInstanceType.NotSupportDiskCategory", 403),
        page("AttachDisk"),
        True,
        _attach_new(lambda s: _available_disk(s, disk_category="cloud_essd_entry"), DB_INSTANCE),
    ),
    Row(
        "AttachDisk",
        "a Device the instance already uses",
        Refused("InvalidDevice.InUse", 403),
        page("AttachDisk"),
        True,
        _attach_new(_available_disk, DB_INSTANCE, device="/dev/xvdb"),
    ),
    Row(
        "AttachDisk",
        "an instance neither Running nor Stopped (Stopping)",
        Refused("IncorrectInstanceStatus", 400),
        page("AttachDisk"),
        False,
        _attach_new(_lab_disk, "i-hzstopping"),
        world="lab",
    ),
    Row(
        "AttachDisk",
        "an instance with every data disk slot of its type taken",
        Refused("InstanceDiskLimitExceeded", 403),
        page("AttachDisk"),
        False,
        _attach_new(_lab_disk, "i-hzone"),
        world="lab",
    ),
    Row(
        "AttachDisk",
        "an unknown disk",
        Refused("InvalidDiskId.NotFound", 404),
        page("AttachDisk"),
        False,
        at_once(lambda s: _attach(s, DB_INSTANCE, "d-bp1nosuchdisk000000")),
    ),
    Row(
        "AttachDisk",
        "an Available disk: Attaching, then In_use",
        Answers(["Attaching", "In_use"]),
        page("DescribeDisks"),
        False,
        _attach_statuses,
    ),
)

ROWS: tuple[Row, ...] = (
    *TAG_ROWS,
    *TOKEN_ROWS,
    *BUSY_ROWS,
    *CATALOG_ROWS,
    *DELETE_ROWS,
    *SNAPSHOT_ROWS,
    *IMAGE_ROWS,
    *RUN_ROWS,
    *DISK_ROWS,
)
