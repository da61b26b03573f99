"""Keeping points fresh: the rules of one protection cycle (`ecs-dr-mcp protect`).

A cycle takes a new point of each source, then deletes that source's points beyond the newest
N. Only a point this server made of that source is ever deleted: its resources carry
`ecs-dr:recovery-point=<source>`. An automatic policy's snapshots, snapshots made by hand and
a recovery's snapshots and images (tagged with their operation alone) are never the cycle's.
Nor is a point an unfinished operation is recovering from (its journaled plan or steps name
one of the point's resources), or one whose own operation has not ended.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from pydantic import Field

from ecs_dr.domain.models import Frozen, SnapshotGroup
from ecs_dr.domain.plans import TAG_OPERATION, Decisions, NeedsDecision
from ecs_dr.domain.prompts import PER_DISK_SNAPSHOTS
from ecs_dr.domain.recovery_points import (
    TAG_RECOVERY_POINT,
    TAG_TAKEN_AT,
    TaggedImage,
    TakenSnapshot,
    ecs_time,
)
from ecs_dr.domain.refusal import Refusal


class OwnPoint(Frozen):
    """A point this server made of one source: the resources one create_recovery_point
    operation tagged as that source's point."""

    key: str = Field(description="the operation that made it (its tag; else its time or id)")
    taken_at: datetime | None
    image_ids: list[str] = Field(default_factory=list)
    snapshot_group_ids: list[str] = Field(default_factory=list)
    group_snapshot_ids: list[str] = Field(default_factory=list, description="its groups' members")
    snapshot_ids: list[str] = Field(default_factory=list, description="snapshots outside a group")

    @property
    def point_id(self) -> str:
        """As list_recovery_points names it: the image, else the group, else the snapshots."""
        return ",".join(self.image_ids or self.snapshot_group_ids or self.snapshot_ids)

    @property
    def resource_ids(self) -> list[str]:
        return [
            *self.image_ids,
            *self.snapshot_group_ids,
            *self.group_snapshot_ids,
            *self.snapshot_ids,
        ]


def is_point_of(tags: Mapping[str, str], instance_id: str) -> bool:
    """Whether a resource belongs to a point this server made of `instance_id`."""
    return tags.get(TAG_RECOVERY_POINT) == instance_id


def own_points(
    instance_id: str,
    groups: Sequence[SnapshotGroup],
    snapshots: Sequence[TakenSnapshot],
    images: Sequence[TaggedImage],
) -> list[OwnPoint]:
    """The points this server made of `instance_id`, each the resources of one operation (an
    image point holds its image and the group or snapshot it was built from)."""
    parts: dict[str, dict[str, list[str]]] = {}
    times: dict[str, datetime | None] = {}

    def add(tags: Mapping[str, str], kind: str, *ids: str) -> None:
        key = tags.get(TAG_OPERATION) or tags.get(TAG_TAKEN_AT) or ids[0]
        parts.setdefault(key, {}).setdefault(kind, []).extend(ids)
        times[key] = times.get(key) or ecs_time(tags.get(TAG_TAKEN_AT, ""))

    members = {s.snapshot_id for g in groups for s in g.snapshots}
    for group in groups:
        if is_point_of(group.tags, instance_id):
            add(group.tags, "snapshot_group_ids", group.snapshot_group_id)
            if group.snapshots:
                add(group.tags, "group_snapshot_ids", *(s.snapshot_id for s in group.snapshots))
    for taken in snapshots:
        loose = taken.snapshot.snapshot_id not in members
        if loose and is_point_of(taken.tags, instance_id):
            add(taken.tags, "snapshot_ids", taken.snapshot.snapshot_id)
    for tagged in images:
        if is_point_of(tagged.tags, instance_id):
            add(tagged.tags, "image_ids", tagged.image.image_id)
    return [OwnPoint(key=key, taken_at=times[key], **ids) for key, ids in parts.items()]


def newest_first(points: Sequence[OwnPoint]) -> list[OwnPoint]:
    """The points by when they were taken, newest first; one whose time is unknown counts as
    the newest, so a cycle never deletes a point it cannot date."""
    latest = datetime.max.replace(tzinfo=UTC)
    return sorted(points, key=lambda p: p.taken_at or latest, reverse=True)


def beyond_newest(points: Sequence[OwnPoint], keep: int) -> list[OwnPoint]:
    """The points past the newest `keep`, oldest last. Raises Refusal for a `keep` below 1: a
    cycle always keeps the point it has just made."""
    if keep < 1:
        raise Refusal(f"--keep must be at least 1 (the newest point is always kept), not {keep}")
    return newest_first(points)[keep:]


def names_resource(text: str, resource_id: str) -> bool:
    """Whether journaled text names `resource_id` as a whole id (not a longer id's prefix)."""
    return re.search(rf"(?<![\w-]){re.escape(resource_id)}(?![\w-])", text) is not None


def recovering_from(point: OwnPoint, unfinished: Mapping[str, str]) -> str | None:
    """The unfinished operation (id -> its journaled plan and steps, as JSON text) that made the
    point (one left half-made: resume_recovery finishes it) or names one of its resources; None
    when no operation needs it."""
    if point.key in unfinished:
        return point.key
    for operation_id, text in unfinished.items():
        if any(names_resource(text, rid) for rid in point.resource_ids):
            return operation_id
    return None


class Retention(Frozen):
    """What a cycle does with a source's points: keep the newest, delete those beyond them,
    except those an unfinished operation needs (by operation id)."""

    kept: list[OwnPoint]
    to_delete: list[OwnPoint]
    in_use: dict[str, str] = Field(description="point id -> the unfinished operation needing it")


def retention(points: Sequence[OwnPoint], keep: int, unfinished: Mapping[str, str]) -> Retention:
    """Which of a source's points a cycle keeping `keep` deletes. Raises Refusal for a `keep`
    below 1."""
    beyond = beyond_newest(points, keep)
    in_use = {p.point_id: op for p in beyond if (op := recovering_from(p, unfinished)) is not None}
    return Retention(
        kept=newest_first(points)[:keep],
        to_delete=[p for p in beyond if p.point_id not in in_use],
        in_use=in_use,
    )


def per_disk_consent(needed: NeedsDecision, allowed: bool, instance_id: str) -> Decisions:
    """The answer a cycle gives when its source's disks cannot form a group: per-disk
    snapshots (not crash-consistent), only when the user allowed them on the command line.
    Raises Refusal otherwise, and for any other question (a command line has no one to ask)."""
    offers = {p.decision_id: {o.value for o in p.options} for p in needed.prompts}
    if not offers or any(PER_DISK_SNAPSHOTS not in values for values in offers.values()):
        questions = " ".join(p.question for p in needed.prompts)
        raise Refusal(f"{instance_id} needs a decision the command cannot make: {questions}")
    if not allowed:
        blockers = "; ".join(needed.context.get("blockers", [])) or "its disks"
        raise Refusal(
            f"{instance_id} cannot have a snapshot-consistent group ({blockers}): its point "
            "would be per-disk snapshots, not crash-consistent; pass --allow-per-disk to take it"
        )
    return dict.fromkeys(offers, PER_DISK_SNAPSHOTS)
