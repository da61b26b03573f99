"""Recovery points: take one ahead of a disaster (`create_recovery_point`, a journaled
creating tool like the step tools) and list those a recovery can start from."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from ecs_dr.domain.recovery_points import RecoveryPoint, RecoveryPointResult, points_table
from ecs_dr.tools.common import Ctx, InstanceRefArg, RegionArg, services, tool_errors
from ecs_dr.tools.decisions import DecisionsArg, Settled
from ecs_dr.tools.mutation import MutatingTool
from ecs_dr.tools.results import CreateResult, ToolResult, step_result_field
from ecs_dr.workflows import recovery_points


def _after_point(result: RecoveryPointResult) -> str:
    return (
        f"list_recovery_points(instance_id={result.instance_id!r}) lists it with the source's "
        "other points."
    )


POINT = MutatingTool(
    "create_recovery_point",
    recovery_points.prepare_recovery_point,
    recovery_points.execute_recovery_point,
    _after_point,
)


class RecoveryPointCreated(CreateResult):
    result: dict[str, Any] | None = step_result_field()
    point_id: str | None = Field(default=None, description="the image, group or snapshot id")


async def create_recovery_point(
    instance_id: InstanceRefArg,
    ctx: Ctx,
    settled: Annotated[Settled, POINT.flow.resolve],
    image: Annotated[bool, Field(strict=True, description="build the image now too")] = False,
    region_id: RegionArg = None,
    decisions: DecisionsArg = None,
) -> RecoveryPointCreated:
    """Snapshot the source ahead of a disaster as a crash-consistent point, tagged and
    zone-redundant; image=true builds its image too. Confirmation shows the keeping cost."""
    done = await POINT.run(ctx, settled, locals())
    return done.answer(RecoveryPointCreated, lambda result: {"point_id": result.point_id})


class RecoveryPointListing(ToolResult):
    """Every recovery point of the source, newest first."""

    instance_id: str
    region_id: str
    source_disks: list[str] = Field(description="the source's disks now")
    points: list[RecoveryPoint]

    TEXT_OMITS = frozenset({"points"})

    def text_tables(self) -> list[str]:
        return [points_table(self.points, len(self.source_disks))]


async def list_recovery_points(
    instance_id: InstanceRefArg, ctx: Ctx, region_id: RegionArg = None
) -> RecoveryPointListing:
    """The source's recovery points, newest first: kind, age (RPO now), consistency, zone
    redundancy, disks covered, who made it. Read-only."""
    s = services(ctx)
    with tool_errors("list_recovery_points"):
        source, points = await recovery_points.list_recovery_points(
            s.gateway, instance_id, region_id, s.timing.now()
        )
    next_step = (
        f"create_recovery_point(instance_id={source.instance_id!r}) takes one."
        if not points
        else "Recover from a zone-redundant point covering every disk; take a new one with "
        f"create_recovery_point(instance_id={source.instance_id!r}) when it is too old."
    )
    return RecoveryPointListing(
        status="completed",
        next_step=next_step,
        instance_id=source.instance_id,
        region_id=source.region_id,
        source_disks=[d.disk_id for d in source.disks],
        points=points,
    )
