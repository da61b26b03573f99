"""`ecs-dr-mcp protect`: one protection cycle, then exit (for cron, a systemd timer or a
Kubernetes CronJob; references/scheduling.md has one of each).

This module is the command line alone, light to import (every `ecs-dr-mcp` start builds the
parser); the cycle itself is `protect_cycle`, imported only when it runs. Exit status: 0 when
every instance got its point and its old points were dealt with, 1 when any instance failed,
2 for a setting the command cannot start with.
"""

from __future__ import annotations

import argparse


def add_protect_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`protect` and its options, on the command line's subcommands."""
    protect = commands.add_parser(
        "protect",
        help="take a recovery point of each instance and delete those beyond the newest N",
        description=(
            "Run one protection cycle and exit: a new recovery point of each instance, then "
            "the points this server made of it beyond the newest --keep are deleted (never "
            "one an unfinished operation is recovering from). Credentials come from the "
            "Alibaba Cloud default chain; the journal from ECS_DR_STATE_DIR (share the "
            "server's). Exits 1 when any instance failed."
        ),
    )
    protect.add_argument(
        "--instance",
        action="append",
        required=True,
        dest="instances",
        metavar="INSTANCE",
        help="an instance id or exact name; repeat for several",
    )
    protect.add_argument(
        "--keep",
        type=_at_least_one,
        required=True,
        metavar="N",
        help="points to keep per instance (>= 1)",
    )
    protect.add_argument(
        "--image",
        action="store_true",
        help="build each point's image too (a recovery from it is then RunInstances alone)",
    )
    protect.add_argument(
        "--allow-per-disk",
        action="store_true",
        help="take per-disk snapshots (not crash-consistent) of an instance that cannot have a "
        "snapshot-consistent group, instead of failing it",
    )
    protect.add_argument("--region", help="the instances' region (default: found per instance)")
    protect.add_argument(
        "--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR")
    )


def _at_least_one(text: str) -> int:
    """--keep: the newest point, the one a cycle has just made, is always kept."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1 is needed, not {text!r}")
    return value


def protect(args: argparse.Namespace) -> int:
    """Run one cycle; print a line per instance. Returns the exit status."""
    from ecs_dr.protect_cycle import run_protection

    return run_protection(args)
