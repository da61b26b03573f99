"""Running the sandbox on a loopback port: in a background thread (embedded in the MCP server,
tests) or in the foreground (`ecs-dr-sandbox`).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from types import TracebackType

import uvicorn

from ecs_dr.sandbox.app import Sandbox, build_app

# uvicorn checks for a stop request every 0.1 s, then sleeps 0.1 s more before it waits for
# the connections to close: 0.2 s for every stop. The sandbox's server wakes at once and polls
# the closing connections every few milliseconds instead.
TICK_S = 0.1  # uvicorn's own tick: the Date header and signal-driven exits keep their pace
CLOSE_POLL_S = 0.002
# A request still running at a stop is one its caller gave up on (an injected latency, say):
# it gets this long to finish, then is cancelled and its connection closed.
GRACE_S = 0.25


class SandboxServer(uvicorn.Server):
    """uvicorn's server with a prompt, still orderly, stop."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()

    def request_exit(self) -> None:
        """Ask the server to stop, from any thread, and wake its loop so it does so now."""
        self.should_exit = True
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                loop.call_soon_threadsafe(self._wake.set)

    async def main_loop(self) -> None:
        # uvicorn's loop, but a stop request ends the wait between ticks.
        self._loop = asyncio.get_running_loop()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), TICK_S)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # uvicorn's shutdown, with its fixed 0.1 s sleeps replaced by short polls.
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        state = self.server_state
        for connection in list(state.connections):
            connection.shutdown()  # idle keep-alive connections close now, busy ones when done
        await self._wait_idle(GRACE_S)
        # What is still running was abandoned by its caller: cancel it, drop its connection.
        for task in list(state.tasks):
            task.cancel()
        for connection in list(state.connections):
            connection.transport.close()
        await self._wait_idle(GRACE_S)
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _wait_idle(self, seconds: float) -> None:
        """Poll until no connection is open and no request runs, for `seconds` at the most."""
        state = self.server_state
        deadline = time.monotonic() + seconds
        while state.connections or state.tasks:
            if self.force_exit or time.monotonic() >= deadline:
                return
            await asyncio.sleep(CLOSE_POLL_S)


def bind_loopback(port: int = 0, host: str = "127.0.0.1") -> socket.socket:
    # IPPROTO_TCP named, so that asyncio turns Nagle off on the accepted connections (it does
    # so only for sockets whose `proto` says TCP); with Nagle on, an answer's body waited for
    # the client's delayed ACK of its headers: some 40 ms a call.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def uvicorn_server(sandbox: Sandbox) -> SandboxServer:
    config = uvicorn.Config(
        build_app(sandbox), log_level="critical", access_log=False, lifespan="off"
    )
    return SandboxServer(config)


class SandboxThread:
    """The sandbox served from a daemon thread; `endpoint` is `127.0.0.1:PORT`."""

    def __init__(self, sandbox: Sandbox, port: int = 0) -> None:
        self.sandbox = sandbox
        self._socket = bind_loopback(port)
        self.port: int = self._socket.getsockname()[1]
        self.endpoint = f"127.0.0.1:{self.port}"
        self._server = uvicorn_server(sandbox)
        self._thread = threading.Thread(target=self._run, name="ecs-sandbox", daemon=True)

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def start(self, timeout: float = 10.0) -> SandboxThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.001)
        return self

    def stop(self) -> None:
        self._server.request_exit()
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
