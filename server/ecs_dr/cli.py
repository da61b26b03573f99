"""`ecs-dr-mcp`: the product's command line."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import sys
from importlib.metadata import version
from typing import Any

import anyio
import structlog
import uvicorn
from mcp.server.mcpserver import MCPServer

from ecs_dr import demo
from ecs_dr.app import create_server
from ecs_dr.bootstrap import ConfigError, build_services
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
    serve.add_argument("--host", default="127.0.0.1", help="streamable-http: address to bind")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_HTTP_PORT, help="streamable-http: port to bind"
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


def route_stdlib_logging(level: str) -> None:
    """Send the standard library's loggers (mcp, uvicorn) through the same JSON lines on
    stderr, so nothing but the protocol ever reaches stdout."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                redact_secrets,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)


def serve(args: argparse.Namespace) -> int:
    configure_logging(args.log_level)
    route_stdlib_logging(args.log_level)
    try:
        with build_services(sandbox=args.sandbox) as services:
            server = create_server(services, read_only=args.read_only)
            log.info(
                "server.starting",
                transport=args.transport,
                sandbox=args.sandbox,
                read_only=args.read_only,
                region=services.gateway.settings.region_id,
            )
            if args.transport == "stdio":
                anyio.run(server.run_stdio_async)
            else:
                anyio.run(_serve_http, server, args.host, args.port)
    except ConfigError as exc:
        log.error("server.config_error", error=str(exc))
        return 2
    except KeyboardInterrupt:
        pass
    return 0


async def _serve_http(server: MCPServer[Any], host: str, port: int) -> None:
    if not _is_loopback(host):
        log.warning(
            "server.exposed",
            host=host,
            note="the MCP endpoint has no authentication; anyone who reaches it can create "
            "cloud resources with this server's credentials",
        )
    app = server.streamable_http_app(host=host)
    # log_config=None: uvicorn's loggers go through the JSON handler above.
    config = uvicorn.Config(app, host=host, port=port, log_config=None, lifespan="on")
    await uvicorn.Server(config).serve()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
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
