"""What a full-instance plan is checked against before and while it runs: the source as ECS
describes it now (unless a recovery point's plan holds its configuration), the names and
blocks it takes, and the point it recovers from."""

from __future__ import annotations

import ipaddress

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound, Transient
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import fingerprints
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan
from ecs_dr.domain.models import Image, Instance
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.vswitches import VSwitchPlan
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.point_recovery import require_point_present
from ecs_dr.workflows.prepared import both


async def check_current(gw: EcsGateway, plan_id: str, plan: InstanceRecoveryPlan) -> None:
    """Raises PlanStale (a Refusal) when the source changed since the plan was made, a
    Refusal when a name or block the plan takes was taken since (or its recovery point was
    deleted), and NotFound when the source is gone (unless the plan recovers from a point).
    The source and the image name are read at once."""
    region = plan.region_id
    image_name = plan.image.image_name if plan.image is not None else None
    source, taken = await both(_source_now(gw, plan), _images_named(gw, region, image_name))
    if source is not None:
        fingerprints.check_source_unchanged(
            plan_id, plan.fingerprint, fingerprints.instance_fingerprint(_as_planned(source, plan))
        )
    if plan.recovery_point is not None:
        await require_point_present(gw, plan_id, region, plan.recovery_point)
    again = "it is not executed. Call plan_recovery again for a plan of what is there now."
    if taken:
        raise Refusal(
            f"The image name {image_name!r} of {plan_id} was taken since planning "
            f"(by {taken[0].image_id}); {again}"
        )
    if plan.instance.create_vswitch is not None:
        await check_block_free(gw, plan_id, plan.instance.create_vswitch)


async def _images_named(gw: EcsGateway, region: str, name: str | None) -> list[Image]:
    return await ecs.images_named(gw, region, name) if name else []


async def _source_now(
    gw: EcsGateway, plan: InstanceRecoveryPlan, *, planned_disks: bool = False
) -> Instance | None:
    """The source as ECS describes it now (with only the plan's disks when `planned_disks`);
    None for a plan from a point when ECS does not answer for it (or did not when planning):
    the plan holds its configuration then."""
    point = plan.recovery_point
    if point is not None and point.config_from != "ECS":
        return None
    region, source_id = plan.region_id, plan.source_instance_id
    try:
        if planned_disks:
            disk_ids = list(plan.fingerprint.source_disks)
            return await ecs.describe_instance_with(gw, region, source_id, disk_ids)
        return await ecs.describe_instance(gw, region, source_id)
    except (NotFound, Transient):
        if point is None:
            raise
        return None


def _as_planned(source: Instance, plan: InstanceRecoveryPlan) -> Instance:
    """The source as the plan saw it: a point's plan holds only the disks of its point."""
    if plan.instance.compare_with is None:
        return source
    kept = {d.disk_id for d in plan.instance.compare_with.disks}
    return source.model_copy(update={"disks": [d for d in source.disks if d.disk_id in kept]})


async def check_block_free(gw: EcsGateway, plan_id: str, new: VSwitchPlan) -> None:
    """Raises Refusal when the block a planned VSwitch takes was used since planning."""
    block = ipaddress.IPv4Network(new.cidr_block)
    for other in await ecs.vswitches(gw, new.region_id, new.vpc_id):
        if block.overlaps(ipaddress.IPv4Network(other.cidr_block)):
            raise Refusal(
                f"The block {new.cidr_block} {plan_id} would give a new VSwitch is used by "
                f"{other.vswitch_id} since planning; it is not executed. Call plan_recovery "
                "again for a plan of what is there now."
            )


async def require_source_as_planned(
    gw: EcsGateway,
    plan: InstanceRecoveryPlan,
    step: StepRecorder,
    held_back: str,
    *,
    planned_disks: bool = False,
) -> Instance | None:
    """The rules bind the source as it is when the change is made: read it again and raise
    PlanStale (naming each change, saying `held_back` is not sent) when a fact the plan was
    derived from changed; else return it as read. `planned_disks` reads only the plan's disks:
    once the snapshots are taken, a disk attached since has no part in what is left to make.

    Once RunInstances is journaled nothing rule-bound is left to make, so a resumed operation
    that only waits for its instance is not stopped (None). A plan from a point whose source
    ECS does not answer for holds to the configuration it was made with (None)."""
    if await step.recorded("run_instances") is not None:
        return None
    source = await _source_now(gw, plan, planned_disks=planned_disks)
    if source is None:
        return None
    fingerprints.check_source_unchanged_during(
        step.operation_id,
        plan.fingerprint,
        fingerprints.instance_fingerprint(_as_planned(source, plan)),
        held_back,
    )
    return source
