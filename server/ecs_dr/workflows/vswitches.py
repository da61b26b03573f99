"""A VSwitch of the source's VPC in the target zone, on a block no other VSwitch uses."""

from __future__ import annotations

import ipaddress

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.models import VSwitch
from ecs_dr.domain.names import default_vswitch_name
from ecs_dr.domain.plans import Decisions, Prepared, ready
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.vswitches import MAX_PREFIX, MIN_PREFIX, VSwitchPlan, VSwitchResult
from ecs_dr.workflows.journal import StepRecorder, create_step
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import Progress, operation_tags


async def vswitch_plan(
    gw: EcsGateway,
    region_id: str,
    vpc_id: str,
    zone_id: str,
    *,
    cidr_block: str | None = None,
    name: str | None = None,
    source_instance_id: str | None = None,
    zones: list[str] | None = None,
) -> VSwitchPlan:
    """The plan for a new VSwitch; without `cidr_block`, the VPC's first free /24; `zones`
    are the region's, when already read.

    Raises NotFound for an unknown VPC and Refusal for a zone outside the region or a
    block that is malformed, outside the VPC or already used.
    """
    zones = zones if zones is not None else await ecs.describe_zones(gw, region_id)
    if zone_id not in zones:
        raise Refusal(f"{zone_id!r} is not a zone of {region_id}; its zones: {', '.join(zones)}.")
    if cidr_block is None:
        block = await ecs.free_cidr_block(gw, region_id, vpc_id)
    else:
        block = await _checked_block(gw, region_id, vpc_id, cidr_block)
    return VSwitchPlan(
        region_id=region_id,
        vpc_id=vpc_id,
        zone_id=zone_id,
        cidr_block=block,
        name=name or default_vswitch_name(zone_id),
        source_instance_id=source_instance_id,
    )


async def _checked_block(gw: EcsGateway, region_id: str, vpc_id: str, cidr_block: str) -> str:
    vpc_cidr = await ecs.vpc_cidr_block(gw, region_id, vpc_id)
    switches = await ecs.vswitches(gw, region_id, vpc_id)
    try:
        block = ipaddress.IPv4Network(cidr_block)
    except ValueError:
        raise Refusal(
            f"{cidr_block!r} is not an IPv4 block like 172.16.9.0/24 (host bits zero)."
        ) from None
    vpc = ipaddress.IPv4Network(vpc_cidr)
    free = ecs.first_free_block(vpc_cidr, (v.cidr_block for v in switches), 24)
    hint = f" A free block: {free}." if free else ""
    if not MIN_PREFIX <= block.prefixlen <= MAX_PREFIX:
        raise Refusal(
            f"cidr_block {block} is a /{block.prefixlen}; a VSwitch block is /{MIN_PREFIX} to "
            f"/{MAX_PREFIX}.{hint}"
        )
    if not block.subnet_of(vpc):
        raise Refusal(f"{cidr_block} is not inside the VPC {vpc_id} ({vpc_cidr}).{hint}")
    for other in switches:
        if block.overlaps(ipaddress.IPv4Network(other.cidr_block)):
            raise Refusal(f"{cidr_block} overlaps {other.cidr_block} of {other.vswitch_id}.{hint}")
    return str(block)


async def prepare_vswitch(
    gw: EcsGateway,
    vpc_id: str,
    zone_id: str,
    region_id: str | None = None,
    cidr_block: str | None = None,
    name: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[VSwitchPlan]:
    """A VSwitch of the VPC in the zone (the region is the VPC's when not given)."""
    region = region_id or await ecs.find_vpc_region(gw, vpc_id)
    plan = await vswitch_plan(gw, region, vpc_id, zone_id, cidr_block=cidr_block, name=name)
    return ready(plan, decisions)


async def create_and_wait(
    gw: EcsGateway,
    plan: VSwitchPlan,
    step: StepRecorder,
    report: Progress,
    *,
    start: float,
    end: float,
    timing: ecs.Timing,
) -> VSwitch:
    """Create the VSwitch (tagged with the operation) and wait until it is Available."""
    tags = operation_tags(step, plan.source_instance_id)
    vswitch_id = await create_step(
        step,
        "create_vswitch",
        plan.action,
        plan.parameters(),
        lambda token: ecs.create_vswitch(
            gw, plan.region_id, plan.vpc_id, plan.zone_id, plan.cidr_block, plan.name, token, tags
        ),
    )
    await report(start, f"VSwitch {vswitch_id} ({plan.cidr_block}) created")
    return await ecs.wait_vswitch(
        gw,
        plan.region_id,
        vswitch_id,
        on_progress=report.phase(start, end, f"VSwitch {vswitch_id}"),
        timing=timing,
    )


async def execute_vswitch(
    gw: EcsGateway,
    plan: VSwitchPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> VSwitchResult:
    """Create the VSwitch and wait until it is Available."""
    vswitch = await create_and_wait(
        gw, plan, step, Progress(progress), start=0, end=100, timing=timing
    )
    return VSwitchResult(
        region_id=plan.region_id,
        vswitch_id=vswitch.vswitch_id,
        vpc_id=vswitch.vpc_id,
        zone_id=vswitch.zone_id,
        cidr_block=vswitch.cidr_block,
        name=vswitch.name,
        status=vswitch.status,
    )
