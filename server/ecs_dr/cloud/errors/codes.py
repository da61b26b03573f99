"""The classification: named tables of ECS's codes (botocore's `retries/standard.py` style)
and the rules that turn a code into the most specific exception class."""

from __future__ import annotations

from dataclasses import dataclass

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
)

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
NO_STOCK_CODES = frozenset(
    {"OperationDenied.NoStock", "Zone.NotOnSale", "InvalidInstanceType.ZoneNotSupported"}
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
