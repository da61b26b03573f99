"""Snapshot actions: CreateSnapshot, DescribeSnapshots, DeleteSnapshot, and the
snapshot-consistent group actions CreateSnapshotGroup, DescribeSnapshotGroups,
DeleteSnapshotGroup.
"""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import iso
from ecs_dr.sandbox.errors import (
    InvalidParameter,
    InvalidSnapshotGroupIdNotFound,
    InvalidSnapshotIdNotFound,
)
from ecs_dr.sandbox.models import snapshots
from ecs_dr.sandbox.models.disks import find_disk
from ecs_dr.sandbox.models.resources import Region, Snapshot, SnapshotGroup
from ecs_dr.sandbox.models.tags import has_tags, tags_body, tags_of
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import (
    Body,
    action,
    create_tagged,
    paginate,
    paginate_tokens,
)

MAX_GROUP_IDS = 10


def _snapshot_body(region: Region, snapshot: Snapshot, now: float) -> Body:
    return {
        "SnapshotId": snapshot.snapshot_id,
        "SnapshotName": snapshot.snapshot_name,
        "Description": snapshot.description,
        "Status": snapshots.status(snapshot, now),
        "Progress": f"{snapshots.progress(snapshot, now)}%",
        "RemainTime": snapshots.remain_time(snapshot, now),
        "Available": snapshots.is_available(snapshot, now),
        "InstantAccess": snapshots.instant_access(snapshot),
        "SourceDiskId": snapshot.source_disk_id,
        "SourceDiskType": snapshot.source_disk_type,
        "SourceDiskSize": str(snapshot.source_disk_size),
        "SourceStorageType": "disk",
        "Category": "standard",
        "SnapshotType": "user",
        "Usage": snapshots.usage(region, snapshot.snapshot_id),
        "Encrypted": False,
        "RegionId": region.region_id,
        "CreationTime": iso(snapshot.created_at),
        "Tags": tags_body(region, "snapshot", snapshot.snapshot_id),
    }


def _key_value_tags(region: Region, resource_type: str, resource_id: str) -> Body:
    """DescribeSnapshotGroups spells tags `Key`/`Value` (the SDK's response model
    DescribeSnapshotGroupsResponseBodySnapshotGroupsSnapshotGroupTagsTag), unlike the other
    Describe* calls' `TagKey`/`TagValue`."""
    tags = tags_of(region, resource_type, resource_id)
    return {"Tag": [{"Key": k, "Value": v} for k, v in tags.items()]}


def _group_body(region: Region, group: SnapshotGroup, now: float) -> Body:
    members = [region.snapshots[s] for s in group.snapshot_ids if s in region.snapshots]
    return {
        "SnapshotGroupId": group.snapshot_group_id,
        "Name": group.name,
        "Description": group.description,
        "Status": snapshots.group_status(region, group, now),
        "InstanceId": group.instance_id,
        "CreationTime": iso(group.created_at),
        "Snapshots": {
            "Snapshot": [
                {
                    "SnapshotId": s.snapshot_id,
                    "SourceDiskId": s.source_disk_id,
                    "SourceDiskType": s.source_disk_type,
                    "Progress": f"{snapshots.progress(s, now)}%",
                    "Available": snapshots.is_available(s, now),
                    "InstantAccess": snapshots.instant_access(s),
                    "Tags": _key_value_tags(region, "snapshot", s.snapshot_id),
                }
                for s in members
            ]
        },
        "Tags": _key_value_tags(region, "snapshotgroup", group.snapshot_group_id),
    }


@action("CreateSnapshot")
def create_snapshot(backend: Backend, params: Params) -> Body:
    # The SDK sends no RegionId here: ECS finds the disk by id.
    region, disk = find_disk(backend, params.required_text("DiskId"), params.text("RegionId"))
    name = params.text("SnapshotName", max_length=128) or ""
    description = params.text("Description", max_length=256) or ""
    tags = params.tags()

    def create() -> str:
        return snapshots.create_snapshot(
            backend, region, disk, name=name, description=description
        ).snapshot_id

    snapshot_id = create_tagged(
        backend,
        region,
        params,
        create,
        action_name="CreateSnapshot",
        resource_type="snapshot",
        tags=tags,
    )
    return {"SnapshotId": snapshot_id}


@action("DescribeSnapshots")
def describe_snapshots(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    now = backend.now()
    snapshot_ids = params.json_list("SnapshotIds")
    disk_id = params.text("DiskId")
    instance_id = params.text("InstanceId")
    status = params.choice("Status", (*snapshots.SNAPSHOT_STATUSES, "all"), "all")
    snapshot_type = params.choice("SnapshotType", ("auto", "user", "all"), "all")
    source_type = (
        params.choice("SourceDiskType", ("System", "Data", "system", "data")) or ""
    ).lower()
    usage = params.choice("Usage", ("image", "disk", "image_disk", "none"))
    name = params.text("SnapshotName", max_length=128)
    category = params.choice("Category", ("standard", "flash", "archive"))
    wanted_tags = params.tags()

    def source_instance(snapshot: Snapshot) -> str | None:
        disk = region.disks.get(snapshot.source_disk_id)
        return disk.instance_id if disk is not None else None

    def selected(s: Snapshot) -> bool:
        return (
            (snapshot_ids is None or s.snapshot_id in snapshot_ids)
            and (disk_id is None or s.source_disk_id == disk_id)
            and (instance_id is None or source_instance(s) == instance_id)
            and (status == "all" or snapshots.status(s, now) == status)
            and snapshot_type != "auto"  # every sandbox snapshot is a user snapshot
            and (not source_type or s.source_disk_type == source_type)
            and (usage is None or snapshots.usage(region, s.snapshot_id) == usage)
            and (name is None or s.snapshot_name == name)
            and category in (None, "standard")
            and has_tags(region, "snapshot", s.snapshot_id, wanted_tags)
        )

    page, paging = paginate([s for s in region.snapshots.values() if selected(s)], params)
    return {"Snapshots": {"Snapshot": [_snapshot_body(region, s, now) for s in page]}, **paging}


@action("DeleteSnapshot")
def delete_snapshot(backend: Backend, params: Params) -> Body:
    snapshot_id = params.required_text("SnapshotId")
    force = params.boolean("Force")
    found = snapshots.find_snapshot(backend, snapshot_id)
    # DeleteSnapshot's page says an unknown snapshot "is ignored" but its error table lists
    # InvalidSnapshotId.NotFound (404): the table wins, and is the stricter.
    if found is None:
        raise InvalidSnapshotIdNotFound(snapshot_id)
    region, snapshot = found
    snapshots.delete_snapshot(region, snapshot, force=force, now=backend.now())
    return {}


@action("CreateSnapshotGroup")
def create_snapshot_group(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    request = snapshots.GroupRequest(
        instance_id=params.text("InstanceId"),
        # More than 16 DiskId.N reach the group's NumberExceed.TooManyDisks (403).
        disk_ids=params.repeated("DiskId"),
        exclude_disk_ids=params.repeated("ExcludeDiskId", max_items=snapshots.MAX_GROUP_DISKS),
        name=params.text("Name", max_length=128) or "",
        description=params.text("Description", max_length=256) or "",
    )
    tags = params.tags()

    def create() -> str:
        return snapshots.create_snapshot_group(backend, region, request).snapshot_group_id

    group_id = create_tagged(
        backend,
        region,
        params,
        create,
        action_name="CreateSnapshotGroup",
        resource_type="snapshotgroup",
        tags=tags,
    )
    return {"SnapshotGroupId": group_id}


@action("DescribeSnapshotGroups")
def describe_snapshot_groups(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    now = backend.now()
    # "Valid values of N: 1 to 10" (SnapshotGroupId.N).
    group_ids = params.repeated("SnapshotGroupId", max_items=MAX_GROUP_IDS)
    statuses = params.repeated("Status")
    for value in statuses:
        if value not in snapshots.SNAPSHOT_STATUSES:
            raise InvalidParameter(
                "Status.N", f"{value!r} is not one of {', '.join(snapshots.SNAPSHOT_STATUSES)}"
            )
    instance_id = params.text("InstanceId")
    name = params.text("Name", max_length=128)
    wanted_tags = params.tags()

    def selected(group: SnapshotGroup) -> bool:
        return (
            (not group_ids or group.snapshot_group_id in group_ids)
            and (not statuses or snapshots.group_status(region, group, now) in statuses)
            and (instance_id is None or group.instance_id == instance_id)
            and (name is None or group.name == name)
            and has_tags(region, "snapshotgroup", group.snapshot_group_id, wanted_tags)
        )

    groups = [g for g in region.snapshot_groups.values() if selected(g)]
    page, paging = paginate_tokens(groups, params)
    return {
        "SnapshotGroups": {"SnapshotGroup": [_group_body(region, g, now) for g in page]},
        "NextToken": paging["NextToken"],
    }


@action("DeleteSnapshotGroup")
def delete_snapshot_group(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    group_id = params.required_text("SnapshotGroupId")
    group = region.snapshot_groups.get(group_id)
    if group is None:
        raise InvalidSnapshotGroupIdNotFound(group_id)
    progress = [
        {
            "OperationStatus": "Failed" if code else "Success",
            "ErrorCode": code,
            "ErrorMsg": "The snapshot backs a custom image and was kept." if code else "",
            "RelatedItemSet": {"RelatedItem": [{"Name": "SnapshotId", "Value": snapshot_id}]},
        }
        for snapshot_id, code in snapshots.delete_snapshot_group(region, group)
    ]
    return {"OperationProgressSet": {"OperationProgress": progress}}
