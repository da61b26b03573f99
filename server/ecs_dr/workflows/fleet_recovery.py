"""Scenario A for a fleet: one plan per source, one confirmation, one operation.

Each source's recovery is the single-instance one (`instance_recovery`), its steps journaled
under the source's id so ClientTokens never collide. Sources that need a new VSwitch in the
same VPC and zone share one, created first. The sources then run at once: the gateway's one
QPS limit and in-flight cap pace their calls and absorb throttling. A source that fails does
not stop the others; the operation then fails naming each one, and resume_recovery continues
the failed ones while the recovered ones' steps are reused. A source that cannot be planned
is asked about (skip it, or cancel the fleet) while the others are planned.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import anyio
import structlog

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import CloudError, NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.decisions import InvalidDecision
from ecs_dr.domain.fleet_members import (
    FleetSourceError,
    MemberAnswers,
    settle_unplannable,
    zone_unfit_reason,
)
from ecs_dr.domain.fleet_recovery import (
    SOURCE_CHANGED,
    FleetMemberRow,
    FleetRecoveryPlan,
    FleetRecoveryResult,
    failed_rows,
    fleet_findings,
    fleet_prompts,
    fleet_sources,
    incomplete_message,
    shared_vswitch,
    skipped_row,
    vswitch_scope,
    without_own_vswitch,
)
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan, InstanceRecoveryResult
from ecs_dr.domain.plans import (
    Cancelled,
    Decisions,
    NeedsDecision,
    PlanStale,
    cancelled,
    drill_tags,
)
from ecs_dr.domain.quotas import QuotaNeeds
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.vswitches import VSwitchPlan
from ecs_dr.workflows import instance_checks, instance_recovery
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.operations import ProgressFn, describe_error
from ecs_dr.workflows.point_recovery import PointReads
from ecs_dr.workflows.prepared import Progress
from ecs_dr.workflows.quotas import quota_check
from ecs_dr.workflows.source import load_instance
from ecs_dr.workflows.target_zone import ZoneReads
from ecs_dr.workflows.vswitches import create_and_wait

log = structlog.get_logger("ecs_dr.workflows.fleet_recovery")


class FleetIncomplete(RuntimeError):
    """Some sources of a fleet were not recovered; the message names each and why."""


def _said(exc: Exception) -> str:
    """What an error says to the user: its own words for expected ones, else its type too."""
    return str(exc) if isinstance(exc, Refusal | CloudError) else describe_error(exc)


async def _why_unplannable(
    gw: EcsGateway,
    reads: ZoneReads,
    source_instance_id: str,
    target_zone_id: str,
    region_id: str | None,
    refused: Refusal | NotFound,
) -> str:
    """Why a source cannot be planned, about that source: for a zone it cannot go to, in the
    fleet's words (read again, only for a refused source); else its own refusal's."""
    if isinstance(refused, Refusal):
        try:
            region, source = await load_instance(gw, source_instance_id, region_id)
            unfit = zone_unfit_reason(source, target_zone_id, await reads.zones(region))
        except CloudError:
            unfit = None
        if unfit is not None:
            return unfit
    return str(refused)


async def plan_fleet_recovery(
    gw: EcsGateway,
    source_instance_ids: Sequence[str],
    target_zone_id: str,
    region_id: str | None = None,
    decisions: Decisions | None = None,
    *,
    drill: bool = False,
    recovery_point: str | None = None,
    points: PointReads | None = None,
) -> FleetRecoveryPlan | NeedsDecision | Cancelled:
    """Every source's plan, or the decisions still open across the fleet; reads only. With
    `recovery_point` ("latest"), each source recovers from its own latest point.

    Raises Refusal for a bad list of sources or a fleet past the region's pay-as-you-go
    quotas (its needs summed), and FleetSourceError naming each source that cannot be
    planned and the fleet cannot go without: every source when none can be planned (unknown,
    in another region than the zone or in the zone itself, not snapshottable), and any source
    that failed otherwise. Some sources that cannot be planned while others can are asked
    about: skip each, or cancel the fleet.
    """
    sources = fleet_sources(source_instance_ids)
    answers: Decisions = decisions or {}
    planned: dict[str, InstanceRecoveryPlan | NeedsDecision | Cancelled] = {}
    unplannable: dict[str, str] = {}
    errors: dict[str, Exception] = {}
    reads = ZoneReads(gw)  # one target zone for every source: its facts are read once

    async def plan_one(source: str) -> None:
        try:
            planned[source] = await instance_recovery.plan_instance_recovery(
                gw,
                source,
                target_zone_id,
                region_id,
                None,
                MemberAnswers(answers, source),
                drill=drill,
                check_quota=False,
                reads=reads,
                recovery_point=recovery_point,
                # A source whose zone offers nothing is asked about on its own plan only: a
                # fleet would read every source's zone for it.
                points=points if recovery_point else None,
            )
        except InvalidDecision as exc:  # the caller's answer is wrong, not the source
            errors[source] = exc
        except (Refusal, NotFound) as exc:
            unplannable[source] = await _why_unplannable(
                gw, reads, source, target_zone_id, region_id, exc
            )
        except Exception as exc:  # every source's problem is reported, not just the first
            errors[source] = exc

    async with anyio.create_task_group() as group:
        for source in sources:
            group.start_soon(plan_one, source)
    if errors:
        said = {s: _said(errors[s]) if s in errors else unplannable.get(s) for s in sources}
        raise FleetSourceError({s: r for s, r in said.items() if r is not None})
    unplanned = settle_unplannable(
        {s: unplannable[s] for s in sources if s in unplannable}, len(planned), answers
    )
    if unplanned.cancelled_by is not None:
        return cancelled(unplanned.cancelled_by)

    for result in (planned[s] for s in sources if s in planned):
        if isinstance(result, Cancelled):
            return result
    pending = {s: p.prompts for s, p in planned.items() if isinstance(p, NeedsDecision)}
    if pending or unplanned.prompts:
        context = {s: p.context for s in sources if isinstance(p := planned.get(s), NeedsDecision)}
        findings = [f"[{s}] {f}" for s, c in context.items() for f in c.get("findings", [])]
        return NeedsDecision(
            [*unplanned.prompts, *fleet_prompts({s: pending[s] for s in sources if s in pending})],
            {"sources": context, "findings": findings},
        )
    # The target zone is in one region, and each source was planned into it.
    members = [p for s in sources if isinstance(p := planned.get(s), InstanceRecoveryPlan)]
    region = members[0].region_id
    quota = await quota_check(
        gw,
        region,
        QuotaNeeds(
            postpaid_vcpus=sum(m.quota_needs.postpaid_vcpus for m in members),
            postpaid_disk_gib=sum(m.quota_needs.postpaid_disk_gib for m in members),
        ),
    )
    quota.raise_if_blocked()
    vswitches: dict[tuple[str, str], VSwitchPlan] = {}
    for m in members:
        new = m.instance.create_vswitch
        if new is not None:
            vswitches.setdefault(
                (new.vpc_id, new.zone_id), new.model_copy(update={"source_instance_id": None})
            )
    return FleetRecoveryPlan(
        region_id=region,
        target_zone_id=target_zone_id,
        drill=drill,
        members=[without_own_vswitch(m) for m in members],
        skipped=unplanned.skipped,
        vswitches=list(vswitches.values()),
        findings=[
            *fleet_findings(
                members,
                list(vswitches.values()),
                unplanned.skipped,
                max_qps=gw.settings.max_qps,
                max_concurrent_calls=gw.settings.max_concurrent_calls,
            ),
            *(f"Fleet: {f}" for f in quota.findings),
        ],
        estimated_duration_s=max(m.estimated_duration_s for m in members),
    )


async def check_current(gw: EcsGateway, plan_id: str, plan: FleetRecoveryPlan) -> None:
    """Raises Refusal when any source changed since planning, or a name or block the plan
    takes was taken since (NotFound when a source is gone). The sources are read together, so
    their DescribeInstances share calls."""
    errors: dict[str, Exception] = {}

    async def check(member: InstanceRecoveryPlan) -> None:
        try:
            await instance_checks.check_current(gw, plan_id, member)
        except Exception as exc:  # every changed source is named, not just the first
            errors[member.source_instance_id] = exc

    async with anyio.create_task_group() as group:
        for member in plan.members:
            group.start_soon(check, member)
    if errors:
        ordered = [s for s in plan.source_instance_ids if s in errors]
        raise FleetSourceError({s: _said(errors[s]) for s in ordered})
    for vswitch in plan.vswitches:
        await instance_checks.check_block_free(gw, plan_id, vswitch)


class _FleetProgress:
    """One 0-100 scale for the fleet: the mean of its sources' progress."""

    def __init__(self, report: ProgressFn, sources: Sequence[str]) -> None:
        self._report = Progress(report)
        self._done: dict[str, float] = dict.fromkeys(sources, 0.0)

    def of(self, source: str) -> ProgressFn:
        async def relay(value: float, total: float | None, message: str) -> None:
            self._done[source] = value / (total or 100.0)
            overall = 100 * sum(self._done.values()) / len(self._done)
            await self._report(overall, f"{source}: {message}")

        return relay


async def execute_fleet_recovery(
    gw: EcsGateway,
    plan: FleetRecoveryPlan,
    step: StepRecorder,
    progress: ProgressFn,
    *,
    timing: ecs.Timing = ecs.REAL_TIME,
    checked: bool = False,
) -> FleetRecoveryResult:
    """The shared VSwitches, then every source's recovery at once (`checked`: check_current
    read every source just before this run began).

    Raises FleetIncomplete naming each source that failed once all have ended.
    """
    step = step.with_tags(drill_tags(plan.drill))
    report = Progress(progress)
    created: dict[tuple[str, str], str] = {}
    for v in plan.vswitches:
        vswitch = await create_and_wait(
            gw, v, step.scoped(vswitch_scope(v)), report, start=0, end=0, timing=timing
        )
        created[(v.vpc_id, v.zone_id)] = vswitch.vswitch_id

    fleet = _FleetProgress(progress, plan.source_instance_ids)
    rows: dict[str, FleetMemberRow] = {}
    results: dict[str, InstanceRecoveryResult] = {}

    async def recover(member: InstanceRecoveryPlan) -> None:
        source = member.source_instance_id
        try:
            result = await instance_recovery.execute_instance_recovery(
                gw,
                _with_vswitch(member, plan.vswitches, created),
                step.scoped(source),
                fleet.of(source),
                timing=timing,
                checked=checked,
            )
        except Exception as exc:  # one source failing must not stop the others
            error = describe_error(exc)
            log.warning("fleet_member_failed", source_instance_id=source, error=error)
            status = SOURCE_CHANGED if isinstance(exc, PlanStale) else "failed"
            rows[source] = FleetMemberRow(source_instance_id=source, status=status, error=error)
            return
        results[source] = result
        rows[source] = FleetMemberRow(
            source_instance_id=source,
            status="completed",
            dr_instance_id=result.dr_instance_id,
            image_id=result.image_id,
            all_match=result.all_match,
        )

    async with anyio.create_task_group() as group:
        for member in plan.members:
            group.start_soon(recover, member)

    ordered = [
        *(rows[s] for s in plan.source_instance_ids),
        *(skipped_row(s) for s in plan.skipped),
    ]
    if failed_rows(ordered):
        raise FleetIncomplete(incomplete_message(ordered))
    return FleetRecoveryResult(
        region_id=plan.region_id,
        target_zone_id=plan.target_zone_id,
        drill=plan.drill,
        rows=ordered,
        created_vswitch_ids=list(created.values()),
        members=[results[s] for s in plan.source_instance_ids],
    )


def _with_vswitch(
    member: InstanceRecoveryPlan,
    vswitches: Sequence[VSwitchPlan],
    created: Mapping[tuple[str, str], str],
) -> InstanceRecoveryPlan:
    """The member's plan running in the VSwitch the fleet created for its VPC and zone."""
    shared = shared_vswitch(member, vswitches)
    if shared is None:
        return member
    vswitch_id = created[(shared.vpc_id, shared.zone_id)]
    run = member.instance.run.model_copy(update={"vswitch_id": vswitch_id})
    return member.model_copy(update={"instance": member.instance.model_copy(update={"run": run})})
