"""A fleet against the sandbox: several sources in one plan (no mutating call), one shared
VSwitch per VPC and zone, every source recovered at once under one operation, and a source
that fails neither stops the others nor is duplicated when the operation runs again."""

from __future__ import annotations

from collections import Counter

import anyio
import pytest

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.fleet_members import FleetSourceError, MemberAnswers
from ecs_dr.domain.fleet_recovery import FleetRecoveryPlan, confirm_fleet_plan_prompt
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan
from ecs_dr.domain.plans import TAG_DRILL, TAG_OPERATION, TAG_SOURCE, Cancelled, NeedsDecision
from ecs_dr.workflows.fleet_recovery import (
    FleetIncomplete,
    check_current,
    execute_fleet_recovery,
    plan_fleet_recovery,
)
from ecs_dr.workflows.instance_recovery import plan_instance_recovery
from tests.support.decisions import expect
from tests.support.demo_world import (
    DB_INSTANCE,
    LEGACY_INSTANCE,
    PROD_VPC,
    SHANGHAI,
    SHANGHAI_INSTANCE,
    SOURCE_ZONE,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.workflows import (
    FLOW_LIMIT_S,
    ProgressLog,
    Steps,
    mutations,
    region_state,
    tags_of,
)

NO_VSWITCH_ZONE = "cn-hangzhou-j"


async def planned(gateway: EcsGateway, sources: list[str], zone: str) -> FleetRecoveryPlan:
    """The fleet's plan, every decision answered with its recommended option."""
    first = await plan_fleet_recovery(gateway, sources, zone, drill=True)
    if isinstance(first, FleetRecoveryPlan):
        return first
    answers = {p.decision_id: p.values[0] for p in expect(first, NeedsDecision).prompts}
    return expect(
        await plan_fleet_recovery(gateway, sources, zone, None, answers, drill=True),
        FleetRecoveryPlan,
    )


async def test_a_fleet_shares_one_vswitch_per_vpc_and_recovers_every_source_at_once(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    first = expect(
        await plan_fleet_recovery(
            gateway, [DB_INSTANCE, WEB_INSTANCE], NO_VSWITCH_ZONE, drill=True
        ),
        NeedsDecision,
    )
    # Both sources sit in one VPC without a VSwitch there: the question is asked once.
    assert [p.decision_id for p in first.prompts] == [f"vswitch_{NO_VSWITCH_ZONE}"]
    plan = await planned(gateway, [DB_INSTANCE, WEB_INSTANCE], NO_VSWITCH_ZONE)
    assert mutations(sandbox) == []
    assert [v.vpc_id for v in plan.vswitches] == [PROD_VPC]
    actions = [(s.step, s.action) for s in plan.steps()]
    assert actions[0] == (f"{PROD_VPC}@{NO_VSWITCH_ZONE}/create_vswitch", "CreateVSwitch")
    assert (f"{DB_INSTANCE}/run_instances", "RunInstances") in actions
    assert (f"{WEB_INSTANCE}/run_instances", "RunInstances") in actions
    assert Counter(a for _, a in actions)["CreateVSwitch"] == 1
    confirm = confirm_fleet_plan_prompt("plan-1", plan)
    assert f"{DB_INSTANCE}/create_image" in confirm.context["parameters"]
    await check_current(gateway, "plan-1", plan)

    step = steps.start("execute_recovery")
    progress = ProgressLog()
    with anyio.fail_after(FLOW_LIMIT_S):
        result = await execute_fleet_recovery(gateway, plan, step, progress, timing=timing)

    state = region_state(sandbox)
    (vswitch_id,) = result.created_vswitch_ids
    assert [r.source_instance_id for r in result.rows] == [DB_INSTANCE, WEB_INSTANCE]
    assert all(r.status == "completed" and r.all_match for r in result.rows)
    for member in result.members:
        dr = state["instances"][member.dr_instance_id]
        assert (dr["zone_id"], dr["vswitch_id"]) == (NO_VSWITCH_ZONE, vswitch_id)
        tags = tags_of(state, "instance", member.dr_instance_id)
        assert tags[TAG_SOURCE] == member.source_instance_id
        assert (tags[TAG_OPERATION], tags[TAG_DRILL]) == (step.operation_id, "true")
    assert tags_of(state, "vswitch", vswitch_id)[TAG_OPERATION] == step.operation_id
    created = Counter(r["action"] for r in mutations(sandbox) if r["action"].startswith("Create"))
    # prod-db-01 has three ESSDs (a group), web-frontend-01 only its system disk (a snapshot).
    assert created == {
        "CreateVSwitch": 1,
        "CreateSnapshotGroup": 1,
        "CreateSnapshot": 1,
        "CreateImage": 2,
    }
    tokens = [s.client_token for s in steps.journal.get(step.operation_id).steps]
    assert len(tokens) == len(set(tokens))
    assert progress.values == sorted(progress.values) and progress.values[-1] == 100
    assert {DB_INSTANCE, WEB_INSTANCE} <= {m.split(":")[0] for _, _, m in progress.reports}


async def test_a_fleet_plan_reads_each_zone_fact_once(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sources = [DB_INSTANCE, WEB_INSTANCE, LEGACY_INSTANCE]
    answers = {f"{LEGACY_INSTANCE}:snapshot_strategy": "per_disk_snapshots"}
    before = len(sandbox.requests())
    plan = expect(
        await plan_fleet_recovery(gateway, sources, TARGET_ZONE, None, answers, drill=True),
        FleetRecoveryPlan,
    )
    reads = sandbox.requests()[before:]
    assert Counter(r["action"] for r in reads)["DescribeZones"] == 1
    offers = Counter(
        tuple(r["parameters"].get(k) for k in ("DestinationResource", "ZoneId", "InstanceType"))
        for r in reads
        if r["action"] == "DescribeAvailableResource"
    )
    assert offers and set(offers.values()) == {1}
    # The sources are of three types: the zone's offer for each reads the VPC's VSwitches there.
    types = {member.preflight.instance_type for member in plan.members}
    assert len(types) == len(sources)
    vswitch_reads = [
        r["parameters"].get("VpcId") for r in reads if r["action"] == "DescribeVSwitches"
    ]
    assert vswitch_reads == [PROD_VPC] * len(types)
    # Each member is exactly the plan its source gets alone.
    for member in plan.members:
        alone = await plan_instance_recovery(
            gateway,
            member.source_instance_id,
            TARGET_ZONE,
            decisions=MemberAnswers(answers, member.source_instance_id),
            drill=True,
            check_quota=False,
        )
        assert member == expect(alone, InstanceRecoveryPlan)


async def test_a_decision_only_one_source_needs_is_scoped_to_that_source(
    gateway: EcsGateway,
) -> None:
    first = expect(
        await plan_fleet_recovery(gateway, [DB_INSTANCE, LEGACY_INSTANCE], TARGET_ZONE),
        NeedsDecision,
    )
    assert [p.decision_id for p in first.prompts] == [f"{LEGACY_INSTANCE}:snapshot_strategy"]
    assert first.prompts[0].question.startswith(f"[{LEGACY_INSTANCE}]")
    plan = expect(
        await plan_fleet_recovery(
            gateway,
            [DB_INSTANCE, LEGACY_INSTANCE],
            TARGET_ZONE,
            decisions={f"{LEGACY_INSTANCE}:snapshot_strategy": "per_disk_snapshots"},
        ),
        FleetRecoveryPlan,
    )
    strategies = {m.source_instance_id: m.preflight.snapshot_strategy for m in plan.members}
    assert strategies == {DB_INSTANCE: "snapshot_group", LEGACY_INSTANCE: "per_disk_snapshots"}


async def test_every_unknown_source_of_a_fleet_is_named_and_nothing_is_created(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    first = expect(
        await plan_fleet_recovery(
            gateway, [DB_INSTANCE, "i-bp1nosuch0000000001", "i-bp1nosuch0000000002"], TARGET_ZONE
        ),
        NeedsDecision,
    )
    assert [p.decision_id for p in first.prompts] == [
        "i-bp1nosuch0000000001:skip_source",
        "i-bp1nosuch0000000002:skip_source",
    ]
    assert first.prompts[0].question.startswith("[i-bp1nosuch0000000001] ")
    assert mutations(sandbox) == []


async def test_a_fleet_none_of_whose_sources_can_be_planned_is_refused_one_line_per_source(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    with pytest.raises(FleetSourceError) as raised:
        await plan_fleet_recovery(
            gateway, ["i-bp1nosuch0000000001", "i-bp1nosuch0000000002"], TARGET_ZONE
        )
    assert set(raised.value.reasons) == {"i-bp1nosuch0000000001", "i-bp1nosuch0000000002"}
    lines = str(raised.value).splitlines()
    assert [line.split(": ")[0] for line in lines] == [
        "i-bp1nosuch0000000001",
        "i-bp1nosuch0000000002",
    ]
    assert mutations(sandbox) == []


async def test_a_wrong_answer_for_one_source_is_refused_not_offered_as_a_skip(
    gateway: EcsGateway,
) -> None:
    answers = {f"{LEGACY_INSTANCE}:snapshot_strategy": "no_such_option"}
    with pytest.raises(FleetSourceError, match=f"^{LEGACY_INSTANCE}: .*no_such_option"):
        await plan_fleet_recovery(
            gateway, [DB_INSTANCE, LEGACY_INSTANCE], TARGET_ZONE, decisions=answers
        )


async def test_a_source_in_another_region_than_the_target_zone_is_asked_about_by_name(
    gateway: EcsGateway,
) -> None:
    first = expect(
        await plan_fleet_recovery(gateway, [DB_INSTANCE, SHANGHAI_INSTANCE], TARGET_ZONE),
        NeedsDecision,
    )
    (asked,) = first.prompts
    assert asked.decision_id == f"{SHANGHAI_INSTANCE}:skip_source"
    assert asked.question.startswith(f"[{SHANGHAI_INSTANCE}] ")
    assert f"{SHANGHAI_INSTANCE} is in {SHANGHAI}" in asked.question


async def test_a_source_already_in_the_target_zone_is_skipped_on_request_and_the_rest_recover(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    sources = [DB_INSTANCE, TARGET_INSTANCE, WEB_INSTANCE]
    first = expect(await plan_fleet_recovery(gateway, sources, TARGET_ZONE), NeedsDecision)
    (asked,) = first.prompts
    assert asked.decision_id == f"{TARGET_INSTANCE}:skip_source"
    assert asked.values == ["skip", "cancel"]
    assert asked.options[0].recommended
    # The hint is about that source: its own zone, and the zones it could go to alone.
    assert f"{TARGET_INSTANCE} already lives in {TARGET_ZONE}" in asked.question
    assert SOURCE_ZONE in asked.question

    stopped = await plan_fleet_recovery(
        gateway, sources, TARGET_ZONE, decisions={asked.decision_id: "cancel"}
    )
    assert expect(stopped, Cancelled).decision_id == asked.decision_id

    plan = expect(
        await plan_fleet_recovery(
            gateway, sources, TARGET_ZONE, decisions={asked.decision_id: "skip"}, drill=True
        ),
        FleetRecoveryPlan,
    )
    assert plan.source_instance_ids == [DB_INSTANCE, WEB_INSTANCE]
    (skipped,) = plan.skipped
    assert skipped.source_instance_id == TARGET_INSTANCE
    assert skipped.reason in asked.question
    assert f"[{TARGET_INSTANCE}] Skipped: {skipped.reason}" in plan.findings
    assert f"skips {TARGET_INSTANCE}" in confirm_fleet_plan_prompt("plan-1", plan).question
    assert not any(s.step.startswith(TARGET_INSTANCE) for s in plan.steps())
    assert mutations(sandbox) == []

    with anyio.fail_after(FLOW_LIMIT_S):
        result = await execute_fleet_recovery(
            gateway, plan, steps.start("execute_recovery"), ProgressLog(), timing=timing
        )
    assert [(r.source_instance_id, r.status) for r in result.rows] == [
        (DB_INSTANCE, "completed"),
        (WEB_INSTANCE, "completed"),
        (TARGET_INSTANCE, "skipped"),
    ]
    assert result.rows[-1].error == skipped.reason
    assert [m.source_instance_id for m in result.members] == [DB_INSTANCE, WEB_INSTANCE]


async def test_a_failed_source_does_not_stop_the_others_and_a_rerun_creates_nothing_twice(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    plan = await planned(gateway, [DB_INSTANCE, WEB_INSTANCE], TARGET_ZONE)
    sandbox.add_fault(
        {"kind": "error", "action": "RunInstances", "code": "OperationDenied.NoStock", "times": 1}
    )
    step = steps.start("execute_recovery")
    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(FleetIncomplete) as raised:
        await execute_fleet_recovery(gateway, plan, step, ProgressLog(), timing=timing)
    assert "1 of 2 sources were not recovered" in str(raised.value)
    assert "OperationDenied.NoStock" in str(raised.value)

    with anyio.fail_after(FLOW_LIMIT_S):
        result = await execute_fleet_recovery(gateway, plan, step, ProgressLog(), timing=timing)
    assert all(r.status == "completed" for r in result.rows)
    created = Counter(r["action"] for r in mutations(sandbox))
    assert (created["CreateSnapshotGroup"], created["CreateSnapshot"]) == (1, 1)
    assert (created["CreateImage"], created["RunInstances"]) == (2, 2)
    dr_instances = [
        i
        for i, tags in ((e["resource_id"], e["tags"]) for e in region_state(sandbox)["tags"])
        if tags.get(TAG_OPERATION) == step.operation_id and i.startswith("i-")
    ]
    assert sorted(dr_instances) == sorted(m.dr_instance_id for m in result.members)
