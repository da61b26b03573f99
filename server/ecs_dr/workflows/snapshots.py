"""Recovery points: a snapshot-consistent group of every disk, per-disk snapshots when the user
accepts that a group is impossible, or one snapshot of one disk.

A result says when each snapshot became zone-redundant (accomplished, 100%): only from then on
does the recovery point survive the loss of the source's zone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import rules
from ecs_dr.domain.decisions import CANCEL, chosen, non_essd_group_prompt
from ecs_dr.domain.models import Disk, DiskKind, Instance, Snapshot
from ecs_dr.domain.statuses import DiskStatus, InstanceStatus
from ecs_dr.workflows.journal import StepRecorder, create_step
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import (
    Decisions,
    NeedsDecision,
    Prepared,
    Progress,
    cancelled,
    operation_tags,
    ready,
    today,
)
from ecs_dr.workflows.source import load_instance

GroupStrategy = Literal["snapshot_group", "per_disk_snapshots"]


class SnapshotGroupPlan(BaseModel):
    """Snapshots of every disk of one instance: one consistency group, or one per disk."""

    model_config = ConfigDict(frozen=True)

    region_id: str
    instance_id: str
    strategy: GroupStrategy
    name: str
    disks: list[Disk]

    @property
    def action(self) -> str:
        return "CreateSnapshotGroup" if self.strategy == "snapshot_group" else "CreateSnapshot"

    def snapshot_name(self, disk: Disk) -> str:
        """Per-disk snapshots share the plan's name, told apart by device."""
        return f"{self.name}_{_short(disk.device)}"

    def parameters(self) -> dict[str, Any]:
        if self.strategy == "snapshot_group":
            return {"RegionId": self.region_id, "InstanceId": self.instance_id, "Name": self.name}
        return {
            "RegionId": self.region_id,
            "Snapshots": [
                {"DiskId": d.disk_id, "SnapshotName": self.snapshot_name(d)} for d in self.disks
            ],
        }


class SnapshotPlan(BaseModel):
    """One snapshot of one disk."""

    model_config = ConfigDict(frozen=True)

    region_id: str
    disk: Disk
    name: str

    @property
    def action(self) -> str:
        return "CreateSnapshot"

    def parameters(self) -> dict[str, Any]:
        return {"DiskId": self.disk.disk_id, "SnapshotName": self.name}


class SnapshotRecord(BaseModel):
    """One snapshot as a result reports it: the disk it copies and when it became safe."""

    model_config = ConfigDict(frozen=True)

    snapshot_id: str
    disk_id: str
    kind: DiskKind
    device: str
    size_gib: int
    status: str
    progress: int
    taken_at: str
    zone_redundant: bool
    zone_redundant_at: datetime | None


class SnapshotSetResult(BaseModel):
    """Every disk of the instance snapshotted; `zone_redundant_at` is when the last one was."""

    model_config = ConfigDict(frozen=True)

    region_id: str
    instance_id: str
    strategy: GroupStrategy
    snapshot_group_id: str | None
    crash_consistent: bool
    snapshots: list[SnapshotRecord]
    zone_redundant_at: datetime | None
    note: str


class SnapshotResult(SnapshotRecord):
    """One snapshot of one disk."""

    region_id: str
    instance_id: str | None


def _short(device: str) -> str:
    return device.removeprefix("/dev/")


def _snapshottable(instance: Instance) -> None:
    if instance.status not in (InstanceStatus.RUNNING, InstanceStatus.STOPPED):
        raise ValueError(
            f"{instance.instance_id} is {instance.status}; ECS snapshots the disks of Running or "
            "Stopped instances only. Wait until it is Running or Stopped."
        )


async def prepare_snapshot_group(
    gw: EcsGateway,
    instance_id: str,
    region_id: str | None = None,
    name: str | None = None,
    decisions: Decisions | None = None,
) -> Prepared[SnapshotGroupPlan]:
    """A consistency group of every disk; per-disk snapshots only with the user's consent.

    Raises NotFound for an unknown instance, ValueError for a single-disk instance (take one
    snapshot with create_snapshot) or an instance in a status ECS cannot snapshot.
    """
    region, source = await load_instance(gw, instance_id, region_id)
    _snapshottable(source)
    strategy = rules.snapshot_strategy(source)
    if strategy == "single_snapshot":
        system = source.system_disk
        raise ValueError(
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
    # The runbook's names: SnapGroup_<id>_<date>; per-disk Snap_<id>_<date>_<device>.
    prefix = "SnapGroup" if strategy == "snapshot_group" else "Snap"
    plan = SnapshotGroupPlan(
        region_id=region,
        instance_id=instance_id,
        strategy=strategy,
        name=name or f"{prefix}_{instance_id}_{today():%Y%m%d}",
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
    """One snapshot of one disk. Raises NotFound for an unknown disk, ValueError for a disk
    ECS cannot snapshot now."""
    region = region_id or await ecs.find_disk_region(gw, disk_id)
    disk = await ecs.describe_disk(gw, region, disk_id)
    if disk.status not in (DiskStatus.IN_USE, DiskStatus.AVAILABLE):
        raise ValueError(
            f"{disk_id} is {disk.status}; ECS snapshots disks that are In_use or Available."
        )
    owner = f"{disk.instance_id}_{disk.kind}" if disk.instance_id else disk_id
    plan = SnapshotPlan(region_id=region, disk=disk, name=name or f"Snap_{owner}_{today():%Y%m%d}")
    return ready(plan, decisions)


def _record(snapshot: Snapshot, disk: Disk | None, redundant_at: datetime | None) -> SnapshotRecord:
    return SnapshotRecord(
        snapshot_id=snapshot.snapshot_id,
        disk_id=snapshot.source_disk_id,
        kind=disk.kind if disk is not None else snapshot.source_disk_kind,
        device=disk.device if disk is not None else "",
        size_gib=snapshot.source_disk_size_gib,
        status=snapshot.status,
        progress=snapshot.progress,
        taken_at=snapshot.created_at,
        zone_redundant=snapshot.zone_redundant,
        zone_redundant_at=redundant_at if snapshot.zone_redundant else None,
    )


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
    # CreateSnapshotGroup tags only the group: its snapshots are tagged at once, so a cleanup
    # finds them even if the wait is interrupted, and again after it for any listed late.
    started = await ecs.describe_snapshot_group(gw, plan.region_id, group_id)
    tagged = [s.snapshot_id for s in started.snapshots]
    if tagged:
        await ecs.tag_resources(gw, plan.region_id, "snapshot", tagged, tags)
    await report(0, f"snapshot group {group_id} started")
    group, seen = await ecs.wait_snapshot_group(
        gw,
        plan.region_id,
        group_id,
        on_progress=report.phase(0, 100, f"snapshot group {group_id}"),
        timing=timing,
    )
    late = [s.snapshot_id for s in group.snapshots if s.snapshot_id not in tagged]
    if late:
        await ecs.tag_resources(gw, plan.region_id, "snapshot", late, tags)
    return _set_result(plan, group_id, [(s, seen.get(s.snapshot_id)) for s in group.snapshots])


async def _per_disk(
    gw: EcsGateway,
    plan: SnapshotGroupPlan,
    step: StepRecorder,
    report: Progress,
    tags: dict[str, str],
    timing: ecs.Timing,
) -> SnapshotSetResult:
    def take(disk: Disk) -> Awaitable[str]:
        return create_step(
            step,
            f"create_snapshot_{_short(disk.device)}",
            "CreateSnapshot",
            {"DiskId": disk.disk_id, "SnapshotName": plan.snapshot_name(disk)},
            lambda token: ecs.create_snapshot(
                gw, plan.region_id, disk.disk_id, plan.snapshot_name(disk), token, tags
            ),
            failure=lambda snapshot: ecs.wait_snapshot.failed(gw, plan.region_id, snapshot),
        )

    # Every create starts at once, so the copies are as close in time as ECS allows; each
    # journals its own id, and the first failure is raised once all have ended.
    outcomes = await asyncio.gather(*(take(d) for d in plan.disks), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    snapshot_ids = [o for o in outcomes if isinstance(o, str)]
    await report(0, f"snapshots {', '.join(snapshot_ids)} started")
    percents = dict.fromkeys(snapshot_ids, 0)

    async def wait(snapshot_id: str) -> tuple[Snapshot, datetime]:
        async def observe(status: str, percent: int | None, elapsed_s: float) -> None:
            percents[snapshot_id] = percent or 0
            overall = sum(percents.values()) / len(percents)
            await report(overall, f"snapshot {snapshot_id}: {status} {percent}%")

        return await ecs.wait_snapshot(
            gw, plan.region_id, snapshot_id, on_progress=observe, timing=timing
        )

    done = await asyncio.gather(*(wait(s) for s in snapshot_ids))
    return _set_result(plan, None, done)


def _set_result(
    plan: SnapshotGroupPlan,
    group_id: str | None,
    taken: Sequence[tuple[Snapshot, datetime | None]],
) -> SnapshotSetResult:
    """The plan's snapshots, each with the disk it copies and when it became zone-redundant."""
    disks = {d.disk_id: d for d in plan.disks}
    records = [_record(s, disks.get(s.source_disk_id), at) for s, at in taken]
    times = [r.zone_redundant_at for r in records]
    safe_at = max(t for t in times if t is not None) if all(times) and times else None
    consistent = plan.strategy == "snapshot_group"
    note = (
        "Crash-consistent across disks (one snapshot-consistent group)."
        if consistent
        else "NOT crash-consistent across disks: one snapshot per disk, started together."
    )
    return SnapshotSetResult(
        region_id=plan.region_id,
        instance_id=plan.instance_id,
        strategy=plan.strategy,
        snapshot_group_id=group_id,
        crash_consistent=consistent,
        snapshots=sorted(records, key=lambda r: (r.kind != "system", r.device)),
        zone_redundant_at=safe_at,
        note=note,
    )


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
    snapshot_id = await create_step(
        step,
        "create_snapshot",
        plan.action,
        plan.parameters(),
        lambda token: ecs.create_snapshot(
            gw, plan.region_id, plan.disk.disk_id, plan.name, token, tags
        ),
        failure=lambda snapshot: ecs.wait_snapshot.failed(gw, plan.region_id, snapshot),
    )
    report = Progress(progress)
    await report(0, f"snapshot {snapshot_id} started")
    snapshot, at = await ecs.wait_snapshot(
        gw,
        plan.region_id,
        snapshot_id,
        on_progress=report.phase(0, 100, f"snapshot {snapshot_id}"),
        timing=timing,
    )
    record = _record(snapshot, plan.disk, at)
    return SnapshotResult(
        **record.model_dump(), region_id=plan.region_id, instance_id=plan.disk.instance_id
    )
