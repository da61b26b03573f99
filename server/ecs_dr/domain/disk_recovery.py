"""Scenario B as one plan: which disks of the source, every call with its parameters, what
the target can take, how long it takes, whether the world still looks as it did, and the
result row by row.

The snapshots and the new disks of k disks are made concurrently (so k disks take about as
long as the slowest one); the attaches follow one by one, since ECS refuses parallel attaches
to one instance (`OperationConflict.DisksAttachingParallellyExceed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from ecs_dr.domain.cloud_text import cloud_text_field, quoted, table_markdown
from ecs_dr.domain.comparison import NONE
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.disks import CreateDiskPlan, LayoutRow, layout_markdown, mount_reminder
from ecs_dr.domain.fingerprints import Fingerprint
from ecs_dr.domain.models import Disk, Frozen, Instance
from ecs_dr.domain.names import device_key, snapshot_name
from ecs_dr.domain.plans import (
    PlanStep,
    ReplacedResource,
    estimated_minutes,
    plan_confirmation,
    snapshot_upload_s,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.snapshots import SnapshotPlan

# What ECS users observe (cloud seconds): a disk is created in seconds; an attach too.
DISK_CREATE_BASE_S = 10.0
DISK_CREATE_S_PER_GIB = 0.02
ATTACH_S = 5.0


# --- what the target can take ----------------------------------------------------------------


def check_disk_limit(target: Instance, count: int, max_data_disks: int | None) -> None:
    """The target's data disks now plus the k new ones must fit its type's limit.

    Raises Refusal saying how many fit.
    """
    now = len(target.data_disks)
    if max_data_disks is None or now + count <= max_data_disks:
        return
    room = max(max_data_disks - now, 0)
    raise Refusal(
        f"{target.instance_id} ({target.instance_type}) has {now} data disks and takes at most "
        f"{max_data_disks}; {count} more would make {now + count}. "
        + (
            f"Copy at most {room} disk(s) (pass disk_ids) or choose another target instance."
            if room
            else "It takes no more disks: choose another target instance."
        )
    )


def estimated_duration_s(disks: Sequence[Disk], new_sizes: Sequence[int] = ()) -> float:
    """Snapshots together (the slowest upload), disks together (the largest), attaches one by
    one: so k disks take about as long as the slowest, plus a few seconds per attach."""
    if not disks:
        return 0.0
    sizes = list(new_sizes) or [d.size_gib for d in disks]
    snapshots = max(snapshot_upload_s(d) for d in disks)
    creates = DISK_CREATE_BASE_S + DISK_CREATE_S_PER_GIB * max(sizes)
    return snapshots + creates + ATTACH_S * len(disks)


# --- the plan --------------------------------------------------------------------------------


class DiskCopy(Frozen):
    """One source disk: its snapshot, the new disk in the target's zone (its SnapshotId a
    placeholder until the snapshot exists), then the attach."""

    source: Disk
    snapshot_name: str
    create: CreateDiskPlan

    @property
    def key(self) -> str:
        return device_key(self.source.device)

    def snapshot(self, region_id: str) -> SnapshotPlan:
        """CreateSnapshot of the source disk."""
        return SnapshotPlan(region_id=region_id, disk=self.source, name=self.snapshot_name)


class Preflight(Frozen):
    """What the checks found about the target."""

    source_zone_id: str
    target_zone_id: str
    cross_zone: bool
    target_status: str
    target_can_take_disks: bool
    target_zone_categories: list[str]
    data_disks_now: int
    data_disk_limit: int | None
    data_disks_after: int


class DiskRecoveryPlan(Frozen):
    """Scenario B for k disks, decided and ready to be confirmed."""

    scenario: Literal["disks"] = "disks"
    region_id: str
    source_instance_id: str
    target_instance_id: str
    target_zone_id: str
    copies: list[DiskCopy]
    wait_for_instance: bool = False
    fingerprint: Fingerprint
    preflight: Preflight
    findings: list[str] = cloud_text_field("what the preflight found, one sentence each")
    estimated_duration_s: float
    tags: dict[str, str]

    def steps(self) -> list[PlanStep]:
        """Every call, in the order of its phase."""
        k = len(self.copies)
        together = "concurrently with the other snapshots" if k > 1 else "first"
        steps = [
            PlanStep.of(
                f"snapshot_{c.key}",
                c.snapshot(self.region_id),
                f"{together}; waited until accomplished (zone-redundant)",
            )
            for c in self.copies
        ]
        after = "concurrently with the other new disks, " if k > 1 else ""
        steps += [
            PlanStep.of(
                f"create_disk_{c.key}",
                c.create,
                f"{after}once every snapshot is accomplished; waited until Available",
            )
            for c in self.copies
        ]
        if self.wait_for_instance:
            steps.append(
                PlanStep(
                    step="wait_target",
                    action="DescribeInstances",
                    parameters={"InstanceIds": [self.target_instance_id]},
                    runs="until the target is Running or Stopped",
                )
            )
        steps += [
            PlanStep(
                step=f"attach_{c.key}",
                action="AttachDisk",
                parameters={
                    "InstanceId": self.target_instance_id,
                    "DiskId": f"(new disk from {c.source.disk_id})",
                },
                runs=f"one at a time in device order ({n} of {k}); waited until In_use",
            )
            for n, c in enumerate(self.copies, 1)
        ]
        return steps


def copy_snapshot_name(source_instance_id: str, disk: Disk, today: date) -> str:
    """A copied disk's snapshot: Snap_<source id>_<device>_<date>."""
    return snapshot_name(f"{source_instance_id}_{device_key(disk.device)}", today)


def confirm_disk_plan_prompt(plan_id: str, plan: DiskRecoveryPlan) -> ChoicePrompt:
    """The one go-ahead for the whole plan, showing every step's parameters."""
    return plan_confirmation(
        plan_id,
        f"{plan_id} copies {len(plan.copies)} disk(s) of {plan.source_instance_id} onto "
        f"{plan.target_instance_id} in {plan.target_zone_id} (about "
        f"{estimated_minutes(plan.estimated_duration_s)} min) with exactly these calls. Proceed?",
        "Create the snapshots and disks and attach them, as shown.",
        plan.steps(),
    )


def disk_plan_findings(source: Instance, target: Instance, pre: Preflight) -> list[str]:
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


# --- the result ------------------------------------------------------------------------------


class RecoveryRow(Frozen):
    """Source disk -> snapshot -> new disk -> target device."""

    source_disk_id: str
    source_device: str
    source_kind: str
    snapshot_id: str
    zone_redundant_at: datetime | None
    disk_id: str
    target_device: str
    category: str
    size_gib: int
    performance_level: str | None


class DiskRecoveryResult(Frozen):
    """What the operation did, row by row, and the target's whole layout after it."""

    region_id: str
    source_instance_id: str
    target_instance_id: str
    rows: list[RecoveryRow]
    layout: list[LayoutRow]
    reminder: str
    zone_redundant_at: datetime | None
    replaced: list[ReplacedResource] = Field(
        default_factory=list,
        description="snapshots that ended failed and were taken again when the operation was "
        "resumed; they stay recorded, and cleanup_recovery deletes them",
    )

    @property
    def markdown(self) -> str:
        """The summary as a markdown table, cells escaped."""
        return summary_markdown(self.rows)

    @property
    def layout_markdown(self) -> str:
        """The target's disk layout as a markdown table, cells escaped."""
        return layout_markdown(self.layout)


def summary_markdown(rows: Sequence[RecoveryRow]) -> str:
    return table_markdown(
        ["Source disk", "Snapshot", "New disk", "Target device", "Category", "Size (GiB)", "PL"],
        [
            [
                f"{r.source_disk_id} ({r.source_device}, {r.source_kind})",
                r.snapshot_id,
                r.disk_id,
                r.target_device,
                r.category,
                str(r.size_gib),
                r.performance_level or NONE,
            ]
            for r in rows
        ],
    )


def mounts_reminder(rows: Sequence[RecoveryRow], instance_id: str) -> str:
    """The mount reminder for every new disk, without an OS command."""
    if len(rows) == 1:
        return mount_reminder(rows[0].disk_id, rows[0].target_device, instance_id)
    attached = ", ".join(f"{r.disk_id} at {r.target_device}" for r in rows)
    return (
        f"{attached} are attached to {instance_id}, but the operating system does not use them "
        "yet: each still has to be mounted inside the instance (made visible to the OS, its "
        "file system mounted where the workload expects it, and kept across reboots if that "
        "is wanted). Do this as that OS and workload require; no commands are given here, "
        "since the server does not know the OS."
    )
