"""The one place that translates the SDK's and the transport's exceptions into ours; every
credential value is scrubbed from messages and data on the way."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Collection, Mapping
from typing import Any

from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_tea_openapi.exceptions import AlibabaCloudException, ThrottlingException
from darabonba.exceptions import RetryError, ValidateException
from Tea.exceptions import TeaException, UnretryableException
from Tea.exceptions import ValidateException as TeaValidateException

from ecs_dr.cloud.errors import (
    AuthenticationFailed,
    CloudError,
    InvalidParameter,
    PermissionDenied,
    Throttled,
    Transient,
    classify,
)

REDACTED = "<redacted>"
_SDK_MESSAGE = re.compile(r"^code: \d+, (?P<message>.*) request id: [^ ]*$", re.DOTALL)


def translate(
    exc: BaseException,
    *,
    action: str,
    region_id: str | None,
    secrets: Collection[str] = (),
    service: str = "ecs",
) -> CloudError | None:
    """Our error for an SDK or transport failure of an action of `service` (ecs, vpc); None
    for anything else (a bug: let it rise).

    Every credential value in `secrets` is replaced in messages and data.
    """
    where: dict[str, Any] = {"action": action, "region_id": region_id}
    inner = _unwrap(exc)
    if isinstance(inner, AlibabaCloudException):
        return _api_error(inner, where, secrets, service)
    if isinstance(inner, CredentialException):
        return AuthenticationFailed(
            "InvalidCredentials",
            "no usable credentials in the default chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, "
            "the aliyun CLI profile, ECS RAM role, OIDC): " + _scrub(str(inner.message), secrets),
            **where,
        )
    if isinstance(inner, TeaException) and inner.code:
        message = _scrub(str(inner.message), secrets)
        return classify(str(inner.code), None)(str(inner.code), message, **where)
    if isinstance(inner, ValidateException | TeaValidateException):
        return InvalidParameter("InvalidParameter", _scrub(str(inner), secrets), **where)
    return _transport_error(inner, where, secrets)


def _unwrap(exc: BaseException) -> BaseException:
    """The failure underneath the SDK's wrappers (UnretryableException, RetryError)."""
    if isinstance(exc, UnretryableException) and exc.inner_exception is not None:
        exc = exc.inner_exception
    cause: BaseException | None = exc.__context__
    # darabonba turns an IOError into RetryError(str(e)) raised inside the except block.
    if isinstance(exc, RetryError) and cause is not None:
        return cause
    return exc


def _api_error(
    exc: AlibabaCloudException, where: dict[str, Any], secrets: Collection[str], service: str
) -> CloudError:
    data = {k: v for k, v in (exc.data or {}).items() if k != "statusCode"}
    data = _scrub_data(data, secrets)
    code = str(data.get("Code") or exc.code or "Unknown")
    message = _scrub(_ecs_message(exc, data), secrets)
    status = exc.status_code
    cls = Throttled if isinstance(exc, ThrottlingException) else classify(code, status)
    fields: dict[str, Any] = {
        **where,
        "request_id": data.get("RequestId") or _present(exc.request_id),
        "recommend": data.get("Recommend"),
        "http_status": status,
        "data": data,
    }
    if cls is Throttled and exc.retry_after:
        return Throttled(code, message, retry_after_s=exc.retry_after / 1000, **fields)
    if cls is PermissionDenied:
        return PermissionDenied(code, message, service=service, **fields)
    return cls(code, message, **fields)


def _ecs_message(exc: AlibabaCloudException, data: Mapping[str, Any]) -> str:
    """ECS's own Message, not the SDK's `code: 400, <Message> request id: <id>` wrapping."""
    if data.get("Message"):
        return str(data["Message"])
    text = str(exc.message or "")
    match = _SDK_MESSAGE.match(text)
    return match.group("message") if match else text


def _transport_error(
    exc: BaseException, where: dict[str, Any], secrets: Collection[str]
) -> CloudError | None:
    # The SDK's transport: loaded by the time it fails, and not before (cloud.sdk says why).
    import aiohttp

    detail = _scrub(f"{type(exc).__name__}: {exc}", secrets)
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
        message = f"could not connect to the ECS endpoint ({detail})"
        return Transient("ConnectionFailed", message, request_sent=False, **where)
    if isinstance(exc, asyncio.TimeoutError):
        message = f"ECS did not answer within the read timeout, ECS_DR_READ_TIMEOUT_S ({detail})"
        return Transient("ReadTimeout", message, **where)
    if isinstance(exc, aiohttp.ClientError | OSError | RetryError):
        return Transient("ConnectionError", f"the connection to ECS broke ({detail})", **where)
    if isinstance(exc, json.JSONDecodeError):
        return CloudError("MalformedResponse", f"ECS answered with no JSON ({detail})", **where)
    return None


def _present(value: str | None) -> str | None:
    """The SDK formats a missing request id as the string 'None'."""
    return value if value and value != "None" else None


def _scrub(text: str, secrets: Collection[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def _scrub_data(value: Any, secrets: Collection[str]) -> Any:
    if isinstance(value, str):
        return _scrub(value, secrets)
    if isinstance(value, Mapping):
        return {k: _scrub_data(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub_data(v, secrets) for v in value]
    return value
