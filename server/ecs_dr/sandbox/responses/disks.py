"""Disk actions: DescribeDisks, CreateDisk, AttachDisk, DeleteDisk, ResizeDisk."""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import iso
from ecs_dr.sandbox.errors import (
    InvalidDiskIdNotFound,
    InvalidParamZoneIdAndInstanceIdConflict,
    MissingParameter,
)
from ecs_dr.sandbox.models.disks import (
    DISK_STATUSES,
    RESIZE_TYPES,
    DiskRequest,
    attach_disk,
    delete_disk,
    find_disk,
    multi_attach_label,
    new_disk,
    resize_disk,
)
from ecs_dr.sandbox.models.instances import find_instance
from ecs_dr.sandbox.models.resources import Disk, Region
from ecs_dr.sandbox.models.snapshots import in_flight, snapshot_for_disk
from ecs_dr.sandbox.models.tags import has_tags, tags_body
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, action, create_tagged, paginate


def _disk_body(region: Region, disk: Disk, now: float) -> Body:
    attachments = (
        [{"InstanceId": disk.instance_id, "Device": disk.device}] if disk.instance_id else []
    )
    body: Body = {
        "DiskId": disk.disk_id,
        "DiskName": disk.disk_name,
        "Description": "",
        "RegionId": region.region_id,
        "ZoneId": disk.zone_id,
        "Category": disk.category,
        "Size": disk.size,
        "Type": disk.type,
        "Status": disk.lifecycle.status(now),
        "InstanceId": disk.instance_id or "",
        "Device": disk.device if disk.instance_id else "",
        "Attachments": {"Attachment": attachments},
        "SourceSnapshotId": disk.source_snapshot_id,
        "Portable": disk.portable,
        "DeleteWithInstance": disk.delete_with_instance,
        "DeleteAutoSnapshot": True,
        "EnableAutoSnapshot": False,
        "Encrypted": False,
        "MultiAttach": multi_attach_label(disk),
        "DiskChargeType": disk.charge_type,
        "CreationTime": iso(disk.created_at),
        "Tags": tags_body(region, "disk", disk.disk_id),
    }
    if disk.performance_level is not None:
        body["PerformanceLevel"] = disk.performance_level
    return body


@action("DescribeDisks")
def describe_disks(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    now = backend.now()
    disk_ids = params.json_list("DiskIds")
    zone_id = params.text("ZoneId")
    instance_id = params.text("InstanceId")
    disk_type = params.choice("DiskType", ("all", "system", "data"), "all")
    category = params.text("Category")
    status = params.choice("Status", (*DISK_STATUSES, "All"), "All")
    snapshot_id = params.text("SnapshotId")
    disk_name = params.text("DiskName", max_length=128)
    multi_attach = params.choice("MultiAttach", ("Enabled", "Disabled"))
    wanted_tags = params.tags()

    def selected(disk: Disk) -> bool:
        return (
            (disk_ids is None or disk.disk_id in disk_ids)
            and (zone_id is None or disk.zone_id == zone_id)
            and (instance_id is None or disk.instance_id == instance_id)
            and (disk_type == "all" or disk.type == disk_type)
            and (category in (None, "all") or disk.category == category)
            and (status == "All" or disk.lifecycle.status(now) == status)
            and (snapshot_id is None or disk.source_snapshot_id == snapshot_id)
            and (disk_name is None or disk.disk_name == disk_name)
            and (multi_attach is None or multi_attach_label(disk) == multi_attach)
            and has_tags(region, "disk", disk.disk_id, wanted_tags)
        )

    page, paging = paginate([d for d in region.disks.values() if selected(d)], params)
    return {"Disks": {"Disk": [_disk_body(region, d, now) for d in page]}, **paging}


@action("CreateDisk")
def create_disk(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    zone_id = params.text("ZoneId")
    instance_id = params.text("InstanceId")
    if zone_id and instance_id:
        raise InvalidParamZoneIdAndInstanceIdConflict()
    if not zone_id and not instance_id:
        raise MissingParameter("ZoneId")
    snapshot_id = params.text("SnapshotId")
    size = params.integer("Size", minimum=1)
    if size is None and snapshot_id is None:
        raise MissingParameter("Size")
    request = DiskRequest(
        category=params.text("DiskCategory") or "cloud",  # ECS's documented default
        size=size,
        performance_level=params.text("PerformanceLevel"),
        disk_name=params.text("DiskName", max_length=128) or "",
        multi_attach=params.choice("MultiAttach", ("Enabled", "Disabled")) == "Enabled",
        zone_id=zone_id,
        instance_id=instance_id,
    )
    tags = params.tags()

    def create() -> str:
        source = None
        if snapshot_id is not None:
            source = snapshot_for_disk(region, snapshot_id, request.category, backend.now())
        return new_disk(backend, region, request, source).disk_id

    disk_id = create_tagged(
        backend, region, params, create, action_name="CreateDisk", resource_type="disk", tags=tags
    )
    return {"DiskId": disk_id}


@action("AttachDisk")
def attach(backend: Backend, params: Params) -> Body:
    # The SDK sends no RegionId here: ECS finds the instance by id.
    instance_id = params.required_text("InstanceId")
    disk_id = params.required_text("DiskId")
    region, instance = find_instance(backend, instance_id)
    disk = region.disks.get(disk_id)
    if disk is None:
        raise InvalidDiskIdNotFound(disk_id)
    delete_with_instance = (
        params.boolean("DeleteWithInstance") if params.has("DeleteWithInstance") else None
    )
    attach_disk(
        backend,
        region,
        instance,
        disk,
        device=params.text("Device"),
        delete_with_instance=delete_with_instance,
    )
    return {}


@action("DeleteDisk")
def delete(backend: Backend, params: Params) -> Body:
    region, disk = find_disk(backend, params.required_text("DiskId"))
    delete_disk(backend, region, disk)
    return {}


@action("ResizeDisk")
def resize(backend: Backend, params: Params) -> Body:
    # The SDK sends no RegionId here: ECS finds the disk by id.
    region, disk = find_disk(backend, params.required_text("DiskId"))
    new_size = params.integer("NewSize")
    if new_size is None:
        raise MissingParameter("NewSize")
    params.choice("Type", RESIZE_TYPES, "offline")
    busy = in_flight(region, disk.disk_id, backend.now()) > 0
    resize_disk(backend, region, disk, new_size, snapshot_in_progress=busy)
    return {}
