"""A new disk from a snapshot, in the zone of the instance that will take it, keeping the
source disk's category, size and performance level unless the user chooses otherwise."""

from __future__ import annotations

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import disks, rules
from ecs_dr.domain.decisions import CANCEL, chosen, split_choice
from ecs_dr.domain.disks import CreateDiskPlan, NewDiskResult
from ecs_dr.domain.models import Disk
from ecs_dr.domain.plans import Decisions, NeedsDecision, Prepared, cancelled, ready
from ecs_dr.domain.prompts import new_disk_category_prompt
from ecs_dr.domain.statuses import DiskStatus
from ecs_dr.workflows.journal import StepRecorder, create_step
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import Progress, operation_tags
from ecs_dr.workflows.source import load_target

# A new disk carries no percentage: Creating, then Available.
CREATING: dict[str, int] = {DiskStatus.CREATING: 30, DiskStatus.AVAILABLE: 100}


async def _source_disk(gw: EcsGateway, region: str, disk_id: str) -> Disk | None:
    """The disk a snapshot was taken of, or None when it no longer exists."""
    if not disk_id:
        return None
    try:
        return await ecs.describe_disk(gw, region, disk_id)
    except NotFound:
        return None


async def prepare_disk_from_snapshot(
    gw: EcsGateway,
    snapshot_id: str,
    target_instance_id: str,
    region_id: str | None = None,
    disk_category: str | None = None,
    performance_level: str | None = None,
    size: int | None = None,
    disk_name: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[CreateDiskPlan]:
    """CreateDisk in the target's zone; a category the zone does not offer the target's type
    becomes a choice among those it does.

    Raises NotFound for an unknown snapshot or target, and Refusal for a target in another
    region, a failed snapshot, a size below the snapshot's, a PL that does not fit the size,
    and a name ECS would reject.
    """
    region = region_id or await ecs.find_snapshot_region(gw, snapshot_id)
    snapshot = await ecs.describe_snapshot(gw, region, snapshot_id)
    disks.check_snapshot_usable(snapshot)
    target = await load_target(gw, target_instance_id, region, f"the snapshot {snapshot_id}")
    source = await _source_disk(gw, region, snapshot.source_disk_id)
    category = disks.new_disk_category(snapshot, source, disk_category)
    # A bad size is refused before any question is asked.
    size_gib = disks.new_disk_size(snapshot, source, size)
    offered = disks.categories_for(
        target.instance_type,
        await ecs.data_disk_categories(
            gw, region, target.zone_id, target.instance_type, rules.system_disk_category(target)
        ),
    )
    if category not in offered:
        essd_level = disks.essd_level(size_gib, source, performance_level)
        prompt = new_disk_category_prompt(
            snapshot_id, category, size_gib, essd_level, target, offered
        )
        answer = chosen(prompt, decisions or {})
        if answer is None:
            return NeedsDecision(
                prompts=[prompt],
                context={
                    "snapshot_id": snapshot_id,
                    "target_instance_id": target_instance_id,
                    "zone_id": target.zone_id,
                    "instance_type": target.instance_type,
                    "category": category,
                    "offered": offered,
                },
            )
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
        category = split_choice(answer)[1]
    plan = disks.create_disk_plan(
        snapshot,
        source,
        target,
        category=category,
        size_gib=size,
        performance_level=performance_level,
        disk_name=disk_name,
    )
    return ready(plan, decisions)


async def execute_disk_from_snapshot(
    gw: EcsGateway,
    plan: CreateDiskPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> NewDiskResult:
    """Wait until the snapshot is accomplished (zone-redundant), create the disk, wait until
    it is Available."""
    report = Progress(progress)
    region = plan.region_id
    await ecs.wait_snapshot(
        gw,
        region,
        plan.snapshot_id,
        on_progress=report.phase(0, 40, f"snapshot {plan.snapshot_id}"),
        timing=timing,
    )
    tags = operation_tags(step, plan.source_instance_id)
    disk_id = await create_step(
        step,
        "create_disk",
        plan.action,
        plan.parameters(),
        lambda token: ecs.create_disk(gw, plan, token, tags),
    )
    await report(40, f"disk {disk_id} created in {plan.zone_id}")
    disk = await ecs.wait_disk_available(
        gw,
        region,
        disk_id,
        on_progress=report.phase(40, 100, f"disk {disk_id}", CREATING),
        timing=timing,
    )
    source = await _source_disk(gw, region, plan.source_disk_id)
    note = ""
    if plan.source_disk_kind == "system":
        note = (
            f"A copy of the system disk {plan.source_disk_id}, created as a data disk: "
            f"{plan.target_instance_id} keeps booting from its own system disk."
        )
    return NewDiskResult(
        region_id=region,
        disk_id=disk_id,
        zone_id=disk.zone_id,
        target_instance_id=plan.target_instance_id,
        snapshot_id=plan.snapshot_id,
        source_disk_id=plan.source_disk_id,
        source_disk_kind=plan.source_disk_kind,
        source_instance_id=plan.source_instance_id,
        source_disk=source,
        disk=disk,
        note=note,
    )
