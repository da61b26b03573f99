"""The contract's rows of the reads list_recovery_points makes: a source's snapshots by
InstanceId (with their type and tags), its snapshot groups by InstanceId, and the images
carrying a tag."""

from __future__ import annotations

from alibabacloud_ecs20140526 import models

from tests.sandbox.contract.rows import (
    Answers,
    Call,
    Row,
    db_group,
    group,
    image,
    page,
    system_snapshot,
)
from tests.support.demo_world import DB_DATA, DB_INSTANCE, REGION, WEB_INSTANCE
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import snapshot

POINT_TAG = ("ecs-dr:recovery-point", DB_INSTANCE)


def _system_disk_of(s: RunningSandbox, instance_id: str) -> str:
    request = models.DescribeDisksRequest(region_id=REGION, instance_id=instance_id)
    return str(s.ecs.describe_disks(request).body.disks.disk[0].disk_id)


def _snapshots_by_instance(s: RunningSandbox) -> Call:
    key, value = POINT_TAG
    tag = [models.CreateSnapshotRequestTag(key=key, value=value)]
    snapshot(s.ecs, DB_DATA, tag=tag)
    snapshot(s.ecs, _system_disk_of(s, WEB_INSTANCE))

    def listed() -> list[tuple[str, str, list[tuple[str, str]]]]:
        request = models.DescribeSnapshotsRequest(region_id=REGION, instance_id=DB_INSTANCE)
        found = s.ecs.describe_snapshots(request).body.snapshots.snapshot
        return [
            (f.source_disk_id, f.snapshot_type, [(t.tag_key, t.tag_value) for t in f.tags.tag])
            for f in found
        ]

    return listed


def _groups_by_instance(s: RunningSandbox) -> Call:
    db = db_group(s)
    group(s, instance_id=WEB_INSTANCE)

    def listed() -> list[bool]:
        request = models.DescribeSnapshotGroupsRequest(region_id=REGION, instance_id=DB_INSTANCE)
        found = s.ecs.describe_snapshot_groups(request).body.snapshot_groups.snapshot_group
        return [g.snapshot_group_id == db and g.instance_id == DB_INSTANCE for g in found]

    return listed


def _images_by_tag(s: RunningSandbox) -> Call:
    system = system_snapshot(s)
    key, value = POINT_TAG
    tagged = image(
        s,
        snapshot_id=system,
        image_name="point",
        tag=[models.CreateImageRequestTag(key=key, value=value)],
    )
    image(s, snapshot_id=system, image_name="other")

    def listed() -> list[tuple[bool, list[tuple[str, str]]]]:
        request = models.DescribeImagesRequest(
            region_id=REGION,
            image_owner_alias="self",
            status="Creating,Available",
            tag=[models.DescribeImagesRequestTag(key=key, value=value)],
        )
        found = s.ecs.describe_images(request).body.images.image
        return [
            (i.image_id == tagged, [(t.tag_key, t.tag_value) for t in i.tags.tag]) for i in found
        ]

    return listed


RECOVERY_POINT_ROWS = (
    Row(
        "DescribeSnapshots",
        "InstanceId: the snapshots of that instance's disks only, SnapshotType and Tags each",
        Answers([(DB_DATA, "user", [POINT_TAG])]),
        page("DescribeSnapshots") + " (InstanceId; SnapshotType auto | user; Tags.Tag)",
        False,
        _snapshots_by_instance,
    ),
    Row(
        "DescribeSnapshotGroups",
        "InstanceId: that instance's groups only",
        Answers([True]),
        page("DescribeSnapshotGroups") + " (InstanceId)",
        False,
        _groups_by_instance,
    ),
    Row(
        "DescribeImages",
        "Tag.N with ImageOwnerAlias self: only the images carrying the tag, with their Tags",
        Answers([(True, [POINT_TAG])]),
        page("DescribeImages") + " (Tag.N.Key, Tag.N.Value; Tags.Tag)",
        False,
        _images_by_tag,
    ),
)
