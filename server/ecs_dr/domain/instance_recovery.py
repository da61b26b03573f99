"""Scenario A as one plan: what a full-instance recovery depends on, every call with its
parameters (snapshots -> image -> VSwitch -> instance), how long it takes, what the preflight
found, and the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field

from ecs_dr.domain import rules
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.comparison import ComparisonRow, markdown_table
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.dr_instance import DrInstancePlan, DrInstanceResult
from ecs_dr.domain.fingerprints import InstanceFingerprint
from ecs_dr.domain.images import ImagePlan
from ecs_dr.domain.models import Disk, Frozen, Image, Instance
from ecs_dr.domain.names import device_key
from ecs_dr.domain.plans import (
    PlanStep,
    ReplacedResource,
    drill_tags,
    estimated_minutes,
    pending_snapshot,
    plan_confirmation,
    snapshot_upload_s,
)
from ecs_dr.domain.point_recovery import PointUse
from ecs_dr.domain.quotas import QuotaNeeds
from ecs_dr.domain.recovery_points import PointKind
from ecs_dr.domain.snapshots import SnapshotGroupPlan, SnapshotPlan
from ecs_dr.domain.target_zone import ZoneCheck

# What ECS users observe (cloud seconds): an image from snapshots takes a couple of minutes
# plus a little per GiB; a VSwitch is Available in seconds; an instance Running in a minute.
IMAGE_BASE_S = 120.0
IMAGE_S_PER_GIB = 0.2
VSWITCH_S = 5.0
INSTANCE_START_S = 60.0

# Shown in a plan where the id of a resource created earlier in the same operation goes.
PLANNED_IMAGE = "(the image CreateImage creates)"


class DurationEstimate(Frozen):
    """Cloud seconds per phase of a full-instance recovery, in the order they run."""

    snapshots_s: float
    image_s: float
    vswitch_s: float
    instance_s: float

    @property
    def total_s(self) -> float:
        return self.snapshots_s + self.image_s + self.vswitch_s + self.instance_s


def estimated_duration(
    disks: Sequence[Disk], *, create_vswitch: bool, point: PointKind | None = None
) -> DurationEstimate:
    """Snapshots of every disk together (the slowest upload: a group's snapshots, like
    per-disk ones, upload concurrently), then the image of every disk, the VSwitch when one is
    created, and the instance until Running. From a recovery `point` there is no snapshot to
    take, and from an image point no image to build either."""
    snapshots_s = max((snapshot_upload_s(d) for d in disks), default=0.0)
    image_s = IMAGE_BASE_S + IMAGE_S_PER_GIB * sum(d.size_gib for d in disks)
    return DurationEstimate(
        snapshots_s=0.0 if point else snapshots_s,
        image_s=0.0 if point == "image" else image_s,
        vswitch_s=VSWITCH_S if create_vswitch else 0.0,
        instance_s=INSTANCE_START_S,
    )


def planned_image(source: Instance, name: str) -> Image:
    """The image a plan will create, before it exists: every disk of the source at its device,
    each from the snapshot the plan takes of it (a placeholder id until then)."""
    snapshots = [pending_snapshot(d) for d in source.disks]
    return Image(
        image_id=PLANNED_IMAGE,
        name=name,
        status="Planned",
        progress=0,
        mappings=rules.image_mappings(source, snapshots),
    )


def mapping_disks(source: Instance) -> dict[str, str]:
    """Image device -> the source disk whose snapshot goes there (system at /dev/xvda)."""
    system = source.system_disk
    ordered = [*([system] if system else []), *source.data_disks]
    mappings = rules.image_mappings(source, [pending_snapshot(d) for d in source.disks])
    return {m.device: d.disk_id for m, d in zip(mappings, ordered, strict=True)}


class InstancePreflight(Frozen):
    """What the checks found about the source and the target zone."""

    source_zone_id: str
    requested_zone_id: str
    target_zone_id: str
    vpc_id: str
    vswitch_id: str | None
    create_vswitch: bool
    source_instance_type: str
    instance_type: str
    instance_type_in_stock: bool
    system_disk_categories: list[str]
    data_disk_categories: list[str]
    disk_categories: dict[str, str]
    snapshot_strategy: rules.SnapshotStrategy | None = Field(
        description="None: recovered from a point, nothing snapshotted"
    )
    group_blockers: list[str]
    group_max_disks: int
    group_max_gib: int
    disks: int
    total_gib: int
    has_public_ip: bool
    internet_max_bandwidth_out: int


class InstanceRecoveryPlan(Frozen):
    """Scenario A for one source instance, decided and ready to be confirmed."""

    scenario: Literal["full_instance"] = "full_instance"
    region_id: str
    source_instance_id: str
    target_zone_id: str
    drill: bool
    snapshot_group: SnapshotGroupPlan | None = None
    snapshot: SnapshotPlan | None = None
    recovery_point: PointUse | None = None
    image: ImagePlan | None = Field(description="None when recovering from an image point")
    mapping_disks: dict[str, str]
    instance: DrInstancePlan
    fingerprint: InstanceFingerprint
    preflight: InstancePreflight
    findings: list[str] = cloud_text_field("what the preflight found, one sentence each")
    estimated_duration_s: float
    estimate: DurationEstimate
    tags: dict[str, str]
    quota_needs: QuotaNeeds = QuotaNeeds()

    @property
    def drill_tags(self) -> dict[str, str]:
        return drill_tags(self.drill)

    def steps(self) -> list[PlanStep]:
        """Every call with every parameter, in the order they run."""
        steps: list[PlanStep] = []
        group = self.snapshot_group
        if group is not None and group.strategy == "snapshot_group":
            steps.append(
                PlanStep.of(
                    "create_snapshot_group",
                    group,
                    "first; its snapshots are tagged, then waited until accomplished "
                    "(zone-redundant)",
                )
            )
        elif group is not None:
            steps += [
                PlanStep(
                    step=f"create_snapshot_{device_key(d.device)}",
                    action="CreateSnapshot",
                    parameters={"DiskId": d.disk_id, "SnapshotName": group.snapshot_name(d)},
                    runs="together with the other disks' snapshots (NOT crash-consistent "
                    "across disks); waited until accomplished (zone-redundant)",
                )
                for d in group.disks
            ]
        elif self.snapshot is not None:
            steps.append(
                PlanStep.of(
                    "create_snapshot",
                    self.snapshot,
                    "first; waited until accomplished (zone-redundant)",
                )
            )
        run = self.instance.run.parameters()
        if self.image is not None:
            after = "first" if self.recovery_point else "once every snapshot is accomplished"
            steps.append(
                PlanStep.of("create_image", self.image, f"{after}; waited until Available")
            )
            run["ImageId"] = PLANNED_IMAGE
        if self.instance.create_vswitch is not None:
            after = "first" if self.image is None else "once the image is Available"
            steps.append(
                PlanStep.of(
                    "create_vswitch",
                    self.instance.create_vswitch,
                    f"{after}; waited until Available",
                )
            )
            run["VSwitchId"] = "(the VSwitch CreateVSwitch creates)"
        steps.append(
            PlanStep(
                step="run_instances",
                action="RunInstances",
                parameters=run,
                runs="last; waited until Running, then every disk is compared with the source",
            )
        )
        return steps


class InstanceRecoveryResult(Frozen):
    """The DR instance, Running, how it compares with the source, and what was created."""

    region_id: str
    source_instance_id: str
    dr_instance_id: str
    drill: bool
    snapshot_group_id: str | None
    snapshot_ids: list[str]
    crash_consistent: bool
    zone_redundant_at: datetime | None
    image_id: str
    created_vswitch_id: str | None
    recovery_point: PointUse | None = None
    comparison: list[ComparisonRow]
    all_match: bool
    instance: DrInstanceResult
    replaced: list[ReplacedResource] = Field(
        default_factory=list,
        description="resources that ended in a terminal failure (a snapshot group failed, an "
        "image CreateFailed) and were made again when the operation was resumed; they stay "
        "recorded, and cleanup_recovery deletes them",
    )

    @property
    def markdown(self) -> str:
        """The comparison as a markdown table, cells escaped."""
        return markdown_table(self.comparison)


def instance_plan_findings(
    source: Instance, check: ZoneCheck, strategy: rules.SnapshotStrategy | None
) -> list[str]:
    """What the preflight found; `strategy` None for a recovery from a point (its findings
    say what it holds)."""
    total = sum(d.size_gib for d in source.disks)
    snapshots = (
        None
        if strategy is None
        else {
            "snapshot_group": (
                f"{len(source.disks)} ESSD-family disks ({total} GiB) fit one snapshot-consistent "
                f"group (at most {rules.GROUP_MAX_DISKS} disks and {rules.GROUP_MAX_GIB} GiB): "
                "crash-consistent across disks."
            ),
            "single_snapshot": "Only a system disk: one snapshot and a system-only image.",
            "per_disk_snapshots": (
                "No snapshot-consistent group is possible ("
                + "; ".join(rules.group_blockers(source))
                + "): one snapshot per disk, NOT crash-consistent across disks."
            ),
        }[strategy]
    )
    bandwidth = (
        f"{source.instance_id} has a public IP: the DR copy keeps "
        f"{rules.dr_bandwidth(source)} Mbps."
        if source.has_public_ip
        else f"{source.instance_id} has no public IP: the DR copy gets bandwidth 0."
    )
    stock = (
        f"{check.instance_type} is in stock in {check.zone_id}."
        if check.instance_type_in_stock
        else f"{check.instance_type} is out of stock in {check.zone_id}."
    )
    return [
        *([snapshots] if snapshots else []),
        *check.findings,
        stock,
        f"{check.zone_id} offers system disks {', '.join(check.system_disk_categories) or 'none'}"
        f" and data disks {', '.join(check.data_disk_categories) or 'none'} for "
        f"{check.instance_type}.",
        bandwidth,
        "Every disk keeps its category, size and performance level (PL always sent); data "
        "disks are overridden by Device=, never added by SnapshotId.",
    ]


def confirm_instance_plan_prompt(plan_id: str, plan: InstanceRecoveryPlan) -> ChoicePrompt:
    """The one go-ahead for the whole plan, showing every step's parameters."""
    drill = " as a DR drill" if plan.drill else ""
    point = plan.recovery_point
    source = f" from recovery point {point.point_id}" if point else ""
    does = "Take the snapshots, build the image and launch the DR instance, as shown."
    if point is not None:
        does = (
            "Launch the DR instance from the point's image, as shown."
            if plan.image is None
            else "Build the image from the point's snapshots and launch the DR instance, as shown."
        )
    return plan_confirmation(
        plan_id,
        f"{plan_id} recovers {plan.source_instance_id}{source} into {plan.target_zone_id}{drill} "
        f"(about {estimated_minutes(plan.estimated_duration_s)} min) with exactly these calls. "
        "Proceed?",
        does,
        plan.steps(),
    )
