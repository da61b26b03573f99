"""Scenario B for k disks as one plan: `plan_disk_recovery` reads the cloud and asks (which
disks, the system disk, categories, a target not ready), `check_current` refuses a plan the
world has moved away from, and `execute_disk_recovery` runs it: snapshots together, disks
together, attaches one by one in device order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import disks, recovery, rules
from ecs_dr.domain.cloud_text import cloud_text_field, quoted
from ecs_dr.domain.decisions import (
    CANCEL,
    ChoicePrompt,
    chosen,
    instance_not_ready_prompt,
    new_disk_category_prompt,
    split_choice,
)
from ecs_dr.domain.disks import (
    ATTACHABLE_STATUSES,
    INSTANCE_SETTLE_WAIT_S,
    AttachDiskPlan,
    CreateDiskPlan,
)
from ecs_dr.domain.models import Disk, Instance
from ecs_dr.domain.quotas import NewDisk, quota_needs
from ecs_dr.domain.recovery import DiskCopy, DiskRecoveryPlan, Preflight, RecoveryRow
from ecs_dr.domain.statuses import DiskStatus, InstanceStatus
from ecs_dr.workflows.attach import ATTACHING, SETTLING, attach_once
from ecs_dr.workflows.journal import ReplacedResource, StepRecorder, create_step
from ecs_dr.workflows.new_disks import CREATING
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import (
    TAG_OPERATION,
    TAG_SOURCE,
    Cancelled,
    Decisions,
    NeedsDecision,
    Progress,
    cancelled,
    operation_tags,
    today,
)
from ecs_dr.workflows.quotas import quota_check
from ecs_dr.workflows.source import load_instance, load_target

T = TypeVar("T")


class DiskRecoveryResult(BaseModel):
    """What the operation did, row by row, and the target's whole layout after it."""

    model_config = ConfigDict(frozen=True)

    region_id: str
    source_instance_id: str
    target_instance_id: str
    rows: list[RecoveryRow]
    markdown: str = cloud_text_field("the summary as a markdown table, cells escaped")
    layout: list[disks.LayoutRow]
    layout_markdown: str = cloud_text_field("the target's disk layout as an escaped markdown table")
    reminder: str
    zone_redundant_at: datetime | None
    replaced: list[ReplacedResource] = Field(
        default_factory=list,
        description="snapshots that ended failed and were taken again when the operation was "
        "resumed; they stay recorded, and cleanup_recovery deletes them",
    )


def _decide(prompt: ChoicePrompt, decisions: Decisions, pending: list[ChoicePrompt]) -> str | None:
    """The answer, or None after adding the prompt to those still open."""
    answer = chosen(prompt, decisions)
    if answer is None:
        pending.append(prompt)
    return answer


def _snapshottable(source: Instance, chosen_disks: Sequence[Disk]) -> None:
    if source.status not in (InstanceStatus.RUNNING, InstanceStatus.STOPPED):
        raise ValueError(
            f"{source.instance_id} is {source.status}; ECS snapshots the disks of Running or "
            "Stopped instances only. Plan again once it is."
        )
    for disk in chosen_disks:
        if disk.status not in (DiskStatus.IN_USE, DiskStatus.AVAILABLE):
            raise ValueError(
                f"{disk.disk_id} is {disk.status}; ECS snapshots disks that are In_use or "
                "Available."
            )


async def plan_disk_recovery(
    gw: EcsGateway,
    source_instance_id: str,
    target_instance_id: str,
    disk_ids: Sequence[str] | None = None,
    region_id: str | None = None,
    decisions: Decisions | None = None,
) -> DiskRecoveryPlan | NeedsDecision | Cancelled:
    """The whole plan, or the decisions still open; reads only, creates nothing.

    Raises NotFound for an unknown source or target, ValueError for a disk not of the source,
    a target in another region or at its disk limit, a source ECS cannot snapshot now, and new
    disks past the region's pay-as-you-go disk capacity quota (named in the message).
    """
    answers = decisions or {}
    region, source = await load_instance(gw, source_instance_id, region_id)
    target = await load_target(gw, target_instance_id, region, f"the source {source_instance_id}")
    if target.instance_id == source.instance_id:
        raise ValueError(
            f"{source_instance_id} is both source and target; copy its disks onto another instance."
        )
    pending: list[ChoicePrompt] = []
    selection = (
        recovery.disks_named(source, disk_ids)
        if disk_ids is not None
        else recovery.default_disks(source)
    )
    if isinstance(selection, ChoicePrompt):
        answer = _decide(selection, answers, pending)
        if answer is None:
            return NeedsDecision(pending, {"source_instance_id": source_instance_id})
        if answer == CANCEL:
            return cancelled(selection.decision_id)
        selection = recovery.selected_disks(source, answer)
    chosen_disks = list(selection)
    system = next((d for d in chosen_disks if d.kind == "system"), None)
    if system is not None:
        prompt = recovery.system_disk_prompt(system, len(chosen_disks) - 1)
        answer = _decide(prompt, answers, pending)
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
        if answer == recovery.EXCLUDE:
            chosen_disks.remove(system)
    _snapshottable(source, chosen_disks)
    limit = await ecs.max_data_disks(gw, region, target.instance_type)
    recovery.check_disk_limit(target, len(chosen_disks), limit)
    offered = disks.categories_for(
        target.instance_type,
        await ecs.data_disk_categories(
            gw, region, target.zone_id, target.instance_type, rules.system_disk_category(target)
        ),
    )
    categories: dict[str, str] = {}
    for disk in chosen_disks:
        categories[disk.disk_id] = disk.category
        if disk.category in offered:
            continue
        level = disks.essd_level(disk.size_gib, disk, None)
        prompt = new_disk_category_prompt(
            disk.disk_id, disk.category, disk.size_gib, level, target, offered
        )
        answer = _decide(prompt, answers, pending)
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
        if answer is not None:
            categories[disk.disk_id] = split_choice(answer)[1]
    wait = not disks.can_take_disk(target)
    if wait:
        prompt = instance_not_ready_prompt(
            target, ATTACHABLE_STATUSES, round(INSTANCE_SETTLE_WAIT_S / 60)
        )
        answer = _decide(prompt, answers, pending)
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
    preflight = Preflight(
        source_zone_id=source.zone_id,
        target_zone_id=target.zone_id,
        cross_zone=source.zone_id != target.zone_id,
        target_status=target.status,
        target_can_take_disks=not wait,
        target_zone_categories=offered,
        data_disks_now=len(target.data_disks),
        data_disk_limit=limit,
        data_disks_after=len(target.data_disks) + len(chosen_disks),
    )
    # Every new disk is pay-as-you-go (CreateDisk by ZoneId) and as large as its source disk.
    needs = quota_needs(disks=[NewDisk(size_gib=d.size_gib) for d in chosen_disks])
    quota = await quota_check(gw, region, needs)
    quota.raise_if_blocked()
    findings = _findings(source, target, preflight) + quota.findings
    if pending:
        context = {"preflight": preflight.model_dump(), "findings": findings}
        return NeedsDecision(pending, context)
    copies = [
        DiskCopy(
            source=disk,
            snapshot_name=recovery.snapshot_name(source.instance_id, disk, today()),
            create=disks.create_disk_plan(
                recovery.pending_snapshot(disk), disk, target, category=categories[disk.disk_id]
            ),
        )
        for disk in chosen_disks
    ]
    return DiskRecoveryPlan(
        region_id=region,
        source_instance_id=source.instance_id,
        target_instance_id=target.instance_id,
        target_zone_id=target.zone_id,
        copies=copies,
        wait_for_instance=wait,
        fingerprint=recovery.fingerprint(source, target),
        preflight=preflight,
        findings=findings,
        estimated_duration_s=recovery.estimated_duration_s(
            chosen_disks, [c.create.size_gib for c in copies]
        ),
        tags={TAG_OPERATION: "(the operation's id)", TAG_SOURCE: source.instance_id},
    )


def _findings(source: Instance, target: Instance, pre: Preflight) -> list[str]:
    where = (
        f"another zone than the source ({source.zone_id}): the new disks are created in "
        f"{target.zone_id} from the region's snapshots"
        if pre.cross_zone
        else f"the source's own zone ({source.zone_id}): a copy there does not survive the "
        "loss of that zone"
    )
    limit = "no limit reported" if pre.data_disk_limit is None else f"at most {pre.data_disk_limit}"
    state = (
        f"{target.instance_id} is {target.status}: it can take disks now."
        if pre.target_can_take_disks
        else f"{target.instance_id} is {target.status}; only a Running or Stopped instance "
        "takes a disk."
    )
    return [
        f"Target {target.instance_id} ({quoted(target.name)}, {target.instance_type}) is in "
        f"{target.zone_id}, {where}.",
        f"{target.zone_id} offers these data disk categories for {target.instance_type}: "
        f"{', '.join(pre.target_zone_categories) or 'none'}.",
        state,
        f"{target.instance_id} has {pre.data_disks_now} data disk(s) ({limit} for its type); "
        f"after this plan: {pre.data_disks_after}.",
        "Snapshots are waited for until accomplished (zone-redundant) before any disk is "
        "created from them.",
    ]


async def check_current(gw: EcsGateway, plan_id: str, plan: DiskRecoveryPlan) -> None:
    """Raises PlanStale (a ValueError) when the source or target changed since the plan was
    made (and NotFound when either is gone)."""
    source = await ecs.describe_instance(gw, plan.region_id, plan.source_instance_id)
    target = await ecs.describe_instance(gw, plan.region_id, plan.target_instance_id)
    recovery.check_unchanged(plan_id, plan.fingerprint, recovery.fingerprint(source, target))


async def _require_as_planned(gw: EcsGateway, plan: DiskRecoveryPlan, step: StepRecorder) -> None:
    """The rules bind the source as it is when the change is made: before the operation's
    creates, and on resume, read the source and target again and raise PlanStale naming each
    change. The disks the operation attached itself are no change; once every attach is
    journaled nothing is left to make."""
    names = [f"attach_{c.key}" for c in plan.copies]
    if all([await step.recorded(name) is not None for name in names]):
        return
    own = {d for c in plan.copies if (d := await step.recorded(f"create_disk_{c.key}")) is not None}
    source = await ecs.describe_instance(gw, plan.region_id, plan.source_instance_id)
    target = await ecs.describe_instance(gw, plan.region_id, plan.target_instance_id)
    recovery.check_unchanged_during(
        step.operation_id,
        plan.fingerprint,
        recovery.fingerprint(source, target, own),
        "nothing more is created",
    )


async def _together(calls: Sequence[Awaitable[T]]) -> list[T]:
    """Run the calls concurrently; raise the first failure only after all have ended (the
    journal keeps what the others created)."""
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return [o for o in outcomes if not isinstance(o, BaseException)]


async def execute_disk_recovery(
    gw: EcsGateway,
    plan: DiskRecoveryPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> DiskRecoveryResult:
    """Snapshot every disk at once and wait until all are zone-redundant; create every new
    disk at once and wait until all are Available; attach them one by one until In_use."""
    report = Progress(progress)
    region, target_id = plan.region_id, plan.target_instance_id
    tags = operation_tags(step, plan.source_instance_id)
    copies = plan.copies
    k = len(copies)
    await _require_as_planned(gw, plan, step)

    def take_snapshot(c: DiskCopy) -> Callable[[str], Awaitable[str]]:
        return lambda token: ecs.create_snapshot(
            gw, region, c.source.disk_id, c.snapshot_name, token, tags
        )

    def make_disk(p: CreateDiskPlan) -> Callable[[str], Awaitable[str]]:
        return lambda token: ecs.create_disk(gw, p, token, tags)

    snapshot_ids = await _together(
        [
            create_step(
                step,
                f"snapshot_{c.key}",
                "CreateSnapshot",
                c.snapshot_parameters(),
                take_snapshot(c),
                failure=lambda snapshot: ecs.wait_snapshot.failed(gw, region, snapshot),
            )
            for c in copies
        ],
    )
    await report(0, f"snapshots {', '.join(snapshot_ids)} started")
    snapshot_percent = dict.fromkeys(snapshot_ids, 0)

    async def snapshot_done(snapshot_id: str) -> tuple[str, datetime]:
        async def observe(status: str, percent: int | None, elapsed_s: float) -> None:
            snapshot_percent[snapshot_id] = percent or 0
            overall = sum(snapshot_percent.values()) / k
            await report(overall * 0.5, f"snapshot {snapshot_id}: {status} {percent or 0}%")

        _, at = await ecs.wait_snapshot(gw, region, snapshot_id, on_progress=observe, timing=timing)
        return snapshot_id, at

    redundant = dict(await _together([snapshot_done(s) for s in snapshot_ids]))
    await report(50, f"{k} snapshot(s) accomplished (zone-redundant)")

    creates = [
        c.create.model_copy(update={"snapshot_id": s})
        for c, s in zip(copies, snapshot_ids, strict=True)
    ]
    disk_ids = await _together(
        [
            create_step(
                step,
                f"create_disk_{c.key}",
                p.action,
                p.parameters(),
                make_disk(p),
            )
            for c, p in zip(copies, creates, strict=True)
        ],
    )
    await report(55, f"disks {', '.join(disk_ids)} created in {plan.target_zone_id}")

    async def disk_ready(disk_id: str) -> None:
        # A resumed operation may find the disk already attached (the earlier run attached it
        # before it stopped): it is past Available, and the attach below sends nothing.
        if disks.attached_to(await ecs.describe_disk(gw, region, disk_id), target_id):
            return
        await ecs.wait_disk_available(
            gw,
            region,
            disk_id,
            on_progress=report.phase(55, 70, f"disk {disk_id}", CREATING),
            timing=timing,
        )

    await _together([disk_ready(d) for d in disk_ids])

    if plan.wait_for_instance:
        await report(70, f"waiting for {target_id} to be Running or Stopped")
        await ecs.wait_instance_settled(
            gw,
            region,
            target_id,
            on_progress=report.phase(70, 75, f"instance {target_id}", SETTLING),
            timing=timing,
        )
    attached: dict[str, Disk] = {}
    # ECS refuses parallel attaches to one instance: one by one, in the source's device order.
    for n, (c, disk_id) in enumerate(zip(copies, disk_ids, strict=True)):
        attach = AttachDiskPlan(
            region_id=region,
            zone_id=plan.target_zone_id,
            disk_id=disk_id,
            target_instance_id=target_id,
        )
        name = f"attach_{c.key}"
        await step.intent(name, attach.action, attach.parameters())
        await attach_once(gw, attach)
        await step.created(name, disk_id)
        start = 75 + 25 * n / k
        attached[disk_id] = await ecs.wait_disk_in_use(
            gw,
            region,
            disk_id,
            on_progress=report.phase(start, start + 25 / k, f"disk {disk_id}", ATTACHING),
            timing=timing,
        )

    target = await ecs.describe_instance(gw, region, target_id)
    rows = [
        RecoveryRow(
            source_disk_id=c.source.disk_id,
            source_device=c.source.device,
            source_kind=c.source.kind,
            snapshot_id=s,
            zone_redundant_at=redundant.get(s),
            disk_id=d,
            target_device=attached[d].device,
            category=attached[d].category,
            size_gib=attached[d].size_gib,
            performance_level=attached[d].performance_level,
        )
        for c, s, d in zip(copies, snapshot_ids, disk_ids, strict=True)
    ]
    layout = disks.disk_layout(target, set(disk_ids))
    times = list(redundant.values())
    return DiskRecoveryResult(
        region_id=region,
        source_instance_id=plan.source_instance_id,
        target_instance_id=target_id,
        rows=rows,
        markdown=recovery.summary_markdown(rows),
        layout=layout,
        layout_markdown=disks.layout_markdown(layout),
        reminder=recovery.mounts_reminder(rows, target_id),
        zone_redundant_at=max(times) if times else None,
        replaced=await step.replaced(),
    )
