"""Every ECS action the sandbox serves, registered by importing its family module."""

from ecs_dr.sandbox.responses import (  # noqa: F401  (imported for registration)
    account,
    catalog,
    disks,
    images,
    instances,
    network,
    snapshots,
    tags,
)
from ecs_dr.sandbox.responses.registry import ACTIONS

__all__ = ["ACTIONS"]
