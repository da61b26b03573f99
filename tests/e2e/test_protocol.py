"""The MCP protocol's own rules, through the `mcp` client over stdio: progress strictly
increases within a call (a whole Scenario A execute, and a wait_operation relaying one); only
capabilities with something behind them are declared (a server without prompts or resources,
in memory), and what is not served is answered with the protocol's error codes."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND

from ecs_dr.app import serve_only_what_exists
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import DB_INSTANCE, TARGET_ZONE
from tests.support.mcp import START_TIMEOUT_S, Session, mcp_session


async def call_hearing(
    served: Session, tool: str, arguments: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[float, float | None]]]:
    """A tool's structured result and the (progress, total) of every notification it sent."""
    heard: list[tuple[float, float | None]] = []

    async def hear(progress: float, total: float | None, message: str | None) -> None:
        heard.append((progress, total))

    result = await served.client.call_tool(tool, arguments, progress_callback=hear)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content, heard


def assert_strictly_increasing(heard: list[tuple[float, float | None]]) -> None:
    values = [progress for progress, _ in heard]
    assert all(a < b for a, b in itertools.pairwise(values)), values
    assert all(total is None or progress <= total for progress, total in heard), heard


async def confirmed_execution(served: Session) -> dict[str, Any]:
    """execute_recovery's arguments for a confirmed Scenario A drill of prod-db-01."""
    planned, _ = await decide(
        served,
        "plan_recovery",
        {
            "scenario": "full_instance",
            "source_instance_id": DB_INSTANCE,
            "target_zone_id": TARGET_ZONE,
            "drill": True,
        },
    )
    assert planned["status"] == "completed", planned
    return await confirmed(served, "execute_recovery", {"plan_id": planned["plan_id"]})


async def test_progress_strictly_increases_over_a_whole_scenario_a_execute(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        arguments = await confirmed_execution(served)
        done, heard = await call_hearing(served, "execute_recovery", arguments)
        assert done["status"] == "completed", done
        assert len(heard) > 1
        assert_strictly_increasing(heard)


async def test_progress_strictly_increases_within_each_wait_operation(tmp_path: Path) -> None:
    async with mcp_session(tmp_path, env={"ECS_DR_MAX_CALL_WAIT_S": "0.05"}) as served:
        arguments = await confirmed_execution(served)
        started, _ = await call_hearing(served, "execute_recovery", arguments)
        assert started["status"] == "in_progress", started
        waited = {"operation_id": started["operation_id"]}
        result, heard_in_all = started, 0
        with anyio.fail_after(START_TIMEOUT_S * 4):
            while result["status"] == "in_progress":
                result, heard = await call_hearing(served, "wait_operation", waited)
                assert_strictly_increasing(heard)
                heard_in_all += len(heard)
        assert result["status"] == "completed", result
        assert heard_in_all > 1


@pytest.mark.parametrize("mode", [pytest.param("legacy", id="2025-11-25"), "auto"])
async def test_without_prompts_and_resources_they_are_not_declared_and_not_found(
    mode: str,
) -> None:
    """The server serves both (tests/e2e/test_mcp_content.py); one with neither declares
    neither and answers their methods as the protocol answers a capability not declared."""
    server: MCPServer[None] = MCPServer("tools-only")

    @server.tool()
    def ping() -> str:
        return "pong"

    serve_only_what_exists(server)
    async with Client(server, mode=mode) as client:
        capabilities = client.server_capabilities
        assert capabilities.tools is not None
        assert capabilities.prompts is None and capabilities.resources is None
        for ask in (
            lambda: client.get_prompt("recover"),
            lambda: client.list_prompts(),
            lambda: client.read_resource("ecs-dr://operations"),
            lambda: client.list_resources(),
        ):
            with pytest.raises(MCPError) as refused:
                await ask()
            assert refused.value.error.code == METHOD_NOT_FOUND


async def test_with_a_prompt_an_unknown_prompt_is_invalid_params() -> None:
    server: MCPServer[None] = MCPServer("with-a-prompt")

    @server.prompt()
    def recover() -> str:
        return "Recover an instance."

    serve_only_what_exists(server)
    async with Client(server, mode="legacy") as client:
        assert client.server_capabilities.prompts is not None
        assert client.server_capabilities.resources is None
        known = await client.get_prompt("recover")
        assert known.messages
        with pytest.raises(MCPError) as refused:
            await client.get_prompt("nope")
        assert refused.value.error.code == INVALID_PARAMS
        assert "nope" in refused.value.error.message
