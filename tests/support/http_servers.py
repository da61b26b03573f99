"""`ecs-dr-mcp serve --sandbox --transport streamable-http --port 0` in a child process, found
by its `server.listening` line, driven by the `mcp` client over streamable HTTP or by raw
requests; its log is scanned for credentials (the bearer token among them) when it stops."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from tests.support.credentials import SANDBOX_CREDENTIALS, credentials_of
from tests.support.mcp import (
    REQUEST_TIMEOUT_S,
    START_TIMEOUT_S,
    TranscribedClient,
    server_environment,
)
from tests.support.secret_scan import SECRET_SCAN, Transcript

TOKEN = "tN4vQ8xK2mR7pL9sW3bZ6cY1hJ5gF0dA"
STOP_TIMEOUT_S = 10.0
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "security-test", "version": "0"},
    },
}


@dataclass
class HttpServer:
    host: str
    port: int
    log_path: Path
    transcript: Transcript

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line]

    @asynccontextmanager
    async def client(self, headers: Mapping[str, str] | None = None) -> AsyncIterator[Client]:
        """The `mcp` client on this server, over streamable HTTP sending `headers`."""
        async with (
            create_mcp_http_client(headers=dict(headers or {})) as http,
            TranscribedClient(
                streamable_http_client(self.url, http_client=http),
                read_timeout_seconds=REQUEST_TIMEOUT_S,
                transcript=self.transcript,
            ) as client,
        ):
            yield client

    async def initialize(self, headers: Mapping[str, str]) -> httpx2.Response:
        """A raw `initialize` POST carrying `headers` (Host and Origin included)."""
        async with httpx2.AsyncClient(timeout=REQUEST_TIMEOUT_S) as http:
            return await http.post(
                self.url,
                json=INITIALIZE,
                headers={"accept": "application/json, text/event-stream", **headers},
            )


# `ecs-dr-mcp` with at most argv[1] file descriptors, as a server under `ulimit -n` runs.
WITH_OPEN_FILE_LIMIT = (
    "import resource, sys; from ecs_dr.cli import main; "
    "limit = int(sys.argv.pop(1)); _, hard = resource.getrlimit(resource.RLIMIT_NOFILE); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard)); sys.exit(main())"
)


def serve_command(host: str | None, open_file_limit: int | None = None) -> list[str]:
    if open_file_limit is None:
        command = [sys.executable, "-m", "ecs_dr.cli"]
    else:
        command = [sys.executable, "-c", WITH_OPEN_FILE_LIMIT, str(open_file_limit)]
    command += ["serve", "--sandbox", "--transport", "streamable-http", "--port", "0"]
    return command + (["--host", host] if host else [])


async def _listening(log_path: Path, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    """The server's `server.listening` line, once it is written."""
    with anyio.fail_after(START_TIMEOUT_S):
        while True:
            text = await anyio.Path(log_path).read_text()
            for line in text.splitlines():
                event = json.loads(line)
                if event.get("event") == "server.listening":
                    return dict(event)
            assert process.poll() is None, text
            await anyio.sleep(0.01)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def http_server(
    workdir: Path,
    host: str | None = None,
    env: Mapping[str, str] | None = None,
    open_file_limit: int | None = None,
    command: list[str] | None = None,
) -> Iterator[HttpServer]:
    """The server listening (with at most `open_file_limit` descriptors; `command` replaces
    the whole command line), stopped and scanned for credentials on the way out."""
    environment = server_environment(workdir / "state", {**SANDBOX_CREDENTIALS, **(env or {})})
    log_path = workdir / "server.log"
    transcript = Transcript()
    with log_path.open("w") as errlog:
        process = subprocess.Popen(
            command or serve_command(host, open_file_limit),
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errlog,
        )
        try:
            listening = anyio.run(_listening, log_path, process)
            yield HttpServer(str(listening["host"]), int(listening["port"]), log_path, transcript)
        finally:
            stop(process)
    SECRET_SCAN.check(credentials_of(environment), log_path, transcript)
