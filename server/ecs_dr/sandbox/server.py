"""Running the sandbox on a loopback port: in a background thread (embedded in the MCP server,
tests) or in the foreground (`ecs-dr-sandbox`).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from types import TracebackType

import uvicorn

from ecs_dr.sandbox.app import Sandbox, build_app


def bind_loopback(port: int = 0, host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    return sock


def uvicorn_server(sandbox: Sandbox) -> uvicorn.Server:
    config = uvicorn.Config(
        build_app(sandbox), log_level="critical", access_log=False, lifespan="off"
    )
    return uvicorn.Server(config)


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
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
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
