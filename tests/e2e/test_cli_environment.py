"""Every `serve` flag has an environment variable (MCP clients' JSON configs and Docker set
variables, not flags), through the installed `ecs-dr-mcp` command: the variables alone serve,
a flag wins over its variable, and a bad value stops the server naming the variable and what
is valid, with no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp_types import Tool

from tests.support.credentials import SANDBOX_CREDENTIALS
from tests.support.http_servers import HttpServer, http_server
from tests.support.mcp import START_TIMEOUT_S, server_environment

COMMAND = str(Path(sys.executable).parent / "ecs-dr-mcp")


def only_read_only(tools: list[Tool]) -> bool:
    """A read-only server's list: tools, each annotated read-only, none that creates."""
    read_only = [t.annotations is not None and t.annotations.read_only_hint for t in tools]
    return bool(tools) and all(read_only) and "create_snapshot" not in {t.name for t in tools}


def log_events(log_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line]


def test_the_variables_alone_serve_streamable_http_read_only_on_the_sandbox(
    tmp_path: Path,
) -> None:
    env = {
        "ECS_DR_TRANSPORT": "streamable-http",
        "ECS_DR_HOST": "127.0.0.1",
        "ECS_DR_PORT": "0",
        "ECS_DR_SANDBOX": "true",
        "ECS_DR_READ_ONLY": "1",
        "ECS_DR_LOG_LEVEL": "debug",
    }
    with http_server(tmp_path, env=env, command=[COMMAND, "serve"]) as server:
        tools = anyio.run(listed_tools, server)

    assert only_read_only(tools)
    (starting,) = [e for e in server.log_lines() if e["event"] == "server.starting"]
    assert starting["transport"] == "streamable-http"
    assert (starting["sandbox"], starting["read_only"]) == (True, True)
    assert any(e["level"] == "debug" for e in server.log_lines())


async def listed_tools(server: HttpServer) -> list[Tool]:
    async with server.client() as client:
        return (await client.list_tools()).tools


async def stdio_tools(tmp_path: Path, args: list[str], env: Mapping[str, str]) -> list[Tool]:
    """The tools `ecs-dr-mcp serve <args>` lists over stdio."""
    params = StdioServerParameters(
        command=COMMAND,
        args=["serve", *args],
        env=server_environment(tmp_path / "state", {**SANDBOX_CREDENTIALS, **env}),
    )
    with (tmp_path / "server.log").open("w") as errlog, anyio.fail_after(START_TIMEOUT_S):
        async with Client(stdio_client(params, errlog=errlog)) as client:
            return (await client.list_tools()).tools


async def test_a_flag_wins_over_its_variable(tmp_path: Path) -> None:
    env = {"ECS_DR_TRANSPORT": "streamable-http", "ECS_DR_LOG_LEVEL": "ERROR"}

    tools = await stdio_tools(
        tmp_path, ["--sandbox", "--read-only", "--transport", "stdio", "--log-level", "INFO"], env
    )

    assert only_read_only(tools)
    events = [e["event"] for e in log_events(tmp_path / "server.log")]
    assert "server.starting" in events


async def test_a_quieter_log_level_from_the_environment_holds(tmp_path: Path) -> None:
    await stdio_tools(tmp_path, ["--sandbox"], {"ECS_DR_LOG_LEVEL": "WARNING"})

    assert [e for e in log_events(tmp_path / "server.log") if e["level"] == "info"] == []


@pytest.mark.parametrize(
    ("variable", "value", "valid"),
    [
        ("ECS_DR_TRANSPORT", "sse", "stdio or streamable-http"),
        ("ECS_DR_PORT", "eighty", "a port from 0 to 65535"),
        ("ECS_DR_PORT", "70000", "a port from 0 to 65535"),
        ("ECS_DR_SANDBOX", "maybe", "1/true/yes/on/0/false/no/off"),
        ("ECS_DR_READ_ONLY", "sure", "1/true/yes/on/0/false/no/off"),
        ("ECS_DR_LOG_LEVEL", "TRACE", "DEBUG, INFO, WARNING, ERROR"),
    ],
)
def test_a_bad_variable_is_refused_naming_it_and_what_is_valid(
    tmp_path: Path, variable: str, value: str, valid: str
) -> None:
    result = subprocess.run(
        [COMMAND, "serve"],
        env=server_environment(tmp_path, {variable: value}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{variable}={value!r} is refused: valid is {valid}" in result.stderr
    assert "Traceback" not in result.stderr
