"""resume_recovery on a creating step tool's operation, through the tool layer in process: the
operation's journaled plan runs again under its id (the same ClientTokens); an operation
journaled before the step tools stored their plan is refused with what to do instead.

The SIGKILL case runs end to end in tests/e2e/test_resume_step_tools.py.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from mcp.server.mcpserver.exceptions import ToolError

from ecs_dr.bootstrap import Services
from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.plans import Ready
from ecs_dr.tools.common import Ctx
from ecs_dr.tools.mutation import PLAN_ARGUMENT
from ecs_dr.tools.orchestration import resume_recovery
from ecs_dr.tools.steps import STEP_TOOLS as STEP_TOOL_TABLE
from ecs_dr.workflows.account import AccountLookup
from ecs_dr.workflows.journal import Journal
from ecs_dr.workflows.operations import Operations
from ecs_dr.workflows.recovery_points import prepare_recovery_point
from ecs_dr.workflows.vswitches import prepare_vswitch
from tests.support.demo_world import DB_INSTANCE, PROD_VPC, REGION
from tests.support.sandboxes import SandboxHandle

STEP_TOOLS = (
    "create_snapshot_group",
    "create_snapshot",
    "create_full_image",
    "create_vswitch",
    "run_dr_instance",
    "create_disk_from_snapshot",
    "attach_disk",
    "create_recovery_point",
)


def _ctx(gateway: EcsGateway, journal: Journal, operations: Operations, timing: Timing) -> Ctx:
    """What a tool reads of its MCP context: the lifespan's services, and progress."""

    async def report_progress(progress: float, total: float | None, message: str) -> None:
        return None

    services = Services(
        gateway=gateway,
        journal=journal,
        operations=operations,
        timing=timing,
        account=AccountLookup(gateway),
    )
    context = SimpleNamespace(
        request_context=SimpleNamespace(lifespan_context=services),
        report_progress=report_progress,
    )
    return cast(Ctx, context)


def test_every_creating_step_tool_is_registered_by_its_name() -> None:
    for name in STEP_TOOLS:
        tool = STEP_TOOL_TABLE.get(name)
        assert tool is not None and tool.tool == name
    assert STEP_TOOL_TABLE.get("execute_recovery") is None
    assert STEP_TOOL_TABLE.get("cleanup_recovery") is None
    assert set(STEP_TOOL_TABLE) == set(STEP_TOOLS)


async def test_a_step_operation_resumes_under_its_id_with_its_journaled_plan(
    sandbox: SandboxHandle, gateway: EcsGateway, timing: Timing, journal: Journal
) -> None:
    prepared = await prepare_vswitch(gateway, PROD_VPC, "cn-hangzhou-j")
    assert isinstance(prepared, Ready)
    # As create_vswitch journals it; its process died before the work ran.
    op = journal.create_operation(
        "create_vswitch",
        REGION,
        {
            "vpc_id": PROD_VPC,
            "zone_id": "cn-hangzhou-j",
            "region_id": None,
            "cidr_block": None,
            "name": None,
            "decisions": {prepared.confirm.decision_id: "proceed"},
            PLAN_ARGUMENT: prepared.plan.model_dump(mode="json"),
        },
    )
    async with Operations(journal, max_call_wait_s=30) as operations:
        resumed = await resume_recovery(op, _ctx(gateway, journal, operations, timing))

    assert (resumed.status, resumed.operation_id, resumed.plan_id) == ("completed", op, None)
    assert resumed.step_result is not None
    vswitch_id = resumed.step_result["vswitch_id"]
    assert resumed.next_step == f"run_dr_instance(..., vswitch_id={vswitch_id!r})"
    (step,) = journal.get(op).steps
    assert step.resource_id == vswitch_id
    (create,) = [r["parameters"] for r in sandbox.requests() if r["action"] == "CreateVSwitch"]
    assert create["ClientToken"] == step.client_token
    assert create["ClientToken"].startswith(op)


async def test_a_recovery_point_operation_resumes_with_its_journaled_plan_and_tags(
    sandbox: SandboxHandle, gateway: EcsGateway, timing: Timing, journal: Journal
) -> None:
    prepared = await prepare_recovery_point(gateway, DB_INSTANCE)
    assert isinstance(prepared, Ready)
    # As create_recovery_point journals it; its process died before the work ran.
    op = journal.create_operation(
        "create_recovery_point",
        REGION,
        {
            "instance_id": DB_INSTANCE,
            "region_id": None,
            "image": False,
            "decisions": {prepared.confirm.decision_id: "proceed"},
            PLAN_ARGUMENT: prepared.plan.model_dump(mode="json"),
        },
    )
    async with Operations(journal, max_call_wait_s=30) as operations:
        resumed = await resume_recovery(op, _ctx(gateway, journal, operations, timing))

    assert (resumed.status, resumed.operation_id) == ("completed", op)
    assert resumed.step_result is not None
    assert resumed.step_result["kind"] == "group"
    assert resumed.step_result["tags"]["ecs-dr:recovery-point"] == DB_INSTANCE
    (create,) = [
        r["parameters"] for r in sandbox.requests() if r["action"] == "CreateSnapshotGroup"
    ]
    assert create["ClientToken"].startswith(op)


async def test_a_step_operation_journaled_without_its_plan_is_refused_with_what_to_do(
    sandbox: SandboxHandle, gateway: EcsGateway, timing: Timing, journal: Journal
) -> None:
    # As an ecs-dr-mcp before step operations were resumable journaled it: no plan.
    arguments: dict[str, Any] = {
        "instance_id": DB_INSTANCE,
        "region_id": None,
        "snapshot_group_id": "ssg-bp1old",
        "snapshot_id": None,
        "snapshot_ids": None,
        "image_name": None,
        "decisions": {},
    }
    op = journal.create_operation("create_full_image", REGION, arguments)
    async with Operations(journal) as operations:
        with pytest.raises(ToolError) as refused:
            await resume_recovery(op, _ctx(gateway, journal, operations, timing))

    message = str(refused.value)
    assert op in message
    assert "did not store its plan" in message
    assert f"get_operation(operation_id={op!r})" in message
    assert f"cleanup_recovery(operation_id={op!r})" in message
    record = journal.get(op)
    assert (record.status, record.steps, record.lease) == ("running", [], None)
    assert not [r for r in sandbox.requests() if r["action"] == "CreateImage"]
