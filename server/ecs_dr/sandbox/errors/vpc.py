"""Errors only the VPC API answers, and those of the actions an operator changes a source with."""

from __future__ import annotations

from ecs_dr.sandbox.errors.base import EcsError, define, not_found
from ecs_dr.sandbox.errors.protocol import ForbiddenRam


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
OperationFailedIdempotentTokenProcessing = define(
    "OperationFailedIdempotentTokenProcessing",
    "OperationFailed.IdempotentTokenProcessing",
    400,
    "Action is processing.",
)
# ECS-CREATE-TABLE: CreateVSwitch in a zone that cannot take one (a zone outage answers it).
ResourceNotAvailable = define(
    "ResourceNotAvailable",
    "ResourceNotAvailable",
    400,
    "Resource you requested is not available in this region or zone.",
)
# VPC-CREATE (the limit), ECS-CREATE-TABLE and VPC-CREATE-TABLE (code and status).
QuotaExceededVSwitch = define(
    "QuotaExceededVSwitch",
    "QuotaExceeded.VSwitch",
    400,
    "Virtual switch quota exceeded.",
)
# VPC-CREATE-TABLE: "VSwitch Creation simultaneously is not supported" (a VSwitch of the VPC is
# still being created); Terraform's vswitch resource retries it.
VSwitchCreationInProgress = define(
    "VSwitchCreationInProgress",
    "IncorrectVSwitchStatus",
    400,
    "VSwitch Creation simultaneously is not supported.",
)
# VPC-DELETE: the VPC API reference's DeleteVSwitch page and its error table
# (alibabacloud.com/help/en/vpc/developer-reference/api-vpc-2016-04-28-deletevswitch): only an
# Available VSwitch with nothing in it is deleted. Its table also lists IncorrectVSwitchStatus
# ("vpc subnet is in middle status": the VSwitch itself is Pending), DependencyViolation.HaVip,
# .RouteTable and .Snat, IncorrectRouteEntryStatus and TaskConflict, for resources the sandbox
# does not hold. A VSwitch an instance (or its ENI) is in: "Specified object has dependent
# resources".
DependencyViolation = define(
    "DependencyViolation",
    "DependencyViolation",
    400,
    "Specified object has dependent resources.",
)
# VPC-DELETE: another VSwitch of the VPC is being created.
OperationDeniedOtherSubnetProcessing = define(
    "OperationDeniedOtherSubnetProcessing",
    "OperationDenied.OtherSubnetProcessing",
    400,
    "other subnet is processing.",
)
# ECS-CREATE-TABLE and VPC-CREATE-TABLE: a block outside the VPC's is plain InvalidParameter.
VpcCidrBlockNotInVpc = define(
    "VpcCidrBlockNotInVpc",
    "InvalidParameter",
    400,
    "Specified CIDR block is not valid in VPC.",
)


def _illegal_param(param: str, spelled: str = "") -> type[EcsError]:
    """VPC-PUBLIC's IllegalParam.<param> (400); its message spells the parameter `spelled`, if
    given, as the request does (Tag.Key for TagKey)."""
    message = f"The param of {spelled or param} is illegal."
    return define(f"IllegalParam{param}", f"IllegalParam.{param}", 400, message)


# VPC-PUBLIC lists IllegalParam.TagKey, IllegalParam.TagValue and MissingParam.TagKey (400).
IllegalParamTagKey = _illegal_param("TagKey", "Tag.Key")
IllegalParamTagValue = _illegal_param("TagValue", "Tag.Value")
MissingParamTagKey = define(
    "MissingParamTagKey",
    "MissingParam.TagKey",
    400,
    "The parameter TagKey is mandatory.",
)
# Unconfirmed for TagResources: no VPC page found lists its code for a bad ResourceType. This
# follows VPC-PUBLIC's IllegalParam.<Param> (400) pattern, the code vpc MoveResourceGroup was seen
# answering for an unsupported ResourceType; the sandbox refuses, strictly.
IllegalParamResourceType = _illegal_param("ResourceType")
# Unconfirmed: tagging a documented type the sandbox holds none of (ROUTETABLE, EIP...) names a
# resource that cannot exist here; no VPC page found gives the code, so a generic not-found.
InvalidResourceIdNotFound = not_found("InvalidResourceId.NotFound", "ResourceId")


# --- ModifyInstanceNetworkSpec / ResizeDisk ----------------------------------------------------
# Actions an operator changes a source with (the product never calls them): codes and statuses
# from their API reference pages' error tables.
# ModifyInstanceNetworkSpec: InternetMaxBandwidthOut outside 0-100.
InvalidInternetMaxBandwidthOutValueNotSupported = define(
    "InvalidInternetMaxBandwidthOutValueNotSupported",
    "InvalidInternetMaxBandwidthOut.ValueNotSupported",
    400,
    "The specified InternetMaxBandwidthOut beyond the permitted range.",
)
# ResizeDisk: a NewSize beyond what the disk's category holds.
InvalidParameterNewSize = define(
    "InvalidParameterNewSize",
    "InvalidParameter",
    403,
    'The specified parameter "NewSize" is not valid.',
)
