"""Fixtures of the sandbox conformance tests, on top of `tests/conftest.py`'s `sandbox` and `ecs`
(a demo-world sandbox of the test's own), and the VPC API's client beside ECS's (`vpc`).

A server costs milliseconds to start and to stop, and a reset a fraction of one: a module
serves the demo and lab worlds once (`demo_server`, `lab_server`) and `demo`, `shared` and `lab`
reset them for each test that asks, so no test sees another's changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
from alibabacloud_ecs20140526.client import Client
from alibabacloud_vpc20160428.client import Client as VpcClient

from tests.support.lab_world import lab_world
from tests.support.sandboxes import (
    RunningSandbox,
    SandboxHandle,
    StartSandbox,
    World,
    running_sandbox,
    sdk_config,
)


@contextmanager
def _starter() -> Iterator[StartSandbox]:
    with ExitStack() as running:

        def start(world: World | None = None) -> RunningSandbox:
            return running.enter_context(running_sandbox(world))

        yield start


@pytest.fixture
def sandboxes() -> Iterator[StartSandbox]:
    """Start sandboxes on worlds of the test's own; they stop when the test ends."""
    with _starter() as start:
        yield start


@pytest.fixture(scope="module")
def module_sandboxes() -> Iterator[StartSandbox]:
    """Start sandboxes a whole module shares; they stop when its last test ends."""
    with _starter() as start:
        yield start


@pytest.fixture(scope="module")
def demo_server(module_sandboxes: StartSandbox) -> RunningSandbox:
    return module_sandboxes()


@pytest.fixture
def demo(demo_server: RunningSandbox) -> RunningSandbox:
    """The module's demo-world sandbox, reset for this test."""
    return demo_server.fresh()


@pytest.fixture
def shared(demo: RunningSandbox) -> Client:
    """The SDK on the module's demo-world sandbox, reset for this test."""
    return demo.ecs


@pytest.fixture(scope="module")
def lab_server(module_sandboxes: StartSandbox) -> RunningSandbox:
    return module_sandboxes(lab_world())


@pytest.fixture
def lab(lab_server: RunningSandbox) -> RunningSandbox:
    """The module's lab-world sandbox (see `tests.support.lab_world`), reset for this test."""
    return lab_server.fresh()


@pytest.fixture
def vpc_clients() -> Callable[[SandboxHandle], VpcClient]:
    """Make the official VPC SDK's client for a sandbox: the ECS client's keys and settings,
    the endpoint overridden to the sandbox's host:port, which serves both APIs."""

    def make(handle: SandboxHandle) -> VpcClient:
        return VpcClient(sdk_config(handle))

    return make


@pytest.fixture
def vpc(demo: RunningSandbox, vpc_clients: Callable[[SandboxHandle], VpcClient]) -> VpcClient:
    """The VPC SDK on the module's demo-world sandbox, reset for this test."""
    return vpc_clients(demo.handle)
