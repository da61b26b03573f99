"""Sandboxes for tests and benchmarks: in-process on a loopback port (`SandboxHandle`,
`running_sandbox`) or in a child process (`sandbox_process`), the official SDK pointed at one,
and a gateway whose waits move a sandbox's virtual clock. Each is driven through the sandbox's
own control client (`ecs_dr.sandbox.control.SandboxControl`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig
from alibabacloud_ecs20140526.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from ecs_dr.cloud.ecs import REAL_TIME, Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.sandbox.app import Sandbox, create_sandbox
from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.control import SandboxControl
from ecs_dr.sandbox.server import SandboxThread
from ecs_dr.sandbox.world import load_world, parse_world
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.demo_world import REGION

ACCESS_KEY_ID = "LTAI5tSandboxTestKey01"
ACCESS_KEY_SECRET = "SandboxTestSecret0123456789abcdef"
USER_AGENT = "AlibabaCloud-Agent-Skills/alibabacloud-ecs-disaster-recovery-snapshot/tests"
# Cloud time runs this much faster than real time: a whole recovery takes about a second.
TEST_TIME_SCALE = 600.0

World = dict[str, Any]


@dataclass
class SandboxHandle(SandboxControl):
    """A sandbox in this process: its control endpoints, its keys and its virtual clock."""

    access_key_id: str
    access_key_secret: str
    region_id: str
    clock: VirtualClock


@contextmanager
def in_process_sandbox() -> Iterator[SandboxHandle]:
    """The demo world on a loopback port, on a virtual clock of its own."""
    clock = VirtualClock()
    emulator = create_sandbox(ACCESS_KEY_ID, ACCESS_KEY_SECRET, clock=clock)
    with SandboxThread(emulator) as server:
        yield SandboxHandle(
            endpoint=server.endpoint,
            access_key_id=ACCESS_KEY_ID,
            access_key_secret=ACCESS_KEY_SECRET,
            region_id=REGION,
            clock=clock,
        )


def sdk_config(
    handle: SandboxHandle, secret: str | None = None, key_id: str | None = None
) -> Config:
    """The settings of an official SDK client (ECS's or the VPC API's) pointed at the sandbox,
    with its keys unless told others."""
    return Config(
        access_key_id=key_id or handle.access_key_id,
        access_key_secret=secret or handle.access_key_secret,
        endpoint=handle.endpoint,
        protocol="http",
        region_id=handle.region_id,
        user_agent=USER_AGENT,
        read_timeout=10_000,
        connect_timeout=5_000,
    )


def sdk_client(
    handle: SandboxHandle, secret: str | None = None, key_id: str | None = None
) -> Client:
    return Client(sdk_config(handle, secret, key_id))


# --- sandboxes on worlds of a test's own, the emulator within reach ----------------------------
@dataclass(frozen=True)
class RunningSandbox:
    """A running sandbox: its control handle, the emulator behind it and the SDK pointed at it."""

    handle: SandboxHandle
    emulator: Sandbox
    ecs: Client

    @property
    def backend(self) -> Backend:
        return self.emulator.backend

    def fresh(self) -> RunningSandbox:
        """The same server reset for one test: its world as seeded, a new clock at the epoch, no
        faults and no requests logged."""
        clock = VirtualClock()
        self.emulator.clock = clock
        self.emulator.reset()
        return replace(self, handle=replace(self.handle, clock=clock))


class StartSandbox(Protocol):
    """Start a sandbox on `world` (the demo world when None); the fixture giving it stops it."""

    def __call__(self, world: World | None = None) -> RunningSandbox: ...


@contextmanager
def running_sandbox(world: World | None = None) -> Iterator[RunningSandbox]:
    """A sandbox on `world` (the demo world when None) on a loopback port, and the SDK on it."""
    clock = VirtualClock()
    spec = load_world(None) if world is None else parse_world(world)
    emulator = Sandbox(spec, {ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock)
    with SandboxThread(emulator) as server:
        handle = SandboxHandle(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, clock)
        yield RunningSandbox(handle, emulator, sdk_client(handle))


# --- a sandbox in a process of its own ----------------------------------------------------------
@contextmanager
def sandbox_process(workdir: Path, args: list[str] | None = None) -> Iterator[SandboxControl]:
    """A sandbox that outlives the servers the test kills: `ecs-dr-sandbox --port 0` at the
    test time scale, or `python <args>` printing `endpoint: ...` first. Stopped on the way out.
    """
    command = [sys.executable, *(args or [])]
    if args is None:
        command += ["-m", "ecs_dr.sandbox.cli", "--port", "0", "--time-scale", str(TEST_TIME_SCALE)]
        command += ["--access-key-id", SANDBOX_KEY_ID, "--access-key-secret", SANDBOX_KEY_SECRET]
    with (workdir / "sandbox.log").open("w") as errlog:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errlog, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("endpoint: "), line
            yield SandboxControl(line.removeprefix("endpoint: ").strip())
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


# --- the product's gateway on an in-process sandbox ---------------------------------------------
def access_key(key_id: str, secret: str) -> CredentialClient:
    """An access-key credential, as sandbox mode builds it."""
    return CredentialClient(
        CredentialConfig(type="access_key", access_key_id=key_id, access_key_secret=secret)
    )


def sandbox_gateway(
    sandbox: SandboxHandle, settings: CloudSettings, timing: Timing = REAL_TIME
) -> EcsGateway:
    """A gateway signing with the sandbox's key pair; busy answers are asked again on
    `timing`'s clock."""
    return EcsGateway(
        settings,
        credential=access_key(sandbox.access_key_id, sandbox.access_key_secret),
        sleep=timing.sleep,
        clock=timing.clock,
    )


class VirtualTime:
    """Waiter time that moves the sandbox's virtual clock instead of sleeping."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._clock.now()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self._clock.advance(seconds)

    def timing(self, timeout_s: float | None = None) -> Timing:
        """Waits on this virtual time, ending at `timeout_s` instead of the spec's timeout."""
        return Timing(sleep=self.sleep, clock=self.now, timeout_s=timeout_s)
