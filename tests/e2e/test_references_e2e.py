"""The RAM side of the references, end to end over the MCP client: a permission error names the
missing action and the policy page (a resource the server serves), and each tool calls only the
ECS actions its line in the policy table grants."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mcp_types import TextResourceContents

from ecs_dr.cloud.errors import RAM_POLICY_PAGE, ram_action_for
from ecs_dr.references.policy import GRANTED_TO_EVERY_IDENTITY, TOOL_ACTIONS
from tests.support.decisions import decide
from tests.support.demo_world import (
    DB_INSTANCE,
    NO_VSWITCH_ZONE,
    PROD_VPC,
    REGION,
    TARGET_INSTANCE,
    TARGET_ZONE,
)
from tests.support.mcp import Session, mcp_session

POLICY_PAGE = Path(__file__).resolve().parents[2] / "references" / "ram-policies.md"


async def test_forbidden_ram_names_the_missing_action_and_the_policy_page(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        served.sandbox.add_fault(
            {"kind": "error", "action": "DescribeInstances", "code": "Forbidden.RAM"}
        )
        text = await served.fail(
            "describe_source", {"instance_id": DB_INSTANCE, "region_id": REGION}
        )
        (page,) = (await served.client.read_resource(RAM_POLICY_PAGE)).contents
    assert "Forbidden.RAM" in text
    assert "ecs:DescribeInstances" in text
    assert f"the server's resource {RAM_POLICY_PAGE} has the minimal policy" in text
    assert RAM_POLICY_PAGE == "ecs-dr://references/ram-policies.md"
    assert isinstance(page, TextResourceContents)
    assert page.text == POLICY_PAGE.read_text(encoding="utf-8")


async def test_a_vpc_action_denied_is_named_as_ram_names_it(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        message = "You are not authorized to do this action. Action: vpc:CreateVSwitch"
        served.sandbox.add_fault(
            {
                "kind": "error",
                "action": "CreateVSwitch",
                "code": "Forbidden.RAM",
                "http_status": 403,
                "message": message,
            }
        )
        arguments = {"vpc_id": PROD_VPC, "zone_id": NO_VSWITCH_ZONE, "region_id": REGION}
        result, _ = await decide_or_fail(served, "create_vswitch", arguments)
    assert ram_action_for("vpc:CreateVSwitch") in result
    assert "ecs-dr://references/ram-policies.md" in result


async def decide_or_fail(
    served: Session, tool: str, arguments: Mapping[str, Any]
) -> tuple[str, list[str]]:
    """Confirm every prompt as the user would until the tool fails (a tool error, or a failed
    operation's result); returns the error text."""
    decisions: dict[str, str] = {}
    for _ in range(5):
        result = await served.client.call_tool(tool, {**arguments, "decisions": decisions})
        if result.is_error:
            content = result.content[0]
            return str(getattr(content, "text", "")), list(decisions)
        structured = result.structured_content or {}
        if structured.get("status") == "failed":
            return str(structured["error"]), list(decisions)
        assert structured.get("status") == "needs_decision", structured
        for prompt in structured["decisions"]:
            decisions[prompt["decision_id"]] = prompt["options"][0]["value"]
    raise AssertionError(f"{tool} never failed")


class Recorder:
    """Calls tools and keeps which actions reached the sandbox during each call (a VPC API
    action as `vpc:<Action>`, as TOOL_ACTIONS names it, an STS one as `sts:<Action>`); an
    operation that answered in_progress is followed with wait_operation, whose calls count
    as the tool's that started it."""

    def __init__(self, served: Session) -> None:
        self.served = served
        self.seen: dict[str, set[str]] = {}

    async def run(self, tool: str, arguments: Mapping[str, Any]) -> dict[str, Any]:
        before = len(self.served.sandbox.requests())
        result, _ = await decide(self.served, tool, arguments)
        while result["status"] == "in_progress":
            result = await self.served.call(
                "wait_operation", {"operation_id": result["operation_id"]}
            )
        actions = {
            f"{r['api']}:{r['action']}" if r["api"] in ("vpc", "sts") else r["action"]
            for r in self.served.sandbox.requests()[before:]
        }
        self.seen.setdefault(tool, set()).update(actions)
        assert result["status"] == "completed", result
        return result


async def test_each_tool_calls_only_the_actions_its_policy_line_grants(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        rec = Recorder(served)
        await rec.run("find_instances", {"name": "prod-*"})
        source = await rec.run("describe_source", {"instance_id": DB_INSTANCE})
        await rec.run(
            "check_target_zone", {"instance_id": DB_INSTANCE, "target_zone_id": TARGET_ZONE}
        )
        await rec.run("describe_target_instance", {"instance_id": TARGET_INSTANCE})
        group = await rec.run("create_snapshot_group", {"instance_id": DB_INSTANCE})
        image = await rec.run(
            "create_full_image",
            {"instance_id": DB_INSTANCE, "snapshot_group_id": group["snapshot_group_id"]},
        )
        await rec.run("create_vswitch", {"vpc_id": PROD_VPC, "zone_id": NO_VSWITCH_ZONE})
        dr = await rec.run(
            "run_dr_instance",
            {
                "instance_id": DB_INSTANCE,
                "image_id": image["image_id"],
                "target_zone_id": TARGET_ZONE,
            },
        )
        await rec.run(
            "verify_dr_instance",
            {"source_instance_id": DB_INSTANCE, "dr_instance_id": dr["dr_instance_id"]},
        )
        data_disk = next(d for d in source["instance"]["disks"] if d["kind"] == "data")
        snapshot = await rec.run("create_snapshot", {"disk_id": data_disk["disk_id"]})
        disk = await rec.run(
            "create_disk_from_snapshot",
            {"snapshot_id": snapshot["snapshot_id"], "target_instance_id": TARGET_INSTANCE},
        )
        await rec.run(
            "attach_disk", {"disk_id": disk["disk_id"], "target_instance_id": TARGET_INSTANCE}
        )
        plan = await rec.run(
            "plan_recovery",
            {
                "scenario": "disks",
                "source_instance_id": DB_INSTANCE,
                "target_instance_id": TARGET_INSTANCE,
            },
        )
        executed = await rec.run("execute_recovery", {"plan_id": plan["plan_id"]})
        await rec.run("get_operation", {"operation_id": executed["operation_id"]})
        await rec.run("list_operations", {})
        await rec.run("find_orphans", {})
        await rec.run("cleanup_recovery", {"operation_id": dr["operation_id"]})

    granted = {tool: set(TOOL_ACTIONS[tool]) | GRANTED_TO_EVERY_IDENTITY for tool in rec.seen}
    ungranted = {
        tool: sorted(actions - granted[tool])
        for tool, actions in rec.seen.items()
        if actions - granted[tool]
    }
    assert ungranted == {}, "add these to TOOL_ACTIONS, then run `make references`"
