"""Scenario B as one plan: which disks of the source, every call with its parameters, what
the target can take, how long it takes, and whether the world still looks as it did.

A plan is made without a single mutating call and executed once, after one confirmation. The
snapshots and the new disks of k disks are made concurrently (so k disks take about as long
as the slowest one); the attaches follow one by one, since ECS refuses parallel attaches to
one instance (`OperationConflict.DisksAttachingParallellyExceed`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.domain.cloud_text import cloud_text_field, table_markdown
from ecs_dr.domain.comparison import NONE
from ecs_dr.domain.decisions import (
    CANCEL,
    CONFIRMATION_PREFIX,
    MAX_OPTIONS,
    PROCEED,
    ChoiceOption,
    ChoicePrompt,
    make_prompt,
)
from ecs_dr.domain.disks import CreateDiskPlan, mount_reminder
from ecs_dr.domain.models import ESSD_FAMILY, Disk, DiskKind, Instance, Snapshot

ALL_DATA_DISKS = "all_data_disks"
INCLUDE = "include"
EXCLUDE = "exclude"
# The plan confirmation's id inside the server; a caller never answers under it (the tools
# bind it to the prompt shown: tools/decisions.py).
CONFIRM_PLAN = f"{CONFIRMATION_PREFIX}plan"

# What ECS users observe (cloud seconds): an ESSD snapshot uploads to zone-redundant storage
# at a few GiB a second, other categories slower; a disk is created in seconds; an attach too.
SNAPSHOT_BASE_S = 30.0
ESSD_UPLOAD_S_PER_GIB = 0.6
OTHER_UPLOAD_S_PER_GIB = 1.5
DISK_CREATE_BASE_S = 10.0
DISK_CREATE_S_PER_GIB = 0.02
ATTACH_S = 5.0


def _short(device: str) -> str:
    return device.removeprefix("/dev/")


def _describe(disk: Disk) -> str:
    level = f" {disk.performance_level}" if disk.performance_level else ""
    return f"{disk.device} {disk.size_gib} GiB {disk.category}{level} ({disk.disk_id})"


# --- which disks ---------------------------------------------------------------------------


def disks_named(source: Instance, disk_ids: Sequence[str]) -> list[Disk]:
    """The source's disks with these ids, in device order (system disk first).

    Raises ValueError for an empty list or an id that is not a disk of the source, listing
    the source's disks.
    """
    own = {d.disk_id: d for d in source.disks}
    listed = ", ".join(_describe(d) for d in sorted(source.disks, key=_order))
    if not disk_ids:
        raise ValueError(
            f"disk_ids is empty; omit it to be asked, or name disks of {source.instance_id}: "
            f"{listed}."
        )
    strangers = [d for d in dict.fromkeys(disk_ids) if d not in own]
    if strangers:
        raise ValueError(
            f"{', '.join(strangers)} {'is not a disk' if len(strangers) == 1 else 'are not disks'}"
            f" of {source.instance_id}; its disks are: {listed}. Pass disk_ids among those."
        )
    return sorted((own[d] for d in dict.fromkeys(disk_ids)), key=_order)


def _order(disk: Disk) -> tuple[bool, str]:
    return (disk.kind != "system", disk.device)


def disk_selection_prompt(source: Instance) -> ChoicePrompt:
    """Several data disks and none named: all of them (recommended) or one of them; with too
    many to list, all of them or stop (disk_ids chooses some)."""
    data = source.data_disks
    listed = data if len(data) <= MAX_OPTIONS - 1 else []
    options = [
        ChoiceOption(
            value=ALL_DATA_DISKS,
            label=f"All {len(data)} data disks",
            description="; ".join(_describe(d) for d in data),
            recommended=True,
        ),
        *(
            ChoiceOption(
                value=f"disk:{d.disk_id}", label=f"Only {d.device}", description=_describe(d)
            )
            for d in listed
        ),
    ]
    if len(options) < MAX_OPTIONS:
        options.append(ChoiceOption(value=CANCEL, label="Cancel", description="Copy nothing."))
    more = "" if listed else " To copy only some of them, call plan_recovery again with disk_ids."
    return make_prompt(
        f"disks_{source.instance_id}",
        f"{source.instance_id} has {len(data)} data disks. Which should be copied onto the "
        f"target?{more}",
        options,
        {"instance_id": source.instance_id, "data_disks": [d.disk_id for d in data]},
    )


def default_disks(source: Instance) -> list[Disk] | ChoicePrompt:
    """No disk named: the only data disk, or a prompt when there are several.

    Raises ValueError when the source has no data disk (its system disk is copied only when
    named in disk_ids).
    """
    data = source.data_disks
    if len(data) == 1:
        return data
    if data:
        return disk_selection_prompt(source)
    system = source.system_disk
    raise ValueError(
        f"{source.instance_id} has no data disk. To copy its system disk as a data disk, pass "
        f"disk_ids=[{system.disk_id if system else '<system disk>'!r}]."
    )


def selected_disks(source: Instance, answer: str) -> list[Disk]:
    """The disks an answer to `disk_selection_prompt` names."""
    if answer == ALL_DATA_DISKS:
        return source.data_disks
    return disks_named(source, [answer.removeprefix("disk:")])


def system_disk_prompt(disk: Disk, others: int) -> ChoicePrompt:
    """The system disk is copied only with an explicit yes: as a data disk of the target."""
    options = [
        ChoiceOption(
            value=INCLUDE,
            label="Copy the system disk",
            description=(
                f"{_describe(disk)} becomes a data disk of the target; the target keeps "
                "booting from its own system disk."
            ),
            recommended=True,
        ),
        (
            ChoiceOption(
                value=EXCLUDE,
                label="Leave it out",
                description=f"Copy only the {others} data disk(s) named.",
            )
            if others
            else ChoiceOption(value=CANCEL, label="Cancel", description="Copy nothing.")
        ),
    ]
    return make_prompt(
        f"system_disk_{disk.disk_id}",
        f"{disk.disk_id} ({disk.device}) is the source's system disk. Copy it onto the target "
        "as a data disk?",
        options,
        {"disk_id": disk.disk_id, "device": disk.device},
    )


# --- what the target can take ----------------------------------------------------------------


def check_disk_limit(target: Instance, count: int, max_data_disks: int | None) -> None:
    """The target's data disks now plus the k new ones must fit its type's limit.

    Raises ValueError saying how many fit.
    """
    now = len(target.data_disks)
    if max_data_disks is None or now + count <= max_data_disks:
        return
    room = max(max_data_disks - now, 0)
    raise ValueError(
        f"{target.instance_id} ({target.instance_type}) has {now} data disks and takes at most "
        f"{max_data_disks}; {count} more would make {now + count}. "
        + (
            f"Copy at most {room} disk(s) (pass disk_ids) or choose another target instance."
            if room
            else "It takes no more disks: choose another target instance."
        )
    )


def snapshot_upload_s(disk: Disk) -> float:
    """Seconds until a snapshot of the disk is zone-redundant (accomplished)."""
    per_gib = ESSD_UPLOAD_S_PER_GIB if disk.category in ESSD_FAMILY else OTHER_UPLOAD_S_PER_GIB
    return SNAPSHOT_BASE_S + per_gib * disk.size_gib


def estimated_duration_s(disks: Sequence[Disk], new_sizes: Sequence[int] = ()) -> float:
    """Snapshots together (the slowest upload), disks together (the largest), attaches one by
    one: so k disks take about as long as the slowest, plus a few seconds per attach."""
    if not disks:
        return 0.0
    sizes = list(new_sizes) or [d.size_gib for d in disks]
    snapshots = max(snapshot_upload_s(d) for d in disks)
    creates = DISK_CREATE_BASE_S + DISK_CREATE_S_PER_GIB * max(sizes)
    return snapshots + creates + ATTACH_S * len(disks)


# --- the fingerprint: is the world still the one planned for? ---------------------------------


class DiskFacts(BaseModel):
    """What a plan binds of one disk: where it sits and what its copy keeps (category, size,
    performance level)."""

    model_config = ConfigDict(frozen=True)

    kind: DiskKind
    device: str
    category: str
    size_gib: int
    performance_level: str | None = None


def disk_facts(disks: Sequence[Disk]) -> dict[str, DiskFacts]:
    """Disk id -> the facts a plan binds of it."""
    return {
        d.disk_id: DiskFacts(
            kind=d.kind,
            device=d.device,
            category=d.category,
            size_gib=d.size_gib,
            performance_level=d.performance_level,
        )
        for d in disks
    }


class Fingerprint(BaseModel):
    """What a plan depends on: every source disk's facts (the new disks keep its category,
    size and PL), the target's zone (the new disks are created there) and its disks."""

    model_config = ConfigDict(frozen=True)

    source_instance_id: str
    source_zone_id: str
    source_disks: dict[str, DiskFacts]
    target_instance_id: str
    target_zone_id: str
    target_disks: dict[str, str] = Field(description="disk id -> device")

    @property
    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprint(source: Instance, target: Instance, own: Collection[str] = ()) -> Fingerprint:
    """The world as a plan sees it; `own` are the disks an operation of the plan attached to
    the target itself, which are no change to it."""
    return Fingerprint(
        source_instance_id=source.instance_id,
        source_zone_id=source.zone_id,
        source_disks=disk_facts(source.disks),
        target_instance_id=target.instance_id,
        target_zone_id=target.zone_id,
        target_disks={d.disk_id: d.device for d in target.disks if d.disk_id not in own},
    )


def _disk_changes(who: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    changes = [f"{who}{d} ({before[d]}) is gone" for d in before if d not in after]
    changes += [f"{who}{d} ({after[d]}) was added" for d in after if d not in before]
    changes += [
        f"{who}{d} moved from {before[d]} to {after[d]}"
        for d in before
        if d in after and before[d] != after[d]
    ]
    return changes


def disk_fact_changes(
    who: str, before: Mapping[str, DiskFacts], after: Mapping[str, DiskFacts]
) -> list[str]:
    """Every disk gone, added or moved, and every category, size or PL changed, one named
    change each; `who` prefixes each (the instance, when a plan has two)."""
    changes = _disk_changes(
        who,
        {d: f.device for d, f in before.items()},
        {d: f.device for d, f in after.items()},
    )
    for disk_id, was in before.items():
        now = after.get(disk_id)
        if now is None:
            continue
        if was.kind != now.kind:
            changes.append(f"{who}disk {disk_id} {was.kind} disk -> {now.kind} disk")
        if was.category != now.category:
            changes.append(f"{who}disk {disk_id} category {was.category} -> {now.category}")
        if was.size_gib != now.size_gib:
            changes.append(f"{who}disk {disk_id} size {was.size_gib} -> {now.size_gib} GiB")
        if was.performance_level != now.performance_level:
            changes.append(
                f"{who}disk {disk_id} performance level {was.performance_level or 'none'} -> "
                f"{now.performance_level or 'none'}"
            )
    return changes


def plan_changes(planned: Fingerprint, now: Fingerprint) -> list[str]:
    """What differs between the world a plan was made for and the world now."""
    changes = []
    if planned.source_zone_id != now.source_zone_id:
        changes.append(f"source zone {planned.source_zone_id} -> {now.source_zone_id}")
    if planned.target_zone_id != now.target_zone_id:
        changes.append(f"target zone {planned.target_zone_id} -> {now.target_zone_id}")
    changes += disk_fact_changes(
        f"{planned.source_instance_id}: ", planned.source_disks, now.source_disks
    )
    changes += _disk_changes(
        f"{planned.target_instance_id}: ", planned.target_disks, now.target_disks
    )
    return changes


class PlanStale(ValueError):
    """What a plan was derived from changed: its parameters no longer follow the rules for
    what is there now. Only a new plan cures it; resuming an operation never does."""


def refuse_stale_plan(
    subject: str,
    changes: Sequence[str],
    *,
    plan_id: str | None = None,
    operation_id: str | None = None,
    held_back: str = "",
) -> None:
    """The rules bind the source as it is when the change is made: raises PlanStale naming
    every change, before the first create (`plan_id`: nothing was created) or during an
    operation (`operation_id`: `held_back` is not sent, what exists is left for cleanup).
    """
    if not changes:
        return
    listed = "; ".join(changes)
    if operation_id is None:
        raise PlanStale(
            f"{subject} changed since {plan_id} was made ({listed}); it is not executed and "
            "nothing was created. Plan again (plan_recovery) for what is there now."
        )
    raise PlanStale(
        f"{subject} changed since the plan of operation {operation_id} was made ({listed}): "
        f"{held_back}, and the operation stops. Plan again (plan_recovery) for what is there "
        "now; resuming this operation stops here again. What it created so far is in its "
        f"journal (get_operation): cleanup_recovery(operation_id={operation_id!r}) deletes it."
    )


def check_unchanged(plan_id: str, planned: Fingerprint, now: Fingerprint) -> None:
    """Raises PlanStale naming every change when the source or target changed since
    planning."""
    refuse_stale_plan("The source or target", plan_changes(planned, now), plan_id=plan_id)


def check_unchanged_during(
    operation_id: str, planned: Fingerprint, now: Fingerprint, held_back: str
) -> None:
    """Raises PlanStale naming every change when the source or target changed while the
    plan's operation ran (or before it was resumed)."""
    refuse_stale_plan(
        "The source or target",
        plan_changes(planned, now),
        operation_id=operation_id,
        held_back=held_back,
    )


# --- the plan --------------------------------------------------------------------------------


def pending_snapshot(disk: Disk) -> Snapshot:
    """The snapshot a plan will take of a disk, before it exists: the new disk's rules
    (size floor, category, PL) apply to it as to a real one."""
    return Snapshot(
        snapshot_id=f"(snapshot of {disk.disk_id})",
        source_disk_id=disk.disk_id,
        source_disk_kind=disk.kind,
        source_disk_size_gib=disk.size_gib,
        source_disk_category=disk.category,
        status="progressing",
        progress=0,
        available=False,
    )


class DiskCopy(BaseModel):
    """One source disk: its snapshot, the new disk in the target's zone (its SnapshotId a
    placeholder until the snapshot exists), then the attach."""

    model_config = ConfigDict(frozen=True)

    source: Disk
    snapshot_name: str
    create: CreateDiskPlan

    @property
    def key(self) -> str:
        return _short(self.source.device)

    def snapshot_parameters(self) -> dict[str, Any]:
        return {"DiskId": self.source.disk_id, "SnapshotName": self.snapshot_name}


class PlanStep(BaseModel):
    """One call the execution makes, with every parameter it sends (besides the ClientToken
    and the tags, listed once on the plan)."""

    model_config = ConfigDict(frozen=True)

    step: str
    action: str
    parameters: dict[str, Any] = cloud_text_field(
        "the call's parameters; names among them derive from the cloud's"
    )
    runs: str


class Preflight(BaseModel):
    """What the checks found about the target."""

    model_config = ConfigDict(frozen=True)

    source_zone_id: str
    target_zone_id: str
    cross_zone: bool
    target_status: str
    target_can_take_disks: bool
    target_zone_categories: list[str]
    data_disks_now: int
    data_disk_limit: int | None
    data_disks_after: int


class DiskRecoveryPlan(BaseModel):
    """Scenario B for k disks, decided and ready to be confirmed."""

    model_config = ConfigDict(frozen=True)

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
            PlanStep(
                step=f"snapshot_{c.key}",
                action="CreateSnapshot",
                parameters=c.snapshot_parameters(),
                runs=f"{together}; waited until accomplished (zone-redundant)",
            )
            for c in self.copies
        ]
        after = "concurrently with the other new disks, " if k > 1 else ""
        steps += [
            PlanStep(
                step=f"create_disk_{c.key}",
                action="CreateDisk",
                parameters=c.create.parameters(),
                runs=f"{after}once every snapshot is accomplished; waited until Available",
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


def snapshot_name(source_instance_id: str, disk: Disk, today: date) -> str:
    return f"Snap_{source_instance_id}_{_short(disk.device)}_{today:%Y%m%d}"


def confirm_plan_prompt(plan_id: str, plan: DiskRecoveryPlan) -> ChoicePrompt:
    """The one go-ahead for the whole plan, showing every step's parameters."""
    minutes = max(round(plan.estimated_duration_s / 60), 1)
    return make_prompt(
        CONFIRM_PLAN,
        f"{plan_id} copies {len(plan.copies)} disk(s) of {plan.source_instance_id} onto "
        f"{plan.target_instance_id} in {plan.target_zone_id} (about {minutes} min) with exactly "
        "these calls. Proceed?",
        [
            ChoiceOption(
                value=PROCEED,
                label="Proceed",
                description="Create the snapshots and disks and attach them, as shown.",
                recommended=True,
            ),
            ChoiceOption(value=CANCEL, label="Cancel", description="Create nothing."),
        ],
        {
            "plan_id": plan_id,
            "parameters": {s.step: {s.action: s.parameters} for s in plan.steps()},
        },
    )


# --- the result ------------------------------------------------------------------------------


class RecoveryRow(BaseModel):
    """Source disk -> snapshot -> new disk -> target device."""

    model_config = ConfigDict(frozen=True)

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
