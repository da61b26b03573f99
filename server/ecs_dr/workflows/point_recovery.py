"""What a plan needs to recover from a recovery point: the source's configuration (from ECS
when it answers, else as the point's create_recovery_point operation journaled it), the point
itself, and whether the source's zone offers anything now (an outage shows as a zone that
offers nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound, Transient
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import rules
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.images import ImagePlan
from ecs_dr.domain.instance_recovery import PLANNED_IMAGE
from ecs_dr.domain.models import Image, Instance
from ecs_dr.domain.plans import Cancelled, Decisions, asked
from ecs_dr.domain.point_recovery import (
    FROM_POINT,
    ConfigFrom,
    PointUse,
    choose_point,
    source_zone_prompt,
    usable_reason,
)
from ecs_dr.domain.recovery_points import RecoveryPoint, RecoveryPointPlan
from ecs_dr.domain.refusal import Refusal
from ecs_dr.workflows.journal import Journal, OperationRecord, off_loop
from ecs_dr.workflows.recovery_points import points_of
from ecs_dr.workflows.source import load_instance

POINT_KIND = "create_recovery_point"
# How far back the journal is read for a point's record: a year of daily points of a few
# sources, far more than --keep leaves.
RECORDS_READ = 2000


@dataclass(frozen=True)
class PointReads:
    """The journal a plan reads points' records from, and the time their ages are told at."""

    journal: Journal | None
    now: Callable[[], datetime]

    async def recorded_sources(self, instance_id: str) -> list[tuple[set[str], Instance]]:
        """Each completed point of `instance_id` this journal holds, newest first: the ids of
        its resources and the source as it was when taken."""
        if self.journal is None:
            return []
        records = await off_loop(self.journal.list, RECORDS_READ)
        found = []
        for record in records:
            recorded = _recorded(record, instance_id)
            if recorded is not None:
                found.append(recorded)
        return found


NO_RECORDS = PointReads(None, lambda: datetime.now(UTC))
"""For a caller without a journal: a point's recorded configuration is not found."""


def _recorded(record: OperationRecord, instance_id: str) -> tuple[set[str], Instance] | None:
    if record.kind != POINT_KIND or record.status != "completed":
        return None
    try:
        plan = RecoveryPointPlan.model_validate(record.arguments.get("plan"))
    except ValidationError:
        return None
    if plan.instance_id != instance_id:
        return None
    return {s.resource_id for s in record.steps if s.resource_id}, plan.source


async def source_and_point(
    gw: EcsGateway, reads: PointReads, instance_id: str, region_id: str | None, wanted: str
) -> tuple[str, Instance, RecoveryPoint, ConfigFrom]:
    """(region, the source as the point holds it, the point, where the configuration came
    from): ECS's answer for the source, else the point's journaled record of it.

    Raises Refusal when ECS does not answer for the source and no point of it was recorded
    here, or when no point fits `wanted` (choose_point)."""
    try:
        region, source = await load_instance(gw, instance_id, region_id)
    except (NotFound, Transient) as error:
        recorded = await reads.recorded_sources(instance_id)
        if not recorded:
            raise Refusal(
                f"ECS does not answer for {instance_id} ({error}), and this server recorded no "
                "recovery point of it, so its configuration is unknown: the rules cannot be "
                "held. Recover it once ECS answers for it."
            ) from error
        source = recorded[0][1]
        points = await points_of(gw, source.region_id, source, reads.now())
        point = choose_point(points, wanted, source)
        source = next((s for ids, s in recorded if point_ids(point) & ids), source)
        return source.region_id, source, point, "the point's record"
    points = await points_of(gw, region, source, reads.now())
    return region, source, choose_point(points, wanted, source), "ECS"


def point_ids(point: RecoveryPoint) -> set[str]:
    """Every resource id of the point: its group or image, and its snapshots."""
    return {point.point_id, *point.snapshot_ids}


async def point_if_zone_down(
    gw: EcsGateway, reads: PointReads, region: str, source: Instance, answers: Decisions
) -> RecoveryPoint | ChoicePrompt | Cancelled | str | None:
    """Before a plan snapshots the source: when its zone offers nothing now (a zone that is
    down answers so; one closed to new purchases too, so this is the user's question, never a
    verdict), the latest point the source can be recovered from, as a choice (recommended) or
    as the user's answer; a finding (str) when it has no such point; None when the zone
    offers something, or the user chose to snapshot anyway."""
    if await ecs.zone_resources(gw, region, source.zone_id):
        return None
    points = await points_of(gw, region, source, reads.now())
    latest = next((p for p in points if usable_reason(p, source) is None), None)
    if latest is None:
        return (
            f"{source.zone_id}, the zone of {source.instance_id}, offers nothing now: if it is "
            "down, its disks cannot be snapshotted, and the source has no recovery point to "
            "recover from instead."
        )
    answer = asked(source_zone_prompt(source, latest), answers)
    if not isinstance(answer, str):
        return answer
    return latest if answer == FROM_POINT else None


async def point_image(
    gw: EcsGateway, region: str, source: Instance, point: RecoveryPoint, image_name: str
) -> tuple[ImagePlan | None, Image]:
    """The image a recovery from the point launches from: the point's own (no CreateImage),
    else the one CreateImage builds from its snapshots (their ids known now).

    Raises Refusal when the point's image or snapshots do not hold the source's disks."""
    if point.kind == "image":
        image = await ecs.describe_image(gw, region, point.point_id)
        rules.check_image_matches_source(source, image)
        return None, image
    snapshots = await ecs.describe_snapshots(gw, region, point.snapshot_ids)
    mappings = rules.image_mappings(source, snapshots)
    plan = ImagePlan(
        region_id=region,
        instance_id=source.instance_id,
        image_name=image_name,
        mappings=mappings,
        snapshot_group_id=point.point_id if point.kind == "group" else None,
    )
    image = Image(
        image_id=PLANNED_IMAGE, name=image_name, status="Planned", progress=0, mappings=mappings
    )
    return plan, image


async def require_point_present(gw: EcsGateway, plan_id: str, region: str, point: PointUse) -> None:
    """Raises Refusal when the point's image or a snapshot of it was deleted since planning
    (a protect cycle keeps only the newest points)."""
    if point.image_id is not None:
        try:
            await ecs.describe_image(gw, region, point.image_id)
        except NotFound:
            missing = [point.image_id]
        else:
            missing = []
    else:
        found = {
            s.snapshot_id for s in await ecs.describe_snapshots(gw, region, point.snapshot_ids)
        }
        missing = [s for s in point.snapshot_ids if s not in found]
    if missing:
        raise Refusal(
            f"{', '.join(missing)} of recovery point {point.point_id} was deleted since {plan_id} "
            "was made; it is not executed. Call plan_recovery again (recovery_point='latest' "
            "takes the newest point there is now)."
        )
