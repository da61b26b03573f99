"""Recovery points: copies of a source taken before a disaster, kept ready so a recovery need
not snapshot a source whose zone may be down.

A point is a snapshot-consistent group, a set of snapshots (one for a one-disk source), or a
custom image built from one. It is usable after the loss of the source's zone only once
zone-redundant (its snapshots accomplished, an image Available); its age is the RPO of a
recovery from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from ecs_dr.domain.cloud_text import MAX_CLOUD_VALUE_CHARS, cloud_text_field
from ecs_dr.domain.decisions import (
    CONFIRM_HEADER,
    ChoicePrompt,
    confirm_prompt,
    make_prompt,
    proceed_or_cancel,
)
from ecs_dr.domain.fingerprints import InstanceFingerprint
from ecs_dr.domain.images import ImageResult
from ecs_dr.domain.models import Frozen, Image, Instance, Snapshot, SnapshotGroup
from ecs_dr.domain.names import RESERVED_SNAPSHOT_PREFIX
from ecs_dr.domain.plans import TAG_OPERATION
from ecs_dr.domain.rules import image_device
from ecs_dr.domain.snapshots import SnapshotGroupPlan, SnapshotPlan, SnapshotRecord

TAG_RECOVERY_POINT = "ecs-dr:recovery-point"
"""On every resource of a point this server made: the source instance's id."""
TAG_TAKEN_AT = "ecs-dr:taken-at"
"""On every resource of a point this server made: when it was taken (ISO 8601, UTC)."""

PointKind = Literal["group", "image", "snapshots"]
PointOrigin = Literal["this server", "automatic policy", "by hand"]

IMAGE_QUOTA_NOT_CHECKED = (
    "the region's custom image quota is not checked (DescribeAccountAttributes, where this "
    "server reads quotas, reports none for images); CreateImage refuses past it"
)


def recovery_point_tags(instance_id: str, taken_at: datetime) -> dict[str, str]:
    """The tags marking a point of `instance_id` (ECS tag values hold up to 128 characters:
    an instance id and a UTC time fit). The time is to the millisecond: two points taken
    within one second (a protect cycle run again at once) still have an order."""
    return {
        TAG_RECOVERY_POINT: instance_id,
        TAG_TAKEN_AT: taken_at.astimezone(UTC).isoformat(timespec="milliseconds"),
    }


class RecoveryPointPlan(Frozen):
    """The snapshots of a point (a group, per-disk snapshots, or one snapshot), the image to
    build from them when asked, and the source as it is now: what the point covers."""

    region_id: str
    instance_id: str
    snapshots: SnapshotGroupPlan | SnapshotPlan
    image_name: str | None = None
    source: Instance

    @property
    def action(self) -> str:
        return self.snapshots.action

    def parameters(self) -> dict[str, Any]:
        return self.snapshots.parameters()


def keeping_cost(plan: RecoveryPointPlan) -> list[str]:
    """What keeping the point costs: snapshot capacity (bounded by the disks' sizes) and, with
    an image, one custom image against the region's quota."""
    disks = plan.source.disks
    costs = [
        f"Snapshot capacity: at most {sum(d.size_gib for d in disks)} GiB (the sum of the "
        f"{len(disks)} disks' sizes, an upper bound: ECS bills the data the snapshots hold)."
    ]
    if plan.image_name:
        costs.append(f"1 custom image ({plan.image_name}); {IMAGE_QUOTA_NOT_CHECKED}.")
    return costs


def point_confirmation(plan: RecoveryPointPlan) -> ChoicePrompt:
    """The go-ahead for a point: what it creates, with the exact parameters, and what it costs
    to keep; its id binds the parameters and whether an image follows (as confirm_prompt's)."""
    then = {"then": "CreateImage"} if plan.image_name else {}
    decision_id = confirm_prompt(plan.action, plan.parameters() | then).decision_id
    creates = f"{plan.action} of {plan.instance_id}, tagged {TAG_RECOVERY_POINT}"
    if plan.image_name:
        creates += f", then CreateImage {plan.image_name} from it"
    costs = keeping_cost(plan)
    return make_prompt(
        decision_id,
        f"Create a recovery point: {creates}. Keeping it costs: {' '.join(costs)} Proceed?",
        proceed_or_cancel(f"Call {plan.action} with the parameters shown."),
        {"action": plan.action, "parameters": plan.parameters()},
        header=CONFIRM_HEADER,
    )


class RecoveryPointResult(Frozen):
    """The point, zone-redundant, and the source's configuration it was taken of (what a
    recovery from it plans with when the source does not answer)."""

    region_id: str
    instance_id: str
    point_id: str
    kind: PointKind
    taken_at: datetime
    crash_consistent: bool
    snapshot_group_id: str | None = None
    snapshots: list[SnapshotRecord]
    image: ImageResult | None = None
    tags: dict[str, str]
    fingerprint: InstanceFingerprint
    note: str


# --- what ECS lists of a source ---------------------------------------------------------


class TakenSnapshot(Frozen):
    """A snapshot of one of the source's disks as DescribeSnapshots lists it."""

    snapshot: Snapshot
    name: str = cloud_text_field("the snapshot's name", max_chars=MAX_CLOUD_VALUE_CHARS)
    automatic: bool = Field(description="SnapshotType auto: taken by an automatic policy")
    tags: dict[str, str] = cloud_text_field(
        "its tags", max_chars=MAX_CLOUD_VALUE_CHARS, default_factory=dict
    )


class TaggedImage(Frozen):
    image: Image
    tags: dict[str, str] = cloud_text_field(
        "its tags", max_chars=MAX_CLOUD_VALUE_CHARS, default_factory=dict
    )


class RecoveryPoint(Frozen):
    """One point a recovery of the source can start from."""

    point_id: str = Field(description="group, image or snapshot id(s)")
    kind: PointKind
    taken_at: datetime | None
    age_s: int | None = Field(description="the RPO if the source failed now")
    crash_consistent: bool
    zone_redundant: bool = Field(description="survives the loss of the source's zone")
    disks: list[str] = Field(description="the source's disks it covers")
    missing_disks: list[str] = Field(description="the source's disks now it lacks")
    origin: PointOrigin
    snapshot_ids: list[str]


def origin_of(tags: dict[str, str], *, automatic: bool = False, name: str = "") -> PointOrigin:
    """This server tags what it makes; an automatic snapshot policy's snapshots are of type
    auto and named `auto...` (a name users may not give); the rest was made by hand."""
    if TAG_RECOVERY_POINT in tags or TAG_OPERATION in tags:
        return "this server"
    if automatic or name.startswith(RESERVED_SNAPSHOT_PREFIX):
        return "automatic policy"
    return "by hand"


def ecs_time(text: str) -> datetime | None:
    """A time as ECS writes it (`2026-01-02T03:04Z` or with seconds); None when unreadable."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def age_s(taken_at: datetime | None, now: datetime) -> int | None:
    """Seconds since the point was taken (never negative: clocks differ slightly)."""
    return None if taken_at is None else max(0, int((now - taken_at).total_seconds()))


def _point(
    source: Instance,
    now: datetime,
    *,
    point_id: str,
    kind: PointKind,
    taken_at: datetime | None,
    crash_consistent: bool,
    zone_redundant: bool,
    covered: Sequence[str],
    origin: PointOrigin,
    snapshot_ids: Sequence[str],
) -> RecoveryPoint:
    return RecoveryPoint(
        point_id=point_id,
        kind=kind,
        taken_at=taken_at,
        age_s=age_s(taken_at, now),
        crash_consistent=crash_consistent,
        zone_redundant=zone_redundant,
        disks=sorted(set(covered)),
        missing_disks=[d.disk_id for d in source.disks if d.disk_id not in covered],
        origin=origin,
        snapshot_ids=list(snapshot_ids),
    )


def _set_key(taken: TakenSnapshot) -> str:
    """Snapshots taken together form one point: this server's by operation, an automatic
    policy's by name (one name per run); one taken by hand is a point of its own."""
    operation = taken.tags.get(TAG_OPERATION)
    if operation:
        return operation
    if origin_of(taken.tags, automatic=taken.automatic, name=taken.name) == "automatic policy":
        return f"auto:{taken.name}"
    return taken.snapshot.snapshot_id


def recovery_points(
    source: Instance,
    groups: Sequence[SnapshotGroup],
    snapshots: Sequence[TakenSnapshot],
    images: Sequence[TaggedImage],
    now: datetime,
) -> list[RecoveryPoint]:
    """Every point of the source, newest first: each group, each set of snapshots outside a
    group, each image tagged as its point."""
    points = []
    grouped: dict[str, str] = {}
    for group in groups:
        ids = [s.snapshot_id for s in group.snapshots]
        grouped.update(dict.fromkeys(ids, group.snapshot_group_id))
        points.append(
            _point(
                source,
                now,
                point_id=group.snapshot_group_id,
                kind="group",
                taken_at=ecs_time(group.created_at),
                crash_consistent=True,
                zone_redundant=bool(ids) and all(s.zone_redundant for s in group.snapshots),
                covered=[s.source_disk_id for s in group.snapshots],
                origin=origin_of(group.tags),
                snapshot_ids=ids,
            )
        )
    sets: dict[str, list[TakenSnapshot]] = {}
    for taken in snapshots:
        if taken.snapshot.snapshot_id not in grouped:
            sets.setdefault(_set_key(taken), []).append(taken)
    for members in sets.values():
        times = [t for t in (ecs_time(m.snapshot.created_at) for m in members) if t]
        first = members[0]
        points.append(
            _point(
                source,
                now,
                point_id=",".join(m.snapshot.snapshot_id for m in members),
                kind="snapshots",
                taken_at=min(times) if times else None,
                crash_consistent=len(members) == 1,
                zone_redundant=all(m.snapshot.zone_redundant for m in members),
                covered=[m.snapshot.source_disk_id for m in members],
                origin=origin_of(first.tags, automatic=first.automatic, name=first.name),
                snapshot_ids=[m.snapshot.snapshot_id for m in members],
            )
        )
    known = {t.snapshot.snapshot_id: t.snapshot for t in snapshots}
    points += [_image_point(source, now, tagged, known, grouped) for tagged in images]
    oldest = datetime.min.replace(tzinfo=UTC)
    # At the same time, an image first: a recovery from it is RunInstances alone.
    return sorted(points, key=lambda p: (p.taken_at or oldest, p.kind == "image"), reverse=True)


def _image_point(
    source: Instance,
    now: datetime,
    tagged: TaggedImage,
    known: dict[str, Snapshot],
    grouped: dict[str, str],
) -> RecoveryPoint:
    """An image holds its snapshots' data: it is as old as they are (its tag's time when they
    are gone) and covers the disks they copy (by device when gone); it is crash-consistent
    when built from one group or one snapshot."""
    image = tagged.image
    by_device = {image_device(d): d.disk_id for d in source.disks}
    ids = [m.snapshot_id for m in image.mappings]
    found = [known[s] for s in ids if s in known]
    covered = [
        known[m.snapshot_id].source_disk_id
        if m.snapshot_id in known
        else by_device.get(m.device, "")
        for m in image.mappings
    ]
    times = [t for t in (ecs_time(s.created_at) for s in found) if t]
    groups = {grouped.get(s) for s in ids}
    return _point(
        source,
        now,
        point_id=image.image_id,
        kind="image",
        taken_at=min(times) if times else ecs_time(tagged.tags.get(TAG_TAKEN_AT, "")),
        crash_consistent=len(ids) == 1 or (len(groups) == 1 and None not in groups),
        zone_redundant=image.status == "Available",
        covered=[d for d in covered if d],
        origin=origin_of(tagged.tags),
        snapshot_ids=ids,
    )


def age_text(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    hours, rest = divmod(seconds, 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def points_table(points: Sequence[RecoveryPoint], disk_count: int) -> str:
    """One markdown row per point, newest first; `disk_count` is the source's disks now."""
    rows = [
        "| Point | Kind | Taken at (UTC) | Age (RPO now) | Crash-consistent | Zone-redundant "
        "| Disks | Made by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for p in points:
        taken = p.taken_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if p.taken_at else "?"
        disks = f"{len(p.disks)} of {disk_count}"
        if p.missing_disks:
            disks += f", missing {', '.join(p.missing_disks)}"
        rows.append(
            f"| {p.point_id} | {p.kind} | {taken} | {age_text(p.age_s)} | "
            f"{_yes(p.crash_consistent)} | {_yes(p.zone_redundant)} | {disks} | {p.origin} |"
        )
    return "\n".join(rows)
