"""Scenario A as one plan: `plan_instance_recovery` reads the cloud and asks what the Scenario
A tools ask (per-disk snapshots, the target zone's VSwitch, stock and disk categories),
`check_current` refuses a plan the source has moved away from, and
`execute_instance_recovery` runs it as one operation: snapshots -> image -> (VSwitch) ->
instance, through the same step logic as the step tools (journal steps, ClientTokens, tags),
reading the source again before its first create (and on resume) and before the DR instance.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import instance_recovery, rules
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.comparison import ComparisonRow
from ecs_dr.domain.decisions import (
    CANCEL,
    PROCEED,
    ChoiceOption,
    ChoicePrompt,
    chosen,
    make_prompt,
    non_essd_group_prompt,
)
from ecs_dr.domain.instance_recovery import PLANNED_IMAGE, InstanceFingerprint
from ecs_dr.domain.models import ImageDiskMapping, Instance
from ecs_dr.domain.quotas import NewDisk, NewInstance, QuotaNeeds, quota_needs
from ecs_dr.domain.recovery import CONFIRM_PLAN, PlanStep
from ecs_dr.domain.statuses import InstanceStatus
from ecs_dr.workflows.dr_instance import DrInstancePlan, DrInstanceResult, execute_dr_instance
from ecs_dr.workflows.images import ImagePlan, ImageResult, _image_name, execute_full_image
from ecs_dr.workflows.journal import ReplacedResource, StepRecorder
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.prepared import (
    TAG_DRILL,
    TAG_OPERATION,
    TAG_SOURCE,
    Cancelled,
    Decisions,
    NeedsDecision,
    Progress,
    cancelled,
    today,
)
from ecs_dr.workflows.quotas import quota_check
from ecs_dr.workflows.snapshots import (
    SnapshotGroupPlan,
    SnapshotPlan,
    SnapshotResult,
    SnapshotSetResult,
    execute_snapshot,
    execute_snapshot_group,
)
from ecs_dr.workflows.source import load_instance, require_target_zone
from ecs_dr.workflows.target_zone import ZoneCheck, ZoneReads, resolve_target_zone
from ecs_dr.workflows.vswitches import VSwitchPlan


class InstancePreflight(BaseModel):
    """What the checks found about the source and the target zone."""

    model_config = ConfigDict(frozen=True)

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
    snapshot_strategy: rules.SnapshotStrategy
    group_blockers: list[str]
    group_max_disks: int
    group_max_gib: int
    disks: int
    total_gib: int
    has_public_ip: bool
    internet_max_bandwidth_out: int


class InstanceRecoveryPlan(BaseModel):
    """Scenario A for one source instance, decided and ready to be confirmed."""

    model_config = ConfigDict(frozen=True)

    scenario: Literal["full_instance"] = "full_instance"
    region_id: str
    source_instance_id: str
    target_zone_id: str
    drill: bool
    snapshot_group: SnapshotGroupPlan | None = None
    snapshot: SnapshotPlan | None = None
    image: ImagePlan
    mapping_disks: dict[str, str]
    instance: DrInstancePlan
    fingerprint: InstanceFingerprint
    preflight: InstancePreflight
    findings: list[str] = cloud_text_field("what the preflight found, one sentence each")
    estimated_duration_s: float
    estimate: instance_recovery.DurationEstimate
    tags: dict[str, str]
    quota_needs: QuotaNeeds = QuotaNeeds()

    @property
    def drill_tags(self) -> dict[str, str]:
        return {TAG_DRILL: "true" if self.drill else "false"}

    def steps(self) -> list[PlanStep]:
        """Every call with every parameter, in the order they run."""
        steps: list[PlanStep] = []
        group = self.snapshot_group
        if group is not None and group.strategy == "snapshot_group":
            steps.append(
                PlanStep(
                    step="create_snapshot_group",
                    action="CreateSnapshotGroup",
                    parameters=group.parameters(),
                    runs="first; its snapshots are tagged, then waited until accomplished "
                    "(zone-redundant)",
                )
            )
        elif group is not None:
            steps += [
                PlanStep(
                    step=f"create_snapshot_{d.device.removeprefix('/dev/')}",
                    action="CreateSnapshot",
                    parameters={"DiskId": d.disk_id, "SnapshotName": group.snapshot_name(d)},
                    runs="together with the other disks' snapshots (NOT crash-consistent "
                    "across disks); waited until accomplished (zone-redundant)",
                )
                for d in group.disks
            ]
        elif self.snapshot is not None:
            steps.append(
                PlanStep(
                    step="create_snapshot",
                    action="CreateSnapshot",
                    parameters=self.snapshot.parameters(),
                    runs="first; waited until accomplished (zone-redundant)",
                )
            )
        steps.append(
            PlanStep(
                step="create_image",
                action="CreateImage",
                parameters=self.image.parameters(),
                runs="once every snapshot is accomplished; waited until Available",
            )
        )
        run = self.instance.run.parameters()
        run["ImageId"] = PLANNED_IMAGE
        if self.instance.create_vswitch is not None:
            steps.append(
                PlanStep(
                    step="create_vswitch",
                    action="CreateVSwitch",
                    parameters=self.instance.create_vswitch.parameters(),
                    runs="once the image is Available; waited until Available",
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


class InstanceRecoveryResult(BaseModel):
    """The DR instance, Running, how it compares with the source, and what was created."""

    model_config = ConfigDict(frozen=True)

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
    comparison: list[ComparisonRow]
    markdown: str = cloud_text_field("the comparison as a markdown table, cells escaped")
    all_match: bool
    instance: DrInstanceResult
    replaced: list[ReplacedResource] = Field(
        default_factory=list,
        description="resources that ended in a terminal failure (a snapshot group failed, an "
        "image CreateFailed) and were made again when the operation was resumed; they stay "
        "recorded, and cleanup_recovery deletes them",
    )


def _snapshottable(source: Instance) -> None:
    if source.status not in (InstanceStatus.RUNNING, InstanceStatus.STOPPED):
        raise ValueError(
            f"{source.instance_id} is {source.status}; ECS snapshots the disks of Running or "
            "Stopped instances only. Plan again once it is."
        )


async def plan_instance_recovery(
    gw: EcsGateway,
    source_instance_id: str,
    target_zone_id: str,
    region_id: str | None = None,
    instance_name: str | None = None,
    decisions: Decisions | None = None,
    *,
    drill: bool = False,
    check_quota: bool = True,
    reads: ZoneReads | None = None,
) -> InstanceRecoveryPlan | NeedsDecision | Cancelled:
    """The whole plan, or the decisions still open; reads only, creates nothing.

    `check_quota=False` leaves the quota check to the caller (a fleet checks the sum of its
    sources' needs once); the plan carries its needs either way. `reads` are the zone-level
    reads the caller's plan shares (a fleet's sources do); by default this plan's own.
    Raises NotFound for an unknown source, ValueError for a name ECS would reject, a zone
    that cannot be a target, a source ECS cannot snapshot now, and a DR instance past the
    region's pay-as-you-go quotas (named in the message).
    """
    answers = decisions or {}
    reads = reads or ZoneReads(gw)
    region, source = await load_instance(gw, source_instance_id, region_id)
    name = rules.dr_instance_name(source, instance_name)
    zones = await reads.zones(region)
    require_target_zone(source, target_zone_id, zones)
    _snapshottable(source)
    pending: list[ChoicePrompt] = []
    strategy = rules.snapshot_strategy(source)
    if strategy == "per_disk_snapshots":
        prompt = non_essd_group_prompt(source)
        answer = chosen(prompt, answers)
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
        if answer is None:
            pending.append(prompt)
    check = await resolve_target_zone(gw, source, target_zone_id, answers, zones=zones, reads=reads)
    if check.cancelled_by is not None:
        return cancelled(check.cancelled_by)
    pending += check.prompts
    findings = _findings(source, check, strategy)
    if pending:
        context = {
            "zone_check": check.model_dump(mode="json", exclude={"prompts"}),
            "snapshot_strategy": strategy,
            "findings": findings,
        }
        return NeedsDecision(pending, context)

    day = today()
    group = single = None
    if strategy == "single_snapshot":
        system = source.system_disk
        assert system is not None  # a single-snapshot source has its system disk
        single = SnapshotPlan(
            region_id=region, disk=system, name=f"Snap_{source.instance_id}_system_{day:%Y%m%d}"
        )
    else:
        prefix = "SnapGroup" if strategy == "snapshot_group" else "Snap"
        group = SnapshotGroupPlan(
            region_id=region,
            instance_id=source.instance_id,
            strategy=strategy,
            name=f"{prefix}_{source.instance_id}_{day:%Y%m%d}",
            disks=source.disks,
        )
    image_name = await _image_name(gw, region, source, None)
    image = instance_recovery.planned_image(source, image_name)
    image_plan = ImagePlan(
        region_id=region,
        instance_id=source.instance_id,
        image_name=image_name,
        mappings=image.mappings,
    )
    new_vswitch = None
    if check.create_vswitch:
        new_vswitch = await reads.new_vswitch(
            region, source.vpc_id, check.zone_id, source.instance_id
        )
    run = rules.run_instances_plan(
        source,
        image,
        zone_id=check.zone_id,
        vswitch_id=check.vswitch_id or "",
        instance_name=name,
        instance_type=check.instance_type,
        categories=check.disk_categories,
    )
    estimate = instance_recovery.estimated_duration(
        source.disks, create_vswitch=new_vswitch is not None
    )
    needs = await _quota_needs(gw, source, check.instance_type)
    if check_quota:
        quota = await quota_check(gw, region, needs)
        quota.raise_if_blocked()
        findings += quota.findings
    preflight = InstancePreflight(
        source_zone_id=source.zone_id,
        requested_zone_id=check.requested_zone_id,
        target_zone_id=check.zone_id,
        vpc_id=source.vpc_id,
        vswitch_id=check.vswitch_id,
        create_vswitch=check.create_vswitch,
        source_instance_type=source.instance_type,
        instance_type=check.instance_type,
        instance_type_in_stock=check.instance_type_in_stock,
        system_disk_categories=check.system_disk_categories,
        data_disk_categories=check.data_disk_categories,
        disk_categories=check.disk_categories,
        snapshot_strategy=strategy,
        group_blockers=rules.group_blockers(source),
        group_max_disks=rules.GROUP_MAX_DISKS,
        group_max_gib=rules.GROUP_MAX_GIB,
        disks=len(source.disks),
        total_gib=sum(d.size_gib for d in source.disks),
        has_public_ip=source.has_public_ip,
        internet_max_bandwidth_out=run.internet_max_bandwidth_out,
    )
    plan = InstanceRecoveryPlan(
        region_id=region,
        source_instance_id=source.instance_id,
        target_zone_id=check.zone_id,
        drill=drill,
        snapshot_group=group,
        snapshot=single,
        image=image_plan,
        mapping_disks=instance_recovery.mapping_disks(source),
        instance=DrInstancePlan(
            source_instance_id=source.instance_id,
            image_id=PLANNED_IMAGE,
            run=run,
            create_vswitch=new_vswitch,
        ),
        fingerprint=instance_recovery.instance_fingerprint(source),
        preflight=preflight,
        findings=findings,
        estimated_duration_s=estimate.total_s,
        estimate=estimate,
        tags={
            TAG_OPERATION: "(the operation's id)",
            TAG_SOURCE: source.instance_id,
            TAG_DRILL: "true" if drill else "false",
        },
        quota_needs=needs,
    )
    return plan


async def _quota_needs(gw: EcsGateway, source: Instance, instance_type: str) -> QuotaNeeds:
    """What the DR instance takes of the pay-as-you-go quotas: its vCPUs and the data disks
    RunInstances creates with it, billed as the instance is."""
    vcpus = source.cpu
    if instance_type != source.instance_type:
        specs = await ecs.instance_type_specs(gw, source.region_id, min_cpu=source.cpu or None)
        vcpus = next((t.cpu for t in specs if t.instance_type == instance_type), source.cpu)
    charge = source.instance_charge_type
    return quota_needs(
        instances=[NewInstance(vcpus=vcpus, charge_type=charge)],
        disks=[NewDisk(size_gib=d.size_gib, charge_type=charge) for d in source.data_disks],
    )


def _findings(source: Instance, check: ZoneCheck, strategy: rules.SnapshotStrategy) -> list[str]:
    total = sum(d.size_gib for d in source.disks)
    snapshots = {
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
        snapshots,
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
    minutes = max(round(plan.estimated_duration_s / 60), 1)
    drill = " as a DR drill" if plan.drill else ""
    return make_prompt(
        CONFIRM_PLAN,
        f"{plan_id} recovers {plan.source_instance_id} into {plan.target_zone_id}{drill} (about "
        f"{minutes} min) with exactly these calls. Proceed?",
        [
            ChoiceOption(
                value=PROCEED,
                label="Proceed",
                description="Take the snapshots, build the image and launch the DR instance, "
                "as shown.",
                recommended=True,
            ),
            ChoiceOption(value=CANCEL, label="Cancel", description="Create nothing."),
        ],
        {
            "plan_id": plan_id,
            "parameters": {s.step: {s.action: s.parameters} for s in plan.steps()},
        },
    )


async def check_current(gw: EcsGateway, plan_id: str, plan: InstanceRecoveryPlan) -> None:
    """Raises PlanStale (a ValueError) when the source changed since the plan was made, a
    ValueError when a name or block the plan takes was taken since, and NotFound when the
    source is gone."""
    region = plan.region_id
    source = await ecs.describe_instance(gw, region, plan.source_instance_id)
    instance_recovery.check_source_unchanged(
        plan_id, plan.fingerprint, instance_recovery.instance_fingerprint(source)
    )
    again = "it is not executed. Call plan_recovery again for a plan of what is there now."
    taken = await ecs.images_named(gw, region, plan.image.image_name)
    if taken:
        raise ValueError(
            f"The image name {plan.image.image_name!r} of {plan_id} was taken since planning "
            f"(by {taken[0].image_id}); {again}"
        )
    if plan.instance.create_vswitch is not None:
        await check_block_free(gw, plan_id, plan.instance.create_vswitch)


async def check_block_free(gw: EcsGateway, plan_id: str, new: VSwitchPlan) -> None:
    """Raises ValueError when the block a planned VSwitch takes was used since planning."""
    block = ipaddress.IPv4Network(new.cidr_block)
    for other in await ecs.vswitches(gw, new.region_id, new.vpc_id):
        if block.overlaps(ipaddress.IPv4Network(other.cidr_block)):
            raise ValueError(
                f"The block {new.cidr_block} {plan_id} would give a new VSwitch is used by "
                f"{other.vswitch_id} since planning; it is not executed. Call plan_recovery "
                "again for a plan of what is there now."
            )


async def require_source_as_planned(
    gw: EcsGateway, plan: InstanceRecoveryPlan, step: StepRecorder, held_back: str
) -> None:
    """The rules bind the source as it is when the change is made: read it again and raise
    PlanStale (naming each change, saying `held_back` is not sent) when a fact the plan was
    derived from changed. Once RunInstances is journaled nothing rule-bound is left to make,
    so a resumed operation that only waits for its instance is not stopped."""
    if await step.recorded("run_instances") is not None:
        return
    source = await ecs.describe_instance(gw, plan.region_id, plan.source_instance_id)
    instance_recovery.check_source_unchanged_during(
        step.operation_id,
        plan.fingerprint,
        instance_recovery.instance_fingerprint(source),
        held_back,
    )


def _scaled(report: Progress, start: float, end: float) -> ProgressFn:
    """A step's own 0-100 progress placed on [start, end] of the operation's scale."""

    async def relay(value: float, total: float | None, message: str) -> None:
        await report(start + (end - start) * value / (total or 100.0), message)

    return relay


async def execute_instance_recovery(
    gw: EcsGateway,
    plan: InstanceRecoveryPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
) -> InstanceRecoveryResult:
    """Snapshots until zone-redundant, the image until Available, the VSwitch when planned,
    the instance until Running; then the source-vs-DR comparison.

    Raises PlanStale, creating nothing more, when the source changed since planning (read at
    the start, so on resume too, and again before the DR instance)."""
    step = step.with_tags(plan.drill_tags)
    report = Progress(progress)
    await require_source_as_planned(gw, plan, step, "nothing more is created")
    est = plan.estimate
    total = est.total_s or 1.0
    snapshots_end = 100 * est.snapshots_s / total
    image_end = snapshots_end + 100 * est.image_s / total

    taken: SnapshotSetResult | SnapshotResult
    if plan.snapshot_group is not None:
        taken = await execute_snapshot_group(
            gw, plan.snapshot_group, step, _scaled(report, 0, snapshots_end), timing=timing
        )
        by_disk = {s.disk_id: s.snapshot_id for s in taken.snapshots}
        group_id, consistent = taken.snapshot_group_id, taken.crash_consistent
        redundant_at = taken.zone_redundant_at
    elif plan.snapshot is not None:
        taken = await execute_snapshot(
            gw, plan.snapshot, step, _scaled(report, 0, snapshots_end), timing=timing
        )
        by_disk = {taken.disk_id: taken.snapshot_id}
        group_id, consistent, redundant_at = None, True, taken.zone_redundant_at
    else:
        raise ValueError("the plan takes no snapshot; call plan_recovery again")

    image_plan = plan.image.model_copy(
        update={
            "mappings": _with_snapshots(plan.image, plan.mapping_disks, by_disk),
            "snapshot_group_id": group_id,
        }
    )
    image: ImageResult = await execute_full_image(
        gw, image_plan, step, _scaled(report, snapshots_end, image_end), timing=timing
    )
    held_back = "RunInstances is not sent"
    if plan.instance.create_vswitch is not None:
        held_back = "CreateVSwitch and RunInstances are not sent"
    await require_source_as_planned(gw, plan, step, held_back)
    instance_plan = plan.instance.model_copy(
        update={
            "image_id": image.image_id,
            "run": plan.instance.run.model_copy(update={"image_id": image.image_id}),
        }
    )
    dr = await execute_dr_instance(
        gw, instance_plan, step, _scaled(report, image_end, 100), timing=timing
    )
    await report(100, f"{dr.dr_instance_id} is Running in {plan.target_zone_id}")
    return InstanceRecoveryResult(
        region_id=plan.region_id,
        source_instance_id=plan.source_instance_id,
        dr_instance_id=dr.dr_instance_id,
        drill=plan.drill,
        snapshot_group_id=group_id,
        snapshot_ids=list(by_disk.values()),
        crash_consistent=consistent,
        zone_redundant_at=redundant_at,
        image_id=image.image_id,
        created_vswitch_id=dr.created_vswitch_id,
        comparison=dr.comparison,
        markdown=dr.markdown,
        all_match=dr.all_match,
        instance=dr,
        replaced=await step.replaced(),
    )


def _with_snapshots(
    image: ImagePlan, mapping_disks: Mapping[str, str], by_disk: Mapping[str, str]
) -> list[ImageDiskMapping]:
    """The planned mappings with the snapshot each disk got.

    Raises ValueError when a disk of the plan has no snapshot (the source changed mid-way).
    """
    mappings = []
    for m in image.mappings:
        disk_id = mapping_disks[m.device]
        if disk_id not in by_disk:
            raise ValueError(
                f"no snapshot of {disk_id} ({m.device}) was taken; the image needs one per disk"
            )
        mappings.append(m.model_copy(update={"snapshot_id": by_disk[disk_id]}))
    return mappings
