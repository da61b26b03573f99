"""`make demo` as a new user runs it: the demo world, seen through the gateway."""

from __future__ import annotations

import subprocess
import sys


def test_demo_shows_every_demo_instance_and_the_zone_without_a_vswitch() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ecs_dr.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for name in ("prod-db-01", "web-frontend-01", "legacy-app-01", "dr-target-01", "api-sh-01"):
        assert name in result.stdout
    zone_j = next(line for line in result.stdout.splitlines() if line.startswith("cn-hangzhou-j"))
    assert " - " in zone_j
    # stdout carries the tables only; logs, if any, go to stderr as JSON
    assert "ecs.call" not in result.stdout
