"""The contract's rows of deletes."""

from __future__ import annotations

from tests.sandbox.contract.rows import (
    Answers,
    Call,
    Refused,
    Row,
    at_once,
    delete_instance,
    delete_snapshot,
    image,
    page,
    system_snapshot,
)
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    REGION,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    create_disk,
    snapshot_disks,
)


def _delete_a_snapshot_an_image_uses(s: RunningSandbox) -> Call:
    system = system_snapshot(s)
    image(s, snapshot_id=system)
    return lambda: delete_snapshot(s, system, force=True)


def _delete_a_snapshot_a_disk_came_from(s: RunningSandbox) -> Call:
    [data] = snapshot_disks(s.ecs, s.handle, (DB_DATA,))
    create_disk(s.ecs, snapshot_id=data)
    return lambda: delete_snapshot(s, data)


def _released(s: RunningSandbox) -> bool:
    delete_instance(s, DB_INSTANCE, force=True)
    return DB_INSTANCE not in s.handle.state()["regions"][REGION]["instances"]


DELETE_ROWS = (
    Row(
        "DeleteSnapshot",
        "an unknown snapshot id (the page's description says it is ignored; its error table wins)",
        Refused("InvalidSnapshotId.NotFound", 404),
        page("DeleteSnapshot"),
        True,
        at_once(lambda s: delete_snapshot(s, "s-bp1nosuchsnapshot00")),
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
        at_once(lambda s: delete_instance(s, DB_INSTANCE, force=False)),
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
        at_once(lambda s: delete_instance(s, "i-bp1nosuchinstance00", force=True)),
    ),
)
