"""Recovery points: a snapshot-consistent group of every disk, per-disk snapshots when the user
accepts that a group is impossible, or one snapshot of one disk.

A result says when each snapshot became zone-redundant (accomplished, 100%): only from then on
does the recovery point survive the loss of the source's zone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import datetime

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import names, rules
from ecs_dr.domain.decisions import CANCEL, chosen
from ecs_dr.domain.models import Snapshot
from ecs_dr.domain.names import device_key
from ecs_dr.domain.plans import Decisions, NeedsDecision, Prepared, cancelled, ready
from ecs_dr.domain.prompts import non_essd_group_prompt
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.snapshots import (
    SnapshotGroupPlan,
    SnapshotPlan,
    SnapshotResult,
    SnapshotSetResult,
    snapshot_record,
    snapshot_set_result,
)
from ecs_dr.workflows.journal import StepRecorder, create_step
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import Progress, operation_tags, today, together
from ecs_dr.workflows.source import load_instance


def snapshot_step(
    gw: EcsGateway, step: StepRecorder, name: str, plan: SnapshotPlan, tags: dict[str, str]
) -> Awaitable[str]:
    """CreateSnapshot of one disk as the journal step `name`; a snapshot that ended failed is
    taken again when the operation resumes."""
    return create_step(
        step,
        name,
        plan.action,
        plan.parameters(),
        lambda token: ecs.create_snapshot(
            gw, plan.region_id, plan.disk.disk_id, plan.name, token, tags
        ),
        failure=lambda snapshot: ecs.wait_snapshot.failed(gw, plan.region_id, snapshot),
    )


def snapshot_waits(
    gw: EcsGateway,
    region_id: str,
    snapshot_ids: Sequence[str],
    report: Progress,
    *,
    share: float,
    timing: ecs.Timing,
) -> list[Awaitable[tuple[Snapshot, datetime]]]:
    """One wait per snapshot until it is zone-redundant, for the caller to run together; the
    progress reported is their mean percent times `share` (the waits' part of the scale)."""
    percents = dict.fromkeys(snapshot_ids, 0)

    async def wait(snapshot_id: str) -> tuple[Snapshot, datetime]:
        async def observe(status: str, percent: int | None, elapsed_s: float) -> None:
            percents[snapshot_id] = percent or 0
            overall = sum(percents.values()) / len(percents)
            await report(overall * share, f"snapshot {snapshot_id}: {status} {percent or 0}%")

        return await ecs.wait_snapshot(
            gw, region_id, snapshot_id, on_progress=observe, timing=timing
        )

    return [wait(s) for s in snapshot_ids]


async def prepare_snapshot_group(
    gw: EcsGateway,
    instance_id: str,
    region_id: str | None = None,
    name: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[SnapshotGroupPlan]:
    """A consistency group of every disk; per-disk snapshots only with the user's consent.

    Raises NotFound for an unknown instance, Refusal for a single-disk instance (take one
    snapshot with create_snapshot) or an instance in a status ECS cannot snapshot.
    """
    region, source = await load_instance(gw, instance_id, region_id)
    rules.check_snapshottable(source, "Wait until it is Running or Stopped.")
    strategy = rules.snapshot_strategy(source)
    if strategy == "single_snapshot":
        system = source.system_disk
        raise Refusal(
            f"{instance_id} has only a system disk: take one snapshot with "
            f"create_snapshot(disk_id={system.disk_id if system else '<system disk>'!r}); "
            "a group is for several disks."
        )
    if strategy == "per_disk_snapshots":
        prompt = non_essd_group_prompt(source)
        answer = chosen(prompt, decisions or {})
        if answer is None:
            return NeedsDecision(
                prompts=[prompt],
                context={"instance_id": instance_id, "blockers": rules.group_blockers(source)},
            )
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
    plan = SnapshotGroupPlan(
        region_id=region,
        instance_id=instance_id,
        strategy=strategy,
        name=name
        or names.group_snapshot_name(instance_id, strategy == "per_disk_snapshots", today()),
        disks=source.disks,
    )
    return ready(plan, decisions)


async def prepare_snapshot(
    gw: EcsGateway,
    disk_id: str,
    region_id: str | None = None,
    name: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[SnapshotPlan]:
    """One snapshot of one disk. Raises NotFound for an unknown disk, Refusal for a disk
    ECS cannot snapshot now."""
    region = region_id or await ecs.find_disk_region(gw, disk_id)
    disk = await ecs.describe_disk(gw, region, disk_id)
    rules.check_disk_snapshottable(disk)
    plan = SnapshotPlan(
        region_id=region, disk=disk, name=name or names.disk_snapshot_name(disk, today())
    )
    return ready(plan, decisions)


async def execute_snapshot_group(
    gw: EcsGateway,
    plan: SnapshotGroupPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> SnapshotSetResult:
    """Take the snapshots and wait until every one is zone-redundant."""
    tags = operation_tags(step, plan.instance_id)
    report = Progress(progress)
    if plan.strategy == "snapshot_group":
        return await _group(gw, plan, step, report, tags, timing)
    return await _per_disk(gw, plan, step, report, tags, timing)


async def _group(
    gw: EcsGateway,
    plan: SnapshotGroupPlan,
    step: StepRecorder,
    report: Progress,
    tags: dict[str, str],
    timing: ecs.Timing,
) -> SnapshotSetResult:
    group_id = await create_step(
        step,
        "create_snapshot_group",
        plan.action,
        plan.parameters(),
        lambda token: ecs.create_snapshot_group(
            gw, plan.region_id, plan.instance_id, plan.name, token, tags
        ),
        failure=lambda group: ecs.snapshot_group_failed(gw, plan.region_id, group, timing=timing),
    )
    # CreateSnapshotGroup tags only the group: its snapshots are tagged as soon as a poll
    # lists them (the first comes seconds after the create), so a cleanup finds them even if
    # the wait is interrupted, and any listed late are tagged at the end.
    tagged: set[str] = set()

    async def tag_listed(snapshot_ids: list[str]) -> None:
        new = [s for s in snapshot_ids if s not in tagged]
        if new:
            await ecs.tag_resources(gw, plan.region_id, "snapshot", new, tags)
            tagged.update(new)

    await report(0, f"snapshot group {group_id} started")
    group, seen = await ecs.wait_snapshot_group(
        gw,
        plan.region_id,
        group_id,
        on_progress=report.phase(0, 100, f"snapshot group {group_id}"),
        on_listed=tag_listed,
        timing=timing,
    )
    await tag_listed([s.snapshot_id for s in group.snapshots])
    return snapshot_set_result(
        plan, group_id, [(s, seen.get(s.snapshot_id)) for s in group.snapshots]
    )


async def _per_disk(
    gw: EcsGateway,
    plan: SnapshotGroupPlan,
    step: StepRecorder,
    report: Progress,
    tags: dict[str, str],
    timing: ecs.Timing,
) -> SnapshotSetResult:
    # Every create starts at once, so the copies are as close in time as ECS allows; each
    # journals its own id, and the first failure is raised once all have ended.
    snapshot_ids = await together(
        [
            snapshot_step(
                gw,
                step,
                f"create_snapshot_{device_key(d.device)}",
                SnapshotPlan(region_id=plan.region_id, disk=d, name=plan.snapshot_name(d)),
                tags,
            )
            for d in plan.disks
        ]
    )
    await report(0, f"snapshots {', '.join(snapshot_ids)} started")
    waits = snapshot_waits(gw, plan.region_id, snapshot_ids, report, share=1.0, timing=timing)
    done = await asyncio.gather(*waits)
    return snapshot_set_result(plan, None, done)


async def execute_snapshot(
    gw: EcsGateway,
    plan: SnapshotPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> SnapshotResult:
    """Take the snapshot and wait until it is zone-redundant."""
    tags = operation_tags(step, plan.disk.instance_id)
    snapshot_id = await snapshot_step(gw, step, "create_snapshot", plan, tags)
    report = Progress(progress)
    await report(0, f"snapshot {snapshot_id} started")
    snapshot, at = await ecs.wait_snapshot(
        gw,
        plan.region_id,
        snapshot_id,
        on_progress=report.phase(0, 100, f"snapshot {snapshot_id}"),
        timing=timing,
    )
    record = snapshot_record(snapshot, plan.disk, at)
    return SnapshotResult(
        **record.model_dump(), region_id=plan.region_id, instance_id=plan.disk.instance_id
    )
