"""Scenario B for k disks as one plan: `plan_disk_recovery` reads the cloud and asks (which
disks, the system disk, categories, a target not ready), `check_current` refuses a plan the
world has moved away from, and `execute_disk_recovery` runs it: snapshots together, disks
together, attaches one by one in device order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import disk_recovery, disk_selection, disks, fingerprints, rules
from ecs_dr.domain.decisions import CANCEL, ChoicePrompt, chosen, split_choice
from ecs_dr.domain.disk_recovery import (
    DiskCopy,
    DiskRecoveryPlan,
    DiskRecoveryResult,
    Preflight,
    RecoveryRow,
)
from ecs_dr.domain.disks import (
    ATTACHABLE_STATUSES,
    INSTANCE_SETTLE_WAIT_S,
    AttachDiskPlan,
    CreateDiskPlan,
)
from ecs_dr.domain.models import Disk, Instance
from ecs_dr.domain.plans import (
    Cancelled,
    Decisions,
    NeedsDecision,
    cancelled,
    pending_snapshot,
    planned_tags,
)
from ecs_dr.domain.prompts import instance_not_ready_prompt, new_disk_category_prompt
from ecs_dr.domain.quotas import NewDisk, quota_needs
from ecs_dr.domain.refusal import Refusal
from ecs_dr.workflows.attach import attach_journaled, wait_attached, wait_settled
from ecs_dr.workflows.journal import StepRecorder, create_step
from ecs_dr.workflows.new_disks import CREATING
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import Progress, operation_tags, today, together
from ecs_dr.workflows.quotas import quota_check
from ecs_dr.workflows.snapshots import snapshot_step, snapshot_waits
from ecs_dr.workflows.source import load_instance, load_target


def _decide(prompt: ChoicePrompt, decisions: Decisions, pending: list[ChoicePrompt]) -> str | None:
    """The answer, or None after adding the prompt to those still open."""
    answer = chosen(prompt, decisions)
    if answer is None:
        pending.append(prompt)
    return answer


async def plan_disk_recovery(
    gw: EcsGateway,
    source_instance_id: str,
    target_instance_id: str,
    disk_ids: Sequence[str] | None = None,
    region_id: str | None = None,
    decisions: Decisions | None = None,
) -> DiskRecoveryPlan | NeedsDecision | Cancelled:
    """The whole plan, or the decisions still open; reads only, creates nothing.

    Raises NotFound for an unknown source or target, Refusal for a disk not of the source,
    a target in another region or at its disk limit, a source ECS cannot snapshot now, and new
    disks past the region's pay-as-you-go disk capacity quota (named in the message).
    """
    answers = decisions or {}
    region, source = await load_instance(gw, source_instance_id, region_id)
    target = await load_target(gw, target_instance_id, region, f"the source {source_instance_id}")
    if target.instance_id == source.instance_id:
        raise Refusal(
            f"{source_instance_id} is both source and target; copy its disks onto another instance."
        )
    pending: list[ChoicePrompt] = []
    selection = (
        disk_selection.disks_named(source, disk_ids)
        if disk_ids is not None
        else disk_selection.default_disks(source)
    )
    if isinstance(selection, ChoicePrompt):
        answer = _decide(selection, answers, pending)
        if answer is None:
            return NeedsDecision(pending, {"source_instance_id": source_instance_id})
        if answer == CANCEL:
            return cancelled(selection.decision_id)
        selection = disk_selection.selected_disks(source, answer)
    chosen_disks = list(selection)
    system = next((d for d in chosen_disks if d.kind == "system"), None)
    if system is not None:
        prompt = disk_selection.system_disk_prompt(system, len(chosen_disks) - 1)
        answer = _decide(prompt, answers, pending)
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
        if answer == disk_selection.EXCLUDE:
            chosen_disks.remove(system)
    rules.check_snapshottable(source, "Plan again once it is.")
    for disk in chosen_disks:
        rules.check_disk_snapshottable(disk)
    limit = await ecs.max_data_disks(gw, region, target.instance_type)
    disk_recovery.check_disk_limit(target, len(chosen_disks), limit)
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
    findings = disk_recovery.disk_plan_findings(source, target, preflight) + quota.findings
    if pending:
        context = {"preflight": preflight.model_dump(), "findings": findings}
        return NeedsDecision(pending, context)
    copies = [
        DiskCopy(
            source=disk,
            snapshot_name=disk_recovery.copy_snapshot_name(source.instance_id, disk, today()),
            create=disks.create_disk_plan(
                pending_snapshot(disk), disk, target, category=categories[disk.disk_id]
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
        fingerprint=fingerprints.fingerprint(source, target),
        preflight=preflight,
        findings=findings,
        estimated_duration_s=disk_recovery.estimated_duration_s(
            chosen_disks, [c.create.size_gib for c in copies]
        ),
        tags=planned_tags(source.instance_id),
    )


async def check_current(gw: EcsGateway, plan_id: str, plan: DiskRecoveryPlan) -> None:
    """Raises PlanStale (a Refusal) when the source or target changed since the plan was
    made (and NotFound when either is gone)."""
    source, target = await _source_and_target(gw, plan)
    fingerprints.check_unchanged(
        plan_id, plan.fingerprint, fingerprints.fingerprint(source, target)
    )


async def _source_and_target(gw: EcsGateway, plan: DiskRecoveryPlan) -> list[Instance]:
    """Both as ECS describes them now, read together: one DescribeInstances names both."""
    return await together(
        [
            ecs.describe_instance(gw, plan.region_id, instance_id)
            for instance_id in (plan.source_instance_id, plan.target_instance_id)
        ]
    )


async def _require_as_planned(gw: EcsGateway, plan: DiskRecoveryPlan, step: StepRecorder) -> None:
    """The rules bind the source as it is when the change is made: before the operation's
    creates, and on resume, read the source and target again and raise PlanStale naming each
    change. The disks the operation attached itself are no change; once every attach is
    journaled nothing is left to make."""
    names = [f"attach_{c.key}" for c in plan.copies]
    if all([await step.recorded(name) is not None for name in names]):
        return
    own = {d for c in plan.copies if (d := await step.recorded(f"create_disk_{c.key}")) is not None}
    source, target = await _source_and_target(gw, plan)
    fingerprints.check_unchanged_during(
        step.operation_id,
        plan.fingerprint,
        fingerprints.fingerprint(source, target, own),
        "nothing more is created",
    )


async def execute_disk_recovery(
    gw: EcsGateway,
    plan: DiskRecoveryPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
    checked: bool = False,
) -> DiskRecoveryResult:
    """Snapshot every disk at once and wait until all are zone-redundant; create every new
    disk at once and wait until all are Available; attach them one by one until In_use.
    The source and target are read again first, unless `checked` (check_current read them
    just before this run began)."""
    report = Progress(progress)
    region, target_id = plan.region_id, plan.target_instance_id
    tags = operation_tags(step, plan.source_instance_id)
    copies = plan.copies
    k = len(copies)
    if not checked:
        await _require_as_planned(gw, plan, step)

    def make_disk(p: CreateDiskPlan) -> Callable[[str], Awaitable[str]]:
        return lambda token: ecs.create_disk(gw, p, token, tags)

    snapshot_ids = await together(
        [snapshot_step(gw, step, f"snapshot_{c.key}", c.snapshot(region), tags) for c in copies],
    )
    await report(0, f"snapshots {', '.join(snapshot_ids)} started")
    waits = snapshot_waits(gw, region, snapshot_ids, report, share=0.5, timing=timing)
    taken = await together(waits)
    redundant = {s: at for s, (_, at) in zip(snapshot_ids, taken, strict=True)}
    await report(50, f"{k} snapshot(s) accomplished (zone-redundant)")

    creates = [
        c.create.model_copy(update={"snapshot_id": s})
        for c, s in zip(copies, snapshot_ids, strict=True)
    ]
    disk_ids = await together(
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

    await together([disk_ready(d) for d in disk_ids])

    if plan.wait_for_instance:
        await wait_settled(gw, region, target_id, report, start=70, end=75, timing=timing)
    attached: dict[str, Disk] = {}
    # ECS refuses parallel attaches to one instance: one by one, in the source's device order.
    for n, (c, disk_id) in enumerate(zip(copies, disk_ids, strict=True)):
        attach = AttachDiskPlan(
            region_id=region,
            zone_id=plan.target_zone_id,
            disk_id=disk_id,
            target_instance_id=target_id,
        )
        await attach_journaled(gw, attach, step, f"attach_{c.key}")
        start = 75 + 25 * n / k
        attached[disk_id] = await wait_attached(
            gw, attach, report, start=start, end=start + 25 / k, timing=timing
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
        layout=layout,
        reminder=disk_recovery.mounts_reminder(rows, target_id),
        zone_redundant_at=max(times) if times else None,
        replaced=await step.replaced(),
    )
