"""Translation of the SDK's exceptions into ours: classification tables and what is kept."""

from __future__ import annotations

import aiohttp
import pytest
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_tea_openapi.exceptions import (
    ClientException,
    ServerException,
    ThrottlingException,
)
from darabonba.exceptions import RequiredArgumentException, RetryError, UnretryableException
from darabonba.policy.retry import RetryPolicyContext

from ecs_dr.cloud.errors import (
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
    classify,
)
from ecs_dr.cloud.errors.codes import BUSY_CODES, NEVER_SUCCEED_CODES
from ecs_dr.cloud.errors.translate import REDACTED, translate


def client_exception(code: str, message: str, status: int = 400, **extra: object) -> Exception:
    """A ClientException built the way the SDK builds one from an ECS error body."""
    body = {
        "RequestId": "REQ-1",
        "HostId": "ecs.aliyuncs.com",
        "Code": code,
        "Message": message,
        "Recommend": f"https://api.aliyun.com/troubleshoot?q={code}",
        **extra,
    }
    exc: Exception = ClientException(
        status_code=status,
        code=code,
        message=f"code: {status}, {message} request id: REQ-1",
        data=body,
        request_id="REQ-1",
    )
    return exc


def sdk_wrapped(inner: BaseException) -> UnretryableException:
    """What the SDK raises for a failure that is not an ECS error response."""
    return UnretryableException(RetryPolicyContext(retries_attempted=1, exception=inner))


def io_error_as_the_sdk_wraps_it(reset: OSError) -> RetryError:
    """darabonba catches an IOError and raises RetryError(str(e)) inside the except block."""
    try:
        try:
            raise reset
        except OSError as exc:
            raise RetryError(str(exc))  # noqa: B904 (the SDK's own code, reproduced)
    except RetryError as wrapped:
        return wrapped


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("InvalidAccessKeyId.NotFound", 404, AuthenticationFailed),
        ("SignatureDoesNotMatch", 400, AuthenticationFailed),
        ("InvalidSecurityToken.Expired", 400, AuthenticationFailed),
        ("Forbidden.RAM", 403, PermissionDenied),
        ("InvalidInstanceId.NotFound", 404, NotFound),
        ("InvalidSnapshotId.NotFound", 404, NotFound),
        ("InvalidSnapshotId.NotReady", 403, Busy),
        ("OperationConflict", 409, Busy),
        ("IncorrectInstanceStatus", 400, Busy),
        ("IncorrectDiskStatus.CreatingSnapshot", 403, Busy),
        ("IncorrectImageStatus", 400, Conflict),
        ("OperationDenied.NoStock", 403, NoStock),
        ("Zone.NotOnSale", 403, NoStock),
        ("ResourceNotAvailable", 400, NoStock),
        ("QuotaExceed.Image", 403, QuotaExceeded),
        ("QuotaExceed.ConcurrentSnapshotQuota", 403, Busy),
        ("IdempotentParameterMismatch", 400, InvalidParameter),
        ("IncorrectDiskStatus.NeverAttached", 403, InvalidParameter),
        ("InvalidCidrBlock.Overlapped", 400, InvalidParameter),
        ("QuotaExceeded.VSwitch", 400, QuotaExceeded),
        ("InvalidPerformanceLevel.ValueNotSupported", 400, InvalidParameter),
        ("MissingParameter", 400, InvalidParameter),
        ("DiskCategory.OperationNotSupported", 400, InvalidParameter),
        ("Throttling", 400, Throttled),
        ("Throttling.User", 400, Throttled),
        ("Throttling.Api", 400, Throttled),
        ("Throttling.Resource", 429, Throttled),
        ("InternalError", 500, Transient),
        ("ServiceUnavailable", 503, Transient),
        ("SomethingNew", 502, Transient),
        ("SomethingNew", 404, NotFound),
        ("Account.Arrearage", 403, CloudError),
    ],
)
def test_codes_are_classified_by_the_named_tables(
    code: str, status: int, expected: type[CloudError]
) -> None:
    assert classify(code, status) is expected


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("Zone.NotOnSale", 403, NoStock),
        ("ResourceNotAvailable", 400, NoStock),
        ("ServiceUnavailable", 503, Transient),
    ],
)
def test_a_zone_outage_is_reported_with_its_zone_and_never_asked_again_as_busy(
    code: str, status: int, expected: type[CloudError]
) -> None:
    """The sandbox's zone_outage answers (`ecs_dr.sandbox.outage`): another zone can serve, or
    a bounded retry; never Busy's wait-and-ask-again, and the text keeps the zone ECS named."""
    error = translate(
        client_exception(code, "Zone cn-hangzhou-h does not answer.", status),
        action="CreateSnapshotGroup",
        region_id="cn-hangzhou",
    )

    assert type(error) is expected
    assert not isinstance(error, Busy)
    assert "cn-hangzhou-h" in str(error)


@pytest.mark.parametrize("code", sorted(BUSY_CODES))
def test_every_wait_and_ask_again_code_is_busy(code: str) -> None:
    assert classify(code, 403) is Busy


@pytest.mark.parametrize("code", sorted(NEVER_SUCCEED_CODES))
def test_codes_that_never_succeed_on_retry_are_not_busy(code: str) -> None:
    assert not issubclass(classify(code, 403), Conflict)


def test_forbidden_ram_on_a_vpc_api_call_names_the_vpc_action() -> None:
    error = translate(
        client_exception("Forbidden.RAM", "User not authorized.", 403),
        action="CreateVSwitch",
        region_id="cn-hangzhou",
        service="vpc",
    )

    assert isinstance(error, PermissionDenied)
    assert error.ram_action == "vpc:CreateVSwitch"


def test_quota_exceeded_matches_ecs_spelling_quota_exceed() -> None:
    error = translate(
        client_exception("QuotaExceed.Image", "The image quota is exceeded.", 403),
        action="CreateImage",
        region_id="cn-hangzhou",
    )

    assert isinstance(error, QuotaExceeded)


def test_an_ecs_error_keeps_code_message_request_id_recommend_status_and_body() -> None:
    error = translate(
        client_exception("InvalidInstanceId.NotFound", "The specified instance does not exist."),
        action="CreateImage",
        region_id="cn-hangzhou",
    )

    assert isinstance(error, NotFound)
    assert error.code == "InvalidInstanceId.NotFound"
    assert error.message == "The specified instance does not exist."
    assert error.request_id == "REQ-1"
    assert error.recommend == "https://api.aliyun.com/troubleshoot?q=InvalidInstanceId.NotFound"
    assert error.http_status == 400
    assert error.action == "CreateImage"
    assert error.data["HostId"] == "ecs.aliyuncs.com"
    assert "statusCode" not in error.data


def test_the_message_is_unwrapped_from_the_sdk_format_when_the_body_has_none() -> None:
    exc = ServerException(
        status_code=500,
        code="InternalError",
        message="code: 500, The request processing has failed. request id: REQ-2",
        data={"Code": "InternalError", "RequestId": "REQ-2"},
        request_id="REQ-2",
    )

    error = translate(exc, action="DescribeImages", region_id="cn-hangzhou")

    assert isinstance(error, Transient)
    assert error.message == "The request processing has failed."


def test_forbidden_ram_names_the_action_from_the_message() -> None:
    error = translate(
        client_exception(
            "Forbidden.RAM",
            "User not authorized to operate on the specified resource. Action: ecs:CreateImage",
            403,
        ),
        action="CreateImage",
        region_id="cn-hangzhou",
    )

    assert isinstance(error, PermissionDenied)
    assert error.ram_action == "ecs:CreateImage"


def test_forbidden_ram_names_the_action_from_access_denied_detail() -> None:
    error = translate(
        client_exception(
            "Forbidden.RAM",
            "User not authorized to operate on the specified resource.",
            403,
            AccessDeniedDetail={"AuthAction": "ecs:RunInstances"},
        ),
        action="RunInstances",
        region_id="cn-hangzhou",
    )

    assert isinstance(error, PermissionDenied)
    assert error.ram_action == "ecs:RunInstances"


def test_forbidden_ram_without_a_named_action_derives_it_from_the_call() -> None:
    error = translate(
        client_exception("Forbidden.RAM", "User not authorized.", 403),
        action="CreateSnapshotGroup",
        region_id="cn-hangzhou",
    )

    assert isinstance(error, PermissionDenied)
    assert error.ram_action == "ecs:CreateSnapshotGroup"


def test_a_throttling_exception_keeps_ecs_retry_after_hint() -> None:
    exc = ThrottlingException(
        status_code=429,
        code="Throttling.Api",
        message="code: 429, Request was denied. request id: REQ-3",
        data={"Code": "Throttling.Api", "RequestId": "REQ-3"},
        request_id="REQ-3",
        retry_after=1500,
    )

    error = translate(exc, action="DescribeDisks", region_id="cn-hangzhou")

    assert isinstance(error, Throttled)
    assert error.retry_after_s == 1.5


def test_credential_values_are_scrubbed_from_messages_and_data() -> None:
    exc = client_exception(
        "InvalidAccessKeyId.Inactive", "The AccessKeyId LTAI5tExample1234 is disabled.", 403
    )

    error = translate(
        exc, action="DescribeRegions", region_id="cn-hangzhou", secrets={"LTAI5tExample1234"}
    )

    assert isinstance(error, AuthenticationFailed)
    assert "LTAI5tExample1234" not in f"{error} {error!r} {error.data}"
    assert REDACTED in error.message


@pytest.mark.parametrize(
    ("failure", "code", "sent"),
    [
        (RetryError("reset"), "ConnectionError", True),
        (aiohttp.ServerDisconnectedError(), "ConnectionError", True),
        (aiohttp.ClientPayloadError("Response payload is not completed"), "ConnectionError", True),
        (TimeoutError(), "ReadTimeout", True),
    ],
)
def test_transport_failures_become_transient(failure: Exception, code: str, sent: bool) -> None:
    error = translate(sdk_wrapped(failure), action="DescribeRegions", region_id="cn-hangzhou")

    assert isinstance(error, Transient)
    assert (error.code, error.request_sent) == (code, sent)


def test_an_io_error_hidden_behind_the_sdk_retry_error_is_found() -> None:
    wrapped = io_error_as_the_sdk_wraps_it(ConnectionResetError("Connection reset by peer"))

    error = translate(sdk_wrapped(wrapped), action="DescribeDisks", region_id="cn-hangzhou")

    assert isinstance(error, Transient)
    assert error.code == "ConnectionError"
    assert "ConnectionResetError" in error.message


def test_a_missing_credential_chain_is_authentication_failed() -> None:
    error = translate(
        sdk_wrapped(CredentialException("unable to load credentials from any of the providers")),
        action="DescribeRegions",
        region_id="cn-hangzhou",
    )

    assert isinstance(error, AuthenticationFailed)
    assert error.code == "InvalidCredentials"


def test_a_request_failing_sdk_validation_is_invalid_parameter() -> None:
    error = translate(
        RequiredArgumentException("RegionId"), action="DescribeImages", region_id="cn-hangzhou"
    )

    assert isinstance(error, InvalidParameter)


def test_anything_else_is_not_translated_so_bugs_surface() -> None:
    assert translate(KeyError("x"), action="DescribeRegions", region_id=None) is None
    assert translate(sdk_wrapped(KeyError("x")), action="DescribeRegions", region_id=None) is None
