"""The contract's busy rows: ECS says wait and ask again."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models

from tests.sandbox.contract.rows import (
    Call,
    Provoke,
    Refused,
    Row,
    after,
    attach_new,
    creating_disk,
    data_snapshot,
    db_group,
    delete_instance,
    delete_snapshot,
    image,
    on_new,
    page,
    twice,
)
from tests.support.demo_world import (
    DB_INSTANCE,
    DB_LOG,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    run,
    snapshot,
)


def _delete_launching(status: str, force: bool) -> Provoke:
    """DeleteInstance of a new instance while it is `status` (Pending 20 s, then Starting)."""

    def provoke(s: RunningSandbox) -> Call:
        instance_id = run(s.ecs)
        if status == "Starting":
            s.handle.advance_clock(20)
        return lambda: delete_instance(s, instance_id, force)

    return provoke


BUSY_ROWS = (
    Row(
        "AttachDisk",
        "a disk still Creating",
        Refused("IncorrectDiskStatus", 403),
        page("AttachDisk"),
        True,
        attach_new(creating_disk, DB_INSTANCE),
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
        on_new(data_snapshot, lambda s, snapshot_id: delete_snapshot(s, snapshot_id, force=True)),
    ),
    Row(
        "CreateSnapshot",
        "a disk with a snapshot in progress",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateSnapshot"),
        True,
        twice(data_snapshot),
    ),
    Row(
        "CreateSnapshotGroup",
        "a disk of the group with a snapshot in progress",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateSnapshotGroup"),
        True,
        after(lambda s: snapshot(s.ecs, DB_LOG), db_group),
    ),
    Row(
        "CreateSnapshotGroup",
        "the instance's previous group still progressing",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateSnapshotGroup"),
        True,
        twice(db_group),
    ),
    Row(
        "CreateImage",
        "InstanceId with a snapshot of one of its disks in progress",
        Refused("IncorrectDiskStatus.CreatingSnapshot", 403),
        page("CreateImage"),
        True,
        after(data_snapshot, lambda s: image(s, instance_id=DB_INSTANCE)),
    ),
    Row(
        "DeleteDisk",
        "a disk still Creating",
        Refused("IncorrectDiskStatus.Initializing", 403),
        page("DeleteDisk"),
        True,
        on_new(
            creating_disk,
            lambda s, disk_id: s.ecs.delete_disk(models.DeleteDiskRequest(disk_id=disk_id)),
        ),
    ),
)
