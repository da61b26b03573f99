"""`ecs-dr-sandbox` as a user runs it: a process that prints its endpoint and serves the SDK."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

SANDBOX = [sys.executable, "-m", "ecs_dr.sandbox.cli"]


def refused(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `ecs-dr-sandbox` with `args`, expecting it to exit at once."""
    return subprocess.run(
        [*SANDBOX, *args], capture_output=True, text=True, timeout=30, check=False
    )


def test_port_zero_prints_the_endpoint_and_serves_the_official_sdk() -> None:
    with subprocess.Popen(
        [*SANDBOX, "--port", "0", "--access-key-id", "A", "--access-key-secret", "S"],
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            assert line.startswith("endpoint: 127.0.0.1:")
            endpoint = line.removeprefix("endpoint: ")
            client = Client(
                Config(access_key_id="A", access_key_secret="S", endpoint=endpoint, protocol="http")
            )
            body = client.describe_regions(models.DescribeRegionsRequest()).body
            assert body.regions.region[0].region_id == "cn-hangzhou"
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_malformed_world_file_exits_naming_the_field(tmp_path: Path) -> None:
    world = tmp_path / "world.json"
    world.write_text(json.dumps({"regions": [{"region_id": "r", "zones": []}]}))
    result = refused("--access-key-id", "A", "--access-key-secret", "S", "--world", str(world))
    assert result.returncode == 2
    assert "regions[0].zones" in result.stderr


def test_non_loopback_host_is_refused() -> None:
    result = refused("--host", "0.0.0.0", "--access-key-id", "A", "--access-key-secret", "S")
    assert result.returncode == 2
    assert "loopback" in result.stderr
