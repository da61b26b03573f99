"""Wiring in one place: settings, credentials, the gateway, and the embedded sandbox."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alibabacloud_credentials.client import Client as CredentialClient
from alibabacloud_credentials.models import Config as CredentialConfig

from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.sandbox.app import create_sandbox
from ecs_dr.sandbox.clock import ScaledClock
from ecs_dr.sandbox.server import SandboxThread

SANDBOX_REGION = "cn-hangzhou"
# A whole demo recovery (snapshots, a several-minute image, an instance start) in seconds.
DEMO_TIME_SCALE = 60.0


@dataclass
class EmbeddedSandbox:
    thread: SandboxThread
    gateway: EcsGateway


@contextmanager
def embedded_sandbox(
    *, time_scale: float = DEMO_TIME_SCALE, world: Path | None = None
) -> Iterator[EmbeddedSandbox]:
    """The demo world on a loopback port and a gateway signed with a key made for this run."""
    key_id = f"LTAI5tSandbox{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(24)
    sandbox = create_sandbox(key_id, secret, world_path=world, clock=ScaledClock(time_scale))
    with SandboxThread(sandbox) as thread:
        settings = CloudSettings(
            endpoint=thread.endpoint, protocol="http", region_id=SANDBOX_REGION
        )
        credential = CredentialClient(
            CredentialConfig(type="access_key", access_key_id=key_id, access_key_secret=secret)
        )
        yield EmbeddedSandbox(thread, EcsGateway(settings, credential=credential))
