"""A recovery from a recovery point: which point a plan starts from ("latest" or an id), the
source as that point holds it, and what the plan tells the user about it.

Nothing of the source is snapshotted: the point's snapshots (or its image) are what the DR
instance is built from, so its age when the recovery starts is the recovery's RPO. The rules
(bandwidth 0 without a public IP, categories, sizes, PLs, devices, VPC, security groups,
billing) bind the source's configuration exactly as for a fresh recovery: read from ECS when
it answers, else the one recorded when the point was taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import Field

from ecs_dr.domain.arguments import LATEST_POINT
from ecs_dr.domain.decisions import CANCEL, ChoiceOption, ChoicePrompt, make_prompt
from ecs_dr.domain.models import Frozen, Instance
from ecs_dr.domain.recovery_points import PointKind, PointOrigin, RecoveryPoint, age_text
from ecs_dr.domain.refusal import Refusal

FROM_POINT = "recovery_point"
"""The answer to the source-zone question that recovers from the latest point."""
SNAPSHOT_ANYWAY = "snapshot_source"

ConfigFrom = Literal["ECS", "the point's record"]


class PointUse(Frozen):
    """The point a plan recovers from, as the plan and its journal keep it."""

    point_id: str
    kind: PointKind
    taken_at: datetime | None
    crash_consistent: bool
    origin: PointOrigin
    snapshot_ids: list[str]
    snapshot_group_id: str | None = None
    image_id: str | None = None
    config_from: ConfigFrom
    rpo_s: float | None = Field(
        default=None, description="its age when the recovery started (a result's)"
    )


def usable_reason(point: RecoveryPoint, source: Instance) -> str | None:
    """Why a recovery cannot start from this point (None when it can): its snapshots must be
    zone-redundant (an unfinished upload is lost with its zone) and it must hold the system
    disk (an image needs one)."""
    if not point.zone_redundant:
        return "it is not zone-redundant yet (its upload or its image has not finished)"
    system = source.system_disk
    if system is not None and system.disk_id not in point.disks:
        return f"it does not hold the system disk {system.disk_id}"
    return None


def choose_point(points: Sequence[RecoveryPoint], wanted: str, source: Instance) -> RecoveryPoint:
    """The point `wanted` names, or for "latest" the newest one a recovery can start from.

    Raises Refusal naming the points there are (or how to take one) when none fits.
    """
    listed = f"list_recovery_points(instance_id={source.instance_id!r}) lists its points"
    if wanted == LATEST_POINT:
        usable = [p for p in points if usable_reason(p, source) is None]
        if usable:
            return usable[0]
        return _no_usable_point(points, source, listed)
    point = next((p for p in points if wanted in (p.point_id, *p.snapshot_ids)), None)
    if point is None:
        known = ", ".join(p.point_id for p in points[:5]) or "none"
        raise Refusal(
            f"{wanted!r} is no recovery point of {source.instance_id} (its newest: {known}); "
            f"{listed}, or pass recovery_point='latest'."
        )
    reason = usable_reason(point, source)
    if reason is not None:
        raise Refusal(f"A recovery cannot start from {point.point_id}: {reason}. {listed}.")
    return point


def _no_usable_point(
    points: Sequence[RecoveryPoint], source: Instance, listed: str
) -> RecoveryPoint:
    if not points:
        raise Refusal(
            f"{source.instance_id} has no recovery point. create_recovery_point(instance_id="
            f"{source.instance_id!r}) takes one while its zone answers; until then a recovery "
            "snapshots the source (plan_recovery without recovery_point)."
        )
    reasons = "; ".join(
        f"{p.point_id}: {usable_reason(p, source)}" for p in points[:3] if usable_reason(p, source)
    )
    raise Refusal(
        f"None of the {len(points)} recovery points of {source.instance_id} can be recovered "
        f"from ({reasons}). {listed}."
    )


def covered_source(source: Instance, point: RecoveryPoint) -> Instance:
    """The source as the point holds it: only the disks the point has a copy of."""
    return source.model_copy(
        update={"disks": [d for d in source.disks if d.disk_id in point.disks]}
    )


def point_use(
    point: RecoveryPoint, config_from: ConfigFrom, group_id: str | None = None
) -> PointUse:
    return PointUse(
        point_id=point.point_id,
        kind=point.kind,
        taken_at=point.taken_at,
        crash_consistent=point.crash_consistent,
        origin=point.origin,
        snapshot_ids=point.snapshot_ids,
        snapshot_group_id=group_id,
        image_id=point.point_id if point.kind == "image" else None,
        config_from=config_from,
    )


def rpo_at(point: PointUse, started: datetime) -> float | None:
    """The point's age when a recovery from it started: the data that recovery loses."""
    if point.taken_at is None:
        return None
    return round(max(0.0, (started - point.taken_at).total_seconds()), 3)


def _taken(point: RecoveryPoint) -> str:
    if point.taken_at is None:
        return "at an unknown time"
    return point.taken_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def point_findings(point: RecoveryPoint, source: Instance, config_from: ConfigFrom) -> list[str]:
    """What the plan says about its point: which one, how old (the RPO), whether consistent,
    which of the source's disks it lacks, and where the configuration came from."""
    how = "RunInstances from its image alone" if point.kind == "image" else "CreateImage from it"
    findings = [
        f"Recovers from recovery point {point.point_id} ({point.kind}, made by {point.origin}), "
        f"taken {_taken(point)}, {age_text(point.age_s)} ago: that age is the RPO. Nothing of "
        f"{source.instance_id} is snapshotted; {how}, then the DR instance.",
    ]
    if not point.crash_consistent:
        findings.append(
            f"{point.point_id} is NOT crash-consistent across disks (its snapshots were taken "
            "one by one)."
        )
    if point.missing_disks:
        findings.append(
            f"{point.point_id} lacks {', '.join(point.missing_disks)}, which "
            f"{source.instance_id} has now: the DR instance will not have "
            f"{'it' if len(point.missing_disks) == 1 else 'them'}."
        )
    if config_from != "ECS":
        findings.append(
            f"ECS does not answer for {source.instance_id}: the rules hold its configuration as "
            f"recorded when {point.point_id} was taken."
        )
    return findings


def source_zone_prompt(source: Instance, latest: RecoveryPoint) -> ChoicePrompt:
    """The source's zone sells nothing now, as in an outage, when its disks may not be
    snapshotted: recover from the latest point instead (recommended), or try anyway. Its text
    is the same on every call (a form is matched to its answer by it): the point's time, not
    its age."""
    return make_prompt(
        f"{source.instance_id}:source_zone",
        f"{source.zone_id}, the zone of {source.instance_id}, offers nothing now: it may be down, "
        f"and then its disks cannot be snapshotted. Recover from its latest recovery point "
        f"{latest.point_id} (taken {_taken(latest)}) instead?",
        [
            ChoiceOption(
                value=FROM_POINT,
                label="Use the latest point",
                description=(
                    f"No snapshot of the source; the DR instance holds the data of "
                    f"{latest.point_id}: its age is the RPO."
                ),
                recommended=True,
            ),
            ChoiceOption(
                value=SNAPSHOT_ANYWAY,
                label="Snapshot the source",
                description="Fresh data if the zone answers; the snapshot fails if it is down.",
            ),
            ChoiceOption(value=CANCEL, label="Cancel", description="Plan nothing."),
        ],
        {"zone_id": source.zone_id, "latest_point": latest.point_id},
        header="Source zone",
    )
