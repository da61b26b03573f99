"""Streamable HTTP, guarded: loopback by default, Host and Origin checked against the bound
address (DNS rebinding), a bearer token required beyond loopback and checked on every request
before anything else, and slow clients bounded in time and number (SlowClientGuard).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import h11
import structlog
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from ecs_dr.bootstrap import ENV_HTTP_ALLOWED_HOSTS, ENV_HTTP_TOKEN, ConfigError, HttpSettings
from ecs_dr.cloud.settings import is_loopback_host

log = structlog.get_logger("ecs_dr.http")


def refuse_unauthenticated_exposure(host: str, http: HttpSettings) -> None:
    """Beyond loopback, anyone who reaches the port could create cloud resources with this
    server's credentials: listening there takes a bearer token."""
    if not is_loopback_host(host) and http.token is None:
        raise ConfigError(
            f"refusing to listen on {host}: it is not a loopback address and {ENV_HTTP_TOKEN} "
            "is not set; set it to a random token (every request must then carry "
            "'Authorization: Bearer <token>'), or bind 127.0.0.1"
        )


def listen(host: str, port: int) -> socket.socket:
    """The bound socket, so that the port (0: a free one) is known before the app is built."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ConfigError(f"cannot listen on --host {host} --port {port}: {exc}") from None


def allowed_hosts(host: str, port: int, configured: Iterable[str]) -> list[str]:
    """The Host header values a request may carry: loopback's names at the bound port, the
    bound address itself, and the operator's ECS_DR_HTTP_ALLOWED_HOSTS. Anything else is a
    DNS-rebinding attempt or a client that reached the server by a name nobody vouched for."""
    names = ["127.0.0.1", "localhost", "[::1]"]
    bound = f"[{host}]" if ":" in host else host
    if bound not in names and not _is_unspecified(host):
        names.append(bound)
    return [f"{name}:{port}" for name in names] + list(configured)


class BearerTokenMiddleware:
    """Every HTTP request must carry `Authorization: Bearer <token>`; 401 otherwise. Outermost,
    it sees a request as soon as its headers are in: a refused one is answered before its body
    is read or an MCP session made, and its connection closed rather than kept for a body
    nobody will read."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._token = token.encode()

    def _authorized(self, scope: Scope) -> bool:
        scheme, _, credentials = Headers(scope=scope).get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self._token
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(scope):
            refused = PlainTextResponse(
                "a bearer token is required (Authorization: Bearer <token>)",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer", "Connection": "close"},
            )
            await refused(scope, receive, send)
            return
        await self._app(scope, receive, send)


async def serve_http(
    server: MCPServer[Any], listener: socket.socket, host: str, http: HttpSettings
) -> None:
    port = int(listener.getsockname()[1])
    hosts = allowed_hosts(host, port, http.allowed_hosts)
    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=hosts,
        allowed_origins=[f"http://{h}" for h in hosts],
    )
    app: ASGIApp = server.streamable_http_app(host=host, transport_security=security)
    if http.token is not None:
        app = BearerTokenMiddleware(app, http.token.get_secret_value())
    if not is_loopback_host(host):
        log.warning(
            "server.exposed",
            host=host,
            note="reachable beyond this machine: every request needs the bearer token, which "
            "travels in clear text over plain HTTP (put TLS in front); clients reaching it by a "
            f"name or address must be allowed in {ENV_HTTP_ALLOWED_HOSTS}",
        )
    log.info(
        "server.listening",
        host=host,
        port=port,
        path="/mcp",
        allowed_hosts=hosts,
        authentication="bearer" if http.token is not None else "none",
        max_connections=http.max_connections,
        header_timeout_s=http.header_timeout_s,
        keep_alive_timeout_s=http.keep_alive_timeout_s,
    )
    await uvicorn.Server(GuardedConfig(app, http)).serve(sockets=[listener])


# What a connection turned away is told: its headers came too slowly, or it lost its place
# (or never had one) under the connection cap.
HEADER_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 26\r\nconnection: close\r\n\r\nrequest headers too slow\r\n"
)
BUSY_RESPONSE = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 27\r\nconnection: close\r\n\r\ntoo many open connections\r\n"
)
# An open event stream must not keep a stopping server waiting for ever.
GRACEFUL_SHUTDOWN_S = 5


class GuardedConfig(uvicorn.Config):
    """uvicorn's Config serving through SlowClientGuard, with the limits of HttpSettings."""

    def __init__(self, app: ASGIApp, http: HttpSettings) -> None:
        # log_config=None: uvicorn's loggers go through the JSON handler of ecs_dr.logs.
        # backlog: at most this many newcomers are accepted at once before the ones over the
        # cap are turned away (see HttpSettings' descriptor budget).
        super().__init__(
            app,
            http=SlowClientGuard,
            log_config=None,
            lifespan="on",
            timeout_keep_alive=http.keep_alive_timeout_s,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            backlog=http.max_connections,
        )
        self.header_timeout_s = http.header_timeout_s
        self.max_connections = http.max_connections


class SlowClientGuard(H11Protocol):
    """uvicorn's h11 protocol with the two defences against slow clients (slowloris) it lacks.

    A header-read deadline: uvicorn times out only idle keep-alive connections, and every byte
    received resets that timer, so a client sending a header byte every few seconds held a
    connection, and a file descriptor, for ever. Here a connection whose request line and
    headers are not complete `header_timeout_s` after it opened, or after its previous response,
    is closed with a 408. The deadline ends with the headers: bodies and long responses (the MCP
    event stream) are not bound by it.

    A cap on connections: uvicorn's `limit_concurrency` answers 503 only once a request's headers
    are in, so it never counts the connections a slow client is still sending headers on. Here a
    connection over `max_connections` closes, with a 503, the one that has waited longest for
    its headers (slow, or idle between requests); when every connection is busy with a request,
    the newcomer gets the 503. A flood of slow clients thus holds at most `max_connections`
    descriptors and never locks out a client that sends its request at once.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        if not isinstance(config, GuardedConfig):
            raise TypeError("SlowClientGuard takes its limits from a GuardedConfig")
        self.header_timeout_s = config.header_timeout_s
        self.max_connections = config.max_connections
        self.awaiting_headers_since: float | None = None
        self.header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections and not self._evict_longest_waiting():
            self.turn_away(BUSY_RESPONSE)
            return
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_received()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._headers_received()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._await_headers()

    def turn_away(self, response: bytes) -> None:
        """Close this connection, which waits for request headers, after telling it why."""
        self._headers_received()
        self.transport.write(response)
        self.transport.close()

    def _await_headers(self) -> None:
        self._headers_received()
        self.awaiting_headers_since = self.loop.time()
        self.header_deadline = self.loop.call_later(
            self.header_timeout_s, self.turn_away, HEADER_TIMEOUT_RESPONSE
        )

    def _headers_received(self) -> None:
        if self.header_deadline is not None:
            self.header_deadline.cancel()
            self.header_deadline = None
        self.awaiting_headers_since = None

    def _evict_longest_waiting(self) -> bool:
        """Turn away the connection that has waited longest for headers; False: none waits."""
        waiting = {
            connection: connection.awaiting_headers_since
            for connection in self.connections
            if isinstance(connection, SlowClientGuard)
            and connection.awaiting_headers_since is not None
        }
        if not waiting:
            return False
        min(waiting, key=waiting.__getitem__).turn_away(BUSY_RESPONSE)
        return True


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
