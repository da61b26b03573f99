"""Fixtures of the snapshot tests: the module's demo sandbox (`demo`, reset for each test) as
`sandbox`, and its backend."""

from __future__ import annotations

import pytest

from ecs_dr.sandbox.backend import Backend
from tests.support.sandboxes import RunningSandbox, SandboxHandle


@pytest.fixture
def sandbox(demo: RunningSandbox) -> SandboxHandle:
    """The module's demo sandbox, reset for this test; `ecs` is pointed at it."""
    return demo.handle


@pytest.fixture
def backend(demo: RunningSandbox) -> Backend:
    return demo.backend
