"""`ecs-dr-mcp`: the product's command line."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

import anyio
import structlog

from ecs_dr import http_transport
from ecs_dr.app import create_server
from ecs_dr.bootstrap import ENV_HTTP_TOKEN, ConfigError, HttpSettings, build_services
from ecs_dr.logs import configure_logging, log_uncaught_exceptions, route_stdlib_logging
from ecs_dr.protect import add_protect_command

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
    add_protect_command(commands)
    return parser


def serve(args: argparse.Namespace) -> int:
    configure_logging(args.log_level)
    route_stdlib_logging(args.log_level)
    log_uncaught_exceptions()
    try:
        http = None
        if args.transport == "streamable-http":
            http = HttpSettings.from_env()
            http_transport.refuse_unauthenticated_exposure(args.host, http)
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
                listener = http_transport.listen(args.host, args.port)
                anyio.run(http_transport.serve_http, server, listener, args.host, http)
    except ConfigError as exc:
        log.error("server.config_error", error=str(exc))
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "demo":
        # The demo is an MCP client of its own: a server never needs it.
        from ecs_dr import demo

        return demo.main()
    if args.command == "protect":
        from ecs_dr.protect import protect

        return protect(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
