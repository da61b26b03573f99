"""Attaching a disk to the instance that receives it, and the instance's disk layout after.

AttachDisk takes no ClientToken, so it is never sent twice on faith: the journal records the
step's intent first, and the disk is looked at before every attempt. A disk already attached
to the target (a resumed step, or an answer lost on the way back) is not attached again.
"""

from __future__ import annotations

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import Transient
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import disks
from ecs_dr.domain.decisions import CANCEL, chosen
from ecs_dr.domain.disks import (
    ATTACHABLE_STATUSES,
    INSTANCE_SETTLE_WAIT_S,
    AttachDiskPlan,
    AttachResult,
)
from ecs_dr.domain.models import Disk
from ecs_dr.domain.plans import Decisions, NeedsDecision, Prepared, cancelled, ready
from ecs_dr.domain.prompts import instance_not_ready_prompt
from ecs_dr.domain.statuses import DiskStatus, InstanceStatus
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import Progress
from ecs_dr.workflows.source import load_target

STEP = "attach_disk"
# Where the statuses of these waits sit on their 0-100 scale (they carry no percentage).
SETTLING: dict[str, int] = {
    InstanceStatus.PENDING: 20,
    InstanceStatus.STARTING: 60,
    InstanceStatus.STOPPING: 50,
    InstanceStatus.RUNNING: 100,
    InstanceStatus.STOPPED: 100,
}
ATTACHING: dict[str, int] = {
    DiskStatus.AVAILABLE: 0,
    DiskStatus.ATTACHING: 50,
    DiskStatus.IN_USE: 100,
}


async def prepare_attach_disk(
    gw: EcsGateway,
    disk_id: str,
    target_instance_id: str,
    region_id: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[AttachDiskPlan]:
    """AttachDisk for an Available disk of the target's zone; a target that cannot take a disk
    now becomes a choice: wait until it can, or stop.

    Raises NotFound for an unknown disk or target, and Refusal for a target in another
    region or zone, a disk not Available or attached elsewhere, and a target at its limit.
    """
    region = region_id or await ecs.find_disk_region(gw, disk_id)
    disk = await ecs.describe_disk(gw, region, disk_id)
    target = await load_target(gw, target_instance_id, region, f"the disk {disk_id}")
    limit = await ecs.max_data_disks(gw, region, target.instance_type)
    disks.check_attach(disk, target, limit)
    wait = False
    if not disks.can_take_disk(target):
        prompt = instance_not_ready_prompt(
            target, ATTACHABLE_STATUSES, round(INSTANCE_SETTLE_WAIT_S / 60)
        )
        answer = chosen(prompt, decisions or {})
        if answer is None:
            return NeedsDecision(
                prompts=[prompt],
                context={
                    "target_instance_id": target_instance_id,
                    "status": target.status,
                    "ready_states": list(ATTACHABLE_STATUSES),
                },
            )
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
        wait = True
    plan = AttachDiskPlan(
        region_id=region,
        zone_id=target.zone_id,
        disk_id=disk_id,
        target_instance_id=target_instance_id,
        wait_for_instance=wait,
    )
    return ready(plan, decisions)


async def attach_once(gw: EcsGateway, plan: AttachDiskPlan) -> None:
    """AttachDisk unless the disk is already on the target; a lost answer is checked, not
    repeated."""
    region, target = plan.region_id, plan.target_instance_id
    if disks.attached_to(await ecs.describe_disk(gw, region, plan.disk_id), target):
        return
    try:
        await ecs.attach_disk(gw, region, plan.disk_id, target)
    except Transient:
        if not disks.attached_to(await ecs.describe_disk(gw, region, plan.disk_id), target):
            raise


async def wait_settled(
    gw: EcsGateway,
    region: str,
    instance_id: str,
    report: Progress,
    *,
    start: float,
    end: float,
    timing: ecs.Timing,
) -> None:
    """Follow the target until it is Running or Stopped, the states that take a disk."""
    await report(start, f"waiting for {instance_id} to be Running or Stopped")
    await ecs.wait_instance_settled(
        gw,
        region,
        instance_id,
        on_progress=report.phase(start, end, f"instance {instance_id}", SETTLING),
        timing=timing,
    )


async def attach_journaled(
    gw: EcsGateway, plan: AttachDiskPlan, step: StepRecorder, name: str
) -> None:
    """AttachDisk as the journal step `name`: its intent first, the disk id once sent."""
    # The token is journaled with the intent but never sent: AttachDisk has none.
    await step.intent(name, plan.action, plan.parameters())
    await attach_once(gw, plan)
    await step.created(name, plan.disk_id)


async def wait_attached(
    gw: EcsGateway,
    plan: AttachDiskPlan,
    report: Progress,
    *,
    start: float,
    end: float,
    timing: ecs.Timing,
) -> Disk:
    """Wait until the attached disk is In_use."""
    return await ecs.wait_disk_in_use(
        gw,
        plan.region_id,
        plan.disk_id,
        on_progress=report.phase(start, end, f"disk {plan.disk_id}", ATTACHING),
        timing=timing,
    )


async def execute_attach_disk(
    gw: EcsGateway,
    plan: AttachDiskPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> AttachResult:
    """Wait for the target when planned, attach, wait until In_use; then read the layout."""
    report = Progress(progress)
    region, target_id = plan.region_id, plan.target_instance_id
    if plan.wait_for_instance:
        await wait_settled(gw, region, target_id, report, start=0, end=40, timing=timing)
    await attach_journaled(gw, plan, step, STEP)
    await report(50, f"disk {plan.disk_id} attaching to {target_id}")
    disk = await wait_attached(gw, plan, report, start=50, end=100, timing=timing)
    target = await ecs.describe_instance(gw, region, target_id)
    rows = disks.disk_layout(target, {plan.disk_id})
    return AttachResult(
        region_id=region,
        disk_id=plan.disk_id,
        target_instance_id=target_id,
        device=disk.device,
        instance_status=target.status,
        layout=rows,
        reminder=disks.mount_reminder(plan.disk_id, disk.device, target_id),
    )
