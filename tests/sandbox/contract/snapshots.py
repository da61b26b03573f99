"""The contract's rows of CreateSnapshot and CreateSnapshotGroup."""

from __future__ import annotations

from tests.sandbox.contract.rows import (
    DB_DATA_INSTANT_ACCESS_S,
    Answers,
    Call,
    Refused,
    Row,
    at_once,
    available_disk,
    creating_disk,
    db_group,
    group,
    group_of,
    on_new,
    page,
    settled,
    snapshot_of,
)
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    LEGACY_DATA,
    LEGACY_INSTANCE,
    WEB_INSTANCE,
    WEB_SYSTEM,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    SETTLE_S,
    create_disk,
    snapshot,
)


def _group_across_zones(s: RunningSandbox) -> Call:
    other_zone = create_disk(s.ecs, size=40, zone_id="cn-hangzhou-i")
    return lambda: group(s, disk_id=[DB_DATA, other_zone])


def _snapshot_progress(s: RunningSandbox) -> Call:
    snapshot_id = snapshot(s.ecs, DB_DATA)

    def statuses() -> list[tuple[str, str, bool]]:
        seen = []
        for seconds in (0.0, DB_DATA_INSTANT_ACCESS_S, SETTLE_S):
            s.handle.advance_clock(seconds)
            found = snapshot_of(s, snapshot_id)
            seen.append((found.status, found.progress, found.available))
        return seen

    return statuses


def _group_progress(s: RunningSandbox) -> Call:
    group_id = db_group(s)

    def statuses() -> tuple[str, str]:
        first = group_of(s, group_id).status
        settled(s)
        return first, group_of(s, group_id).status

    return statuses


SNAPSHOT_ROWS = (
    Row(
        "CreateSnapshot",
        "an Available disk never attached to an instance",
        Refused("IncorrectDiskStatus.NeverAttached", 403),
        page("CreateSnapshot"),
        True,
        on_new(available_disk, lambda s, disk_id: snapshot(s.ecs, disk_id)),
    ),
    Row(
        "CreateSnapshot",
        "a disk still Creating",
        Refused("IncorrectDiskStatus", 403),
        page("CreateSnapshot"),
        True,
        on_new(creating_disk, lambda s, disk_id: snapshot(s.ecs, disk_id)),
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
        on_new(available_disk, lambda s, disk_id: group(s, disk_id=[disk_id])),
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
        at_once(lambda s: group(s, instance_id="i-hzmany")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "17 disks in ap-southeast-1 (16 in every region)",
        Refused("NumberExceed.TooManyDisks", 403),
        page("CreateSnapshotGroup"),
        True,
        at_once(lambda s: group(s, "ap-southeast-1", instance_id="i-sgmany")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "more than 32 TiB of disks",
        Refused("CapacityExceed.TooManyDisks", 403),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: group(s, instance_id="i-hzbig")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "more than 32 TiB in ap-southeast-1 (32 TiB in every region)",
        Refused("CapacityExceed.TooManyDisks", 403),
        page("CreateSnapshotGroup"),
        True,
        at_once(lambda s: group(s, "ap-southeast-1", instance_id="i-sgbig")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "an instance with a non-ESSD disk not excluded",
        Refused("DiskCategory.OperationNotSupported", 400),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: group(s, instance_id=LEGACY_INSTANCE)),
    ),
    Row(
        "CreateSnapshotGroup",
        "the non-ESSD disk excluded (ExcludeDiskId.N)",
        Answers(True),
        page("CreateSnapshotGroup"),
        False,
        at_once(
            lambda s: group(
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
        at_once(lambda s: group(s, instance_id="i-hzshared")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "DiskId.N with ExcludeDiskId.N",
        Refused("InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict", 400),
        page("CreateSnapshotGroup"),
        False,
        at_once(
            lambda s: group(s, instance_id=DB_INSTANCE, disk_id=[DB_DATA], exclude_disk_id=[DB_LOG])
        ),
    ),
    Row(
        "CreateSnapshotGroup",
        "an instance neither Running nor Stopped (Stopping)",
        Refused("IncorrectInstanceStatus", 400),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: group(s, instance_id="i-hzstopping")),
        world="lab",
    ),
    Row(
        "CreateSnapshotGroup",
        "every disk of the instance excluded",
        Refused("InvalidInstance.NoDisk", 403),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: group(s, instance_id=WEB_INSTANCE, exclude_disk_id=[WEB_SYSTEM])),
    ),
    Row(
        "CreateSnapshotGroup",
        "an unknown instance",
        Refused("InvalidInstanceId.NotFound", 404),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: group(s, instance_id="i-bp1nosuchinstance00")),
    ),
    Row(
        "CreateSnapshotGroup",
        "an unknown region",
        Refused("InvalidRegionId.NotFound", 404),
        page("CreateSnapshotGroup"),
        False,
        at_once(lambda s: group(s, "eu-nowhere-1", instance_id=DB_INSTANCE)),
    ),
    Row(
        "CreateSnapshotGroup",
        "neither InstanceId nor DiskId.N (the code is spelled so on the page)",
        Refused("MissingParamter.InstanceId", 400),
        page("CreateSnapshotGroup"),
        True,
        at_once(lambda s: group(s)),
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
