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
from tests.support.mcp import REQUEST_TIMEOUT_S, START_TIMEOUT_S, server_environment

COMMAND = str(Path(sys.executable).parent / "ecs-dr-mcp")


def only_read_only(tools: list[Tool]) -> bool:
    """A read-only server's list: tools, each annotated read-only, none that creates."""
    read_only = [t.annotations is not None and t.annotations.read_only_hint for t in tools]
    return bool(tools) and all(read_only) and "create_snapshot" not in {t.name for t in tools}


def log_events(log_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log_path.read_text().splitlines() if line]


async def listening_port(log_path: Path, server: anyio.abc.Process) -> int:
    """The port from the server's `server.listening` line."""
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            text = await anyio.Path(log_path).read_text()
            for line in text.splitlines():
                event = json.loads(line)
                if event.get("event") == "server.listening":
                    return int(event["port"])
            assert server.returncode is None, text
            await anyio.sleep(0.02)


async def test_the_variables_alone_serve_streamable_http_read_only_on_the_sandbox(
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
    log_path = tmp_path / "server.log"
    with log_path.open("w") as errlog:
        server = await anyio.open_process(
            [COMMAND, "serve"],
            env=server_environment(tmp_path / "state", env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
    try:
        port = await listening_port(log_path, server)
        with anyio.fail_after(REQUEST_TIMEOUT_S):
            async with Client(f"http://127.0.0.1:{port}/mcp") as client:
                tools = (await client.list_tools()).tools
    finally:
        server.terminate()
        with anyio.fail_after(30):
            await server.wait()

    assert only_read_only(tools)
    (starting,) = [e for e in log_events(log_path) if e["event"] == "server.starting"]
    assert starting["transport"] == "streamable-http"
    assert (starting["sandbox"], starting["read_only"]) == (True, True)
    assert any(e["level"] == "debug" for e in log_events(log_path))


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
