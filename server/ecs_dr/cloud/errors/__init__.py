"""Our exceptions for ECS failures, and the one place that translates the SDK's into them.

This module holds the classes below and the rules that classify a code into one of them;
`codes` holds the named tables of ECS's codes, `translate` the one translation point.

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

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ecs_dr.cloud.errors.codes import (
    AUTHENTICATION_CODES,
    BUSY_CODES,
    INVALID_PARAMETER_CODES,
    NO_STOCK_CODES,
    PERMISSION_CODES,
    THROTTLING_CODES,
    TRANSIENT_CODES,
)
from ecs_dr.domain.cloud_text import MAX_CLOUD_MESSAGE_CHARS, quoted, shortened

# ECS's codes and RequestIds are a few dozen characters.
MAX_CODE_CHARS = 128
# ECS's Recommend is a troubleshooting link on Alibaba Cloud's own site (api.aliyun.com, with
# the code and RequestId in its query), at most a few hundred characters.
MAX_RECOMMEND_CHARS = 512
RECOMMEND_HOSTS = ("aliyun.com", "alibabacloud.com", "aliyuncs.com")
_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_URL_CHARACTERS = re.compile(r"[!#-;=?-\[\]_a-z~]+", re.IGNORECASE)
# The page with the minimal RAM policy, per tool and for --read-only (generated from the code),
# as the server serves it: an MCP resource (ecs_dr/content.py), which a pip or uvx install has.
RAM_POLICY_PAGE = "ecs-dr://references/ram-policies.md"
_RAM_ACTION = re.compile(r"\b((?:ecs|vpc):[A-Za-z0-9]+)\b")


class CloudError(Exception):
    """A failed ECS call, with what ECS said about it."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        action: str | None = None,
        region_id: str | None = None,
        request_id: str | None = None,
        recommend: str | None = None,
        http_status: int | None = None,
        data: Mapping[str, Any] | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.action = action
        self.region_id = region_id
        self.request_id = request_id
        self.recommend = recommend
        self.http_status = http_status
        self.data: dict[str, Any] = dict(data or {})
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.action} in {self.region_id}" if self.region_id else self.action
        # ECS's code and message are the cloud's text: quoted (escapes, line breaks and bidi
        # overrides shown as escapes) and cut, so they read as values, not our words. The
        # classification reads the raw code.
        code = quoted(shortened(self.code, MAX_CODE_CHARS))
        said = quoted(shortened(self.message, MAX_CLOUD_MESSAGE_CHARS))
        text = f"{where} failed: {code}: {said}" if where else f"{code}: {said}"
        if self.request_id:
            text += f" (RequestId {_request_id(self.request_id)})"
        link = recommend_link(self.recommend)
        if link:
            text += f" See {link}"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, action={self.action!r}, "
            f"region_id={self.region_id!r}, request_id={self.request_id!r})"
        )


def recommend_link(recommend: str | None) -> str | None:
    """ECS's Recommend when it is what ECS sends, an https link on an Alibaba Cloud host;
    else None.

    Anything else is dropped rather than quoted: the link is the sentence's last word and a
    reader (often a model) may open it, so a link elsewhere would send that reader wherever
    the endpoint chose, and text that is no link has nothing to add to the message. The raw
    value stays in `CloudError.recommend` and `data` for the log.
    """
    if not recommend or len(recommend) > MAX_RECOMMEND_CHARS:
        return None
    if not _URL_CHARACTERS.fullmatch(recommend):
        return None
    try:
        parts = urlsplit(recommend)
        port = parts.port
    except ValueError:  # a port that is no number, a malformed IPv6 host
        return None
    host = (parts.hostname or "").lower()
    trusted = any(host == h or host.endswith(f".{h}") for h in RECOMMEND_HOSTS)
    if parts.scheme != "https" or not trusted or parts.username or port is not None:
        return None
    return recommend


def _request_id(request_id: str) -> str:
    """ECS's RequestId as is when it has its shape (a UUID's letters, digits and hyphens),
    else quoted and cut like any cloud text."""
    if _REQUEST_ID.fullmatch(request_id):
        return request_id
    return quoted(shortened(request_id, MAX_CODE_CHARS))


class AuthenticationFailed(CloudError):
    """ECS refused the credential, or the default chain found none."""


class PermissionDenied(CloudError):
    """RAM denies the call; grant `ram_action` to the caller's RAM identity."""

    def __init__(self, code: str, message: str, *, service: str = "ecs", **kwargs: Any) -> None:
        action = kwargs.get("action")
        fallback = f"{service}:{action}" if action else None
        self.ram_action = _ram_action(fallback, message, kwargs.get("data") or {})
        super().__init__(code, message, **kwargs)

    def __str__(self) -> str:
        return (
            f"{super().__str__()} Grant the RAM action {self.ram_action} to this identity; "
            f"the server's resource {RAM_POLICY_PAGE} has the minimal policy."
        )


class NotFound(CloudError):
    """An id does not exist, or not in the region asked."""


class InvalidParameter(CloudError):
    """The request can never succeed as written; change the arguments."""


class Conflict(CloudError):
    """The resource is in the wrong state for this call now; it may succeed later."""


class Busy(Conflict):
    """ECS is still processing this request's ClientToken, or the resource is initializing or
    in another operation: the same call succeeds once that ends, so the gateway asks again
    for a bounded time (CloudSettings.busy_retry_timeout_s) before reporting it."""


class NoStock(CloudError):
    """The zone cannot supply this instance type or disk now; pick another zone or type."""


class QuotaExceeded(CloudError):
    """An account quota is used up (ECS's codes are `QuotaExceed.*`)."""


class Throttled(CloudError):
    """Too many requests; `retry_after_s` is ECS's hint when it sent one."""

    def __init__(
        self, code: str, message: str, *, retry_after_s: float | None = None, **kwargs: Any
    ) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(code, message, **kwargs)


class Transient(CloudError):
    """A failure worth retrying: 5xx, or the connection broke or timed out.

    `request_sent` is False when the connection never opened, so even a non-idempotent
    call can be retried safely.
    """

    def __init__(self, code: str, message: str, *, request_sent: bool = True, **kwargs: Any):
        self.request_sent = request_sent
        super().__init__(code, message, **kwargs)


class WaiterError(CloudError):
    """A wait ended without the wanted status."""


class WaiterFailed(WaiterError):
    """The resource reached a terminal failure status, kept in `status`."""

    def __init__(self, waiter: str, resource_id: str, status: str | None, message: str, **kw: Any):
        self.waiter = waiter
        self.resource_id = resource_id
        self.status = status
        super().__init__("Waiter.Failed", message, **kw)


class WaiterTimeout(WaiterError):
    """The wait ran out of time; `last_status` is what ECS said last."""

    def __init__(
        self, waiter: str, resource_id: str, last_status: str | None, elapsed_s: float, **kw: Any
    ) -> None:
        self.waiter = waiter
        self.resource_id = resource_id
        self.last_status = last_status
        self.elapsed_s = elapsed_s
        message = (
            f"{waiter} {resource_id} still {last_status or 'not visible'} after "
            f"{elapsed_s:.0f} s; wait again later, the operation itself continues in ECS"
        )
        super().__init__("Waiter.Timeout", message, **kw)


def ram_action_for(action: str) -> str:
    """The RAM action that authorizes an API action: `vpc:CreateVSwitch` stays as it is, and a
    bare action name is ECS's (`CreateImage` -> `ecs:CreateImage`)."""
    return action if ":" in action else f"ecs:{action}"


def _ram_action(action: str | None, message: str, data: Mapping[str, Any]) -> str:
    detail = data.get("AccessDeniedDetail")
    if isinstance(detail, Mapping) and detail.get("AuthAction"):
        return str(detail["AuthAction"])
    match = _RAM_ACTION.search(message)
    if match:
        return match.group(1)
    return ram_action_for(action) if action else "the ecs:* action of this call"


@dataclass(frozen=True)
class Rule:
    """One line of the classification: codes (or a code prefix or suffix, or an HTTP status)
    and the class they become. `classify` reads RULES top down, and references/error-handling.md
    is generated from the same list."""

    kind: type[CloudError]
    codes: frozenset[str] = frozenset()
    prefix: str | None = None
    suffix: str | None = None
    http_status: int | None = None
    http_status_at_least: int | None = None

    def matches(self, code: str, http_status: int | None) -> bool:
        if self.codes:
            return code in self.codes
        if self.prefix is not None:
            return code.startswith(self.prefix)
        if self.suffix is not None:
            return code.endswith(self.suffix)
        if self.http_status_at_least is not None:
            return http_status is not None and http_status >= self.http_status_at_least
        return self.http_status is not None and (http_status or 0) == self.http_status

    def pattern(self) -> str:
        """What the rule matches, as the reference page shows it."""
        if self.codes:
            return ", ".join(f"`{c}`" for c in sorted(self.codes))
        if self.prefix is not None:
            return f"`{self.prefix}*`"
        if self.suffix is not None:
            return f"`*{self.suffix}`"
        if self.http_status_at_least is not None:
            return f"any other code with HTTP status >= {self.http_status_at_least}"
        return f"any other code with HTTP status {self.http_status}"


# Exact codes first, then prefixes in this order (the first match wins), then the catch-alls.
RULES: tuple[Rule, ...] = (
    Rule(AuthenticationFailed, codes=AUTHENTICATION_CODES),
    Rule(PermissionDenied, codes=PERMISSION_CODES),
    Rule(Throttled, codes=THROTTLING_CODES),
    Rule(Transient, codes=TRANSIENT_CODES),
    Rule(NoStock, codes=NO_STOCK_CODES),
    Rule(Busy, codes=BUSY_CODES),
    Rule(InvalidParameter, codes=INVALID_PARAMETER_CODES),
    Rule(Throttled, prefix="Throttling."),
    Rule(QuotaExceeded, prefix="QuotaExceed"),
    Rule(Busy, prefix="OperationConflict."),
    Rule(Conflict, prefix="Incorrect"),
    Rule(Conflict, prefix="InvalidStatus."),
    Rule(InvalidParameter, prefix="MissingParam"),
    Rule(NotFound, suffix=".NotFound"),
    Rule(InvalidParameter, prefix="Invalid"),
    Rule(Transient, http_status_at_least=500),
    Rule(AuthenticationFailed, http_status=401),
    Rule(NotFound, http_status=404),
    Rule(Throttled, http_status=429),
)


def classify(code: str, http_status: int | None) -> type[CloudError]:
    """Pick the most specific class for an ECS error code (and HTTP status as a fallback)."""
    return next((rule.kind for rule in RULES if rule.matches(code, http_status)), CloudError)
