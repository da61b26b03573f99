"""Errors of the request itself: its shape, its signature and key, throttling, and an id that
names nothing."""

from __future__ import annotations

from typing import ClassVar

from ecs_dr.sandbox.errors.base import EcsError, define, not_found


# --- request shape -----------------------------------------------------------------------
class MissingParameter(EcsError):
    code = "MissingParameter"
    status = 400

    def __init__(self, name: str) -> None:
        super().__init__(
            f'The input parameter "{name}" that is mandatory for processing this request '
            "is not supplied."
        )


class InvalidParameter(EcsError):
    code = "InvalidParameter"
    status = 400

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f'The specified parameter "{name}" is not valid: {detail}')


class InvalidAction(EcsError):
    code = "InvalidAction.NotFound"
    status = 404

    def __init__(self, action: str) -> None:
        super().__init__(f"Specified api is not found, please check your url and method: {action}")


MissingAction = define(
    "MissingAction",
    "MissingAction",
    400,
    "The x-acs-action header is required.",
)
InvalidVersion = define(
    "InvalidVersion",
    "InvalidVersion",
    400,
    "Specified parameter Version is not valid.",
)
UnsupportedHTTPMethod = define(
    "UnsupportedHTTPMethod",
    "UnsupportedHTTPMethod",
    400,
    "The HTTP method is not supported; ECS takes POST or GET.",
)
DryRunOperation = define(
    "DryRunOperation",
    "DryRunOperation",
    400,
    "Request validation has been passed with DryRun flag set.",
)


# --- authentication ----------------------------------------------------------------------
IncompleteSignature = define(
    "IncompleteSignature",
    "IncompleteSignature",
    400,
    "The request signature does not conform to Aliyun standards.",
)
SignatureDoesNotMatch = define(
    "SignatureDoesNotMatch",
    "SignatureDoesNotMatch",
    400,
    "The request signature we calculated does not match the signature you provided. "
    "Check your key and signing method.",
)
InvalidAccessKeyIdNotFound = define(
    "InvalidAccessKeyIdNotFound",
    "InvalidAccessKeyId.NotFound",
    404,
    "Specified access key is not found.",
)
TimestampExpired = define(
    "TimestampExpired",
    "InvalidTimeStamp.Expired",
    400,
    "Specified time stamp or date value is expired.",
)
SignatureNonceUsed = define(
    "SignatureNonceUsed",
    "SignatureNonceUsed",
    400,
    "The request signature nonce has been used.",
)


class ForbiddenRam(EcsError):
    code = "Forbidden.RAM"
    status = 403
    # the service RAM authorizes the action as, as the message names it (`ecs:<Action>`)
    service: ClassVar[str] = "ecs"

    def __init__(self, action: str) -> None:
        super().__init__(
            f"User not authorized to operate on the specified resource, or this API doesn't "
            f"support RAM. Action: {self.service}:{action}"
        )


# --- throttling and transient --------------------------------------------------------------
Throttling = define(
    "Throttling",
    "Throttling.User",
    400,
    "Request was denied due to user flow control.",
)
ThrottlingResource = define(
    "ThrottlingResource",
    "Throttling.Resource",
    429,
    "The request throttle by resource operation.",
)
# ECS's public error codes (ECS-FACTS.md "Throttling, auth, transient"): the service failed,
# asking again later may succeed. A zone outage answers it for what lives in the zone.
ServiceUnavailable = define(
    "ServiceUnavailable",
    "ServiceUnavailable",
    503,
    "The request has failed due to a temporary failure of the server.",
)


# --- not found -----------------------------------------------------------------------------
InvalidRegionIdNotFound = not_found("InvalidRegionId.NotFound", "RegionId")
InvalidZoneIdNotFound = not_found("InvalidZoneId.NotFound", "ZoneId")
InvalidInstanceIdNotFound = not_found("InvalidInstanceId.NotFound", "InstanceId")
InvalidDiskIdNotFound = not_found("InvalidDiskId.NotFound", "DiskId")
InvalidSnapshotIdNotFound = not_found("InvalidSnapshotId.NotFound", "SnapshotId")
InvalidSnapshotGroupIdNotFound = not_found("InvalidSnapshotGroupId.NotFound", "SnapshotGroupId")
InvalidImageIdNotFound = not_found("InvalidImageId.NotFound", "ImageId")
InvalidVSwitchIdNotFound = not_found("InvalidVSwitchId.NotFound", "VSwitchId")
InvalidVpcIdNotFound = not_found("InvalidVpcId.NotFound", "VpcId")
InvalidSecurityGroupIdNotFound = not_found("InvalidSecurityGroupId.NotFound", "SecurityGroupId")
InvalidInstanceTypeNotFound = not_found("InvalidInstanceType.NotFound", "InstanceType")
