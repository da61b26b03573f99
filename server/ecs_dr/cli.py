"""`ecs-dr-mcp`: the product's command line."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

from ecs_dr import demo


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecs-dr-mcp",
        description="Cross-zone disaster recovery backups of Alibaba Cloud ECS instances.",
    )
    parser.add_argument("--version", action="version", version=version("ecs-dr-mcp"))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo", help="start the ECS sandbox and show its demo world through the cloud gateway"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "demo":
        return demo.main()
    return 2


if __name__ == "__main__":
    sys.exit(main())
