"""The named tables of ECS's error codes (botocore's `retries/standard.py` style) that
`RULES` in `cloud.errors` turns into exception classes."""

AUTHENTICATION_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "InvalidSecurityToken.Expired",
        "InvalidSecurityToken.Malformed",
        "InvalidSecurityToken.MismatchWithAccessKey",
        "InvalidCredentials",
    }
)
PERMISSION_CODES = frozenset(
    {"Forbidden", "Forbidden.RAM", "Forbidden.SubUser", "Forbidden.NoPermission", "NoPermission"}
)
THROTTLING_CODES = frozenset(
    {"Throttling", "Throttling.User", "Throttling.Api", "Throttling.Resource"}
)
TRANSIENT_CODES = frozenset({"InternalError", "ServiceUnavailable", "UnknownError"})
# The zone cannot supply it now: another zone can. ResourceNotAvailable is CreateVSwitch's
# "not available in this region or zone" (its error table), which a zone outage also answers.
NO_STOCK_CODES = frozenset(
    {
        "OperationDenied.NoStock",
        "Zone.NotOnSale",
        "InvalidInstanceType.ZoneNotSupported",
        "ResourceNotAvailable",
    }
)
# "Ask again" answers: the same request succeeds once ECS has finished what it is doing.
# ECS-FACTS.md "Tags, idempotency, busy resources, deletes"; Terraform's Alibaba provider
# retries these (its `IsExpectedErrors` lists in alicloud/common.go and the resources' create
# and delete functions); Packer's alicloud builder retries IdempotentProcessing and
# IncorrectInstanceStatus.Initializing. The VPC API's own: CreateVSwitch's reference.
BUSY_CODES = frozenset(
    {
        "IdempotentProcessing",
        "LastTokenProcessing",
        "OperationConflict",
        "Operation.Conflict",
        "InvalidOperation.Conflict",
        "IncorrectInstanceStatus",
        "IncorrectInstanceStatus.Initializing",
        "IncorrectDiskStatus",
        "IncorrectDiskStatus.Initializing",
        "IncorrectDiskStatus.CreatingSnapshot",
        "InvalidSnapshotId.NotReady",
        "InvalidSnapshot.NotReady",
        "SnapshotNotReady",
        "TooManySnapshot.Unfinished",
        "QuotaExceed.ConcurrentSnapshotQuota",
        "OperationFailed.IdempotentTokenProcessing",
        "OperationFailed.LastTokenProcessing",
        # The VPC API's CreateVSwitch while another VSwitch of the VPC is still Pending.
        "IncorrectVSwitchStatus",
        "OperationConflict.DisksAttachingParallellyExceed",
    }
)
# Codes that asking again never cures, though their family reads like "busy".
NEVER_SUCCEED_CODES = frozenset(
    {"IdempotentParameterMismatch", "IncorrectDiskStatus.NeverAttached"}
)
INVALID_PARAMETER_CODES = frozenset(
    {
        "DiskCategory.OperationNotSupported",
        "ResourcesNotInSameZone",
        "InstanceDiskLimitExceeded",
        "NumberExceed.TooManyDisks",
        "CapacityExceed.TooManyDisks",
        "InvalidDiskIds.NotInSameZone",
        "OperationDenied.PerformanceLevelNotMatch",
    }
    | NEVER_SUCCEED_CODES
)
