"""The DR instance: RunInstances from the recovery image in the target zone, inheriting the
source's VPC, security groups, type, billing, bandwidth rule and every disk's spec; then the
source-vs-DR comparison that shows every rule held."""

from __future__ import annotations

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import names, rules
from ecs_dr.domain.cleanup import TAG_RESOURCE_TYPE
from ecs_dr.domain.comparison import (
    ComparisonRow,
    all_match,
    compare_instances,
    run_plan_from_parameters,
)
from ecs_dr.domain.dr_instance import DrInstancePlan, DrInstanceResult, Verification
from ecs_dr.domain.models import Instance
from ecs_dr.domain.plans import (
    TAG_OPERATION,
    Decisions,
    NeedsDecision,
    Prepared,
    cancelled,
    ready,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.run_instances import RunInstancesPlan, run_instances_in_zone
from ecs_dr.domain.statuses import ImageStatus
from ecs_dr.domain.target_zone import require_target_zone
from ecs_dr.workflows.journal import (
    Journal,
    StepRecorder,
    UnknownOperation,
    create_step,
    off_loop,
)
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import Progress, operation_tags
from ecs_dr.workflows.source import load_instance
from ecs_dr.workflows.target_zone import resolve_target_zone
from ecs_dr.workflows.vswitches import create_and_wait, vswitch_plan


async def prepare_dr_instance(
    gw: EcsGateway,
    instance_id: str,
    image_id: str,
    target_zone_id: str,
    region_id: str | None = None,
    vswitch_id: str | None = None,
    instance_name: str | None = None,
    instance_type: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[DrInstancePlan]:
    """The RunInstances plan for the DR copy, after every gap of the zone is decided.

    Raises NotFound for an unknown instance or image, and Refusal for a name ECS would
    reject, an image not built from this source or not Available, the source's own zone or a
    zone of another region, a VSwitch outside the VPC or zone, and an unknown instance type.
    """
    region, source = await load_instance(gw, instance_id, region_id)
    name = names.dr_instance_name(source, instance_name)
    zones = await ecs.describe_zones(gw, region)
    require_target_zone(source, target_zone_id, zones)
    image = await ecs.describe_image(gw, region, image_id)
    rules.check_image_matches_source(source, image)
    if image.status != ImageStatus.AVAILABLE:
        raise Refusal(
            f"The image {image_id} is {image.status} ({image.progress}%); RunInstances needs "
            "it Available. Wait for create_full_image to finish (wait_operation)."
        )
    if vswitch_id is not None:
        await _check_vswitch(gw, source, vswitch_id, target_zone_id)
    if instance_type is not None:
        await _check_instance_type(gw, region, instance_type)
    check = await resolve_target_zone(
        gw,
        source,
        target_zone_id,
        decisions or {},
        vswitch_id=vswitch_id,
        instance_type=instance_type,
        zones=zones,
    )
    if check.cancelled_by is not None:
        return cancelled(check.cancelled_by)
    if check.prompts:
        return NeedsDecision(
            prompts=check.prompts, context=check.model_dump(mode="json", exclude={"prompts"})
        )
    new_vswitch = None
    if check.create_vswitch:
        new_vswitch = await vswitch_plan(
            gw, region, source.vpc_id, check.zone_id, source_instance_id=instance_id
        )
    run = run_instances_in_zone(source, image, check, name)
    plan = DrInstancePlan(
        source_instance_id=instance_id, image_id=image_id, run=run, create_vswitch=new_vswitch
    )
    return ready(plan, decisions)


async def _check_vswitch(gw: EcsGateway, source: Instance, vswitch_id: str, zone_id: str) -> None:
    switches = await ecs.vswitches(gw, source.region_id, source.vpc_id)
    found = next((v for v in switches if v.vswitch_id == vswitch_id), None)
    if found is None:
        listed = ", ".join(f"{v.vswitch_id} ({v.zone_id})" for v in switches)
        raise Refusal(
            f"{vswitch_id} is not a VSwitch of {source.vpc_id}, the VPC of "
            f"{source.instance_id}; the DR copy stays in that VPC. Its VSwitches: {listed}."
        )
    if found.zone_id != zone_id:
        raise Refusal(
            f"{vswitch_id} is in {found.zone_id}, not in the target zone {zone_id}; omit "
            "vswitch_id to use the target zone's VSwitch."
        )


async def _check_instance_type(gw: EcsGateway, region: str, instance_type: str) -> None:
    known = {s.instance_type for s in await ecs.instance_type_specs(gw, region)}
    if instance_type not in known:
        raise Refusal(
            f"{instance_type!r} is not an instance type of {region}; omit instance_type to "
            "keep the source's type."
        )


async def execute_dr_instance(
    gw: EcsGateway,
    plan: DrInstancePlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> DrInstanceResult:
    """Create the VSwitch if planned, run the instance, wait until Running, then compare."""
    report = Progress(progress)
    run, created = plan.run, None
    if plan.create_vswitch is not None:
        vswitch = await create_and_wait(
            gw, plan.create_vswitch, step, report, start=0, end=10, timing=timing
        )
        created = vswitch.vswitch_id
        run = run.model_copy(update={"vswitch_id": created})
    tags = operation_tags(step, plan.source_instance_id)
    dr_id = await create_step(
        step,
        "run_instances",
        "RunInstances",
        run.parameters(),
        lambda token: ecs.run_instance(gw, run, token, tags),
    )
    await report(10, f"instance {dr_id} launched")
    dr = await ecs.wait_instance(
        gw,
        run.region_id,
        dr_id,
        on_progress=report.phase(10, 100, f"instance {dr_id}"),
        timing=timing,
    )
    source = plan.compare_with or await ecs.describe_instance(
        gw, run.region_id, plan.source_instance_id
    )
    rows = compare_instances(source, dr, image_id=plan.image_id, plan=run)
    return DrInstanceResult(
        region_id=run.region_id,
        source_instance_id=plan.source_instance_id,
        dr_instance_id=dr_id,
        image_id=plan.image_id,
        vswitch_id=run.vswitch_id,
        created_vswitch_id=created,
        instance=dr,
        comparison=rows,
        all_match=all_match(rows),
    )


async def _image_row(gw: EcsGateway, source: Instance, image_id: str) -> ComparisonRow:
    """Whether the DR instance's image holds exactly the source's disks."""
    item = "Image built from the source"
    try:
        image = await ecs.describe_image(gw, source.region_id, image_id)
        rules.check_image_matches_source(source, image)
    except NotFound:
        return ComparisonRow(
            item=item, source=source.instance_id, dr=image_id, match=False, note="image deleted"
        )
    except Refusal as error:
        return ComparisonRow(
            item=item, source=source.instance_id, dr=image_id, match=False, note=str(error)
        )
    return ComparisonRow(item=item, source=source.instance_id, dr=image_id, match=True)


async def planned_run(
    gw: EcsGateway, journal: Journal, region_id: str, dr_instance_id: str
) -> RunInstancesPlan | None:
    """The RunInstances plan the DR instance was created from, with the user's choices (type,
    categories): found through its operation tag in the journal; None for an instance no
    operation of this journal created."""
    tags = await ecs.resource_tags(gw, region_id, TAG_RESOURCE_TYPE["instance"], [dr_instance_id])
    operation_id = tags.get(dr_instance_id, {}).get(TAG_OPERATION)
    if operation_id is None:
        return None
    try:
        record = await off_loop(journal.get, operation_id)
    except UnknownOperation:
        return None
    step = next(
        (s for s in record.steps if s.action == "RunInstances" and s.resource_id == dr_instance_id),
        None,
    )
    return run_plan_from_parameters(step.parameters) if step is not None else None


async def verify_dr_instance(
    gw: EcsGateway,
    source_instance_id: str,
    dr_instance_id: str,
    region_id: str | None = None,
    *,
    journal: Journal | None = None,
) -> Verification:
    """Compare the DR instance with its source again, from what ECS says now; held to the
    plan its operation journaled (so a difference the user chose is marked chosen and
    matches) when `journal` holds that operation, else to the source.

    Raises NotFound for an unknown instance, Refusal when both ids are the same.
    """
    if source_instance_id == dr_instance_id:
        raise Refusal("source_instance_id and dr_instance_id name the same instance.")
    region, source = await load_instance(gw, source_instance_id, region_id)
    dr = await ecs.describe_instance(gw, region, dr_instance_id)
    plan = await planned_run(gw, journal, region, dr_instance_id) if journal else None
    rows = [
        *compare_instances(source, dr, image_id=dr.image_id, plan=plan),
        await _image_row(gw, source, dr.image_id),
    ]
    return Verification(
        region_id=region,
        source_instance_id=source_instance_id,
        dr_instance_id=dr_instance_id,
        image_id=dr.image_id,
        comparison=rows,
        all_match=all_match(rows),
    )
