"""The rules of a protection cycle: which of a source's points are its own, which are beyond
the newest N, which an unfinished operation protects, and when per-disk snapshots may be taken
without anyone to ask."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from ecs_dr.domain.models import Image, ImageDiskMapping, SnapshotGroup
from ecs_dr.domain.plans import TAG_OPERATION, NeedsDecision
from ecs_dr.domain.prompts import PER_DISK_SNAPSHOTS, non_essd_group_prompt
from ecs_dr.domain.recovery_points import (
    TaggedImage,
    TakenSnapshot,
    recovery_point_tags,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.retention import (
    OwnPoint,
    beyond_newest,
    names_resource,
    own_points,
    per_disk_consent,
    recovering_from,
    retention,
)
from ecs_dr.domain.rules import group_blockers
from tests.support.factories import data_disk, instance, snapshots_of

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
SOURCE = "i-source"


def _tags(operation: str, hours_ago: int, source: str = SOURCE) -> dict[str, str]:
    return {
        **recovery_point_tags(source, NOW - timedelta(hours=hours_ago)),
        TAG_OPERATION: operation,
    }


def _point(key: str, hours_ago: int | None, **ids: list[str]) -> OwnPoint:
    taken = None if hours_ago is None else NOW - timedelta(hours=hours_ago)
    return OwnPoint(key=key, taken_at=taken, **ids)


def _group(group_id: str, tags: dict[str, str]) -> SnapshotGroup:
    snaps = [
        s.model_copy(update={"snapshot_id": f"{s.snapshot_id}-{group_id}"})
        for s in snapshots_of(instance())
    ]
    return SnapshotGroup(
        snapshot_group_id=group_id,
        instance_id=SOURCE,
        status="accomplished",
        snapshots=snaps,
        tags=tags,
    )


def _taken(snapshot_id: str, tags: dict[str, str]) -> TakenSnapshot:
    snapshot = snapshots_of(instance())[0].model_copy(update={"snapshot_id": snapshot_id})
    return TakenSnapshot(snapshot=snapshot, name="n", automatic=False, tags=tags)


def _image(image_id: str, snapshot_id: str, tags: dict[str, str]) -> TaggedImage:
    mapping = ImageDiskMapping(
        device="/dev/xvda", kind="system", snapshot_id=snapshot_id, size_gib=40
    )
    image = Image(
        image_id=image_id, name=image_id, status="Available", progress=100, mappings=[mapping]
    )
    return TaggedImage(image=image, tags=tags)


def test_only_resources_tagged_as_this_sources_points_are_its_own_points() -> None:
    groups = [
        _group("ssg-ours", _tags("op-1", 3)),
        _group("ssg-other-source", _tags("op-2", 3, source="i-other")),
        _group("ssg-recovery", {TAG_OPERATION: "op-3"}),
        _group("ssg-by-hand", {}),
    ]
    taken = [
        _taken("s-by-hand", {}),
        _taken("s-recovery", {TAG_OPERATION: "op-4"}),
        _taken("s-policy", {}),
    ]
    (point,) = own_points(SOURCE, groups, taken, [])
    assert point.snapshot_group_ids == ["ssg-ours"]
    assert point.point_id == "ssg-ours"


def test_an_image_point_and_the_group_it_was_built_from_are_one_point() -> None:
    tags = _tags("op-1", 2)
    group = _group("ssg-1", tags)
    image = _image("m-1", group.snapshots[0].snapshot_id, tags)
    # DescribeSnapshots lists the group's members too; they belong to the group, not apart.
    members = [_taken(s.snapshot_id, tags) for s in group.snapshots]
    (point,) = own_points(SOURCE, [group], members, [image])
    assert point.point_id == "m-1"
    assert point.image_ids == ["m-1"] and point.snapshot_group_ids == ["ssg-1"]
    assert point.snapshot_ids == []
    assert point.group_snapshot_ids == [s.snapshot_id for s in group.snapshots]
    assert point.taken_at == NOW - timedelta(hours=2)


def test_per_disk_snapshots_of_one_operation_are_one_point() -> None:
    tags = _tags("op-7", 1)
    (point,) = own_points(SOURCE, [], [_taken("s-a", tags), _taken("s-b", tags)], [])
    assert point.snapshot_ids == ["s-a", "s-b"] and point.point_id == "s-a,s-b"


def test_points_beyond_the_newest_n_are_the_oldest() -> None:
    points = [_point("a", 5), _point("b", 1), _point("c", 3), _point("d", 9)]
    assert [p.key for p in beyond_newest(points, 2)] == ["a", "d"]
    assert beyond_newest(points, 4) == []


def test_a_point_whose_time_is_unknown_counts_as_newest_and_is_kept() -> None:
    points = [_point("dated", 1), _point("undated", None)]
    assert [p.key for p in beyond_newest(points, 1)] == ["dated"]


def test_keep_below_one_is_refused_the_newest_point_is_always_kept() -> None:
    with pytest.raises(Refusal, match="at least 1"):
        beyond_newest([_point("a", 1)], 0)


def test_an_operation_names_a_point_by_a_whole_resource_id_only() -> None:
    assert names_resource(json.dumps({"SnapshotGroupId": "ssg-12"}), "ssg-12")
    assert not names_resource(json.dumps({"SnapshotGroupId": "ssg-123"}), "ssg-12")
    assert not names_resource("s-ssg-12", "ssg-12")
    assert names_resource("s-a,s-b", "s-b")


def test_an_unfinished_operation_naming_any_resource_of_a_point_protects_it() -> None:
    point = _point(
        "op-1",
        5,
        image_ids=["m-1"],
        snapshot_group_ids=["ssg-1"],
        group_snapshot_ids=["s-1", "s-2"],
    )
    plan = {"plan": {"mappings": [{"snapshot_id": "s-2"}]}, "steps": []}
    assert recovering_from(point, {"op-9": json.dumps(plan)}) == "op-9"
    assert recovering_from(point, {"op-9": json.dumps({"image_id": "m-10"})}) is None


def test_a_point_whose_own_operation_has_not_ended_is_kept_resume_recovery_finishes_it() -> None:
    # Killed between CreateSnapshotGroup and the journal's record of the group: only the
    # group's operation tag links the two.
    half_made = _point("op-5", 5, snapshot_group_ids=["ssg-5"])
    assert recovering_from(half_made, {"op-5": json.dumps({"steps": []})}) == "op-5"


def test_beyond_n_a_point_an_operation_recovers_from_is_kept_the_others_deleted() -> None:
    newest = _point("n", 1, snapshot_group_ids=["ssg-n"])
    in_use = _point("u", 5, snapshot_group_ids=["ssg-u"])
    old = _point("o", 9, snapshot_group_ids=["ssg-o"])
    decided = retention([old, in_use, newest], 1, {"op-r": '{"SnapshotGroupId": "ssg-u"}'})
    assert [p.point_id for p in decided.kept] == ["ssg-n"]
    assert [p.point_id for p in decided.to_delete] == ["ssg-o"]
    assert decided.in_use == {"ssg-u": "op-r"}


def test_a_point_within_the_newest_n_is_kept_whatever_operations_name() -> None:
    decided = retention([_point("n", 1, snapshot_group_ids=["ssg-n"])], 1, {})
    assert decided.to_delete == [] and decided.in_use == {}


def _needs_per_disk() -> NeedsDecision:
    source = instance([*instance().disks[:1], data_disk(category="cloud_efficiency")])
    return NeedsDecision(
        prompts=[non_essd_group_prompt(source)], context={"blockers": group_blockers(source)}
    )


def test_per_disk_snapshots_are_taken_only_when_the_command_line_allows_them() -> None:
    needed = _needs_per_disk()
    assert per_disk_consent(needed, True, SOURCE) == {
        needed.prompts[0].decision_id: PER_DISK_SNAPSHOTS
    }
    with pytest.raises(Refusal, match="--allow-per-disk") as refused:
        per_disk_consent(needed, False, SOURCE)
    assert "cloud_efficiency" in str(refused.value)


def test_any_other_question_is_refused_a_command_line_has_no_one_to_ask() -> None:
    other = _needs_per_disk().prompts[0].model_copy(update={"options": []})
    with pytest.raises(Refusal, match="needs a decision the command cannot make"):
        per_disk_consent(NeedsDecision(prompts=[other]), True, SOURCE)
