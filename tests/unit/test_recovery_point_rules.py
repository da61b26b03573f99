"""The rules of recovery points: each point's kind, age (the RPO now), coverage of the source's
disks, origin, and what the confirmation says keeping one costs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecs_dr.domain.models import Image, ImageDiskMapping, Snapshot, SnapshotGroup
from ecs_dr.domain.plans import TAG_OPERATION
from ecs_dr.domain.recovery_points import (
    IMAGE_QUOTA_NOT_CHECKED,
    TAG_RECOVERY_POINT,
    TAG_TAKEN_AT,
    RecoveryPointPlan,
    TaggedImage,
    TakenSnapshot,
    age_s,
    keeping_cost,
    origin_of,
    points_table,
    recovery_point_tags,
    recovery_points,
)
from ecs_dr.domain.snapshots import SnapshotGroupPlan
from tests.support.factories import data_disk, instance, snapshots_of, system_disk

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
OURS = {TAG_RECOVERY_POINT: "i-source", TAG_OPERATION: "op-1"}


def _at(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _taken(
    snapshot: Snapshot,
    minutes_ago: int,
    *,
    name: str = "mine",
    automatic: bool = False,
    tags: dict[str, str] | None = None,
) -> TakenSnapshot:
    return TakenSnapshot(
        snapshot=snapshot.model_copy(update={"created_at": _at(minutes_ago)}),
        name=name,
        automatic=automatic,
        tags=tags or {},
    )


def test_a_point_is_tagged_with_its_source_and_utc_time_within_ecs_tag_limits() -> None:
    tags = recovery_point_tags("i-source", datetime(2026, 12, 6, 20, 0, tzinfo=UTC))
    assert tags == {TAG_RECOVERY_POINT: "i-source", TAG_TAKEN_AT: "2026-12-06T20:00:00.000+00:00"}
    assert all(len(k) <= 128 and len(v) <= 128 for k, v in tags.items())
    assert not any(k.startswith(("aliyun", "acs:")) for k in tags)


def test_origin_is_this_server_by_tag_an_automatic_policy_by_type_or_name_else_by_hand() -> None:
    assert origin_of({TAG_RECOVERY_POINT: "i-1"}) == "this server"
    assert origin_of({TAG_OPERATION: "op-1"}) == "this server"
    assert origin_of({}, automatic=True) == "automatic policy"
    assert origin_of({}, name="auto_20261206_1") == "automatic policy"
    assert origin_of({}, name="before-upgrade") == "by hand"


def test_age_is_the_rpo_now_and_never_negative() -> None:
    assert age_s(NOW - timedelta(minutes=90), NOW) == 5400
    assert age_s(NOW + timedelta(seconds=3), NOW) == 0
    assert age_s(None, NOW) is None


def test_kinds_newest_first_a_group_then_an_image_then_loose_snapshots() -> None:
    source = instance()
    snaps = snapshots_of(source)
    group = SnapshotGroup(
        snapshot_group_id="ssg-1",
        instance_id="i-source",
        status="accomplished",
        snapshots=snaps,
        created_at=_at(10),
        tags=OURS,
    )
    image = TaggedImage(
        image=Image(
            image_id="m-point",
            name="point",
            status="Available",
            progress=100,
            mappings=[
                ImageDiskMapping(
                    device="/dev/xvda", kind="system", snapshot_id=s.snapshot_id, size_gib=1
                )
                for s in snaps[:1]
            ]
            + [
                ImageDiskMapping(
                    device=d.device, kind="data", snapshot_id=s.snapshot_id, size_gib=1
                )
                for d, s in zip(source.disks[1:], snaps[1:], strict=True)
            ],
        ),
        tags={**OURS, TAG_TAKEN_AT: _at(5)},
    )
    loose = _taken(snaps[0].model_copy(update={"snapshot_id": "s-hand"}), 60, name="by-hand")
    taken = [_taken(s, 10) for s in snaps] + [loose]
    points = recovery_points(source, [group], taken, [image], NOW)
    assert [(p.point_id, p.kind) for p in points] == [
        ("m-point", "image"),
        ("ssg-1", "group"),
        ("s-hand", "snapshots"),
    ]
    by_id = {p.point_id: p for p in points}
    assert by_id["m-point"].crash_consistent  # built from one group
    assert by_id["m-point"].missing_disks == [] and by_id["m-point"].age_s == 600
    assert by_id["ssg-1"].zone_redundant and by_id["ssg-1"].origin == "this server"
    assert by_id["s-hand"].origin == "by hand"
    assert by_id["s-hand"].missing_disks == ["d-data-xvdb", "d-data-xvdc"]


def test_a_disk_added_after_the_point_is_missing_from_it() -> None:
    before = instance()
    group = SnapshotGroup(
        snapshot_group_id="ssg-1",
        instance_id="i-source",
        status="accomplished",
        snapshots=snapshots_of(before),
        created_at=_at(10),
    )
    now = instance([*before.disks, data_disk("/dev/xvdd")])
    (point,) = recovery_points(now, [group], [], [], NOW)
    assert point.missing_disks == ["d-data-xvdd"]
    assert "| 3 of 4, missing d-data-xvdd |" in points_table([point], len(now.disks))


def test_per_disk_snapshots_of_one_operation_are_one_point_not_crash_consistent() -> None:
    source = instance()
    taken = [_taken(s, 20, tags={TAG_OPERATION: "op-9"}) for s in snapshots_of(source)]
    (point,) = recovery_points(source, [], taken, [], NOW)
    assert point.kind == "snapshots" and not point.crash_consistent
    assert point.missing_disks == [] and point.origin == "this server"


def test_an_automatic_policy_run_is_one_point_and_a_progressing_one_is_not_zone_redundant() -> None:
    source = instance()
    snaps = snapshots_of(source)
    taken = [_taken(s, 30, name="auto_20261206_1", automatic=True) for s in snaps[:2]]
    taken.append(
        _taken(
            snaps[2].model_copy(update={"status": "progressing", "progress": 40}),
            30,
            name="auto_20261206_1",
            automatic=True,
        )
    )
    (point,) = recovery_points(source, [], taken, [], NOW)
    assert point.origin == "automatic policy" and point.age_s == 1800
    assert not point.zone_redundant


def test_a_one_disk_source_single_snapshot_is_crash_consistent() -> None:
    source = instance([system_disk()])
    (point,) = recovery_points(source, [], [_taken(snapshots_of(source)[0], 1)], [], NOW)
    assert point.crash_consistent and point.missing_disks == []


def test_keeping_cost_bounds_capacity_by_disk_sizes_and_says_the_image_quota_is_not_checked() -> (
    None
):
    source = instance()
    plan = RecoveryPointPlan(
        region_id="cn-hangzhou",
        instance_id="i-source",
        snapshots=SnapshotGroupPlan(
            region_id="cn-hangzhou",
            instance_id="i-source",
            strategy="snapshot_group",
            name="RecoveryPoint_i-source_20261206",
            disks=source.disks,
        ),
        image_name="Create_from_i-source_20261206",
        source=source,
    )
    snapshots_only, with_image = (
        keeping_cost(plan.model_copy(update={"image_name": None})),
        keeping_cost(plan),
    )
    assert len(snapshots_only) == 1 and "at most 640 GiB" in snapshots_only[0]
    assert "upper bound" in snapshots_only[0]
    assert IMAGE_QUOTA_NOT_CHECKED in with_image[1]


def test_an_image_whose_snapshots_are_gone_is_as_old_as_its_tag_and_covers_disks_by_device() -> (
    None
):
    source = instance([system_disk()])
    image = TaggedImage(
        image=Image(
            image_id="m-old",
            name="old",
            status="Available",
            progress=100,
            mappings=[
                ImageDiskMapping(
                    device="/dev/xvda", kind="system", snapshot_id="s-gone", size_gib=40
                )
            ],
        ),
        tags={**OURS, TAG_TAKEN_AT: _at(120)},
    )
    (point,) = recovery_points(source, [], [], [image], NOW)
    assert (point.kind, point.age_s, point.disks) == ("image", 7200, ["d-system"])
    assert point.crash_consistent and point.zone_redundant
