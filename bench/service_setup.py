"""What the service benchmarks share: how much each part runs (`Scale`), the time scale and
limits, the sandbox and server processes, and the product's gateway in this process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import structlog
from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from tests.support.credentials import (
    SANDBOX_KEY_ID,
    SANDBOX_KEY_SECRET,
    SANDBOX_SECURITY_TOKEN,
)
from tests.support.demo_world import (
    REGION,
)
from tests.support.sandboxes import sandbox_process

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.logs import configure_logging
from ecs_dr.sandbox.control import SandboxControl

# Cloud time runs 600x real time: a fleet member's whole critical path (snapshot group
# ~1 min, image ~2.5 min, instance ~1 min of cloud time) is under half a real second, while
# 50 instances at 10 requests a second need well over a minute of real time for their
# calls alone. The fleet is therefore bound by the QPS limit (a real-time budget), not by
# simulated cloud durations, and its tail (the last instance waiting on the cloud) is small.
TIME_SCALE = 600.0
FLEET_QPS = 10.0
# The sandbox refuses the account above this: a hair over the product's own limit, so a
# clean run shows that the product's limiter, not luck, keeps it under ECS's.
SANDBOX_THROTTLE_QPS = 11.0
# execute_recovery / wait_operation follow the operation this long (real seconds) per call.
CALL_WAIT_S = 20.0
# Limits that never bind, for the latency and throughput runs (the same on both sides).
UNBOUND_QPS = "100000"
INSTANCE_TYPES = ("ecs.g7.large", "ecs.g6.large", "ecs.c7.large")
MUTATING = ("Create", "Run", "Allocate", "Attach", "Modify", "Delete", "Stop", "Reboot", "Tag")
RSS_SAMPLE_S = 0.25
FLEET_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Scale:
    """How much each part runs: `quick` is a smoke run, the full one gives stable medians."""

    fleet_size: int
    latency_calls: int
    latency_warmup: int
    latency_rounds: int
    spawns: int
    throughput_s: float
    throughput_rounds: int
    throughput_clients: int = 4
    interactive_calls: int = 25


QUICK = Scale(
    fleet_size=8,
    latency_calls=60,
    latency_warmup=10,
    latency_rounds=1,
    spawns=3,
    throughput_s=1.5,
    throughput_rounds=2,
    interactive_calls=5,
)
FULL = Scale(
    fleet_size=50,
    latency_calls=200,
    latency_warmup=20,
    latency_rounds=3,
    spawns=10,
    throughput_s=3.0,
    throughput_rounds=3,
)


@contextmanager
def logged_like_the_server(workdir: Path) -> Iterator[None]:
    """The in-process gateway logs each call as the server does (JSON lines into a file), so
    that the in-process side pays what the server pays for its log."""
    with (workdir / "bench.log").open("w") as log:
        configure_logging("INFO", stream=log)
        try:
            yield
        finally:
            structlog.reset_defaults()


@contextmanager
def sandbox_at_scale(workdir: Path, world: Path | None = None) -> Iterator[SandboxControl]:
    """`ecs-dr-sandbox` in its own process at TIME_SCALE, on `world` or the demo world."""
    workdir.mkdir(parents=True, exist_ok=True)
    args = ["-m", "ecs_dr.sandbox.cli", "--port", "0", "--time-scale", str(TIME_SCALE)]
    args += ["--access-key-id", SANDBOX_KEY_ID, "--access-key-secret", SANDBOX_KEY_SECRET]
    args += ["--world", str(world)] if world is not None else []
    with sandbox_process(workdir, args) as sandbox:
        yield sandbox


def server_env(**extra: str) -> dict[str, str]:
    return {
        "ECS_DR_CLOUD_TIME_SCALE": str(TIME_SCALE),
        "ECS_DR_MAX_CALL_WAIT_S": str(CALL_WAIT_S),
        **extra,
    }


def in_process_gateway(endpoint: str, max_qps: float | None) -> EcsGateway:
    """The product's gateway in this process, signed as the server signs."""
    settings = CloudSettings(
        endpoint=endpoint,
        protocol="http",
        region_id=REGION,
        max_qps=max_qps,
        max_concurrent_calls=8,
    )
    credential = CredentialClient(
        CredentialConfig(
            type="sts",
            access_key_id=SANDBOX_KEY_ID,
            access_key_secret=SANDBOX_KEY_SECRET,
            security_token=SANDBOX_SECURITY_TOKEN,
        )
    )
    return EcsGateway(settings, credential=credential)


def status_kib(pid: int, field_name: str) -> int:
    """A `/proc/<pid>/status` memory figure (VmRSS, VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field_name} not in /proc/{pid}/status")
