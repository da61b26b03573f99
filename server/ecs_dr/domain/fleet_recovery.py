"""Scenario A for a fleet: several source instances in one plan, one confirmation, one
operation.

Each source keeps its own plan and its own decisions. A prompt several sources ask the same way
(their VPC lacks a VSwitch in the target zone, their type is out of stock) is asked once and
its answer holds for all; a prompt about one source is asked with the source's id in
front (`i-...:snapshot_strategy`), and that answer holds for it alone.

A source that cannot be planned does not refuse the others (`fleet_members`): a skipped source
stays in the plan and the result as one row with its reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import Field

from ecs_dr.domain.cloud_text import cloud_text_field, table_markdown
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.fleet_members import SkippedSource, scoped_id
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan, InstanceRecoveryResult
from ecs_dr.domain.models import Frozen
from ecs_dr.domain.plans import PlanStep, estimated_minutes, plan_confirmation
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.vswitches import VSwitchPlan

# Enough for a rack or an application tier; a larger estate is planned in several fleets, so a
# single confirmation never covers more than a reader can check.
MAX_FLEET_SOURCES = 50


def fleet_sources(source_instance_ids: Sequence[str]) -> list[str]:
    """The sources of a fleet, in the order given.

    Raises Refusal for an empty list, a repeated id, or more than MAX_FLEET_SOURCES.
    """
    ids = [i.strip() for i in source_instance_ids]
    if not ids or not all(ids):
        raise Refusal(
            "source_instance_id: give one instance id, or a list of instance ids for a fleet; "
            "an empty id is not an instance."
        )
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise Refusal(
            f"source_instance_id lists {', '.join(repeated)} more than once; name each source once."
        )
    if len(ids) > MAX_FLEET_SOURCES:
        raise Refusal(
            f"source_instance_id lists {len(ids)} instances; one plan takes at most "
            f"{MAX_FLEET_SOURCES}. Split the fleet into several plans."
        )
    return ids


def fleet_prompts(pending: Mapping[str, Sequence[ChoicePrompt]]) -> list[ChoicePrompt]:
    """The prompts of every source (source id -> its open prompts) as the fleet asks them.

    A prompt that several sources ask identically (id, question and options) is asked once,
    unscoped; any other is scoped to its source and its question names the source.
    """
    variants: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    askers: dict[str, int] = {}
    for prompts in pending.values():
        for p in prompts:
            variants.setdefault(p.decision_id, set()).add((p.question, tuple(p.values)))
            askers[p.decision_id] = askers.get(p.decision_id, 0) + 1
    asked: list[ChoicePrompt] = []
    shared_seen: set[str] = set()
    for source, prompts in pending.items():
        for p in prompts:
            if len(variants[p.decision_id]) == 1 and askers[p.decision_id] > 1:
                if p.decision_id not in shared_seen:
                    shared_seen.add(p.decision_id)
                    asked.append(p)
                continue
            asked.append(
                p.model_copy(
                    update={
                        "decision_id": scoped_id(source, p.decision_id),
                        "question": f"[{source}] {p.question}",
                    }
                )
            )
    return asked


# A source's row status when it changed since planning (its recovery stopped, PlanStale).
SOURCE_CHANGED = "source_changed"
# A source's row status when it could not be planned and the user chose to go on without it.
SKIPPED = "skipped"


class FleetMemberRow(Frozen):
    """One source of a fleet and where its recovery stands."""

    source_instance_id: str
    status: str
    dr_instance_id: str | None = None
    image_id: str | None = None
    all_match: bool | None = None
    error: str | None = cloud_text_field("why it failed; may quote ECS's message", default=None)


def fleet_markdown(rows: Sequence[FleetMemberRow]) -> str:
    """One line per source: its DR instance, image, whether every rule held, or its error."""
    return table_markdown(
        ["Source", "Status", "DR instance", "Image", "All match", "Error"],
        [
            [
                r.source_instance_id,
                r.status,
                r.dr_instance_id or "",
                r.image_id or "",
                "" if r.all_match is None else ("yes" if r.all_match else "NO"),
                r.error or "",
            ]
            for r in rows
        ],
    )


def skipped_row(skipped: SkippedSource) -> FleetMemberRow:
    """A skipped source's one row: its status, and why in place of an error."""
    return FleetMemberRow(
        source_instance_id=skipped.source_instance_id, status=SKIPPED, error=skipped.reason
    )


def failed_rows(rows: Sequence[FleetMemberRow]) -> list[FleetMemberRow]:
    """The sources that were to be recovered and were not (a skipped one was never to be)."""
    return [r for r in rows if r.status not in ("completed", SKIPPED)]


def incomplete_message(rows: Sequence[FleetMemberRow]) -> str:
    """Why a fleet operation failed: which sources failed and what the others got. A source
    that changed since planning is no cause a resume cures: it needs a new plan."""
    failed = failed_rows(rows)
    done = [r for r in rows if r.status == "completed"]
    skipped = [r.source_instance_id for r in rows if r.status == SKIPPED]
    changed = [r.source_instance_id for r in failed if r.status == SOURCE_CHANGED]
    reasons = "; ".join(f"{r.source_instance_id}: {r.error}" for r in failed)
    recovered = ", ".join(f"{r.source_instance_id} -> {r.dr_instance_id}" for r in done)
    message = (
        f"{len(failed)} of {len(rows) - len(skipped)} sources were not recovered ({reasons}). "
        f"Recovered: {recovered or 'none'}."
    )
    if skipped:
        message += f" Skipped as planned: {', '.join(skipped)}."
    if len(changed) < len(failed):
        message += (
            " Fix the cause, then resume_recovery continues the failed ones; what was created "
            "is reused, not created again."
        )
    if changed:
        message += (
            f" {', '.join(changed)} changed since planning: resume_recovery stops at "
            f"{'it' if len(changed) == 1 else 'them'} again; plan again (plan_recovery) for "
            "what is there now, and cleanup_recovery deletes what this operation created."
        )
    return message


class FleetRecoveryPlan(Frozen):
    """Scenario A for several sources into one zone, decided and ready to be confirmed."""

    scenario: Literal["fleet"] = "fleet"
    region_id: str
    target_zone_id: str
    drill: bool
    members: list[InstanceRecoveryPlan]
    skipped: list[SkippedSource] = Field(
        default_factory=list, description="sources left out, by the user's choice, and why"
    )
    vswitches: list[VSwitchPlan]
    findings: list[str] = cloud_text_field("what the preflight found, one sentence each")
    estimated_duration_s: float

    @property
    def digest(self) -> str:
        """What the plan depends on: every source's fingerprint."""
        text = ",".join(m.fingerprint.digest for m in self.members)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def source_instance_ids(self) -> list[str]:
        return [m.source_instance_id for m in self.members]

    def steps(self) -> list[PlanStep]:
        """The shared VSwitches first, then every source's steps under its id."""
        steps = [
            PlanStep.of(
                f"{vswitch_scope(v)}/create_vswitch",
                v,
                "first, once for every source in this VPC and zone; waited until Available",
            )
            for v in self.vswitches
        ]
        for member in self.members:
            shared = shared_vswitch(member, self.vswitches)
            for s in member.steps():
                parameters = s.parameters
                if shared is not None and s.action == "RunInstances":
                    parameters = {
                        **parameters,
                        "VSwitchId": f"(the VSwitch CreateVSwitch creates in {shared.vpc_id})",
                    }
                steps.append(
                    s.model_copy(
                        update={
                            "step": f"{member.source_instance_id}/{s.step}",
                            "parameters": parameters,
                            "runs": f"{s.runs}; together with the other sources",
                        }
                    )
                )
        return steps


class FleetRecoveryResult(Frozen):
    """Every source's DR instance, Running, and how it compares with its source."""

    region_id: str
    target_zone_id: str
    drill: bool
    rows: list[FleetMemberRow]
    created_vswitch_ids: list[str]
    members: list[InstanceRecoveryResult]

    @property
    def markdown(self) -> str:
        """A row per source as a markdown table, cells escaped."""
        return fleet_markdown(self.rows)


def vswitch_scope(plan: VSwitchPlan) -> str:
    """The journal scope of a VSwitch the fleet shares (one per VPC and zone)."""
    return f"{plan.vpc_id}@{plan.zone_id}"


def shared_vswitch(
    member: InstanceRecoveryPlan, vswitches: Sequence[VSwitchPlan]
) -> VSwitchPlan | None:
    if not member.preflight.create_vswitch:
        return None
    run = member.instance.run
    for v in vswitches:
        if (v.vpc_id, v.zone_id) == (member.preflight.vpc_id, run.zone_id):
            return v
    return None


def without_own_vswitch(member: InstanceRecoveryPlan) -> InstanceRecoveryPlan:
    """The member's plan with its VSwitch left to the fleet, which creates one per VPC."""
    if member.instance.create_vswitch is None:
        return member
    return member.model_copy(
        update={"instance": member.instance.model_copy(update={"create_vswitch": None})}
    )


def fleet_findings(
    members: Sequence[InstanceRecoveryPlan],
    vswitches: Sequence[VSwitchPlan],
    skipped: Sequence[SkippedSource],
    *,
    max_qps: float | None,
    max_concurrent_calls: int | None,
) -> list[str]:
    """What the fleet's preflight found: how its sources share the API, the VSwitches it
    creates once for several, each source's own findings under its id, and the sources it
    skips with why."""
    pace = (
        f"at most {max_qps:g} API requests per second"
        if max_qps is not None
        else "no API rate limit"
    )
    findings = [
        f"{len(members)} sources are recovered together, sharing {pace} and at most "
        f"{max_concurrent_calls or 'unlimited'} requests in flight; throttling is "
        "retried with backoff.",
        *(
            f"One VSwitch ({v.cidr_block}) is created in {v.vpc_id} for every source there "
            f"that has none in {v.zone_id}."
            for v in vswitches
        ),
    ]
    findings += [f"[{m.source_instance_id}] {f}" for m in members for f in m.findings]
    findings += [f"[{s.source_instance_id}] Skipped: {s.reason}" for s in skipped]
    return findings


def confirm_fleet_plan_prompt(plan_id: str, plan: FleetRecoveryPlan) -> ChoicePrompt:
    """The one go-ahead for every source, showing every step's parameters."""
    drill = " as a DR drill" if plan.drill else ""
    skipped = ", ".join(s.source_instance_id for s in plan.skipped)
    skipping = f", and skips {skipped}" if skipped else ""
    return plan_confirmation(
        plan_id,
        f"{plan_id} recovers {len(plan.members)} instances "
        f"({', '.join(plan.source_instance_ids)}) into {plan.target_zone_id}{drill} (about "
        f"{estimated_minutes(plan.estimated_duration_s)} min, all together) with exactly these "
        f"calls{skipping}. Proceed?",
        "Recover every listed instance as shown.",
        plan.steps(),
    )
