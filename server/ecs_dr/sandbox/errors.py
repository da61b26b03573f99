"""ECS error codes as exceptions: one class per code, rendered by one handler in `app.py`.

Each class carries ECS's code and HTTP status; the message names the offending value, as
ECS's messages do. Codes and statuses follow the error table of the API reference page of the
action that raises them (ECS-FACTS.md sums them up). One code may carry another status on
another action's page (IncorrectInstanceStatus is 400 for CreateSnapshot, 403 for
DeleteInstance): the class holds the usual one and that raise passes `status=`, naming the page.
"""

from __future__ import annotations

from typing import ClassVar


class EcsError(Exception):
    code: ClassVar[str] = "InternalError"
    status: ClassVar[int] = 500
    default_message: ClassVar[str] = "The request processing has failed due to some unknown error."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.default_message
        self.http_status = status or type(self).status
        super().__init__(self.message)


class DynamicError(EcsError):
    """An error whose code and status are chosen at run time (fault injection)."""

    def __init__(self, code: str, status: int, message: str | None = None) -> None:
        super().__init__(message or f"Injected fault: {code}.", status=status)
        self.dynamic_code = code


def error_code(err: EcsError) -> str:
    return err.dynamic_code if isinstance(err, DynamicError) else err.code


def error_status(err: EcsError) -> int:
    return err.http_status


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
    # the service RAM authorizes the action as, as the message names it (`ecs:<Action>`)
    service: ClassVar[str] = "ecs"

    def __init__(self, action: str) -> None:
        super().__init__(
            f"User not authorized to operate on the specified resource, or this API doesn't "
            f"support RAM. Action: {self.service}:{action}"
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
# 400 on CreateSnapshot, CreateSnapshotGroup, AttachDisk and CreateImage; 403 on DeleteInstance.
IncorrectInstanceStatus = _define(
    "IncorrectInstanceStatus",
    "IncorrectInstanceStatus",
    400,
    "The current status of the resource does not support this operation.",
)
# DeleteInstance of an instance still Pending or Starting: try again later.
IncorrectInstanceStatusInitializing = _define(
    "IncorrectInstanceStatusInitializing",
    "IncorrectInstanceStatus.Initializing",
    403,
    "The specified instance status does not support this operation.",
)
# 403 on CreateSnapshot, CreateSnapshotGroup, AttachDisk, CreateImage and DeleteDisk.
IncorrectDiskStatus = _define(
    "IncorrectDiskStatus",
    "IncorrectDiskStatus",
    403,
    "The current disk status does not support this operation.",
)
# DeleteDisk of a disk still Creating: try again later.
IncorrectDiskStatusInitializing = _define(
    "IncorrectDiskStatusInitializing",
    "IncorrectDiskStatus.Initializing",
    403,
    "The current disk status does not support this operation.",
)
# CreateSnapshot and CreateSnapshotGroup of an Available disk never attached: never succeeds.
IncorrectDiskStatusNeverAttached = _define(
    "IncorrectDiskStatusNeverAttached",
    "IncorrectDiskStatus.NeverAttached",
    403,
    "The specified disk has never been attached to any instance.",
)
# 403 on CreateSnapshot, CreateSnapshotGroup and CreateImage; 400 on DeleteSnapshot.
IncorrectDiskStatusCreatingSnapshot = _define(
    "IncorrectDiskStatusCreatingSnapshot",
    "IncorrectDiskStatus.CreatingSnapshot",
    403,
    "A previous snapshot creation is in process.",
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
    "InvalidOperationMultiAttachDisk", "InvalidOperation.MultiAttachDisk", 403
)
InvalidDiskIdsNotInSameZone = _define(
    "InvalidDiskIdsNotInSameZone",
    "InvalidDiskIds.NotInSameZone",
    400,
    "The specified disks are not in the same availability zone.",
)
# CreateSnapshotGroup with neither InstanceId nor DiskId.N; the code is spelled so on its page.
MissingParamterInstanceId = _define(
    "MissingParamterInstanceId",
    "MissingParamter.InstanceId",
    400,
    "The specified InstanceId should not be null.",
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
# 403 on AttachDisk and RunInstances; 400 on CreateImage.
InvalidDeviceInUse = _define("InvalidDeviceInUse", "InvalidDevice.InUse", 403)
InvalidSizeValueNotSupported = _define(
    "InvalidSizeValueNotSupported", "InvalidSize.ValueNotSupported", 400
)
OperationDenied = _define("OperationDenied", "OperationDenied", 403)
InvalidSnapshotIdNotReady = _define(
    "InvalidSnapshotIdNotReady",
    "InvalidSnapshotId.NotReady",
    403,
    "The specified snapshot has not completed yet.",
)
InvalidSystemSnapshotMissing = _define(
    "InvalidSystemSnapshotMissing",
    "InvalidSystemSnapshot.Missing",
    403,
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
InvalidPerformanceLevelMalformed = _define(
    "InvalidPerformanceLevelMalformed", "InvalidPerformanceLevel.Malformed", 400
)
# CreateDisk and RunInstances: a size outside the performance level's range.
OperationDeniedPerformanceLevelNotMatch = _define(
    "OperationDeniedPerformanceLevelNotMatch", "OperationDenied.PerformanceLevelNotMatch", 403
)
InvalidDiskSizeTooSmall = _define("InvalidDiskSizeTooSmall", "InvalidDiskSize.TooSmall", 403)
InvalidParamZoneIdAndInstanceIdConflict = _define(
    "InvalidParamZoneIdAndInstanceIdConflict",
    "InvalidParam.ZoneIdAndInstanceId.Conflict",
    403,
    "The specified parameter 'ZoneId' and 'InstanceId' are not blank at the same time.",
)
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
    403,
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
# TagResources and ListTagResources (their pages' error tables).
InvalidResourceTypeNotFound = _define(
    "InvalidResourceTypeNotFound",
    "InvalidResourceType.NotFound",
    404,
    "The ResourceType provided does not exist in our records.",
)
MissingParameterResourceType = _define(
    "MissingParameterResourceType",
    "MissingParameter.ResourceType",
    404,
    "The parameter - ResourceType should not be null.",
)
MissingParameterResourceIds = _define(
    "MissingParameterResourceIds",
    "MissingParameter.ResourceIds",
    404,
    "The parameter - ResourceIds.N should not be null.",
)
MissingParameterTags = _define(
    "MissingParameterTags", "MissingParameter.Tags", 404, "The parameter - Tags should not be null."
)
NumberExceedResourceIds = _define(
    "NumberExceedResourceIds",
    "NumberExceed.ResourceIds",
    400,
    "The ResourceIds parameter's number is exceed , Valid : 50.",
)
OperationDeniedQuotaExceed = _define(
    "OperationDeniedQuotaExceed",
    "OperationDenied.QuotaExceed",
    400,
    "The quota of tags on resource is beyond permitted range.",
)
BothEmptyTagsAndResources = _define(
    "BothEmptyTagsAndResources",
    "BothEmpty.TagsAndResources",
    403,
    "The specified Tags and ResourcesIds are not allow to both empty.",
)
# 403 on CreateSnapshot and CreateSnapshotGroup; the other creates' pages do not list it.
IdempotentParameterMismatch = _define(
    "IdempotentParameterMismatch",
    "IdempotentParameterMismatch",
    400,
    "The request uses the same client token as a previous, but non-identical request.",
)
# A create repeated with its ClientToken while the first is still processed: try again later.
IdempotentProcessing = _define(
    "IdempotentProcessing",
    "IdempotentProcessing",
    403,
    "The previous idempotent request(s) is still processing.",
)
LastTokenProcessing = _define(
    "LastTokenProcessing", "LastTokenProcessing", 403, "The last token request is processing."
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
# RunInstances' page lists it under 404, unusual as that is.
InvalidSystemDiskSizeLessThanImageSize = _define(
    "InvalidSystemDiskSizeLessThanImageSize",
    "InvalidSystemDiskSize.LessThanImageSize",
    404,
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


# --- VPC API (2016-04-28) ----------------------------------------------------------------------
# Codes the VPC API answers that ECS's own actions do not. The references, by short name:
# - VPC-CREATE: the VPC API reference's CreateVSwitch page
#   (alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-createvswitch): 150
#   VSwitches per VPC, Pending then Available, no repeated creates in a VPC in a short period.
# - ECS-CREATE-TABLE: the error table of ECS's deprecated CreateVSwitch, which the VPC service
#   answers (help.aliyun.com/zh/ecs/developer-reference/api-ecs-2014-05-26-createvswitch).
# - VPC-CREATE-TABLE: the VPC API reference's CreateVSwitch error table as the docs repository
#   mirror lyyvli/vpc keeps it (cn.zh-CN/API参考/交换机/CreateVSwitch.md).
# - VPC-PUBLIC: the VPC API's public error codes
#   (help.aliyun.com/en/vpc/developer-reference/api-vpc-2016-04-28-errorcodes).
class VpcForbiddenRam(ForbiddenRam):
    """Forbidden.RAM for an action RAM authorizes as the VPC service's (`vpc:<Action>`)."""

    service = "vpc"


# ECS-CREATE-TABLE; aliyun/terraform-provider-alicloud alicloud/resource_alicloud_vswitch.go
# retries it on CreateVSwitch.
OperationFailedIdempotentTokenProcessing = _define(
    "OperationFailedIdempotentTokenProcessing",
    "OperationFailed.IdempotentTokenProcessing",
    400,
    "Action is processing.",
)
# VPC-CREATE (the limit), ECS-CREATE-TABLE and VPC-CREATE-TABLE (code and status).
QuotaExceededVSwitch = _define(
    "QuotaExceededVSwitch", "QuotaExceeded.VSwitch", 400, "Virtual switch quota exceeded."
)
# VPC-CREATE-TABLE: "VSwitch Creation simultaneously is not supported" (a VSwitch of the VPC is
# still being created); Terraform's vswitch resource retries it.
VSwitchCreationInProgress = _define(
    "VSwitchCreationInProgress",
    "IncorrectVSwitchStatus",
    400,
    "VSwitch Creation simultaneously is not supported.",
)
# ECS-CREATE-TABLE and VPC-CREATE-TABLE: a block outside the VPC's is plain InvalidParameter.
VpcCidrBlockNotInVpc = _define(
    "VpcCidrBlockNotInVpc", "InvalidParameter", 400, "Specified CIDR block is not valid in VPC."
)


def _illegal_param(param: str, spelled: str = "") -> type[EcsError]:
    """VPC-PUBLIC's IllegalParam.<param> (400); its message spells the parameter `spelled`, if
    given, as the request does (Tag.Key for TagKey)."""
    message = f"The param of {spelled or param} is illegal."
    return _define(f"IllegalParam{param}", f"IllegalParam.{param}", 400, message)


# VPC-PUBLIC lists IllegalParam.TagKey, IllegalParam.TagValue and MissingParam.TagKey (400).
IllegalParamTagKey = _illegal_param("TagKey", "Tag.Key")
IllegalParamTagValue = _illegal_param("TagValue", "Tag.Value")
MissingParamTagKey = _define(
    "MissingParamTagKey", "MissingParam.TagKey", 400, "The parameter TagKey is mandatory."
)
# Unconfirmed for TagResources: no VPC page found lists its code for a bad ResourceType. This
# follows VPC-PUBLIC's IllegalParam.<Param> (400) pattern, the code vpc MoveResourceGroup was seen
# answering for an unsupported ResourceType; the sandbox refuses, strictly.
IllegalParamResourceType = _illegal_param("ResourceType")
# Unconfirmed: tagging a documented type the sandbox holds none of (ROUTETABLE, EIP...) names a
# resource that cannot exist here; no VPC page found gives the code, so a generic not-found.
InvalidResourceIdNotFound = _not_found("InvalidResourceId.NotFound", "ResourceId")


# --- ModifyInstanceNetworkSpec / ResizeDisk ----------------------------------------------------
# Actions an operator changes a source with (the product never calls them): codes and statuses
# from their API reference pages' error tables.
# ModifyInstanceNetworkSpec: InternetMaxBandwidthOut outside 0-100.
InvalidInternetMaxBandwidthOutValueNotSupported = _define(
    "InvalidInternetMaxBandwidthOutValueNotSupported",
    "InvalidInternetMaxBandwidthOut.ValueNotSupported",
    400,
    "The specified InternetMaxBandwidthOut beyond the permitted range.",
)
# ResizeDisk: a NewSize beyond what the disk's category holds.
InvalidParameterNewSize = _define(
    "InvalidParameterNewSize",
    "InvalidParameter",
    403,
    'The specified parameter "NewSize" is not valid.',
)
