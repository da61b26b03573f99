"""Slow clients (slowloris) must not take streamable HTTP down: a flood of connections that
send a header byte a second holds at most the server's connection cap, each of them for no
longer than the header timeout, and a client that sends its request at once is served all the
while; a request without the bearer token is refused before its body is read.

The server runs under `ulimit -n 192`, which leaves it room for 42 connections (the default
cap, from HttpSettings' descriptor budget), with a 3-second header timeout; 200 slow
connections are more than it has descriptors for. Before the cap and the timeout, the flood
took every descriptor and kept it: the client with the token was never served.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import anyio
import pytest
from anyio.abc import SocketStream, TaskStatus

from ecs_dr.bootstrap import connection_budget
from tests.support.http_servers import TOKEN, HttpServer, http_server

OPEN_FILE_LIMIT = 192
MAX_CONNECTIONS = connection_budget(OPEN_FILE_LIMIT)
FLOOD = 200
HEADER_TIMEOUT_S = 3
# How late past the header timeout a slow connection may be closed (timers, a busy machine).
CLOSE_SLACK_S = 2.0
# How long the client with the token may take to be served during the flood.
SERVED_WITHIN_S = 5.0
# How long the turning away of the connections over the cap may take.
SETTLE_S = 2.0
# Never completed: the line break that would end the headers is never sent.
REQUEST_PREFIX = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


@dataclass
class SlowClient:
    opened_at: float = 0.0
    closed_after_s: float | None = None  # from opening until the server answered or closed


class Flood:
    """The slow clients, told apart by whether the server has let them go yet."""

    def __init__(self, size: int) -> None:
        self.clients = [SlowClient() for _ in range(size)]
        self.closed = 0
        self._waiting: dict[int, anyio.Event] = {}

    def let_go(self, client: SlowClient) -> None:
        client.closed_after_s = anyio.current_time() - client.opened_at
        self.closed += 1
        for count, event in self._waiting.items():
            if self.closed >= count:
                event.set()

    async def closed_at_least(self, count: int) -> None:
        if self.closed < count:
            await self._waiting.setdefault(count, anyio.Event()).wait()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpServer]:
    """The server with a bearer token, a 3-second header timeout and 192 descriptors."""
    env = {"ECS_DR_HTTP_TOKEN": TOKEN, "ECS_DR_HTTP_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S)}
    workdir = tmp_path_factory.mktemp("guarded")
    with http_server(workdir, env=env, open_file_limit=OPEN_FILE_LIMIT) as server:
        yield server


async def _server_lets_go(stream: SocketStream) -> bool:
    """Send a header byte a second until the server answers or closes the connection; False
    if it never does within REQUEST_PREFIX's length in seconds."""
    for byte in REQUEST_PREFIX:
        try:
            await stream.send(bytes([byte]))
            with anyio.move_on_after(1):
                await stream.receive()
                return True
        except (anyio.EndOfStream, anyio.BrokenResourceError, OSError):
            return True
    return False


async def trickle(
    port: int,
    flood: Flood,
    client: SlowClient,
    *,
    task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
) -> None:
    """One slow client, started once connected; its connection is closed on the way out."""
    async with await anyio.connect_tcp("127.0.0.1", port) as stream:
        client.opened_at = anyio.current_time()
        task_status.started()
        if await _server_lets_go(stream):
            flood.let_go(client)


async def test_a_slow_client_flood_is_bounded_and_a_client_with_the_token_is_served(
    guarded: HttpServer,
) -> None:
    flood = Flood(FLOOD)
    tools = None
    async with anyio.create_task_group() as slow_clients:
        for client in flood.clients:
            await slow_clients.start(trickle, guarded.port, flood, client)
        with anyio.move_on_after(SETTLE_S):
            await flood.closed_at_least(FLOOD - MAX_CONNECTIONS)
        held_while_served = FLOOD - flood.closed
        with anyio.move_on_after(SERVED_WITHIN_S):
            async with guarded.client({"Authorization": f"Bearer {TOKEN}"}) as legitimate:
                tools = await legitimate.list_tools()
        with anyio.move_on_after(HEADER_TIMEOUT_S + CLOSE_SLACK_S):
            await flood.closed_at_least(FLOOD)
        slow_clients.cancel_scope.cancel()

    assert tools is not None, f"not served within {SERVED_WITHIN_S} s during the flood"
    assert "describe_source" in {tool.name for tool in tools.tools}
    assert 0 < held_while_served <= MAX_CONNECTIONS, held_while_served
    kept_open = FLOOD - flood.closed
    assert not kept_open, f"{kept_open} slow connections were never closed"
    slowest = max(client.closed_after_s or 0.0 for client in flood.clients)
    assert slowest <= HEADER_TIMEOUT_S + CLOSE_SLACK_S, slowest
    errors = [line for line in guarded.log_lines() if line.get("level") == "error"]
    assert not errors, errors
    listening = next(e for e in guarded.log_lines() if e["event"] == "server.listening")
    assert listening["max_connections"] == MAX_CONNECTIONS == 42
    assert listening["header_timeout_s"] == HEADER_TIMEOUT_S


async def test_a_request_without_the_token_is_refused_before_its_body_is_read(
    guarded: HttpServer,
) -> None:
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{guarded.port}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
    )
    answer = b""
    with anyio.fail_after(SETTLE_S):
        async with await anyio.connect_tcp("127.0.0.1", guarded.port) as stream:
            await stream.send(head.encode())
            try:
                while True:
                    answer += await stream.receive()
            except anyio.EndOfStream:
                pass
    assert answer.startswith(b"HTTP/1.1 401 "), answer
