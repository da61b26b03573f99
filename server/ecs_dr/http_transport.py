"""Streamable HTTP, guarded: loopback by default, Host and Origin checked against the bound
address (DNS rebinding), a bearer token required beyond loopback and checked on every request.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import structlog
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

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
    """Every HTTP request must carry `Authorization: Bearer <token>`; 401 otherwise."""

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
                headers={"WWW-Authenticate": "Bearer"},
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
    )
    # log_config=None: uvicorn's loggers go through the JSON handler above.
    config = uvicorn.Config(app, log_config=None, lifespan="on")
    await uvicorn.Server(config).serve(sockets=[listener])


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False
