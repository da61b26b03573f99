"""The contract's rows of CreateDisk and AttachDisk."""

from __future__ import annotations

from tests.sandbox.contract.rows import (
    NO_ENTRY_ZONE,
    Answers,
    Call,
    Provoke,
    Refused,
    Row,
    at_once,
    attach,
    attach_new,
    available_disk,
    disk_of,
    lab_disk,
    on_new,
    page,
    uploading_snapshot,
)
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    TARGET_INSTANCE,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    create_disk,
    snapshot_disks,
)


def _disk_from_a_progressing_snapshot(category: str) -> Provoke:
    return on_new(
        uploading_snapshot(DB_DATA),
        lambda s, snapshot_id: create_disk(s.ecs, snapshot_id=snapshot_id, disk_category=category),
    )


def _disk_from_a_progressing_essd_snapshot(s: RunningSandbox) -> Call:
    make = _disk_from_a_progressing_snapshot("cloud_essd")(s)
    return lambda: str(make()).startswith("d-")


def _disk_larger_snapshot(s: RunningSandbox) -> Call:
    [data] = snapshot_disks(s.ecs, s.handle, (DB_DATA,))
    return lambda: disk_of(s, create_disk(s.ecs, snapshot_id=data, size=50)).size


def _attach_statuses(s: RunningSandbox) -> Call:
    disk_id = available_disk(s)

    def statuses() -> list[str]:
        attach(s, DB_INSTANCE, disk_id)
        attaching = str(disk_of(s, disk_id).status)
        s.handle.advance_clock(5)
        return [attaching, str(disk_of(s, disk_id).status)]

    return statuses


DISK_ROWS = (
    Row(
        "CreateDisk",
        "an ESSD without PerformanceLevel: PL1",
        Answers("PL1"),
        page("CreateDisk"),
        False,
        at_once(lambda s: disk_of(s, create_disk(s.ecs, size=40)).performance_level),
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
        at_once(lambda s: attach(s, DB_INSTANCE, DB_DATA)),
    ),
    Row(
        "AttachDisk",
        "a disk and an instance in different zones",
        Refused("ResourcesNotInSameZone", 403),
        page("AttachDisk"),
        False,
        attach_new(available_disk, TARGET_INSTANCE),
    ),
    Row(
        "AttachDisk",
        "cloud_essd_entry to a type neither ecs.u1 nor ecs.e",
        Refused("InvalidInstanceType.NotSupportDiskCategory", 403),
        page("AttachDisk"),
        True,
        attach_new(lambda s: available_disk(s, disk_category="cloud_essd_entry"), DB_INSTANCE),
    ),
    Row(
        "AttachDisk",
        "a Device the instance already uses",
        Refused("InvalidDevice.InUse", 403),
        page("AttachDisk"),
        True,
        attach_new(available_disk, DB_INSTANCE, device="/dev/xvdb"),
    ),
    Row(
        "AttachDisk",
        "an instance neither Running nor Stopped (Stopping)",
        Refused("IncorrectInstanceStatus", 400),
        page("AttachDisk"),
        False,
        attach_new(lab_disk, "i-hzstopping"),
        world="lab",
    ),
    Row(
        "AttachDisk",
        "an instance with every data disk slot of its type taken",
        Refused("InstanceDiskLimitExceeded", 403),
        page("AttachDisk"),
        False,
        attach_new(lab_disk, "i-hzone"),
        world="lab",
    ),
    Row(
        "AttachDisk",
        "an unknown disk",
        Refused("InvalidDiskId.NotFound", 404),
        page("AttachDisk"),
        False,
        at_once(lambda s: attach(s, DB_INSTANCE, "d-bp1nosuchdisk000000")),
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
