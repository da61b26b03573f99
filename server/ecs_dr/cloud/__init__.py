"""The ECS gateway: the only package that talks to the cloud.

Workflows use `EcsGateway`, the waiter specs and `wait_for`, and catch `CloudError`
subclasses; none of them imports the Alibaba Cloud SDK's exception types.
"""

from ecs_dr.cloud.errors import (
    AuthenticationFailed,
    CloudError,
    Conflict,
    InvalidParameter,
    NoStock,
    NotFound,
    PermissionDenied,
    QuotaExceeded,
    Throttled,
    Transient,
    WaiterError,
    WaiterFailed,
    WaiterTimeout,
)
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.cloud.user_agent import SESSION_ID, USER_AGENT, session_id

__all__ = [
    "SESSION_ID",
    "USER_AGENT",
    "AuthenticationFailed",
    "CloudError",
    "CloudSettings",
    "Conflict",
    "EcsGateway",
    "InvalidParameter",
    "NoStock",
    "NotFound",
    "PermissionDenied",
    "QuotaExceeded",
    "Throttled",
    "Transient",
    "WaiterError",
    "WaiterFailed",
    "WaiterTimeout",
    "session_id",
]
