"""Our exceptions for ECS failures, and the one place that translates the SDK's into them.

`exceptions` holds the classes below, `codes` the named code tables and the rules that
classify a code, `translate` the one translation point.

Nothing above `cloud/` imports an SDK exception type: the gateway calls `translate` on every
failure and raises the most specific class below, which keeps ECS's code, its own message,
the RequestId and the `Recommend` link, so a reader (often a model) knows what to do next.

    CloudError                  any failed ECS call (code, message, request_id, recommend, ...)
    ├── AuthenticationFailed    the credential is refused or none was found
    ├── PermissionDenied        RAM denies the action; `ram_action` names it (ecs:CreateImage)
    ├── NotFound                an id does not exist in that region (*.NotFound, HTTP 404)
    ├── InvalidParameter        the request can never succeed as written
    ├── Conflict                the resource is in the wrong state now
    │   └── Busy                "ask again": a ClientToken still processed, a resource still
    │                           initializing or in another operation; the gateway asks again
    ├── NoStock                 the zone cannot supply the instance type or disk now
    ├── QuotaExceeded           an account quota is used up (ECS says QuotaExceed.*)
    ├── Throttled               too many requests; retried with a longer backoff
    ├── Transient               5xx, InternalError, ServiceUnavailable, connection, timeout
    └── WaiterError             a wait ended without the wanted status (raised by waiters.py)
        ├── WaiterFailed        the resource reached a terminal failure status (`status`)
        └── WaiterTimeout       the wait ran out of time (`last_status`)

Codes of failures that never reached ECS are ours: `ConnectionFailed` (nothing was sent),
`ConnectionError`, `ReadTimeout`, `MalformedResponse`, `InvalidCredentials`, `Waiter.*`.
"""

from ecs_dr.cloud.errors.codes import (
    BUSY_CODES,
    NEVER_SUCCEED_CODES,
    RULES,
    classify,
)
from ecs_dr.cloud.errors.exceptions import (
    AuthenticationFailed,
    Busy,
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
    ram_action_for,
    recommend_link,
)
from ecs_dr.cloud.errors.translate import REDACTED, translate

__all__ = [
    "BUSY_CODES",
    "NEVER_SUCCEED_CODES",
    "REDACTED",
    "RULES",
    "AuthenticationFailed",
    "Busy",
    "CloudError",
    "Conflict",
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
    "classify",
    "ram_action_for",
    "recommend_link",
    "translate",
]
