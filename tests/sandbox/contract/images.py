"""The contract's rows of CreateImage."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alibabacloud_ecs20140526 import models

from tests.sandbox.contract.rows import (
    Answers,
    Call,
    Provoke,
    Refused,
    Row,
    at_once,
    image,
    image_twice,
    mapping,
    on_new,
    page,
    settled,
    system_snapshot,
    uploading_snapshot,
)
from tests.support.demo_world import (
    DB_DATA,
    DB_LOG,
    DB_SYSTEM,
    REGION,
)
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import (
    snapshot_disks,
)


def _image_from(mappings: Callable[[list[str]], list[dict[str, Any]]]) -> Provoke:
    """CreateImage from accomplished snapshots of prod-db-01's system, data and log disks."""

    def provoke(s: RunningSandbox) -> Call:
        snapshots = snapshot_disks(s.ecs, s.handle, (DB_SYSTEM, DB_DATA, DB_LOG))
        request = [mapping(**m) for m in mappings(snapshots)]
        return lambda: image(s, disk_device_mapping=request)

    return provoke


def _image_status(s: RunningSandbox) -> Call:
    image_id = image(s, snapshot_id=system_snapshot(s))

    def statuses() -> tuple[str, str]:
        request = models.DescribeImagesRequest(
            region_id=REGION, image_id=image_id, status="Creating,Available"
        )

        def now() -> str:
            [found] = s.ecs.describe_images(request).body.images.image
            return str(found.status)

        first = now()
        settled(s)
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
            uploading_snapshot(DB_SYSTEM),
            lambda s, snapshot_id: image(s, snapshot_id=snapshot_id),
        ),
    ),
    Row(
        "CreateImage",
        "an unknown snapshot",
        Refused("InvalidSnapshotId.NotFound", 404),
        page("CreateImage"),
        False,
        at_once(lambda s: image(s, snapshot_id="s-bp1nosuchsnapshot00")),
    ),
    Row(
        "CreateImage",
        "an image name already used in the region",
        Refused("InvalidImageName.Duplicated", 400),
        page("CreateImage"),
        False,
        image_twice(image_name="prod-db"),
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
