"""Scenario A as one plan: `plan_instance_recovery` reads the cloud and asks what the Scenario
A tools ask (per-disk snapshots, the target zone's VSwitch, stock and disk categories),
`check_current` refuses a plan the source has moved away from, and
`execute_instance_recovery` runs it as one operation: snapshots -> image -> (VSwitch) ->
instance, through the same step logic as the step tools (journal steps, ClientTokens, tags),
reading the source again before its first create (and on resume) and before the DR instance.
From a recovery point there is no snapshot: image (none for an image point) -> instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from ecs_dr.cloud import ecs
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import fingerprints, instance_recovery, names, point_recovery, rules
from ecs_dr.domain.decisions import CANCEL, ChoicePrompt, chosen
from ecs_dr.domain.dr_instance import DrInstancePlan
from ecs_dr.domain.images import ImagePlan, ImageResult
from ecs_dr.domain.instance_recovery import (
    InstancePreflight,
    InstanceRecoveryPlan,
    InstanceRecoveryResult,
)
from ecs_dr.domain.models import ImageDiskMapping, Instance
from ecs_dr.domain.plans import (
    Cancelled,
    Decisions,
    NeedsDecision,
    cancelled,
    planned_tags,
)
from ecs_dr.domain.point_recovery import ConfigFrom, PointUse
from ecs_dr.domain.prompts import non_essd_group_prompt
from ecs_dr.domain.quotas import NewDisk, NewInstance, QuotaNeeds, quota_needs
from ecs_dr.domain.recovery_points import RecoveryPoint
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.run_instances import run_instances_in_zone
from ecs_dr.domain.snapshots import SnapshotGroupPlan, SnapshotPlan
from ecs_dr.domain.target_zone import require_target_zone
from ecs_dr.workflows.dr_instance import execute_dr_instance
from ecs_dr.workflows.images import execute_full_image, free_image_name
from ecs_dr.workflows.instance_checks import require_source_as_planned
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.operations import ProgressFn
from ecs_dr.workflows.point_recovery import (
    NO_RECORDS,
    PointReads,
    point_if_zone_down,
    point_image,
    source_and_point,
)
from ecs_dr.workflows.prepared import Progress, both, today
from ecs_dr.workflows.quotas import quota_check
from ecs_dr.workflows.snapshots import execute_snapshot, execute_snapshot_group
from ecs_dr.workflows.source import dr_name, load_instance
from ecs_dr.workflows.target_zone import ZoneReads, resolve_target_zone


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
    recovery_point: str | None = None,
    points: PointReads | None = None,
) -> InstanceRecoveryPlan | NeedsDecision | Cancelled:
    """The whole plan, or the decisions still open; reads only, creates nothing.

    `check_quota=False` leaves the quota check to the caller (a fleet checks the sum of its
    sources' needs once); the plan carries its needs either way. `reads` are the zone-level
    reads the caller's plan shares (a fleet's sources do); by default this plan's own.
    `recovery_point` ("latest" or a point's id) recovers from that point instead of
    snapshotting the source; with `points` (where points' records are read), a source whose
    zone offers nothing is offered its latest point.
    Raises NotFound for an unknown source, Refusal for a name ECS would reject, a zone
    that cannot be a target, a source ECS cannot snapshot now, a point that cannot be
    recovered from, and a DR instance past the region's pay-as-you-go quotas (named in the
    message).
    """
    answers = decisions or {}
    reads = reads or ZoneReads(gw)
    pending: list[ChoicePrompt] = []
    findings: list[str] = []
    point: RecoveryPoint | None = None
    config_from: ConfigFrom = "ECS"
    if recovery_point is not None:
        region, source, point, config_from = await source_and_point(
            gw, points or NO_RECORDS, source_instance_id, region_id, recovery_point
        )
    else:
        region, source = await load_instance(gw, source_instance_id, region_id)
    name = names.dr_instance_name(source, instance_name)
    # The source zone's offer, the region's zones and the name are independent reads: one
    # round trip for all three.
    offer = (
        point_if_zone_down(gw, points, region, source, answers)
        if recovery_point is None and points is not None
        else _no_offer()
    )
    offered, (zones, named) = await both(
        offer, both(reads.zones(region), dr_name(gw, region, name, answers))
    )
    if isinstance(offered, Cancelled):
        return offered
    if isinstance(offered, ChoicePrompt):
        pending.append(offered)
    elif isinstance(offered, str):
        findings.append(offered)
    elif offered is not None:
        point = offered
    if point is not None:
        findings += point_recovery.point_findings(point, source, config_from)
        source = point_recovery.covered_source(source, point)
    require_target_zone(source, target_zone_id, zones)
    strategy: rules.SnapshotStrategy | None = None
    if point is None:
        rules.check_snapshottable(source, "Plan again once it is.")
        strategy = rules.snapshot_strategy(source)
    if strategy == "per_disk_snapshots":
        prompt = non_essd_group_prompt(source)
        answer = chosen(prompt, answers)
        if answer == CANCEL:
            return cancelled(prompt.decision_id)
        if answer is None:
            pending.append(prompt)
    if isinstance(named, Cancelled):
        return named
    if isinstance(named, ChoicePrompt):
        pending.append(named)
    check = await resolve_target_zone(
        gw, source, target_zone_id, answers, zones=zones, reads=reads, drill=drill
    )
    if check.cancelled_by is not None:
        return cancelled(check.cancelled_by)
    pending += check.prompts
    findings += instance_recovery.instance_plan_findings(source, check, strategy)
    if isinstance(named, str) and named != name:
        findings.append(f"An instance is named {name!r} already: the DR instance is {named!r}.")
    name = named if isinstance(named, str) else name
    if pending:
        context = {
            "zone_check": check.model_dump(mode="json", exclude={"prompts"}),
            "snapshot_strategy": strategy,
            "findings": findings,
        }
        return NeedsDecision(pending, context)

    image_name = await free_image_name(gw, region, source, None)
    group = single = None
    used: PointUse | None = None
    if point is not None:
        image_plan, image = await point_image(gw, region, source, point, image_name)
        group_id = point.point_id if point.kind == "group" else None
        used = point_recovery.point_use(point, config_from, group_id)
    else:
        group, single = _snapshot_plans(source, region, strategy)
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
    run = run_instances_in_zone(source, image, check, name)
    estimate = instance_recovery.estimated_duration(
        source.disks,
        create_vswitch=new_vswitch is not None,
        point=point.kind if point else None,
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
        recovery_point=used,
        image=image_plan,
        mapping_disks=instance_recovery.mapping_disks(source),
        instance=DrInstancePlan(
            source_instance_id=source.instance_id,
            image_id=image.image_id,
            run=run,
            create_vswitch=new_vswitch,
            compare_with=source if point is not None else None,
        ),
        fingerprint=fingerprints.instance_fingerprint(source),
        preflight=preflight,
        findings=findings,
        estimated_duration_s=estimate.total_s,
        estimate=estimate,
        tags=planned_tags(source.instance_id, drill),
        quota_needs=needs,
    )
    return plan


def _snapshot_plans(
    source: Instance, region: str, strategy: rules.SnapshotStrategy | None
) -> tuple[SnapshotGroupPlan | None, SnapshotPlan | None]:
    """The snapshots a fresh recovery takes: one of a system-only source, else a group (or
    per-disk snapshots, as the user chose)."""
    day = today()
    if strategy == "single_snapshot":
        system = source.system_disk
        assert system is not None  # a single-snapshot source has its system disk
        name = names.snapshot_name(f"{source.instance_id}_system", day)
        return None, SnapshotPlan(region_id=region, disk=system, name=name)
    group = SnapshotGroupPlan(
        region_id=region,
        instance_id=source.instance_id,
        strategy=strategy or "snapshot_group",
        name=names.group_snapshot_name(source.instance_id, strategy == "per_disk_snapshots", day),
        disks=source.disks,
    )
    return group, None


async def _no_offer() -> None:
    """A plan from a point (or without points' records) offers no point."""


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
    checked: bool = False,
) -> InstanceRecoveryResult:
    """Snapshots until zone-redundant, the image until Available, the VSwitch when planned,
    the instance until Running; then the comparison with the source as read before it.

    Raises PlanStale, creating nothing more, when the source changed since planning: read at
    the start (unless `checked`: check_current read it just before this run began), on
    resume too, and again before the DR instance."""
    step = step.with_tags(plan.drill_tags)
    report = Progress(progress)
    started = timing.now()
    if not checked:
        await require_source_as_planned(gw, plan, step, "nothing more is created")
    est = plan.estimate
    total = est.total_s or 1.0
    snapshots_end = 100 * est.snapshots_s / total
    image_end = snapshots_end + 100 * est.image_s / total

    point = plan.recovery_point
    if point is None:
        by_disk, group_id, consistent, redundant_at = await _take_snapshots(
            gw, plan, step, _scaled(report, 0, snapshots_end), timing
        )
        snapshot_ids = list(by_disk.values())
    else:
        group_id, consistent, redundant_at = point.snapshot_group_id, point.crash_consistent, None
        snapshot_ids = point.snapshot_ids
        point = point.model_copy(update={"rpo_s": point_recovery.rpo_at(point, started)})
    image_id = point.image_id if point is not None else None
    if plan.image is not None:
        mappings = plan.image.mappings
        if point is None:
            mappings = _with_snapshots(plan.image, plan.mapping_disks, by_disk)
        image_plan = plan.image.model_copy(
            update={"mappings": mappings, "snapshot_group_id": group_id}
        )
        image: ImageResult = await execute_full_image(
            gw, image_plan, step, _scaled(report, snapshots_end, image_end), timing=timing
        )
        image_id = image.image_id
    if image_id is None:
        raise Refusal("the plan names no image to launch from; call plan_recovery again")
    held_back = "RunInstances is not sent"
    if plan.instance.create_vswitch is not None:
        held_back = "CreateVSwitch and RunInstances are not sent"
    source = await require_source_as_planned(gw, plan, step, held_back, planned_disks=True)
    instance_plan = plan.instance.model_copy(
        update={
            "image_id": image_id,
            "run": plan.instance.run.model_copy(update={"image_id": image_id}),
            # The DR instance is compared with the source as just read, unless the plan
            # holds what to compare with (a recovery point's configuration).
            "compare_with": plan.instance.compare_with or source,
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
        snapshot_ids=snapshot_ids,
        crash_consistent=consistent,
        zone_redundant_at=redundant_at,
        image_id=image_id,
        created_vswitch_id=dr.created_vswitch_id,
        recovery_point=point,
        comparison=dr.comparison,
        all_match=dr.all_match,
        instance=dr,
        replaced=await step.replaced(),
    )


async def _take_snapshots(
    gw: EcsGateway,
    plan: InstanceRecoveryPlan,
    step: StepRecorder,
    progress: ProgressFn,
    timing: ecs.Timing,
) -> tuple[dict[str, str], str | None, bool, datetime | None]:
    """The plan's snapshots of the source, zone-redundant: (disk -> snapshot, the group's id,
    crash-consistent or not, when the last became zone-redundant)."""
    if plan.snapshot_group is not None:
        taken = await execute_snapshot_group(gw, plan.snapshot_group, step, progress, timing=timing)
        by_disk = {s.disk_id: s.snapshot_id for s in taken.snapshots}
        return by_disk, taken.snapshot_group_id, taken.crash_consistent, taken.zone_redundant_at
    if plan.snapshot is not None:
        one = await execute_snapshot(gw, plan.snapshot, step, progress, timing=timing)
        return {one.disk_id: one.snapshot_id}, None, True, one.zone_redundant_at
    raise Refusal("the plan takes no snapshot; call plan_recovery again")


def _with_snapshots(
    image: ImagePlan, mapping_disks: Mapping[str, str], by_disk: Mapping[str, str]
) -> list[ImageDiskMapping]:
    """The planned mappings with the snapshot each disk got.

    Raises Refusal when a disk of the plan has no snapshot (the source changed mid-way).
    """
    mappings = []
    for m in image.mappings:
        disk_id = mapping_disks[m.device]
        if disk_id not in by_disk:
            raise Refusal(
                f"no snapshot of {disk_id} ({m.device}) was taken; the image needs one per disk"
            )
        mappings.append(m.model_copy(update={"snapshot_id": by_disk[disk_id]}))
    return mappings
