"""MCP sessions over stdio: `ecs-dr-mcp serve` in a child process, driven by the `mcp` client.

`mcp_session` starts `serve --sandbox`: the server logs JSON lines to a file the test owns
(stderr), and its embedded sandbox's endpoint is read from the `sandbox.started` line.
`mcp_session_on` starts `serve` on a sandbox of the test's own (`sandbox_process`). Either way
the sandbox's control client shows what the server did to the cloud, and when the session ends
its log and everything its client received are scanned for credentials (`secret_scan`).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.dispatcher import ProgressFnT
from mcp.shared.exceptions import MCPError

from ecs_dr.cloud.user_agent import USER_AGENT
from ecs_dr.sandbox.control import SandboxControl
from tests.support.credentials import SANDBOX_CREDENTIALS, credentials_of
from tests.support.demo_world import REGION
from tests.support.sandboxes import TEST_TIME_SCALE
from tests.support.secret_scan import SECRET_SCAN, Transcript

START_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 60.0
USER_AGENT_PREFIX = USER_AGENT.rsplit("/", 1)[0] + "/"


@dataclass
class Elicitations:
    """A client that declares form elicitation and answers each form with `answer`."""

    answer: Callable[[types.ElicitRequestParams], types.ElicitResult]
    seen: list[types.ElicitRequestParams] = field(default_factory=list)

    async def __call__(
        self, context: ClientRequestContext, params: types.ElicitRequestParams
    ) -> types.ElicitResult:
        self.seen.append(params)
        return self.answer(params)


def options(field: Mapping[str, Any]) -> list[str]:
    """A form field's option values, in order: a `oneOf` of const/title (2025-11-25 on), or an
    `enum` (with `enumNames`, 2025-06-18)."""
    if "oneOf" in field:
        return [str(option["const"]) for option in field["oneOf"]]
    return [str(value) for value in field["enum"]]


def recommended(params: types.ElicitRequestParams) -> types.ElicitResult:
    """Accept every field's recommended answer: its first option, or a multi-select's
    preselected ones."""
    assert isinstance(params, types.ElicitRequestFormParams)
    fields = params.requested_schema["properties"]
    return types.ElicitResult(
        action="accept",
        content={
            k: v["default"] if v["type"] == "array" else options(v)[0] for k, v in fields.items()
        },
    )


def decline(params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="decline")


@dataclass
class TranscribedClient(Client):
    """The `mcp` Client, keeping every tool result (all content blocks and structured content),
    tool error and progress message for the secret scan; every call asks for progress."""

    transcript: Transcript = field(default_factory=Transcript)

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        read_timeout_seconds: float | None = None,
        progress_callback: ProgressFnT | None = None,
        **options: Any,
    ) -> types.CallToolResult:
        async def record(progress: float, total: float | None, message: str | None) -> None:
            self.transcript.progress.append((name, message or ""))
            if progress_callback is not None:
                await progress_callback(progress, total, message)

        try:
            result = await super().call_tool(
                name, arguments, read_timeout_seconds, record, **options
            )
        except MCPError as exc:
            self.transcript.results.append((name, str(exc)))
            raise
        self.transcript.results.append((name, result.model_dump_json()))
        return result


class Answer(dict[str, Any]):
    """A tool's structured result, the text the model reads beside it (`text`), and the tool
    that answered."""

    def __init__(self, tool: str, structured: dict[str, Any] | None, text: str) -> None:
        super().__init__(structured or {})
        self.tool = tool
        self.text = text


def text_of(result: types.CallToolResult) -> str:
    """The text content of a tool's answer, every block joined."""
    return "".join(c.text for c in result.content if isinstance(c, types.TextContent))


@dataclass
class Session:
    """An MCP session with a server: its client, its cloud's sandbox and the server's log."""

    client: Client
    sandbox: SandboxControl
    log_path: Path

    async def call(self, tool: str, arguments: Mapping[str, Any] | None = None) -> Any:
        """Call a tool that must succeed; returns its structured result (an Answer: its
        `text` is what the model reads)."""
        result = await self.client.call_tool(tool, dict(arguments or {}))
        assert not result.is_error, result.content
        return Answer(tool, result.structured_content, text_of(result))

    async def fail(self, tool: str, arguments: Mapping[str, Any]) -> str:
        """Call a tool that must fail; returns the error text the agent reads."""
        result = await self.client.call_tool(tool, dict(arguments))
        assert result.is_error, result.structured_content
        content = result.content[0]
        assert isinstance(content, types.TextContent)
        return content.text

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]


def server_environment(state_dir: Path, extra: Mapping[str, str]) -> dict[str, str]:
    """The test's environment without cloud settings of the developer's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALIBABA_CLOUD_", "ECS_DR_"))}
    env |= {"ECS_DR_STATE_DIR": str(state_dir), "ECS_DR_SANDBOX_TIME_SCALE": str(TEST_TIME_SCALE)}
    return env | dict(extra)


async def _sandbox_endpoint(log_path: Path) -> str:
    """The endpoint from the server's `sandbox.started` log line."""
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            for line in (await anyio.Path(log_path).read_text()).splitlines():
                event = json.loads(line)
                if event.get("event") == "sandbox.started":
                    return str(event["endpoint"])
            await anyio.sleep(0.01)


@asynccontextmanager
async def mcp_session(
    workdir: Path,
    *,
    read_only: bool = False,
    elicitation: Elicitations | None = None,
    mode: str = "legacy",
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> AsyncIterator[Session]:
    """The server on its own sandbox; `mode` picks the protocol generation ("legacy":
    2025-11-25 and `elicitation/create`; "auto": 2026-07-28 and input-required retries);
    `args` adds to the `serve` command line (`--log-level DEBUG`, say)."""
    await anyio.Path(workdir).mkdir(parents=True, exist_ok=True)
    log_path = workdir / "server.log"
    command = ["-m", "ecs_dr.cli", "serve", "--sandbox", *(["--read-only"] if read_only else [])]
    environment = server_environment(workdir / "state", {**SANDBOX_CREDENTIALS, **(env or {})})
    params = StdioServerParameters(command=sys.executable, args=[*command, *args], env=environment)
    transcript = Transcript()
    with log_path.open("w") as errlog:
        # Every request is bounded: a server that stops answering fails the test.
        async with TranscribedClient(
            stdio_client(params, errlog=errlog),
            mode=mode,
            elicitation_callback=elicitation,
            read_timeout_seconds=REQUEST_TIMEOUT_S,
            transcript=transcript,
        ) as client:
            endpoint = await _sandbox_endpoint(log_path)
            yield Session(client, SandboxControl(endpoint), log_path)
    SECRET_SCAN.check(credentials_of(environment), log_path, transcript)


def assert_session_user_agent(sandbox: SandboxControl) -> None:
    """Every API request carried the server's user agent, with one session id throughout."""
    agents = {r["user_agent"] for r in sandbox.requests()}
    assert agents, "the server sent no request"
    sessions = set()
    for agent in agents:
        product = next(p for p in agent.split() if p.startswith(USER_AGENT_PREFIX))
        sessions.add(product.removeprefix(USER_AGENT_PREFIX))
    assert len(sessions) == 1, agents
    (session,) = sessions
    assert len(session) == 32 and all(c in "0123456789abcdef" for c in session)


def child_pids(command_part: str) -> list[int]:
    """The pids of this process's live children whose command line holds `command_part`
    (a server the `mcp` client started over stdio, to be killed by the test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z" and command_part in cmdline:
            found.append(int(entry.name))
    return found


# `ecs-dr-mcp serve`, started so that a mark in its command line finds its pid for a SIGKILL.
SERVER_LAUNCHER = """
import sys
from ecs_dr.cli import main
sys.exit(main(["serve", *sys.argv[2:]]))
"""


@asynccontextmanager
async def mcp_session_on(
    sandbox: SandboxControl,
    workdir: Path,
    name: str,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> AsyncIterator[tuple[Session, int]]:
    """`ecs-dr-mcp serve` (no --sandbox) on `sandbox` and `workdir`'s journal, and its pid.

    Its waits (polls and deadlines) run at the test time scale (ECS_DR_CLOUD_TIME_SCALE), as a
    server waits on ECS in real seconds; `env` adds to or overrides its settings, `args` to its
    command line.
    """
    settings = {
        "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
        "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
        "ALIBABA_CLOUD_REGION_ID": REGION,
        **SANDBOX_CREDENTIALS,
        "ALIBABA_CLOUD_ECS_METADATA_DISABLED": "true",
        "ECS_DR_MAX_CALL_WAIT_S": "0.2",
        "ECS_DR_CLOUD_TIME_SCALE": str(TEST_TIME_SCALE),
        **(env or {}),
    }
    mark = f"ecs-dr-test-server-{name}-{os.urandom(4).hex()}"
    environment = server_environment(workdir / "state", settings)
    params = StdioServerParameters(
        command=sys.executable, args=["-c", SERVER_LAUNCHER, mark, *args], env=environment
    )
    log_path = workdir / f"{name}.log"
    transcript = Transcript()
    with log_path.open("w") as errlog:
        async with TranscribedClient(
            stdio_client(params, errlog=errlog),
            read_timeout_seconds=REQUEST_TIMEOUT_S,
            transcript=transcript,
        ) as client:
            (pid,) = child_pids(mark)
            yield Session(client, sandbox, log_path), pid
    SECRET_SCAN.check(credentials_of(environment), log_path, transcript)


async def until_sent(sandbox: SandboxControl, action: str) -> None:
    """Wait until the sandbox has received `action` (its requests log is polled: the sandbox
    has no event to wait on)."""
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            if action in sandbox.actions():
                return
            await anyio.sleep(0.005)
