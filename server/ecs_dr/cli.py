"""`ecs-dr-mcp`: the product's command line."""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import socket
import sys
import threading
from collections.abc import Iterable
from importlib.metadata import version
from types import TracebackType
from typing import Any, TextIO

import anyio
import structlog
import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from ecs_dr import demo
from ecs_dr.app import create_server
from ecs_dr.bootstrap import (
    ENV_HTTP_ALLOWED_HOSTS,
    ENV_HTTP_TOKEN,
    ConfigError,
    HttpSettings,
    build_services,
)
from ecs_dr.logs import configure_logging, redact_secrets

log = structlog.get_logger("ecs_dr.cli")

DEFAULT_HTTP_PORT = 8000


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecs-dr-mcp",
        description="Cross-zone disaster recovery backups of Alibaba Cloud ECS instances.",
    )
    parser.add_argument("--version", action="version", version=version("ecs-dr-mcp"))
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="run the MCP server",
        description=(
            "Run the MCP server. Credentials come from the Alibaba Cloud default chain "
            "(environment, ~/.aliyun/config.json, ECS RAM role, OIDC); --sandbox needs none."
        ),
    )
    serve.add_argument("--transport", choices=("stdio", "streamable-http"), default="stdio")
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help=f"streamable-http: address to bind; one beyond loopback needs {ENV_HTTP_TOKEN}",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=DEFAULT_HTTP_PORT,
        help="streamable-http: port to bind (0: a free one; the server.listening line says which)",
    )
    serve.add_argument(
        "--sandbox",
        action="store_true",
        help="talk to an embedded ECS emulator with the demo world instead of the cloud",
    )
    serve.add_argument(
        "--read-only",
        action="store_true",
        help="offer only the tools that change nothing in the cloud",
    )
    serve.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    commands.add_parser(
        "demo",
        help="recover the demo world's database server into another zone, through MCP, on the "
        "sandbox",
    )
    return parser


def route_stdlib_logging(level: str, stream: TextIO | None = None) -> None:
    """Send the standard library's loggers (mcp, uvicorn) and warnings through the same
    redacted JSON lines on stderr (or `stream`), so nothing but the protocol ever reaches
    stdout and nothing unredacted reaches stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                redact_secrets,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    logging.captureWarnings(True)


def log_uncaught_exceptions() -> None:
    """A crash's traceback goes through the redacting log too, never raw onto stderr."""

    def crashed(
        kind: type[BaseException], exc: BaseException, traceback: TracebackType | None
    ) -> None:
        log.critical("server.crashed", exc_info=(kind, exc, traceback))

    def thread_crashed(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
            log.critical(
                "thread.crashed", thread=getattr(args.thread, "name", None), exc_info=exc_info
            )

    sys.excepthook = crashed
    threading.excepthook = thread_crashed


def serve(args: argparse.Namespace) -> int:
    configure_logging(args.log_level)
    route_stdlib_logging(args.log_level)
    log_uncaught_exceptions()
    try:
        http = None
        if args.transport == "streamable-http":
            http = HttpSettings.from_env()
            refuse_unauthenticated_exposure(args.host, http)
        with build_services(sandbox=args.sandbox) as services:
            server = create_server(services, read_only=args.read_only)
            log.info(
                "server.starting",
                transport=args.transport,
                sandbox=args.sandbox,
                read_only=args.read_only,
                region=services.gateway.settings.region_id,
            )
            if http is None:
                anyio.run(server.run_stdio_async)
            else:
                listener = listen(args.host, args.port)
                anyio.run(_serve_http, server, listener, args.host, http)
    except ConfigError as exc:
        log.error("server.config_error", error=str(exc))
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def refuse_unauthenticated_exposure(host: str, http: HttpSettings) -> None:
    """Beyond loopback, anyone who reaches the port could create cloud resources with this
    server's credentials: listening there takes a bearer token."""
    if not _is_loopback(host) and http.token is None:
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


async def _serve_http(
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
    if not _is_loopback(host):
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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_unspecified(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "demo":
        return demo.main()
    return 2


if __name__ == "__main__":
    sys.exit(main())
