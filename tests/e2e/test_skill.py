"""skill/SKILL.md is runnable: its front matter is a valid skill header in English and Chinese,
every tool it names is one the server offers, and its documented tool calls (the ```tool-call
blocks) run in order against `ecs-dr-mcp serve --sandbox` through the `mcp` client, each
needs_decision answered as the user clicking the recommended option, each in_progress
followed with wait_operation, as the skill tells the agent to do."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.decisions import first_option
from tests.support.demo_world import DB_INSTANCE
from tests.support.mcp import Session, mcp_session

SKILL = Path(__file__).resolve().parents[2] / "skill" / "SKILL.md"
BLOCK = re.compile(r"^```tool-call\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PLACEHOLDER = re.compile(r"^\{\{([a-z_]+)\.([a-z_.]+)\}\}$")
INLINE_CALL = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\(")
SNAKE = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`")
CJK = re.compile(r"[\u4e00-\u9fff]")
MAX_ROUNDS = 6


@dataclass
class ToolCall:
    tool: str
    arguments: dict[str, Any]


def skill_text() -> str:
    return SKILL.read_text(encoding="utf-8")


def front_matter(text: str) -> dict[str, str]:
    """The YAML header's top-level keys: plain scalars and folded/literal block scalars."""
    assert text.startswith("---\n"), "the skill starts with a front matter block"
    header = text[4:].split("\n---\n", 1)[0]
    fields: dict[str, str] = {}
    key = ""
    for line in header.splitlines():
        match = re.match(r"^([a-z_-]+):\s*(.*)$", line)
        if match:
            key, value = match.groups()
            fields[key] = "" if value in (">", ">-", "|", "|-") else value.strip()
        elif line.startswith("  ") and key:
            fields[key] = (fields[key] + " " + line.strip()).strip()
        else:
            assert not line.strip(), f"unexpected front matter line: {line!r}"
    return fields


def tool_calls(text: str) -> list[ToolCall]:
    calls = []
    for body in BLOCK.findall(text):
        tool, _, raw = body.strip().partition(" ")
        arguments = json.loads(raw or "{}")
        assert isinstance(arguments, dict), body
        calls.append(ToolCall(tool, arguments))
    return calls


def resolve(value: Any, results: dict[str, dict[str, Any]]) -> Any:
    """`"{{tool.field.sub}}"` is that field of the latest result of `tool`."""
    if isinstance(value, dict):
        return {k: resolve(v, results) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, results) for v in value]
    if isinstance(value, str) and (match := PLACEHOLDER.match(value)):
        tool, path = match.groups()
        assert tool in results, f"{value}: no earlier {tool} call"
        found: Any = results[tool]
        for part in path.split("."):
            found = found[part]
        assert found is not None, f"{value} is null"
        return found
    return value


async def run_as_documented(served: Session, call: ToolCall) -> dict[str, Any]:
    """One documented call as the skill says an agent makes it."""
    decisions: dict[str, str] = {}
    for _ in range(MAX_ROUNDS):
        arguments = dict(call.arguments)
        if decisions:
            arguments["decisions"] = dict(decisions)
        result = dict(await served.call(call.tool, arguments))
        if result["status"] == "needs_decision":
            assert result["decisions"], result
            for prompt in result["decisions"]:
                # The recommended option comes first and says so.
                assert prompt["options"][0]["recommended"], prompt
                assert prompt["options"][0]["label"].endswith("(Recommended)"), prompt
                decisions[prompt["decision_id"]] = first_option(prompt)
            continue
        while result["status"] == "in_progress":
            waited = await served.call("wait_operation", {"operation_id": result["operation_id"]})
            result = dict(waited["result"] or {}) | {"status": waited["status"]}
        return result
    raise AssertionError(f"{call.tool} kept asking")


def test_the_front_matter_names_the_skill_and_triggers_it_in_english_and_chinese() -> None:
    fields = front_matter(skill_text())
    assert set(fields) == {"name", "description"}
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", fields["name"]) and len(fields["name"]) <= 64
    description = fields["description"]
    assert len(description) <= 1024, len(description)
    for phrase in ("disaster recovery", "another availability zone", "ecs-dr-mcp", "drill"):
        assert phrase in description, phrase
    assert len(CJK.findall(description)) >= 20, "Chinese trigger phrases"
    for phrase in ("跨可用区灾备", "灾备演练"):
        assert phrase in description, phrase


def test_the_documented_calls_cover_both_scenarios_a_fleet_and_cleanup() -> None:
    calls = tool_calls(skill_text())
    names = [c.tool for c in calls]
    assert names.index("plan_recovery") < names.index("execute_recovery")
    assert "cleanup_recovery" in names and "verify_dr_instance" in names
    scenarios = [c.arguments.get("scenario") for c in calls if c.tool == "plan_recovery"]
    assert "full_instance" in scenarios and "disks" in scenarios
    fleets = [c for c in calls if isinstance(c.arguments.get("source_instance_id"), list)]
    assert fleets, "a fleet example"
    # Confirmations are the user's: no documented call answers a decision in advance.
    assert not [c for c in calls if "decisions" in c.arguments]


async def test_every_tool_the_skill_names_is_served_and_every_served_tool_is_named(
    tmp_path: Path,
) -> None:
    text = skill_text()
    named_calls = {c.tool for c in tool_calls(text)} | set(INLINE_CALL.findall(text))
    async with mcp_session(tmp_path) as served:
        offered = {t.name for t in (await served.client.list_tools()).tools}
    assert named_calls <= offered, named_calls - offered
    mentioned = set(SNAKE.findall(text)) | named_calls
    assert offered <= mentioned, offered - mentioned


async def test_the_skills_tool_calls_run_in_order_on_the_sandbox(tmp_path: Path) -> None:
    calls = tool_calls(skill_text())
    async with mcp_session(tmp_path) as served:
        results: dict[str, dict[str, Any]] = {}
        for call in calls:
            resolved = ToolCall(call.tool, resolve(call.arguments, results))
            result = await run_as_documented(served, resolved)
            assert result["status"] == "completed", (call.tool, result)
            results[call.tool] = result

        sandbox = served.sandbox
        # The safety rules held: no public IP for a source without one, PL sent on every disk.
        for sent in sandbox.calls("RunInstances"):
            if sent.get("InstanceName") == "recovery-prod-db-01":
                assert str(sent["InternetMaxBandwidthOut"]) == "0"
                assert sent["SystemDisk.PerformanceLevel"] == "PL0"
                assert not any(k.endswith("SnapshotId") for k in sent)
        # The source was never stopped, changed or deleted.
        for request in sandbox.requests():
            action = request["action"]
            assert not action.startswith(("Stop", "Modify", "Reboot", "Detach")), action
            if action.startswith("Delete"):
                assert DB_INSTANCE not in json.dumps(request["parameters"]), request
        source = sandbox.state()["regions"]["cn-hangzhou"]["instances"][DB_INSTANCE]
        assert source["status"] == "Running"
        # The last execution documented recovers from the recovery point just taken (its
        # image: RunInstances alone), and its drill is cleaned up like the others.
        last = results["execute_recovery"]["result"]
        point = results["create_recovery_point"]["point_id"]
        assert last["recovery_point"]["point_id"] == point and last["image_id"] == point
        assert results["drill_report"]["report"]["rpo_s"] is not None
        assert results["cleanup_recovery"]["deleted"]
        assert point in sandbox.state()["regions"]["cn-hangzhou"]["images"], "the point stays"
