"""`ecs-dr-mcp`: the product's command line.

It imports only what the command needs: `--version` and `--help` import no server, `serve`
no demo, and the server's modules load when `serve` runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import version

from ecs_dr.protect import add_protect_command

DEFAULT_HTTP_PORT = 8000
TRANSPORTS = ("stdio", "streamable-http")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


@dataclass(frozen=True)
class EnvFlag:
    """A `serve` flag's environment equivalent (for MCP clients' JSON configs and Docker): the
    flag wins over the variable, the variable over the default."""

    dest: str
    variable: str
    valid: str
    parse: Callable[[str], object]
    default: object


def _choice(choices: tuple[str, ...]) -> Callable[[str], object]:
    def parse(raw: str) -> object:
        for choice in choices:
            if raw.strip().lower() == choice.lower():
                return choice
        raise ValueError(raw)

    return parse


def _switch(raw: str) -> object:
    word = raw.strip().lower()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValueError(raw)


def _port(raw: str) -> object:
    port = int(raw)
    if not 0 <= port <= 65535:
        raise ValueError(raw)
    return port


SERVE_ENV = (
    EnvFlag("transport", "ECS_DR_TRANSPORT", " or ".join(TRANSPORTS), _choice(TRANSPORTS), "stdio"),
    EnvFlag("host", "ECS_DR_HOST", "an address to bind", str.strip, "127.0.0.1"),
    EnvFlag("port", "ECS_DR_PORT", "a port from 0 to 65535", _port, DEFAULT_HTTP_PORT),
    EnvFlag("sandbox", "ECS_DR_SANDBOX", "/".join(TRUE_WORDS + FALSE_WORDS), _switch, False),
    EnvFlag("read_only", "ECS_DR_READ_ONLY", "/".join(TRUE_WORDS + FALSE_WORDS), _switch, False),
    EnvFlag("log_level", "ECS_DR_LOG_LEVEL", ", ".join(LOG_LEVELS), _choice(LOG_LEVELS), "INFO"),
)


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
            "(environment, ~/.aliyun/config.json, ECS RAM role, OIDC); --sandbox needs none. "
            f"Every flag has an environment equivalent "
            f"({', '.join(flag.variable for flag in SERVE_ENV)}); a flag wins."
        ),
    )
    serve.add_argument("--transport", choices=TRANSPORTS)
    serve.add_argument(
        "--host",
        help="streamable-http: address to bind (default 127.0.0.1); one beyond loopback needs "
        "ECS_DR_HTTP_TOKEN",
    )
    serve.add_argument(
        "--port",
        type=int,
        help=f"streamable-http: port to bind (default {DEFAULT_HTTP_PORT}; 0: a free one, the "
        "server.listening line says which)",
    )
    serve.add_argument(
        "--sandbox",
        action="store_true",
        default=None,
        help="talk to an embedded ECS emulator with the demo world instead of the cloud",
    )
    serve.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="offer only the tools that change nothing in the cloud",
    )
    serve.add_argument("--log-level", choices=LOG_LEVELS, help="default INFO")
    commands.add_parser(
        "demo",
        help="recover the demo world's database server into another zone, through MCP, on the "
        "sandbox",
    )
    add_protect_command(commands)
    return parser


def apply_environment(args: argparse.Namespace, environ: Mapping[str, str]) -> None:
    """Fill each `serve` option the command line left unset from its variable, else its
    default; raises ValueError naming the variable and what is valid for a bad value."""
    for flag in SERVE_ENV:
        if getattr(args, flag.dest) is not None:
            continue
        raw = environ.get(flag.variable, "")
        if not raw.strip():
            setattr(args, flag.dest, flag.default)
            continue
        try:
            setattr(args, flag.dest, flag.parse(raw))
        except ValueError:
            raise ValueError(f"{flag.variable}={raw!r} is refused: valid is {flag.valid}") from None


def serve(args: argparse.Namespace) -> int:
    import anyio
    import structlog

    from ecs_dr.app import create_server
    from ecs_dr.bootstrap import ConfigError, HttpSettings, build_services
    from ecs_dr.logs import configure_logging, log_uncaught_exceptions, route_stdlib_logging

    log = structlog.get_logger("ecs_dr.cli")
    configure_logging(args.log_level)
    route_stdlib_logging(args.log_level)
    log_uncaught_exceptions()
    try:
        http = None
        if args.transport == "streamable-http":
            # Only streamable HTTP needs uvicorn and the HTTP guards.
            from ecs_dr import http_transport

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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        try:
            apply_environment(args, os.environ)
        except ValueError as exc:
            parser.error(str(exc))
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
