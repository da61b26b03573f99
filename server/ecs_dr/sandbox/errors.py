"""ECS error codes as exceptions: one class per code, rendered by one handler in `app.py`.

Each class carries ECS's code and HTTP status; the message names the offending value, as
ECS's messages do. Codes and statuses follow ECS-FACTS.md.
"""

from __future__ import annotations

from typing import ClassVar


class EcsError(Exception):
    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "The request processing has failed due to some unknown error."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class DynamicError(EcsError):
    """An error whose code and status are chosen at run time (fault injection)."""

    def __init__(self, code: str, status: int, message: str | None = None) -> None:
        super().__init__(message or f"Injected fault: {code}.")
        self.dynamic_code = code
        self.dynamic_status = status


def error_code(err: EcsError) -> str:
    return err.dynamic_code if isinstance(err, DynamicError) else err.code


def error_status(err: EcsError) -> int:
    return err.dynamic_status if isinstance(err, DynamicError) else err.status


def _define(name: str, code: str, status: int, message: str = "") -> type[EcsError]:
    cls = type(name, (EcsError,), {"code": code, "status": status, "default_message": message})
    return cls


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


class MissingAction(EcsError):
    code = "MissingAction"
    status = 400
    default_message = "The x-acs-action header is required."


class InvalidVersion(EcsError):
    code = "InvalidVersion"
    status = 400
    default_message = "Specified parameter Version is not valid."


class UnsupportedHTTPMethod(EcsError):
    code = "UnsupportedHTTPMethod"
    status = 400
    default_message = "The HTTP method is not supported; ECS takes POST or GET."


# --- authentication ----------------------------------------------------------------------
class IncompleteSignature(EcsError):
    code = "IncompleteSignature"
    status = 400
    default_message = "The request signature does not conform to Aliyun standards."


class SignatureDoesNotMatch(EcsError):
    code = "SignatureDoesNotMatch"
    status = 400
    default_message = (
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method."
    )


class InvalidAccessKeyIdNotFound(EcsError):
    code = "InvalidAccessKeyId.NotFound"
    status = 404
    default_message = "Specified access key is not found."


class ForbiddenRam(EcsError):
    code = "Forbidden.RAM"
    status = 403

    def __init__(self, action: str) -> None:
        super().__init__(
            f"User not authorized to operate on the specified resource, or this API doesn't "
            f"support RAM. Action: ecs:{action}"
        )


# --- throttling and transient --------------------------------------------------------------
class Throttling(EcsError):
    code = "Throttling.User"
    status = 400
    default_message = "Request was denied due to user flow control."


class ThrottlingResource(EcsError):
    code = "Throttling.Resource"
    status = 429
    default_message = "The request throttle by resource operation."


# --- not found -----------------------------------------------------------------------------
def _not_found(code: str, noun: str) -> type[EcsError]:
    class NotFoundError(EcsError):
        def __init__(self, value: str) -> None:
            super().__init__(f"The specified {noun} ({value}) does not exist.")

    NotFoundError.code = code
    NotFoundError.status = 404
    NotFoundError.__name__ = NotFoundError.__qualname__ = code.replace(".", "")
    return NotFoundError


InvalidRegionIdNotFound = _not_found("InvalidRegionId.NotFound", "RegionId")
InvalidZoneIdNotFound = _not_found("InvalidZoneId.NotFound", "ZoneId")
InvalidInstanceIdNotFound = _not_found("InvalidInstanceId.NotFound", "InstanceId")
InvalidDiskIdNotFound = _not_found("InvalidDiskId.NotFound", "DiskId")
InvalidSnapshotIdNotFound = _not_found("InvalidSnapshotId.NotFound", "SnapshotId")
InvalidSnapshotGroupIdNotFound = _not_found("InvalidSnapshotGroupId.NotFound", "SnapshotGroupId")
InvalidImageIdNotFound = _not_found("InvalidImageId.NotFound", "ImageId")
InvalidVSwitchIdNotFound = _not_found("InvalidVSwitchId.NotFound", "VSwitchId")
InvalidVpcIdNotFound = _not_found("InvalidVpcId.NotFound", "VpcId")
InvalidSecurityGroupIdNotFound = _not_found("InvalidSecurityGroupId.NotFound", "SecurityGroupId")
InvalidInstanceTypeNotFound = _not_found("InvalidInstanceType.NotFound", "InstanceType")

# --- state and constraint errors -----------------------------------------------------------
IncorrectInstanceStatus = _define(
    "IncorrectInstanceStatus",
    "IncorrectInstanceStatus",
    400,
    "The current status of the resource does not support this operation.",
)
IncorrectDiskStatus = _define(
    "IncorrectDiskStatus",
    "IncorrectDiskStatus",
    400,
    "The current disk status does not support this operation.",
)
IncorrectDiskStatusCreatingSnapshot = _define(
    "IncorrectDiskStatusCreatingSnapshot",
    "IncorrectDiskStatus.CreatingSnapshot",
    403,
    "Too many snapshots are being created for the disk at the same time.",
)
IncorrectVSwitchStatus = _define(
    "IncorrectVSwitchStatus", "IncorrectVSwitchStatus", 400, "The VSwitch is not available."
)
DiskCategoryOperationNotSupported = _define(
    "DiskCategoryOperationNotSupported", "DiskCategory.OperationNotSupported", 400
)
NumberExceedTooManyDisks = _define("NumberExceedTooManyDisks", "NumberExceed.TooManyDisks", 403)
CapacityExceedTooManyDisks = _define(
    "CapacityExceedTooManyDisks", "CapacityExceed.TooManyDisks", 403
)
InvalidOperationMultiAttachDisk = _define(
    "InvalidOperationMultiAttachDisk", "InvalidOperation.MultiAttachDisk", 400
)
ExcludeDiskIdsAndDiskIdsConflict = _define(
    "ExcludeDiskIdsAndDiskIdsConflict",
    "InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict",
    400,
    "DiskId.N and ExcludeDiskId.N cannot be specified at the same time.",
)
InvalidInstanceNoDisk = _define(
    "InvalidInstanceNoDisk", "InvalidInstance.NoDisk", 403, "The instance has no disk to snapshot."
)
QuotaExceedSnapshot = _define(
    "QuotaExceedSnapshot", "QuotaExceed.Snapshot", 403, "The snapshot quota exceeds."
)
QuotaExceedConcurrentSnapshot = _define(
    "QuotaExceedConcurrentSnapshot",
    "QuotaExceed.ConcurrentSnapshotQuota",
    403,
    "The number of snapshots being created has exceeded the concurrent quota.",
)
QuotaExceedImage = _define("QuotaExceedImage", "QuotaExceed.Image", 403, "The Image Quota exceeds.")
InvalidImageNameDuplicated = _define(
    "InvalidImageNameDuplicated",
    "InvalidImageName.Duplicated",
    400,
    "The specified image name already exists.",
)
InvalidDeviceMalformed = _define("InvalidDeviceMalformed", "InvalidDevice.Malformed", 400)
InvalidDeviceInUse = _define("InvalidDeviceInUse", "InvalidDevice.InUse", 400)
InvalidSizeValueNotSupported = _define(
    "InvalidSizeValueNotSupported", "InvalidSize.ValueNotSupported", 400
)
OperationDenied = _define("OperationDenied", "OperationDenied", 403)
InvalidSnapshotIdNotReady = _define(
    "InvalidSnapshotIdNotReady",
    "InvalidSnapshotId.NotReady",
    400,
    "The specified snapshot has not completed yet.",
)
InvalidSystemSnapshotMissing = _define(
    "InvalidSystemSnapshotMissing",
    "InvalidSystemSnapshot.Missing",
    400,
    "A system disk snapshot is required.",
)
OperationDeniedNoStock = _define(
    "OperationDeniedNoStock",
    "OperationDenied.NoStock",
    403,
    "Sales of this resource are temporarily suspended in the specified region; "
    "please try again later.",
)
ZoneNotOnSale = _define(
    "ZoneNotOnSale", "Zone.NotOnSale", 403, "The specified zone is not on sale."
)
InvalidInstanceTypeZoneNotSupported = _define(
    "InvalidInstanceTypeZoneNotSupported", "InvalidInstanceType.ZoneNotSupported", 403
)
InvalidSystemDiskCategoryValueNotSupported = _define(
    "InvalidSystemDiskCategoryValueNotSupported",
    "InvalidSystemDiskCategory.ValueNotSupported",
    400,
)
InvalidDataDiskCategoryValueNotSupported = _define(
    "InvalidDataDiskCategoryValueNotSupported", "InvalidDataDiskCategory.ValueNotSupported", 400
)
InvalidDiskCategoryNotSupported = _define(
    "InvalidDiskCategoryNotSupported", "InvalidDiskCategory.NotSupported", 403
)
InvalidDataDeviceMalformed = _define(
    "InvalidDataDeviceMalformed", "InvalidDataDevice.Malformed", 400
)
InvalidParameterMismatch = _define("InvalidParameterMismatch", "InvalidParameter.Mismatch", 400)
InvalidPerformanceLevelValueNotSupported = _define(
    "InvalidPerformanceLevelValueNotSupported", "InvalidPerformanceLevel.ValueNotSupported", 400
)
InvalidDiskSizeTooSmall = _define("InvalidDiskSizeTooSmall", "InvalidDiskSize.TooSmall", 400)
InvalidDiskSizeTooLarge = _define("InvalidDiskSizeTooLarge", "InvalidDiskSize.TooLarge", 400)
QuotaExceedElasticQuota = _define(
    "QuotaExceedElasticQuota",
    "QuotaExceed.ElasticQuota",
    403,
    "No additional quota is available for the specified ECS instance type.",
)
QuotaExceedPostPaidDisk = _define(
    "QuotaExceedPostPaidDisk",
    "QuotaExceed.PostPaidDisk",
    403,
    "Living postPaid disks quota exceeded.",
)
ResourcesNotInSameZone = _define(
    "ResourcesNotInSameZone",
    "ResourcesNotInSameZone",
    403,
    "The specified instance and disk are not in the same zone.",
)
InstanceDiskLimitExceeded = _define(
    "InstanceDiskLimitExceeded",
    "InstanceDiskLimitExceeded",
    403,
    "The number of disks attached to the instance exceeds the limit.",
)
InvalidInstanceTypeNotSupportDiskCategory = _define(
    "InvalidInstanceTypeNotSupportDiskCategory",
    "InvalidInstanceType.NotSupportDiskCategory",
    400,
)
InvalidCidrBlockMalformed = _define("InvalidCidrBlockMalformed", "InvalidCidrBlock.Malformed", 400)
InvalidCidrBlockOverlapped = _define(
    "InvalidCidrBlockOverlapped", "InvalidCidrBlock.Overlapped", 400
)
InvalidVSwitchCidrNotInVpc = _define("InvalidVSwitchCidrNotInVpc", "InvalidCIDRBlock.Mismatch", 400)
InvalidTagKeyMalformed = _define(
    "InvalidTagKeyMalformed",
    "InvalidTagKey.Malformed",
    400,
    "The specified Tag.n.Key is not valid.",
)
InvalidTagValueMalformed = _define(
    "InvalidTagValueMalformed",
    "InvalidTagValue.Malformed",
    400,
    "The specified Tag.n.Value is not valid.",
)
InvalidResourceTypeNotFound = _define(
    "InvalidResourceTypeNotFound", "InvalidResourceType.NotFound", 404
)
IdempotentParameterMismatch = _define(
    "IdempotentParameterMismatch",
    "IdempotentParameterMismatch",
    400,
    "The request uses the same client token as a previous, but non-identical request.",
)
InvalidVSwitchNameMalformed = _define(
    "InvalidVSwitchNameMalformed",
    "InvalidVSwitchName.Malformed",
    400,
    "The VSwitch name must be 1 to 128 characters and cannot start with http:// or https://.",
)
InvalidDescriptionMalformed = _define(
    "InvalidDescriptionMalformed",
    "InvalidDescription.Malformed",
    400,
    "The description must be 1 to 256 characters and cannot start with http:// or https://.",
)
DryRunOperation = _define(
    "DryRunOperation",
    "DryRunOperation",
    400,
    "Request validation has been passed with DryRun flag set.",
)
ImageUsingByInstance = _define(
    "ImageUsingByInstance",
    "ImageUsingByInstance",
    403,
    "The specified image has been used to create instances; pass Force=true to delete it.",
)
ImageIsCreating = _define(
    "ImageIsCreating", "ImageIsCreating", 403, "The specified image is being created."
)
InvalidImageNameMalformed = _define(
    "InvalidImageNameMalformed",
    "InvalidImageName.Malformed",
    400,
    "The image name must be 2 to 128 characters, start with a letter and not start with "
    "http:// or https://.",
)
InvalidSystemDiskSizeLessThanImageSize = _define(
    "InvalidSystemDiskSizeLessThanImageSize",
    "InvalidSystemDiskSize.LessThanImageSize",
    400,
    "The specified parameter SystemDisk.Size is less than the image size.",
)
SnapshotCreatedImage = _define(
    "SnapshotCreatedImage",
    "SnapshotCreatedImage",
    403,
    "The snapshot has been used to create user defined image(s).",
)
SnapshotCreatedDisk = _define(
    "SnapshotCreatedDisk",
    "SnapshotCreatedDisk",
    403,
    "The snapshot has been used to create disk(s).",
)
