"""The tool list as a client sees it: names, annotations, schemas, and `--read-only`."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import anyio
from anyio.abc import Process
from jsonschema import Draft202012Validator
from mcp import Client
from mcp_types import TextContent, Tool

from ecs_dr.domain.names import name_pattern
from tests.support.demo_world import DB_DATA, DB_INSTANCE, WEB_INSTANCE
from tests.support.mcp import mcp_session, server_environment

READ_ONLY = {
    "find_instances",
    "describe_source",
    "check_target_zone",
    "describe_target_instance",
    "verify_dr_instance",
    "wait_operation",
    "drill_report",
    "get_operation",
    "list_operations",
    "find_orphans",
    "plan_recovery",
    "list_recovery_points",
    "describe_account",
}
MUTATING = {
    "create_snapshot_group",
    "create_snapshot",
    "create_full_image",
    "create_vswitch",
    "run_dr_instance",
    "create_disk_from_snapshot",
    "attach_disk",
    "create_recovery_point",
    "execute_recovery",
    "resume_recovery",
    "cancel_operation",
    "cleanup_recovery",
}
# Mutating tools that delete resources (the others only create).
DESTRUCTIVE = {"cleanup_recovery"}
# Mutating tools that never ask: resuming continues a plan that was confirmed already, and
# stopping creates nothing.
NEVER_ASK = {"resume_recovery", "cancel_operation"}


def by_name(tools: list[Tool]) -> dict[str, Tool]:
    return {t.name: t for t in tools}


async def test_tool_list_annotations_and_read_only_mode_agree(tmp_path: Path) -> None:
    async with mcp_session(tmp_path / "full") as served:
        full = by_name((await served.client.list_tools()).tools)
    async with mcp_session(tmp_path / "read-only", read_only=True) as served:
        limited = by_name((await served.client.list_tools()).tools)
        refused = await served.client.call_tool("create_snapshot_group", {"instance_id": "i-x"})
        actions = served.sandbox.actions()

    assert set(full) == READ_ONLY | MUTATING
    for name, tool in full.items():
        assert tool.annotations is not None, name
        assert tool.annotations.title, name
        assert tool.annotations.read_only_hint is (name in READ_ONLY), name
        assert tool.annotations.open_world_hint is True, name
        if name in MUTATING:
            assert tool.annotations.destructive_hint is (name in DESTRUCTIVE), name
        assert tool.output_schema is not None, name
        assert "status" in tool.output_schema["properties"], name
        assert tool.description, name
    # Read-only mode offers exactly the tools annotated read-only, unchanged.
    assert set(limited) == {
        n for n, t in full.items() if t.annotations and t.annotations.read_only_hint
    }
    assert all(limited[n] == full[n] for n in limited)
    assert refused.is_error
    content = refused.content[0]
    assert isinstance(content, TextContent)
    assert "--read-only" in content.text
    assert actions == []


async def test_decisions_argument_is_offered_by_every_creating_tool(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        tools = by_name((await served.client.list_tools()).tools)
    for name in MUTATING - NEVER_ASK:
        properties = tools[name].input_schema["properties"]
        assert "decisions" in properties, name
        assert "settled" not in properties, name


# The name arguments of the creating tools, by the kind of resource they name.
NAME_ARGUMENTS = {
    ("plan_recovery", "instance_name"): "instance",
    ("run_dr_instance", "instance_name"): "instance",
    ("create_disk_from_snapshot", "disk_name"): "disk",
    ("create_snapshot", "name"): "snapshot",
    ("create_snapshot_group", "name"): "snapshot group",
    ("create_full_image", "image_name"): "image",
    ("create_vswitch", "name"): "VSwitch",
}


async def test_a_name_the_server_refuses_is_refused_by_its_schema_first(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        tools = by_name((await served.client.list_tools()).tools)
        refused = await served.fail("create_snapshot", {"disk_id": DB_DATA, "name": "auto-1"})
        actions = served.sandbox.actions()
    for (tool, argument), kind in NAME_ARGUMENTS.items():
        schema = tools[tool].input_schema["properties"][argument]
        (string,) = [branch for branch in schema["anyOf"] if branch["type"] == "string"]
        assert string["pattern"] == name_pattern(kind), (tool, argument)
    snapshot_name = tools["create_snapshot"].input_schema["properties"]["name"]["anyOf"][0]
    assert re.fullmatch(snapshot_name["pattern"], "auto-1") is None
    assert re.fullmatch(snapshot_name["pattern"], "Snap_db")
    assert "automatic snapshots" in refused
    assert actions == []


# What the model reads of the tool list (names, descriptions, input schemas), as JSON: the
# issue's bound is 24,000 characters with the tools still to come; today's tools (with
# describe_account, issue 20) stay below this one, which leaves room for them.
MODEL_VISIBLE_BUDGET = 23_000


def model_visible(tools: list[Tool]) -> str:
    """The names, descriptions and input schemas, as a client lists them to the model."""
    return json.dumps(
        [
            {"name": t.name, "description": t.description, "inputSchema": t.input_schema}
            for t in tools
        ]
    )


async def test_the_model_reads_each_fact_once_and_within_the_tool_list_budget(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        tools = (await served.client.list_tools()).tools
        instructions = " ".join((served.client.instructions or "").split())
    assert len(model_visible(tools)) <= MODEL_VISIBLE_BUDGET
    # The decision protocol is told once, in the server's instructions.
    assert "decisions={decision_id: value}" in instructions
    assert "Never choose or confirm for the user" in instructions
    for tool in tools:
        assert tool.description, tool.name
        assert "\n    " not in tool.description, tool.name
        assert "decision_id: value}" not in tool.description, tool.name
        schema = tool.input_schema
        assert "title" not in schema, tool.name
        for argument, described in schema["properties"].items():
            assert "title" not in described, (tool.name, argument)
            assert described.get("default", "given") is not None, (tool.name, argument)
            assert described.get("description"), (tool.name, argument)


async def test_the_server_logs_json_lines_on_stderr_only(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        await served.call("describe_source", {"instance_id": DB_INSTANCE})
        lines = served.log_path.read_text().splitlines()
    assert lines
    events = [json.loads(line)["event"] for line in lines]
    assert "sandbox.started" in events
    assert "ecs.call" in events
    assert not any("LTAI" in line for line in lines)


def test_an_unusable_setting_stops_the_server_with_its_name(tmp_path: Path) -> None:
    env = server_environment(tmp_path, {"ECS_DR_SANDBOX_TIME_SCALE": "fast"})
    result = subprocess.run(
        [sys.executable, "-m", "ecs_dr.cli", "serve", "--sandbox"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "ECS_DR_SANDBOX_TIME_SCALE" in result.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _listening_port(log_path: anyio.Path, server: Process) -> int:
    """The port from the server's `server.listening` line (it binds --port 0)."""
    with anyio.fail_after(30):
        while True:
            for line in (await log_path.read_text()).splitlines():
                event = json.loads(line)
                if event.get("event") == "server.listening":
                    return int(event["port"])
            assert server.returncode is None, await log_path.read_text()
            await anyio.sleep(0.02)


async def test_streamable_http_serves_the_same_tools(tmp_path: Path) -> None:
    log_path = anyio.Path(tmp_path / "server.log")
    command = [sys.executable, "-m", "ecs_dr.cli", "serve", "--sandbox"]
    command += ["--transport", "streamable-http", "--port", "0"]
    with (tmp_path / "server.log").open("w") as errlog:
        server = await anyio.open_process(
            command,
            env=server_environment(tmp_path / "state", {}),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
    try:
        port = await _listening_port(log_path, server)
        with anyio.fail_after(30):
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                names = {t.name for t in (await client.list_tools()).tools}
                result = await client.call_tool("describe_source", {"instance_id": WEB_INSTANCE})
        assert names == READ_ONLY | MUTATING
        assert result.structured_content is not None
        assert result.structured_content["snapshot_strategy"] == "single_snapshot"
    finally:
        server.terminate()
        with anyio.fail_after(30):
            await server.wait()


async def test_the_embedded_sandbox_can_be_pinned_to_a_port(tmp_path: Path) -> None:
    port = free_port()
    async with mcp_session(tmp_path, env={"ECS_DR_SANDBOX_PORT": str(port)}) as served:
        assert served.sandbox.endpoint == f"127.0.0.1:{port}"
        assert served.sandbox.state()["regions"]


TOOL_LIST_BUDGET = 60_000


async def test_a_result_carries_decisions_only_where_its_tool_can_ask(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        tools = (await served.client.list_tools()).tools
    listed = json.dumps(
        [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in tools]
    )
    assert len(listed) <= TOOL_LIST_BUDGET
    for tool in tools:
        asks = "decisions" in tool.input_schema["properties"]
        answers = set((tool.output_schema or {}).get("properties", {}))
        if asks:
            assert "decisions" in answers, tool.name
        elif tool.name not in NEVER_ASK:
            assert "decisions" not in answers and "ChoicePrompt" not in str(tool.output_schema)


async def test_a_failed_answer_fits_the_output_schema_its_tool_lists(tmp_path: Path) -> None:
    """A TypeScript-SDK client (the Inspector, Claude Code) checks an error's structured content
    against the listed output schema too, and drops an answer that does not fit."""
    async with mcp_session(tmp_path) as served:
        tools = by_name((await served.client.list_tools()).tools)
        refused = await served.client.call_tool(
            "check_target_zone", {"instance_id": DB_INSTANCE, "target_zone_id": "nowhere"}
        )
        failed = await served.client.call_tool("describe_source", {"instance_id": "i-bp1nosuch"})
    for name, result in (("check_target_zone", refused), ("describe_source", failed)):
        assert result.is_error and result.structured_content, name
        assert result.structured_content["status"] == "failed", name
        schema = tools[name].output_schema
        assert schema is not None, name
        Draft202012Validator(schema).validate(result.structured_content)
