"""`ecs-dr-mcp serve --sandbox` in a child process, driven by the `mcp` client over stdio.

The server logs JSON lines to a file the test owns (stderr); the embedded sandbox's endpoint
is read from the `sandbox.started` line, and its control endpoints (`/_sandbox/requests`,
`/_sandbox/state`) show what the server did to the cloud.

Every server signs with real-looking credentials (an AccessKey id of the real shape, a
30-character secret, an STS token), and when a `serve`/`serve_on` context ends, its log and
every tool result, error and progress message its client received are scanned for them
(`SECRET_SCAN`): a credential that shows anywhere fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
from mcp import Client
from mcp.client.session import ClientRequestContext
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.shared.dispatcher import ProgressFnT
from mcp.shared.exceptions import MCPError

from ecs_dr.bootstrap import CREDENTIAL_VARIABLES, ENV_HTTP_TOKEN
from ecs_dr.cloud.user_agent import USER_AGENT
from ecs_dr.logs import MIN_SECRET_LENGTH
from tests import figures

# Cloud time runs this much faster than real time: a whole recovery takes about a second.
TEST_TIME_SCALE = 600.0
START_TIMEOUT_S = 30.0
REQUEST_TIMEOUT_S = 60.0
USER_AGENT_PREFIX = USER_AGENT.rsplit("/", 1)[0] + "/"

# The credentials every test server signs with, shaped like real ones so that neither a
# redaction by shape nor one by value is spared: `LTAI5t` and 18 alphanumerics, a
# 30-character secret, and an STS token (sent with every request; the sandbox ignores it).
SANDBOX_KEY_ID = "LTAI5tfCIT5F0UzyHbUUjDyL"
SANDBOX_KEY_SECRET = "SRKnzlx5toEjCFsyQHtX25lqS6WCpL"
SANDBOX_SECURITY_TOKEN = (
    "CAIS8QF1q6Ft5B2yfSjIr5bMGM/2n7tU0Ky6Qk3QtWQsTu1li/3FlTz2IHhMfXRuB+0Ysvg/lW5T6fkdlrp6"
    "SJtIRkvLYMh6w7A9rEWrrF2hs3M5Bn6dGoAHRaPF2RL4XIAGz0kbqF5JYwwrSmHF8yqrBiaHVX1mGJRCvAKl2A=="
)
SANDBOX_CREDENTIALS = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": SANDBOX_KEY_ID,
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SANDBOX_KEY_SECRET,
    "ALIBABA_CLOUD_SECURITY_TOKEN": SANDBOX_SECURITY_TOKEN,
}


@dataclass
class SandboxControl:
    """The embedded sandbox's control endpoints."""

    endpoint: str

    def _get(self, path: str) -> Any:
        url = f"http://{self.endpoint}/_sandbox/{path}"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def requests(self) -> list[dict[str, Any]]:
        return list(self._get("requests")["requests"])

    def add_fault(self, fault: Mapping[str, Any]) -> None:
        request = urllib.request.Request(
            f"http://{self.endpoint}/_sandbox/faults",
            data=json.dumps(fault).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def actions(self) -> list[str]:
        return [r["action"] for r in self.requests()]

    def calls(self, action: str) -> list[dict[str, str]]:
        """The parameters of every request of one action, in order."""
        return [r["parameters"] for r in self.requests() if r["action"] == action]

    def state(self) -> dict[str, Any]:
        return dict(self._get("state"))

    def _post(self, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            f"http://{self.endpoint}/_sandbox/{path}",
            data=json.dumps(dict(payload or {})).encode(),
            method="POST",
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def reset(self, durations: Mapping[str, Any] | None = None) -> None:
        """The world as loaded, no faults, an empty requests log (the clock keeps its time);
        with `durations` (spread, seed), resources from now on take durations drawn so."""
        self._post("reset", None if durations is None else {"durations": durations})

    def clear_faults(self) -> None:
        request = urllib.request.Request(f"http://{self.endpoint}/_sandbox/faults", method="DELETE")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def advance_clock(self, seconds: float) -> None:
        """Move a virtual cloud clock on (a sandbox started with one; see `/_sandbox/clock`)."""
        self._post("clock", {"advance": seconds})


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


def recommended(params: types.ElicitRequestParams) -> types.ElicitResult:
    """Accept every field's first option: the recommended one."""
    assert isinstance(params, types.ElicitRequestFormParams)
    fields = params.requested_schema["properties"]
    return types.ElicitResult(
        action="accept", content={k: v["oneOf"][0]["const"] for k, v in fields.items()}
    )


def decline(params: types.ElicitRequestParams) -> types.ElicitResult:
    return types.ElicitResult(action="decline")


@dataclass
class Transcript:
    """What a server told its client: tool results and errors, and progress messages."""

    results: list[tuple[str, str]] = field(default_factory=list)
    progress: list[tuple[str, str]] = field(default_factory=list)


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


@dataclass
class SecretScan:
    """Everything the scan looked at in this test session, and how many credentials it found."""

    servers: int = 0
    log_bytes: int = 0
    log_lines: int = 0
    results: int = 0
    progress_messages: int = 0
    result_bytes: int = 0
    found: int = 0

    def check(self, secrets: Mapping[str, str], log_path: Path, transcript: Transcript) -> None:
        """Raise naming where each credential showed (never the credential itself)."""
        found: list[str] = []
        log = log_path.read_bytes() if log_path.exists() else b""
        self.servers += 1
        self.log_bytes += len(log)
        for number, line in enumerate(log.splitlines(), 1):
            self.log_lines += 1
            found += [f"{log_path.name} line {number}: {kind}" for kind in _holding(secrets, line)]
        for index, (tool, text) in enumerate(transcript.results, 1):
            self.results += 1
            self.result_bytes += len(text.encode())
            where = f"tool result {index} ({tool})"
            found += [f"{where}: {kind}" for kind in _holding(secrets, text.encode())]
        for index, (tool, message) in enumerate(transcript.progress, 1):
            self.progress_messages += 1
            self.result_bytes += len(message.encode())
            where = f"progress message {index} ({tool})"
            found += [f"{where}: {kind}" for kind in _holding(secrets, message.encode())]
        self.found += len(found)
        if found:
            raise AssertionError("credentials leaked: " + "; ".join(found))


SECRET_SCAN = SecretScan()
SCAN_FIGURES = "secret_scan"
figures.source(SCAN_FIGURES, lambda: [asdict(SECRET_SCAN)])


def scan_summary(scans: Sequence[Mapping[str, int]]) -> list[str]:
    """The scan's totals over every process that ran servers; nothing when none did."""
    total = {name: sum(scan[name] for scan in scans) for name in SecretScan.__dataclass_fields__}
    if not total["servers"]:
        return []
    return [
        f"secret scan: {total['servers']} servers, {total['log_bytes']} log bytes in "
        f"{total['log_lines']} lines, {total['results']} tool results and "
        f"{total['progress_messages']} progress messages ({total['result_bytes']} bytes): "
        f"{total['found']} credentials found"
    ]


def _holding(secrets: Mapping[str, str], data: bytes) -> list[str]:
    return [kind for kind, value in secrets.items() if value.encode() in data]


def credentials_of(environment: Mapping[str, str]) -> dict[str, str]:
    """The credential values a server was started with (and the sandbox's own), by name."""
    named = {f"the sandbox's {name}": value for name, value in SANDBOX_CREDENTIALS.items()}
    for name in (*CREDENTIAL_VARIABLES, ENV_HTTP_TOKEN):
        value = environment.get(name, "")
        if len(value) >= MIN_SECRET_LENGTH and value not in named.values():
            named[f"the configured {name}"] = value
    return named


@dataclass
class Served:
    client: Client
    sandbox: SandboxControl
    log_path: Path

    async def call(self, tool: str, arguments: Mapping[str, Any] | None = None) -> Any:
        """Call a tool that must succeed; returns its structured result."""
        result = await self.client.call_tool(tool, dict(arguments or {}))
        assert not result.is_error, result.content
        return result.structured_content

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
async def serve(
    workdir: Path,
    *,
    read_only: bool = False,
    elicitation: Elicitations | None = None,
    mode: str = "legacy",
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> AsyncIterator[Served]:
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
            yield Served(client, SandboxControl(endpoint), log_path)
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


Chooser = Callable[[Mapping[str, Any]], str]


def first_option(prompt: Mapping[str, Any]) -> str:
    """The recommended option: prompts list it first."""
    return str(prompt["options"][0]["value"])


async def decide(
    served: Served, tool: str, arguments: Mapping[str, Any], choose: Chooser = first_option
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Call a tool as an agent without elicitation does: answer each needs_decision with the
    user's choice and call again. Returns the final result and every prompt asked."""
    decisions: dict[str, str] = {}
    asked: list[dict[str, Any]] = []
    for _ in range(5):
        result = await served.call(tool, {**arguments, "decisions": decisions})
        if result["status"] != "needs_decision":
            return result, asked
        for prompt in result["decisions"]:
            asked.append(prompt)
            decisions[prompt["decision_id"]] = choose(prompt)
    raise AssertionError(f"{tool} kept asking: {[p['decision_id'] for p in asked]}")


async def confirmed(
    served: Served, tool: str, arguments: Mapping[str, Any], choose: Chooser = first_option
) -> dict[str, Any]:
    """The arguments with which `tool` goes ahead: the prompts its first call returns, each
    answered with the user's choice under the decision id the prompt carries (a confirmation's
    is bound to this server process and these parameters). For a test that makes that call
    itself (concurrently, say, or to see it answer in_progress)."""
    result = await served.call(tool, arguments)
    assert result["status"] == "needs_decision", result
    decisions = {p["decision_id"]: choose(p) for p in result["decisions"]}
    return {**arguments, "decisions": decisions}


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


# --- a sandbox in a process of its own, and servers on it -------------------------------------

# `ecs-dr-mcp serve`, started so that a mark in its command line finds its pid for a SIGKILL.
SERVER_LAUNCHER = """
import sys
from ecs_dr.cli import main
sys.exit(main(["serve", *sys.argv[2:]]))
"""


@contextmanager
def sandbox_process(workdir: Path, args: list[str] | None = None) -> Iterator[SandboxControl]:
    """A sandbox that outlives the servers the test kills: `ecs-dr-sandbox --port 0` at the
    test time scale, or `python <args>` printing `endpoint: ...` first. Stopped on the way out.
    """
    command = [sys.executable, *(args or [])]
    if args is None:
        command += ["-m", "ecs_dr.sandbox.cli", "--port", "0", "--time-scale", str(TEST_TIME_SCALE)]
        command += ["--access-key-id", SANDBOX_KEY_ID, "--access-key-secret", SANDBOX_KEY_SECRET]
    with (workdir / "sandbox.log").open("w") as errlog:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errlog, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("endpoint: "), line
            yield SandboxControl(line.removeprefix("endpoint: ").strip())
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


@asynccontextmanager
async def serve_on(
    sandbox: SandboxControl,
    workdir: Path,
    name: str,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
) -> AsyncIterator[tuple[Served, int]]:
    """`ecs-dr-mcp serve` (no --sandbox) on `sandbox` and `workdir`'s journal, and its pid.

    Its waits (polls and deadlines) run at the test time scale (ECS_DR_CLOUD_TIME_SCALE), as a
    server waits on ECS in real seconds; `env` adds to or overrides its settings, `args` to its
    command line.
    """
    settings = {
        "ALIBABA_CLOUD_ECS_ENDPOINT": sandbox.endpoint,
        "ALIBABA_CLOUD_ECS_PROTOCOL": "http",
        "ALIBABA_CLOUD_REGION_ID": "cn-hangzhou",
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
            yield Served(client, sandbox, log_path), pid
    SECRET_SCAN.check(credentials_of(environment), log_path, transcript)


async def until_sent(sandbox: SandboxControl, action: str) -> None:
    """Wait until the sandbox has received `action` (its requests log is polled: the sandbox
    has no event to wait on)."""
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            if action in sandbox.actions():
                return
            await anyio.sleep(0.005)
